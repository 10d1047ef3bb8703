resource "weir_alert_channel" "oncall" {
  routing_key_ref = var.pagerduty_key_ref
}
