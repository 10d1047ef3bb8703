# Added to examples/quickstart for the plan-review golden tests: the alert channel's routing key
# reference comes from a sensitive variable, so its change must be masked in the review.
variable "pagerduty_key_ref" {
  type      = string
  sensitive = true
  default   = "env:PAGERDUTY_ROUTING_KEY"
}
