variable "name" {
  description = "Name of the agent deployment; tags, the log stream prefix and IAM conditions use it."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,40}$", var.name))
    error_message = "name: lowercase letters, digits and dashes, at most 41 characters."
  }
}

variable "environment" {
  description = "Environment (dev, staging, prod...): secrets and parameters live under /weir/<environment>/."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,30}$", var.environment))
    error_message = "environment: lowercase letters, digits and dashes."
  }
}

variable "partition" {
  type    = string
  default = "aws"
}

variable "region" {
  type = string
}

variable "account_id" {
  type = string
  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id: twelve digits."
  }
}

variable "kms_key_arn" {
  description = "The one KMS key for sealed secrets, stage chunks (SSE-KMS), the token parameter and the data volume."
  type        = string
}

variable "stage_bucket" {
  type = string
}

variable "stage_prefix" {
  description = "Key prefix the agent may write below, e.g. \"dev/\". Empty: the whole bucket."
  type        = string
  default     = ""
}

variable "secret_arns" {
  description = "Secrets Manager secrets outside weir/<environment>/ the agent may read (exact ARNs)."
  type        = list(string)
  default     = []
}

variable "log_group_name" {
  type = string
}

variable "metric_namespace" {
  type    = string
  default = "Weir"
}

variable "data_volume_id" {
  description = "The persistent EBS volume holding /var/lib/weir (vol-...)."
  type        = string
}

variable "data_volume_device" {
  description = "Device name the volume is attached as (/dev/sdf; NVMe instances show it as /dev/nvme*n1 with the volume id as serial)."
  type        = string
  default     = "/dev/sdf"
}

variable "package_source" {
  description = "Where user data gets the weir-agent .deb: s3://bucket/key (read with the instance role) or https://..."
  type        = string
  validation {
    condition     = can(regex("^(s3://[^/]+/.+\\.deb|https://.+\\.deb)$", var.package_source))
    error_message = "package_source: s3://BUCKET/KEY.deb or https://.../NAME.deb."
  }
}

variable "package_sha256" {
  description = "SHA-256 of the .deb; installation refuses any other file. Empty: not checked (https sources should pin it)."
  type        = string
  default     = ""
  validation {
    condition     = var.package_sha256 == "" || can(regex("^[0-9a-f]{64}$", var.package_sha256))
    error_message = "package_sha256: 64 lowercase hex digits."
  }
}

variable "listen_port" {
  type    = number
  default = 7443
}

variable "metrics_port" {
  type    = number
  default = 9464
}

variable "tls_names" {
  description = "DNS names (the load balancer's, your own aliases) the agent's self-issued certificate covers."
  type        = list(string)
}

variable "workers" {
  type    = number
  default = 2
}

variable "log_level" {
  type    = string
  default = "info"
}

variable "extra_environment" {
  description = "More WEIR_* settings for /etc/weir/agent.env (non-secret)."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.extra_environment) : can(regex("^WEIR_[A-Z0-9_]+$", k)) && k != "WEIR_TOKEN"])
    error_message = "extra_environment: keys must be WEIR_* names, and never WEIR_TOKEN (the token comes from SSM)."
  }
}
