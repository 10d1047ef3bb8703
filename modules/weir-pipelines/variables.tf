# Inputs of the table-list → resources module. The shapes below are what a team generates from its
# legacy job list (one entry per job → one table of a pipeline) and keeps next to the live stacks;
# `overrides` is the only per-environment input besides `environment` and `agent`.

variable "environment" {
  description = "Environment these pipelines belong to (dev, staging, prod, ...). Shown in outputs and descriptions."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.environment))
    error_message = "environment must be 1-32 lowercase letters, digits or '-', starting with a letter (e.g. \"dev\", \"prod\")."
  }
}

variable "agent" {
  description = <<-EOT
    Foundation: the agent these objects are applied to, as the weir-agent-aws module reports it
    (its endpoint and CA outputs). `endpoint` is host:port of the control API, `ca_cert` the PEM of
    the CA that signed its certificate, `token_parameter` where the bearer token is kept (an SSM
    SecureString name; the module never reads the token itself). The provider block is configured
    from the same values (see README).
  EOT
  type = object({
    endpoint        = string
    ca_cert         = string
    token_parameter = optional(string)
  })

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+:[0-9]{1,5}$", var.agent.endpoint)) || can(regex("^\\[[0-9A-Fa-f:.]+\\]:[0-9]{1,5}$", var.agent.endpoint))
    error_message = "agent.endpoint must be host:port of the agent's control API (e.g. \"weir-agent.prod.internal:7443\"), without a scheme."
  }
  validation {
    condition     = startswith(trimspace(var.agent.ca_cert), "-----BEGIN CERTIFICATE-----")
    error_message = "agent.ca_cert must be the PEM text of the agent's CA certificate (starting with -----BEGIN CERTIFICATE-----), not a path: use file(\"ca.pem\")."
  }
  validation {
    condition     = var.agent.token_parameter == null || can(regex("^/", coalesce(var.agent.token_parameter, "/")))
    error_message = "agent.token_parameter must be an SSM parameter name starting with '/' (e.g. \"/weir/prod/agent-token\")."
  }
}

