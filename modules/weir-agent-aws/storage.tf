# The store lives on this volume, not on the instance: a replaced instance attaches it again and
# the agent resumes with its objects, runs, watermarks and sealed key. It is in the subnet's
# Availability Zone, which is why the group is pinned to that one subnet.
resource "aws_ebs_volume" "data" {
  availability_zone = data.aws_subnet.this.availability_zone
  size              = var.data_volume_size
  type              = var.data_volume_type
  encrypted         = true
  kms_key_id        = aws_kms_key.this.arn
  final_snapshot    = true
  tags              = merge(local.tags, { Name = "${var.name}-data" })
}

resource "aws_ssm_parameter" "token" {
  name             = module.render.token_parameter_name
  description      = "Bearer token of the Weir agent ${var.name} control API"
  type             = "SecureString"
  key_id           = aws_kms_key.this.arn
  value_wo         = var.agent_token
  value_wo_version = var.agent_token_version
  tags             = local.tags
}

# The agent host writes its certificate here at boot (public: clients use it as their CA).
resource "aws_ssm_parameter" "ca" {
  name        = module.render.ca_parameter_name
  description = "CA certificate of the Weir agent ${var.name} control API (written by the host)"
  type        = "String"
  value       = "pending: written by the agent host at its first boot"
  tags        = local.tags

  lifecycle {
    ignore_changes = [value]
  }
}
