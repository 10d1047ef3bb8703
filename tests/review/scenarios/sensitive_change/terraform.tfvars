pagerduty_key_ref = "ssm:/weir/pagerduty-ROTATED-REF-7f3a"