variable "sources" {
  description = "PostgreSQL sources by name (the map key is the source's name on the agent). Passwords are secret references resolved by the agent."
  type = map(object({
    host            = string
    port            = optional(number)
    database        = string
    user            = string
    password_ref    = string
    sslmode         = optional(string)
    sslrootcert     = optional(string)
    max_connections = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.sources) : can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", k))])
    error_message = "Source names (keys of sources) must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit."
  }
  validation {
    condition     = alltrue([for s in values(var.sources) : can(regex("^(env:|file:/|aws-sm:arn:|ssm:/)", s.password_ref))])
    error_message = "Each source's password_ref must be a secret reference (env:NAME, file:/path, aws-sm:<arn>[#key] or ssm:/parameter), never the password itself."
  }
  validation {
    condition     = alltrue([for s in values(var.sources) : s.sslmode == null || contains(["disable", "require", "verify-ca", "verify-full"], coalesce(s.sslmode, "verify-full"))])
    error_message = "sslmode must be one of disable, require, verify-ca, verify-full."
  }
}

variable "destinations" {
  description = "Snowflake destinations by name (the map key is the destination's name on the agent)."
  type = map(object({
    account              = string
    user                 = string
    role                 = optional(string)
    warehouse            = string
    database             = string
    schema               = string
    auth                 = optional(string)
    private_key_ref      = optional(string)
    token_ref            = optional(string)
    max_concurrent_loads = optional(number)
    api_url              = optional(string)
    stage = optional(object({
      url        = string
      name       = string
      kms_key_id = optional(string)
      region     = optional(string)
    }))
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.destinations) : can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", k))])
    error_message = "Destination names (keys of destinations) must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit."
  }
  validation {
    condition     = alltrue([for d in values(var.destinations) : d.private_key_ref != null || d.token_ref != null])
    error_message = "Each destination needs a credential reference: private_key_ref (auth = \"key_pair\", the default) or token_ref (oauth, programmatic_access_token)."
  }
  validation {
    condition     = alltrue([for d in values(var.destinations) : d.stage == null || startswith(try(d.stage.url, ""), "s3://")])
    error_message = "A destination's stage.url must be an S3 prefix, e.g. \"s3://acme-weir-stage/raw/\"."
  }
}

variable "pipelines" {
  description = <<-EOT
    Pipelines by name (the map key is the pipeline's name on the agent, used in run ids, metrics and
    stage paths). `source` and `destination` name entries of `sources` and `destinations`. `tables`
    is a list in the order the pipeline copies them (append new tables at the end: the plan then
    shows one added table block); each has a `name` (`schema.table`, unique in the pipeline), a
    primary key and, for the default incremental mode, a cursor column.
  EOT
  type = map(object({
    source              = string
    destination         = string
    schedule            = optional(string)
    enabled             = optional(bool)
    jitter              = optional(string)
    schema_evolution    = optional(string)
    max_parallel_tables = optional(number)
    description         = optional(string)
    tables = list(object({
      name        = string
      primary_key = list(string)
      cursor      = optional(string)
      lookback    = optional(string)
      target      = optional(string)
      mode        = optional(string)
    }))
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.pipelines) : can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", k))])
    error_message = "Pipeline names (keys of pipelines) must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit."
  }
  validation {
    condition     = alltrue([for p in values(var.pipelines) : length(p.tables) > 0])
    error_message = "Every pipeline needs at least one table."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.pipelines) : [for t in p.tables : can(regex("^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$", t.name))]]))
    error_message = "Table names must be PostgreSQL table names, \"schema.table\" (e.g. \"public.transactions\")."
  }
  validation {
    condition     = alltrue([for p in values(var.pipelines) : length(distinct([for t in p.tables : t.name])) == length(p.tables)])
    error_message = "A table appears twice in a pipeline: ${join(", ", flatten([for k, p in var.pipelines : [for n in distinct([for t in p.tables : t.name]) : "${k}/${n}" if length([for t in p.tables : t if t.name == n]) > 1]]))}."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.pipelines) : [for t in p.tables : length(t.primary_key) > 0]]))
    error_message = "Tables without a primary_key (it is the MERGE key in Snowflake): ${join(", ", flatten([for k, p in var.pipelines : [for t in p.tables : "${k}/${t.name}" if length(t.primary_key) == 0]]))}."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.pipelines) : [for t in p.tables : t.cursor != null || t.mode == "full_refresh"]]))
    error_message = "Incremental tables without a cursor column: ${join(", ", flatten([for k, p in var.pipelines : [for t in p.tables : "${k}/${t.name}" if t.cursor == null && t.mode != "full_refresh"]]))}. Name the column that grows on every change (e.g. \"updated_at\"), or set mode = \"full_refresh\"."
  }
  validation {
    condition     = length(setsubtract([for p in values(var.pipelines) : p.source], keys(var.sources))) == 0
    error_message = "Unknown source in pipelines: ${join(", ", setsubtract([for p in values(var.pipelines) : p.source], keys(var.sources)))}. A pipeline's source must be a key of sources (${join(", ", keys(var.sources))})."
  }
  validation {
    condition     = length(setsubtract([for p in values(var.pipelines) : p.destination], keys(var.destinations))) == 0
    error_message = "Unknown destination in pipelines: ${join(", ", setsubtract([for p in values(var.pipelines) : p.destination], keys(var.destinations)))}. A pipeline's destination must be a key of destinations (${join(", ", keys(var.destinations))})."
  }
}

