# One key for what the agent keeps secret: sealed write-only values and stage chunks on disk
# (envelope data key), the token parameter, the data volume and the log group.
resource "aws_kms_key" "this" {
  description             = "Weir agent ${var.name} (${var.environment}): secrets, stage, data volume, logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = module.render.key_policy_json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/weir/${var.environment}/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
