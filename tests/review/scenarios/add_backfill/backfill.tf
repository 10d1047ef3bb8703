resource "weir_backfill" "transactions_2024" {
  name        = "transactions-2024"
  pipeline    = weir_pipeline.payments.name
  table       = "public.transactions"
  from        = "2024-01-01T00:00:00Z"
  to          = "2025-01-01T00:00:00Z"
  chunk       = "7d"
  parallelism = 2
  throttle    = "30s"
}