variable "checks" {
  description = <<-EOT
    Quality checks by name (the map key is the check's name on the agent). `pipeline` names an entry
    of `pipelines`, `table` one of that pipeline's tables. The other attributes are those of
    weir_quality_check for the chosen kind.
  EOT
  type = map(object({
    pipeline          = string
    table             = string
    kind              = string
    severity          = optional(string)
    enabled           = optional(bool)
    max_age           = optional(string)
    column            = optional(string)
    columns           = optional(list(string))
    min_rows          = optional(number)
    max_rows          = optional(number)
    anomaly_threshold = optional(number)
    min_history       = optional(number)
    seasonality       = optional(string)
    max_null_fraction = optional(number)
    max_null_increase = optional(number)
    values            = optional(set(string))
    references        = optional(string)
    sql               = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.checks) : can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", k))])
    error_message = "Check names (keys of checks) must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit."
  }
  validation {
    condition     = alltrue([for c in values(var.checks) : contains(["freshness", "row_count", "null_spike", "referential_integrity", "unique", "accepted_values", "custom_sql"], c.kind)])
    error_message = "A check's kind must be one of freshness, row_count, null_spike, referential_integrity, unique, accepted_values, custom_sql."
  }
  validation {
    condition     = alltrue([for c in values(var.checks) : c.severity == null || contains(["warn", "error"], coalesce(c.severity, "error"))])
    error_message = "A check's severity must be \"warn\" or \"error\"."
  }
  validation {
    # One set of "pipeline/table" pairs, compared once: a 1,500-table list stays fast to validate.
    condition     = length(setsubtract([for c in values(var.checks) : "${c.pipeline}/${c.table}"], flatten([for k, p in var.pipelines : [for t in p.tables : "${k}/${t.name}"]]))) == 0
    error_message = "Checks name pipelines or tables that are not defined: ${join(", ", setsubtract([for c in values(var.checks) : "${c.pipeline}/${c.table}"], flatten([for k, p in var.pipelines : [for t in p.tables : "${k}/${t.name}"]])))}. A check's pipeline must be a key of pipelines and its table one of that pipeline's tables."
  }
}

variable "alert_channels" {
  description = "Alert channels by name. `pipelines` names entries of `pipelines` (all pipelines when null). URLs and keys are secret references."
  type = map(object({
    kind            = string
    url_ref         = optional(string)
    routing_key_ref = optional(string)
    min_severity    = optional(string)
    pipelines       = optional(set(string))
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.alert_channels) : can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", k))])
    error_message = "Alert channel names (keys of alert_channels) must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit."
  }
  validation {
    condition     = alltrue([for a in values(var.alert_channels) : contains(["webhook", "slack", "pagerduty"], a.kind)])
    error_message = "An alert channel's kind must be webhook, slack or pagerduty."
  }
  validation {
    condition     = length(setsubtract(flatten([for a in values(var.alert_channels) : coalesce(a.pipelines, [])]), keys(var.pipelines))) == 0
    error_message = "Alert channels name unknown pipelines: ${join(", ", setsubtract(flatten([for a in values(var.alert_channels) : coalesce(a.pipelines, [])]), keys(var.pipelines)))}."
  }
}

variable "overrides" {
  description = <<-EOT
    What differs in this environment, applied on top of the shared definitions. Every key must name
    an existing source, destination, pipeline or check, so a typo fails the plan instead of being
    ignored. `all_pipelines` and `all_checks` apply to every pipeline or check first; the per-name
    entries win over them.
  EOT
  type = object({
    all_pipelines = optional(object({
      schedule = optional(string)
      enabled  = optional(bool)
      jitter   = optional(string)
    }), {})
    all_checks = optional(object({
      severity = optional(string)
      enabled  = optional(bool)
    }), {})
    pipelines = optional(map(object({
      schedule            = optional(string)
      enabled             = optional(bool)
      jitter              = optional(string)
      max_parallel_tables = optional(number)
    })), {})
    checks = optional(map(object({
      severity = optional(string)
      enabled  = optional(bool)
    })), {})
    sources = optional(map(object({
      host            = optional(string)
      port            = optional(number)
      database        = optional(string)
      user            = optional(string)
      password_ref    = optional(string)
      sslmode         = optional(string)
      max_connections = optional(number)
    })), {})
    destinations = optional(map(object({
      account              = optional(string)
      role                 = optional(string)
      warehouse            = optional(string)
      database             = optional(string)
      private_key_ref      = optional(string)
      max_concurrent_loads = optional(number)
      api_url              = optional(string)
      stage_url            = optional(string)
    })), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = length(setsubtract(keys(var.overrides.pipelines), keys(var.pipelines))) == 0
    error_message = "overrides.pipelines names unknown pipelines: ${join(", ", setsubtract(keys(var.overrides.pipelines), keys(var.pipelines)))}."
  }
  validation {
    condition     = length(setsubtract(keys(var.overrides.checks), keys(var.checks))) == 0
    error_message = "overrides.checks names unknown checks: ${join(", ", setsubtract(keys(var.overrides.checks), keys(var.checks)))}."
  }
  validation {
    condition     = length(setsubtract(keys(var.overrides.sources), keys(var.sources))) == 0
    error_message = "overrides.sources names unknown sources: ${join(", ", setsubtract(keys(var.overrides.sources), keys(var.sources)))}."
  }
  validation {
    condition     = length(setsubtract(keys(var.overrides.destinations), keys(var.destinations))) == 0
    error_message = "overrides.destinations names unknown destinations: ${join(", ", setsubtract(keys(var.overrides.destinations), keys(var.destinations)))}."
  }
  validation {
    condition = alltrue([for s in concat([var.overrides.all_checks.severity], [for c in values(var.overrides.checks) : c.severity]) :
    s == null || contains(["warn", "error"], coalesce(s, "error"))])
    error_message = "Override severities must be \"warn\" or \"error\"."
  }
}
