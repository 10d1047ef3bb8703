output "instance_policy_json" {
  description = "The instance role's inline policy (least privilege)."
  value       = local.instance_policy
}

output "assume_role_policy_json" {
  description = "Trust policy letting EC2 assume the instance role."
  value       = local.assume_role_policy
}

output "user_data" {
  description = "User data script (plain text; the launch template base64-encodes it). At most 16 KiB."
  value       = local.user_data
  precondition {
    condition     = length(local.user_data) <= 16384
    error_message = "The rendered user data exceeds EC2's 16 KiB limit."
  }
}

output "agent_env" {
  description = "Content of /etc/weir/agent.env."
  value       = local.agent_env
}

output "boot_conf" {
  description = "Content of /etc/weir/boot.conf (read by the boot script)."
  value       = local.boot_conf
}

output "token_parameter_name" {
  value = local.token_parameter
}

output "ca_parameter_name" {
  value = local.ca_parameter
}

output "listen_port" {
  value = var.listen_port
}

output "key_policy_json" {
  description = "The KMS key's policy: account administration, and CloudWatch Logs for the agent's log group."
  value       = local.key_policy
}

output "log_group_arn" {
  value = local.log_group_arn
}

output "metric_namespace" {
  value = var.metric_namespace
}
