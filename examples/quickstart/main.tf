# Quickstart: one PostgreSQL source, one Snowflake destination, an hourly pipeline with a quality
# check and an alert channel. scripts/demo applies it against a local agent, a throwaway PostgreSQL
# and a local Snowflake SQL API; the provider reads the agent's address, CA and token from
# WEIR_ENDPOINT, WEIR_CA_CERT and WEIR_TOKEN.
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}

provider "weir" {}

variable "pg_host" {
  type    = string
  default = "127.0.0.1"
}

variable "pg_port" {
  type    = number
  default = 5432
}

variable "pg_database" {
  type    = string
  default = "payments"
}

variable "pg_user" {
  type    = string
  default = "weir_reader"
}

variable "snowflake_api_url" {
  description = "Leave null for https://<account>.snowflakecomputing.com."
  type        = string
  default     = null
}

variable "snowflake_key_file" {
  type    = string
  default = "/etc/weir/snowflake-key.p8"
}

resource "weir_source_postgres" "payments" {
  name         = "payments"
  host         = var.pg_host
  port         = var.pg_port
  database     = var.pg_database
  user         = var.pg_user
  password_ref = "env:PAYMENTS_PG_PASSWORD"
  sslmode      = var.pg_host == "127.0.0.1" ? "disable" : "verify-full"
}

resource "weir_destination_snowflake" "raw" {
  name            = "raw"
  account         = "MYORG-ANALYTICS"
  user            = "WEIR_LOADER"
  role            = "LOADER"
  warehouse       = "LOAD_WH"
  database        = "RAW"
  schema          = "PAYMENTS"
  private_key_ref = "file:${var.snowflake_key_file}"
  api_url         = var.snowflake_api_url
}

resource "weir_pipeline" "payments" {
  name        = "payments-hourly"
  source      = weir_source_postgres.payments.name
  destination = weir_destination_snowflake.raw.name
  schedule    = "@hourly"

  table {
    name        = "public.transactions"
    primary_key = ["id"]
    cursor      = "updated_at"
    lookback    = "15m"
  }

  table {
    name        = "public.merchants"
    primary_key = ["merchant_id"]
    cursor      = "updated_at"
  }
}

resource "weir_quality_check" "transactions_fresh" {
  name     = "transactions-fresh"
  pipeline = weir_pipeline.payments.name
  table    = "public.transactions"
  kind     = "freshness"
  max_age  = "45m"
  severity = "error"
}

# Checked on every batch before it is merged: an unknown status holds the batch in quarantine.
resource "weir_quality_check" "transaction_status" {
  name     = "transaction-status"
  pipeline = weir_pipeline.payments.name
  table    = "public.transactions"
  kind     = "accepted_values"
  column   = "status"
  values   = ["authorized", "captured", "refunded"]
  severity = "error"
}

resource "weir_alert_channel" "oncall" {
  name            = "data-oncall"
  kind            = "pagerduty"
  routing_key_ref = "env:PAGERDUTY_ROUTING_KEY"
  min_severity    = "error"
  pipelines       = [weir_pipeline.payments.name]
}

output "pipeline_id" {
  value = weir_pipeline.payments.id
}
