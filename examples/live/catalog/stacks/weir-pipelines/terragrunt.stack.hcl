# Every domain's pipelines for one environment: one unit (and one state file) per domain, all from
# the same catalog release. Values (from live/<env>/terragrunt.stack.hcl):
#   catalog, version, environment   passed to every unit (see catalog/units/weir-pipelines)
#   overrides                       per domain: { payments = {...}, ledger = {...} }

unit "payments" {
  source = "${values.catalog}//examples/live/catalog/units/weir-pipelines?ref=${values.version}"
  path   = "payments"

  values = {
    catalog     = values.catalog
    version     = values.version
    environment = values.environment
    domain      = "payments"
    overrides   = try(values.overrides.payments, {})
  }
}

unit "ledger" {
  source = "${values.catalog}//examples/live/catalog/units/weir-pipelines?ref=${values.version}"
  path   = "ledger"

  values = {
    catalog     = values.catalog
    version     = values.version
    environment = values.environment
    domain      = "ledger"
    overrides   = try(values.overrides.ledger, {})
  }
}
