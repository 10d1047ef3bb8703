# The Weir agent on EC2: one instance in an Auto Scaling group (self-healing, rolling refresh),
# its store on a persistent encrypted EBS volume that the boot script attaches, reached through
# an internal Network Load Balancer, with a least-privilege role and CloudWatch alarms.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_subnet" "this" {
  id = var.subnet_id
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_ec2_managed_prefix_list" "s3" {
  name = "com.amazonaws.${data.aws_region.current.region}.s3"
}

data "aws_ami" "debian" {
  count       = var.ami_id == null ? 1 : 0
  most_recent = true
  owners      = ["136693071363"] # Debian's own AWS account

  filter {
    name   = "name"
    values = ["debian-12-amd64-*"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

locals {
  tags           = merge({ "weir:agent" = var.name, "weir:environment" = var.environment }, var.tags)
  stage_prefix   = coalesce(var.stage_prefix, "${var.environment}/")
  package_source = coalesce(var.package_source, "s3://${var.stage_bucket}/packages/weir-agent_amd64.deb")
  log_group_name = "/weir/${var.environment}/${var.name}"
  endpoint_host  = aws_lb.this.dns_name
}

module "render" {
  source = "./modules/render"

  name              = var.name
  environment       = var.environment
  partition         = data.aws_partition.current.partition
  region            = data.aws_region.current.region
  account_id        = data.aws_caller_identity.current.account_id
  kms_key_arn       = aws_kms_key.this.arn
  stage_bucket      = var.stage_bucket
  stage_prefix      = local.stage_prefix
  secret_arns       = var.secret_arns
  log_group_name    = local.log_group_name
  data_volume_id    = aws_ebs_volume.data.id
  package_source    = local.package_source
  package_sha256    = var.package_sha256
  listen_port       = var.listen_port
  tls_names         = concat([local.endpoint_host], var.tls_names)
  workers           = var.workers
  extra_environment = var.extra_environment
}
