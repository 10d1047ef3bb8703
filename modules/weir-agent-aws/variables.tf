# Required: where the agent runs and what it reads and writes.

variable "environment" {
  description = "Environment name (dev, staging, prod): secrets and parameters under /weir/<environment>/, stage objects under <environment>/."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the private subnet."
  type        = string
}

variable "subnet_id" {
  description = "The one private subnet the agent runs in. The group is pinned to it because the data volume lives in one Availability Zone."
  type        = string
}

variable "stage_bucket" {
  description = "S3 bucket of the Snowflake stage (existing). The agent writes below stage_prefix only."
  type        = string
}

variable "agent_token" {
  description = "Bearer token for the control API (at least 16 characters). Stored as an SSM SecureString through a write-only argument: never in state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# Defaulted.

variable "name" {
  description = "Name of this agent; prefixes every resource."
  type        = string
  default     = "weir-agent"
}

variable "agent_token_version" {
  description = "Bump to write a new agent_token (write-only arguments are only sent when this changes)."
  type        = number
  default     = 1
}

variable "secret_arns" {
  description = "Secrets Manager ARNs outside weir/<environment>/ the agent may read (e.g. RDS-managed secrets)."
  type        = list(string)
  default     = []
}

variable "stage_prefix" {
  description = "Key prefix in stage_bucket the agent may write; null means \"<environment>/\"."
  type        = string
  default     = null
}

variable "package_source" {
  description = "The weir-agent .deb: s3://BUCKET/KEY or https://.../NAME.deb. null means s3://<stage_bucket>/packages/weir-agent_amd64.deb."
  type        = string
  default     = null
}

variable "package_sha256" {
  description = "SHA-256 of the .deb; the boot script refuses any other file. Strongly advised."
  type        = string
  default     = ""
}

variable "instance_type" {
  type    = string
  default = "t3.medium"
}

variable "ami_id" {
  description = "AMI to run (Debian 12 or a derivative with python3 and systemd). null: the newest official Debian 12 amd64 AMI."
  type        = string
  default     = null
}

variable "root_volume_size" {
  type    = number
  default = 20
}

variable "data_volume_size" {
  description = "GiB of the persistent data volume (store and stage chunks)."
  type        = number
  default     = 100
}

variable "data_volume_type" {
  type    = string
  default = "gp3"
}

variable "listen_port" {
  type    = number
  default = 7443
}

variable "control_api_allowed_cidrs" {
  description = "Networks allowed to reach the control API through the load balancer (CI runners, operators)."
  type        = list(string)
  default     = []
}

variable "control_api_allowed_security_group_ids" {
  description = "Security groups allowed to reach the control API through the load balancer."
  type        = list(string)
  default     = []
}

variable "https_egress_cidrs" {
  description = "Where port 443 may go besides S3's prefix list: interface VPC endpoints (Secrets Manager, SSM, KMS, Logs, CloudWatch, EC2, Session Manager) and Snowflake (PrivateLink addresses, or the firewall's path). null: the VPC's CIDR."
  type        = list(string)
  default     = null
}

variable "https_egress_prefix_list_ids" {
  description = "Extra prefix lists for port 443 (S3's is always added, for the gateway endpoint)."
  type        = list(string)
  default     = []
}

variable "http_egress_cidrs" {
  description = "Where port 80 may go (Debian package mirrors, when the boot script must resolve the package's dependencies). Empty: none."
  type        = list(string)
  default     = []
}

variable "postgres_security_group_ids" {
  description = "Security groups of the PostgreSQL sources the agent may reach on 5432."
  type        = list(string)
  default     = []
}

variable "postgres_cidrs" {
  description = "PostgreSQL sources reachable on 5432 by address, when they have no security group here."
  type        = list(string)
  default     = []
}

variable "tls_names" {
  description = "Extra DNS names (your aliases for the load balancer) the agent's certificate covers."
  type        = list(string)
  default     = []
}

variable "workers" {
  type    = number
  default = 2
}

variable "extra_environment" {
  description = "More WEIR_* settings for /etc/weir/agent.env."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "alarm_actions" {
  description = "SNS topic ARNs notified when an alarm fires or clears."
  type        = list(string)
  default     = []
}

variable "max_seconds_since_success" {
  description = "The last-success alarm fires when the stalest pipeline table has not committed a run for this long."
  type        = number
  default     = 7200
}

variable "tags" {
  type    = map(string)
  default = {}
}
