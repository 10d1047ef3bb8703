# Quickstart: one PostgreSQL source, one Snowflake destination, an hourly pipeline with a quality
# check and an alert channel. scripts/demo applies it against a local agent; the provider reads
# the agent's address, CA and token from WEIR_ENDPOINT, WEIR_CA_CERT and WEIR_TOKEN.
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}

provider "weir" {}

resource "weir_source_postgres" "payments" {
  name         = "payments"
  host         = "127.0.0.1"
  port         = 5432
  database     = "payments"
  user         = "weir_reader"
  password_ref = "env:PAYMENTS_PG_PASSWORD"
  sslmode      = "disable"
}

resource "weir_destination_snowflake" "raw" {
  name            = "raw"
  account         = "MYORG-ANALYTICS"
  user            = "WEIR_LOADER"
  role            = "LOADER"
  warehouse       = "LOAD_WH"
  database        = "RAW"
  schema          = "PAYMENTS"
  private_key_ref = "file:/etc/weir/snowflake-key.p8"
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
