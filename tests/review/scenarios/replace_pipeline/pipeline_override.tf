# A new pipeline name forces a replacement: the new name has no watermarks.
resource "weir_pipeline" "payments" {
  name = "payments-v2"
}
