resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-"
  description            = "Weir agent ${var.name} (${var.environment})"
  image_id               = var.ami_id != null ? var.ami_id : data.aws_ami.debian[0].id
  instance_type          = var.instance_type
  user_data              = base64encode(module.render.user_data)
  vpc_security_group_ids = [aws_security_group.agent.id]
  update_default_version = true
  ebs_optimized          = true
  # No key_name: shell access is Session Manager only.

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1          # no metadata for containers or forwarded traffic
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = var.name })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.tags, { Name = "${var.name}-root" })
  }

  tags = local.tags
}

# Exactly one instance. A refresh (new launch template version, e.g. a new package) terminates the
# old instance before launching the new one, because the data volume attaches to one at a time.
resource "aws_autoscaling_group" "this" {
  name_prefix               = "${var.name}-"
  min_size                  = 1
  max_size                  = 1
  desired_capacity          = 1
  vpc_zone_identifier       = [var.subnet_id]
  health_check_type         = "ELB"
  health_check_grace_period = 600
  target_group_arns         = [aws_lb_target_group.this.arn]
  default_instance_warmup   = 300
  wait_for_capacity_timeout = "0"

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 0
      max_healthy_percentage = 100
      instance_warmup        = 300
    }
  }

  dynamic "tag" {
    for_each = merge(local.tags, { Name = var.name })
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}

# A stable name for the control API whatever instance is behind it; TLS passes through to the
# agent (TCP listener), so the token and certificate stay end to end.
resource "aws_lb" "this" {
  name_prefix        = "weir-"
  internal           = true
  load_balancer_type = "network"
  subnets            = [var.subnet_id]
  security_groups    = [aws_security_group.lb.id]
  tags               = local.tags
}

resource "aws_lb_target_group" "this" {
  name_prefix          = "weir-"
  port                 = var.listen_port
  protocol             = "TCP"
  vpc_id               = var.vpc_id
  target_type          = "instance"
  deregistration_delay = 10

  health_check {
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = local.tags
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.listen_port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}
