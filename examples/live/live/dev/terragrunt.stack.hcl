# dev: every change lands here first. Promotion = the same edit in staging, then prod, each its
# own reviewed pull request (docs/promotion.md).

locals {
  # The repository holding the catalog and modules/weir-pipelines, and the release of it this
  # environment runs. WEIR_CATALOG points elsewhere (a fork, a local clone: git::file:///…).
  catalog = get_env("WEIR_CATALOG", "git::https://git.example.com/data-platform/weir.git")
  version = "v0.1.0"
}

stack "pipelines" {
  source = "${local.catalog}//examples/live/catalog/stacks/weir-pipelines?ref=${local.version}"
  path   = "pipelines"

  values = {
    catalog     = local.catalog
    version     = local.version
    environment = "dev"

    overrides = {
      payments = {
        # dev loads less often, on the smallest warehouse, and only warns on failed checks.
        all_pipelines = { schedule = "0 */4 * * *" }
        all_checks    = { severity = "warn" }
        pipelines     = { "payments-daily" = { enabled = false } }
        destinations  = { "raw-payments" = { warehouse = "LOAD_WH_XS", database = "RAW_DEV" } }
      }
      ledger = {
        all_checks   = { severity = "warn" }
        destinations = { "raw-ledger" = { warehouse = "LOAD_WH_XS", database = "RAW_DEV" } }
      }
    }
  }
}
