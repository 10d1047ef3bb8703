# One domain's pipelines (sources, destinations, pipelines with their tables, quality checks, alert
# channels) applied to one environment's agent through modules/weir-pipelines.
#
# Values (from catalog/stacks/weir-pipelines):
#   catalog     go-getter address of the repository holding this catalog and the module
#   version     git ref of that repository (a release tag): pins this unit, its definitions and the module
#   environment dev, staging, prod, ...
#   domain      which definitions/<domain>.json (the table list generated from the legacy jobs)
#   overrides   what differs in this environment (schedules, warehouses, severities, enabled)

include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "${values.catalog}//modules/weir-pipelines?ref=${values.version}"
}

locals {
  # ${environment} inside the definitions becomes the environment name (hosts, secret paths), so
  # one table list serves every environment; everything else that differs is an override.
  definitions = jsondecode(templatefile("${get_terragrunt_dir()}/definitions/${values.domain}.json", {
    environment = values.environment
  }))
}

inputs = {
  environment    = values.environment
  sources        = try(local.definitions.sources, {})
  destinations   = try(local.definitions.destinations, {})
  pipelines      = try(local.definitions.pipelines, {})
  checks         = try(local.definitions.checks, {})
  alert_channels = try(local.definitions.alert_channels, {})
  overrides      = try(values.overrides, {})
  # agent (the foundation: endpoint, CA, token parameter) comes from root.hcl.
}
