resource "weir_pipeline" "payments" {
  schedule = "@daily"
}
