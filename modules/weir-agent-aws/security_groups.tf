# The agent's group: no ingress but the control API from the load balancer; egress only where the
# agent must go. Traffic to the Amazon DNS resolver, instance metadata and time sync is not
# filtered by security groups and needs no rule.
resource "aws_security_group" "agent" {
  name_prefix = "${var.name}-"
  description = "Weir agent ${var.name}: control API from its load balancer; egress to endpoints, Snowflake, sources"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "agent_from_lb" {
  security_group_id            = aws_security_group.agent.id
  description                  = "Control API (gRPC over TLS) through the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.listen_port
  to_port                      = var.listen_port
  referenced_security_group_id = aws_security_group.lb.id
}

resource "aws_vpc_security_group_egress_rule" "https_cidr" {
  for_each          = toset(coalesce(var.https_egress_cidrs, [data.aws_vpc.this.cidr_block]))
  security_group_id = aws_security_group.agent.id
  description       = "HTTPS to VPC endpoints and Snowflake"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "https_prefix_list" {
  for_each          = toset(concat([data.aws_ec2_managed_prefix_list.s3.id], var.https_egress_prefix_list_ids))
  security_group_id = aws_security_group.agent.id
  description       = "HTTPS to S3 (gateway endpoint) and other prefix lists"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.value
}

resource "aws_vpc_security_group_egress_rule" "http_cidr" {
  for_each          = toset(var.http_egress_cidrs)
  security_group_id = aws_security_group.agent.id
  description       = "HTTP to package mirrors"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "postgres_sg" {
  for_each                     = toset(var.postgres_security_group_ids)
  security_group_id            = aws_security_group.agent.id
  description                  = "PostgreSQL sources"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "postgres_cidr" {
  for_each          = toset(var.postgres_cidrs)
  security_group_id = aws_security_group.agent.id
  description       = "PostgreSQL sources"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = each.value
}

# The load balancer's group: who may call the control API.
resource "aws_security_group" "lb" {
  name_prefix = "${var.name}-lb-"
  description = "Weir agent ${var.name} load balancer: control API clients"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-lb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "lb_cidr" {
  for_each          = toset(var.control_api_allowed_cidrs)
  security_group_id = aws_security_group.lb.id
  description       = "Control API clients"
  ip_protocol       = "tcp"
  from_port         = var.listen_port
  to_port           = var.listen_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "lb_sg" {
  for_each                     = toset(var.control_api_allowed_security_group_ids)
  security_group_id            = aws_security_group.lb.id
  description                  = "Control API clients"
  ip_protocol                  = "tcp"
  from_port                    = var.listen_port
  to_port                      = var.listen_port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "lb_to_agent" {
  security_group_id            = aws_security_group.lb.id
  description                  = "To the agent"
  ip_protocol                  = "tcp"
  from_port                    = var.listen_port
  to_port                      = var.listen_port
  referenced_security_group_id = aws_security_group.agent.id
}
