# Severity error → warn and a longer max_age on one check; one more accepted value on another.
resource "weir_quality_check" "transactions_fresh" {
  severity = "warn"
  max_age  = "3h"
}

resource "weir_quality_check" "transaction_status" {
  values = ["authorized", "captured", "refunded", "pending"]
}
