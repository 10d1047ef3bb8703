output "endpoint" {
  description = "host:port of the control API (the provider's endpoint and WEIR_ENDPOINT)."
  value       = "${aws_lb.this.dns_name}:${var.listen_port}"
}

output "ca_cert_parameter_name" {
  description = "SSM parameter holding the agent's CA certificate (PEM), written at the host's first boot; read it with data \"aws_ssm_parameter\" for the provider's ca_cert."
  value       = aws_ssm_parameter.ca.name
}

output "token_parameter_arn" {
  description = "SSM SecureString with the control API token."
  value       = aws_ssm_parameter.token.arn
}

output "role_arn" {
  value = aws_iam_role.this.arn
}

output "role_name" {
  value = aws_iam_role.this.name
}

output "security_group_id" {
  description = "The agent's security group (allow it on your PostgreSQL sources' 5432)."
  value       = aws_security_group.agent.id
}

output "load_balancer_security_group_id" {
  value = aws_security_group.lb.id
}

output "kms_key_arn" {
  description = "Key for the stage's SSE-KMS (weir_destination_snowflake stage kms_key_id) and secrets."
  value       = aws_kms_key.this.arn
}

output "stage_url" {
  description = "s3:// URL of the prefix the agent may write (the destination's stage url)."
  value       = "s3://${var.stage_bucket}/${local.stage_prefix}"
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.this.name
}

output "autoscaling_group_name" {
  value = aws_autoscaling_group.this.name
}

output "data_volume_id" {
  value = aws_ebs_volume.data.id
}

output "availability_zone" {
  value = data.aws_subnet.this.availability_zone
}
