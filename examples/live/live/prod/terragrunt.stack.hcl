# prod: changes arrive here last, after dev and staging ran them.

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
    environment = "prod"

    overrides = {
      payments = {
        pipelines    = { "payments-hourly" = { schedule = "*/15 * * * *" } }
        checks       = { "refunds-volume" = { severity = "error" } }
        destinations = { "raw-payments" = { warehouse = "LOAD_WH_L" } }
      }
      ledger = {
        destinations = { "raw-ledger" = { warehouse = "LOAD_WH_M" } }
      }
    }
  }
}
