output "environment" {
  description = "The environment these objects belong to."
  value       = var.environment
}

output "agent_endpoint" {
  description = "The agent the objects were applied to (the foundation input, passed on for downstream units such as dashboards or CI checks)."
  value       = var.agent.endpoint
}

output "source_ids" {
  description = "Agent-assigned id of each source, by name."
  value       = { for name, r in weir_source_postgres.this : name => r.id }
}

output "destination_ids" {
  description = "Agent-assigned id of each destination, by name."
  value       = { for name, r in weir_destination_snowflake.this : name => r.id }
}

output "pipeline_ids" {
  description = "Agent-assigned id of each pipeline, by name."
  value       = { for name, r in weir_pipeline.this : name => r.id }
}

output "pipelines" {
  description = "Per pipeline: the effective schedule and enabled flag in this environment, its source, destination and table names. For monitors, dashboards and run triggers downstream."
  value = {
    for name, r in weir_pipeline.this : name => {
      id          = r.id
      source      = r.source
      destination = r.destination
      schedule    = r.schedule
      enabled     = r.enabled
      tables      = [for t in r.table : t.name]
    }
  }
}

output "tables" {
  description = "Every table as \"pipeline/schema.table\" → the Snowflake target (database.schema.TABLE) it lands in."
  value = merge([
    for name, p in local.pipelines : {
      for t in p.tables : "${name}/${t.name}" => format("%s.%s.%s",
        local.destinations[p.destination].database,
        local.destinations[p.destination].schema,
      coalesce(t.target, upper(element(split(".", t.name), length(split(".", t.name)) - 1))))
    }
  ]...)
}

output "check_ids" {
  description = "Agent-assigned id of each quality check, by name."
  value       = { for name, r in weir_quality_check.this : name => r.id }
}

output "checks" {
  description = "Per quality check: pipeline, table, kind and the effective severity and enabled flag in this environment."
  value = {
    for name, r in weir_quality_check.this : name => {
      pipeline = r.pipeline
      table    = r.table
      kind     = r.kind
      severity = r.severity
      enabled  = r.enabled
    }
  }
}

output "alert_channel_ids" {
  description = "Agent-assigned id of each alert channel, by name."
  value       = { for name, r in weir_alert_channel.this : name => r.id }
}

output "counts" {
  description = "How many objects of each kind this module manages (a quick sanity check in CI after a large generated change)."
  value = {
    sources        = length(weir_source_postgres.this)
    destinations   = length(weir_destination_snowflake.this)
    pipelines      = length(weir_pipeline.this)
    tables         = sum(concat([0], [for p in local.pipelines : length(p.tables)]))
    checks         = length(weir_quality_check.this)
    alert_channels = length(weir_alert_channel.this)
  }
}
