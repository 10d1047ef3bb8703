resource "aws_iam_role" "this" {
  name_prefix        = "${var.name}-"
  description        = "Weir agent ${var.name} (${var.environment}) instance role"
  assume_role_policy = module.render.assume_role_policy_json
  tags               = local.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "weir-agent"
  role   = aws_iam_role.this.id
  policy = module.render.instance_policy_json
}

resource "aws_iam_instance_profile" "this" {
  name_prefix = "${var.name}-"
  role        = aws_iam_role.this.name
  tags        = local.tags
}
