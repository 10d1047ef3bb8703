# Pauses the pipeline and keeps only its first table (an override replaces all table blocks).
resource "weir_pipeline" "payments" {
  enabled = false

  table {
    name        = "public.transactions"
    primary_key = ["id"]
    cursor      = "updated_at"
    lookback    = "15m"
  }
}
