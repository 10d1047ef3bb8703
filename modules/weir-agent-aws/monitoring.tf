resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

# Instance health. EC2's "recover" alarm action does not apply to instances in an Auto Scaling
# group: the group's own health checks (EC2 status checks and the load balancer's) replace a
# failed instance, and the new one re-attaches the data volume. This alarm tells people.
resource "aws_cloudwatch_metric_alarm" "status_check" {
  alarm_name          = "${var.name}-status-check-failed"
  alarm_description   = "Weir agent ${var.name}: the instance fails its EC2 status checks; the Auto Scaling group replaces it."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { AutoScalingGroupName = aws_autoscaling_group.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}

# From the agent's own /metrics, published every minute by the weir-push timer on the host.
# Missing data is breaching: a silent agent is a down agent.
resource "aws_cloudwatch_metric_alarm" "heartbeat" {
  alarm_name          = "${var.name}-heartbeat"
  alarm_description   = "Weir agent ${var.name}: no heartbeat (the agent or its store is down, or the host stopped reporting)."
  namespace           = module.render.metric_namespace
  metric_name         = "AgentUp"
  dimensions          = { Agent = var.name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "last_success" {
  alarm_name          = "${var.name}-last-successful-run"
  alarm_description   = "Weir agent ${var.name}: a pipeline table has not committed a run for ${var.max_seconds_since_success} s (or none has yet)."
  namespace           = module.render.metric_namespace
  metric_name         = "SecondsSinceLastSuccess"
  dimensions          = { Agent = var.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.max_seconds_since_success
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = local.tags
}
