# staging: what dev ran, on production-like schedules and severities, before prod.

locals {
  catalog = get_env("WEIR_CATALOG", "git::https://git.example.com/data-platform/weir.git")
  version = "v0.1.0"
}

stack "pipelines" {
  source = "${local.catalog}//examples/live/catalog/stacks/weir-pipelines?ref=${local.version}"
  path   = "pipelines"

  values = {
    catalog     = local.catalog
    version     = local.version
    environment = "staging"

    overrides = {
      payments = {
        destinations = { "raw-payments" = { warehouse = "LOAD_WH_S", database = "RAW_STAGING" } }
      }
      ledger = {
        destinations = { "raw-ledger" = { warehouse = "LOAD_WH_S", database = "RAW_STAGING" } }
      }
    }
  }
}
