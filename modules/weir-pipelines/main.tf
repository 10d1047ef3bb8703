# Table list → weir_* resources. Every resource is keyed by the object's name on the agent, so
# adding or removing one entry of a 1,500-table list plans exactly that entry; nothing is keyed by
# position. Per-environment overrides are resolved here, once, in locals: per-name override, then
# the all_* override, then the shared definition, then the provider's default (null).

locals {
  o = var.overrides

  sources = {
    for name, s in var.sources : name => merge(s, {
      for attr, value in try(local.o.sources[name], {}) : attr => value if value != null
    })
  }

  destinations = {
    for name, d in var.destinations : name => merge(d, {
      for attr, value in try(local.o.destinations[name], {}) : attr => value if value != null && attr != "stage_url"
      }, {
      stage = d.stage == null ? null : merge(d.stage, {
        url = try(coalesce(try(local.o.destinations[name].stage_url, null), d.stage.url), d.stage.url)
      })
    })
  }

  pipelines = {
    for name, p in var.pipelines : name => merge(p, {
      schedule            = try(coalesce(try(local.o.pipelines[name].schedule, null), local.o.all_pipelines.schedule, p.schedule), null)
      enabled             = try(coalesce(try(local.o.pipelines[name].enabled, null), local.o.all_pipelines.enabled, p.enabled), null)
      jitter              = try(coalesce(try(local.o.pipelines[name].jitter, null), local.o.all_pipelines.jitter, p.jitter), null)
      max_parallel_tables = try(coalesce(try(local.o.pipelines[name].max_parallel_tables, null), p.max_parallel_tables), null)
    })
  }

  checks = {
    for name, c in var.checks : name => merge(c, {
      severity = try(coalesce(try(local.o.checks[name].severity, null), local.o.all_checks.severity, c.severity), null)
      enabled  = try(coalesce(try(local.o.checks[name].enabled, null), local.o.all_checks.enabled, c.enabled), null)
    })
  }
}

resource "weir_source_postgres" "this" {
  for_each = local.sources

  name            = each.key
  host            = each.value.host
  port            = each.value.port
  database        = each.value.database
  user            = each.value.user
  password_ref    = each.value.password_ref
  sslmode         = each.value.sslmode
  sslrootcert     = each.value.sslrootcert
  max_connections = each.value.max_connections
}

resource "weir_destination_snowflake" "this" {
  for_each = local.destinations

  name                 = each.key
  account              = each.value.account
  user                 = each.value.user
  role                 = each.value.role
  warehouse            = each.value.warehouse
  database             = each.value.database
  schema               = each.value.schema
  auth                 = each.value.auth
  private_key_ref      = each.value.private_key_ref
  token_ref            = each.value.token_ref
  max_concurrent_loads = each.value.max_concurrent_loads
  api_url              = each.value.api_url

  dynamic "stage" {
    for_each = each.value.stage == null ? [] : [each.value.stage]
    content {
      url        = stage.value.url
      name       = stage.value.name
      kms_key_id = stage.value.kms_key_id
      region     = stage.value.region
    }
  }
}

resource "weir_pipeline" "this" {
  for_each = local.pipelines

  name                = each.key
  source              = weir_source_postgres.this[each.value.source].name
  destination         = weir_destination_snowflake.this[each.value.destination].name
  schedule            = each.value.schedule
  enabled             = each.value.enabled
  jitter              = each.value.jitter
  schema_evolution    = each.value.schema_evolution
  max_parallel_tables = each.value.max_parallel_tables
  description         = each.value.description

  # In the definition's order: a table appended to the list plans as one added block.
  dynamic "table" {
    for_each = each.value.tables
    content {
      name        = table.value.name
      primary_key = table.value.primary_key
      cursor      = table.value.cursor
      lookback    = table.value.lookback
      target      = table.value.target
      mode        = table.value.mode
    }
  }
}

resource "weir_quality_check" "this" {
  for_each = local.checks

  name              = each.key
  pipeline          = each.value.pipeline
  table             = each.value.table
  kind              = each.value.kind
  severity          = each.value.severity
  enabled           = each.value.enabled
  max_age           = each.value.max_age
  column            = each.value.column
  columns           = each.value.columns
  min_rows          = each.value.min_rows
  max_rows          = each.value.max_rows
  anomaly_threshold = each.value.anomaly_threshold
  min_history       = each.value.min_history
  seasonality       = each.value.seasonality
  max_null_fraction = each.value.max_null_fraction
  max_null_increase = each.value.max_null_increase
  values            = each.value.values
  references        = each.value.references
  sql               = each.value.sql

  # Ordering by depends_on rather than by indexing weir_pipeline.this with a per-instance key: an
  # index like that makes every check build the whole pipeline collection, which made a
  # 1,500-table plan several times slower.
  depends_on = [weir_pipeline.this]
}

resource "weir_alert_channel" "this" {
  for_each = var.alert_channels

  name            = each.key
  kind            = each.value.kind
  url_ref         = each.value.url_ref
  routing_key_ref = each.value.routing_key_ref
  min_severity    = each.value.min_severity
  pipelines       = each.value.pipelines == null ? null : toset([for p in each.value.pipelines : weir_pipeline.this[p].name])
}
