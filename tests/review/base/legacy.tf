# Added to examples/quickstart for the plan-review golden tests: a second source no pipeline
# uses yet, so a scenario can destroy it.
resource "weir_source_postgres" "legacy" {
  name         = "legacy"
  host         = "legacy.db.internal"
  database     = "legacy"
  user         = "weir_reader"
  password_ref = "env:LEGACY_PG_PASSWORD"
}
