# Plan-only tests of the module's logic (override precedence, keys, outputs, validation) with a
# mocked weir provider: no agent needed. Run by tests/live/module_test.sh (CTest
# modules_weir_pipelines); the real agent path is tests/live/run.sh.

mock_provider "weir" {}

variables {
  environment = "dev"
  agent = {
    endpoint        = "weir-agent.dev.internal:7443"
    ca_cert         = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    token_parameter = "/weir/dev/agent-token"
  }
  sources = {
    payments = {
      host         = "payments-db.dev.internal", database = "payments", user = "weir_reader"
      password_ref = "ssm:/weir/dev/payments-db-password"
    }
  }
  destinations = {
    raw = {
      account  = "ACME-ANALYTICS", user = "WEIR_LOADER", warehouse = "LOAD_WH"
      database = "RAW", schema = "PAYMENTS", private_key_ref = "ssm:/weir/dev/snowflake-key"
      stage    = { url = "s3://acme-weir-stage/raw/", name = "RAW.PAYMENTS.WEIR_STAGE" }
    }
  }
  pipelines = {
    hourly = {
      source = "payments", destination = "raw", schedule = "@hourly", jitter = "5m"
      tables = [
        { name = "public.transactions", primary_key = ["id"], cursor = "updated_at", lookback = "15m" },
        { name = "public.merchants", primary_key = ["merchant_id"], cursor = "updated_at", target = "MERCHANT" },
      ]
    }
    daily = {
      source = "payments", destination = "raw", schedule = "0 3 * * *"
      tables = [{ name = "public.fx_rates", primary_key = ["currency", "day"], mode = "full_refresh" }]
    }
  }
  checks = {
    fresh  = { pipeline = "hourly", table = "public.transactions", kind = "freshness", max_age = "45m" }
    status = { pipeline = "hourly", table = "public.transactions", kind = "accepted_values", column = "status", values = ["a", "b"], severity = "error" }
  }
  alert_channels = {
    oncall = { kind = "pagerduty", routing_key_ref = "ssm:/weir/dev/pd", pipelines = ["hourly"] }
  }
}

run "definitions_without_overrides" {
  command = plan

  assert {
    condition     = weir_pipeline.this["hourly"].schedule == "@hourly" && weir_pipeline.this["daily"].schedule == "0 3 * * *"
    error_message = "schedules must come from the definitions when nothing overrides them"
  }
  assert {
    condition     = [for t in weir_pipeline.this["hourly"].table : t.name] == ["public.transactions", "public.merchants"]
    error_message = "table blocks must keep the definition's order"
  }
  assert {
    condition     = weir_pipeline.this["hourly"].source == "payments" && weir_pipeline.this["hourly"].destination == "raw"
    error_message = "pipelines must refer to their source and destination by name"
  }
  assert {
    condition     = weir_quality_check.this["status"].severity == "error" && weir_quality_check.this["fresh"].max_age == "45m"
    error_message = "checks must carry their definition's severity and arguments"
  }
  assert {
    condition     = weir_destination_snowflake.this["raw"].stage.url == "s3://acme-weir-stage/raw/"
    error_message = "the stage block must be passed through"
  }
  assert {
    condition     = output.tables["hourly/public.merchants"] == "RAW.PAYMENTS.MERCHANT" && output.tables["daily/public.fx_rates"] == "RAW.PAYMENTS.FX_RATES"
    error_message = "tables output must name the Snowflake targets"
  }
  assert {
    condition     = output.counts == { sources = 1, destinations = 1, pipelines = 2, tables = 3, checks = 2, alert_channels = 1 }
    error_message = "counts output is wrong"
  }
}

run "overrides_take_precedence" {
  command = plan

  variables {
    overrides = {
      all_pipelines = { schedule = "0 */4 * * *" }
      all_checks    = { severity = "warn" }
      pipelines     = { daily = { enabled = false, schedule = "0 5 * * *" } }
      checks        = { status = { severity = "error", enabled = false } }
      sources       = { payments = { host = "replica.dev.internal", max_connections = 2 } }
      destinations  = { raw = { warehouse = "LOAD_WH_XS", stage_url = "s3://acme-weir-stage-dev/raw/" } }
    }
  }

  assert {
    condition     = weir_pipeline.this["hourly"].schedule == "0 */4 * * *"
    error_message = "all_pipelines must override the definition"
  }
  assert {
    condition     = weir_pipeline.this["daily"].schedule == "0 5 * * *" && weir_pipeline.this["daily"].enabled == false
    error_message = "a per-name override must win over all_pipelines"
  }
  assert {
    condition     = weir_pipeline.this["hourly"].jitter == "5m"
    error_message = "attributes nobody overrides keep their definition"
  }
  assert {
    condition     = weir_quality_check.this["fresh"].severity == "warn"
    error_message = "all_checks must override the definition"
  }
  assert {
    condition     = weir_quality_check.this["status"].severity == "error" && weir_quality_check.this["status"].enabled == false
    error_message = "a per-name check override must win over all_checks"
  }
  assert {
    condition     = weir_source_postgres.this["payments"].host == "replica.dev.internal" && weir_source_postgres.this["payments"].max_connections == 2 && weir_source_postgres.this["payments"].database == "payments"
    error_message = "source overrides must replace only the attributes they set"
  }
  assert {
    condition     = weir_destination_snowflake.this["raw"].warehouse == "LOAD_WH_XS" && weir_destination_snowflake.this["raw"].stage.url == "s3://acme-weir-stage-dev/raw/" && weir_destination_snowflake.this["raw"].stage.name == "RAW.PAYMENTS.WEIR_STAGE"
    error_message = "destination overrides (warehouse, stage_url) must apply"
  }
}

run "override_for_unknown_pipeline" {
  command = plan
  variables {
    overrides = { pipelines = { hourlly = { enabled = false } } }
  }
  expect_failures = [var.overrides]
}

run "override_for_unknown_check" {
  command = plan
  variables {
    overrides = { checks = { fresh2 = { severity = "warn" } } }
  }
  expect_failures = [var.overrides]
}

run "pipeline_with_unknown_source" {
  command = plan
  variables {
    pipelines = {
      orphan = {
        source = "nope", destination = "raw"
        tables = [{ name = "public.t", primary_key = ["id"], cursor = "updated_at" }]
      }
    }
    checks         = {}
    alert_channels = {}
  }
  expect_failures = [var.pipelines]
}

run "incremental_table_without_cursor" {
  command = plan
  variables {
    pipelines = {
      nocursor = {
        source = "payments", destination = "raw"
        tables = [{ name = "public.t", primary_key = ["id"] }]
      }
    }
    checks         = {}
    alert_channels = {}
  }
  expect_failures = [var.pipelines]
}

run "check_on_unknown_table" {
  command = plan
  variables {
    checks = { bad = { pipeline = "hourly", table = "public.nope", kind = "freshness", max_age = "1h" } }
  }
  expect_failures = [var.checks]
}

run "password_instead_of_reference" {
  command = plan
  variables {
    sources = {
      payments = { host = "h", database = "d", user = "u", password_ref = "hunter2" }
    }
  }
  expect_failures = [var.sources]
}

run "ca_path_instead_of_pem" {
  command = plan
  variables {
    agent = { endpoint = "weir-agent.dev.internal:7443", ca_cert = "/etc/weir/ca.pem" }
  }
  expect_failures = [var.agent]
}

run "endpoint_with_scheme" {
  command = plan
  variables {
    agent = { endpoint = "https://weir-agent.dev.internal:7443", ca_cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" }
  }
  expect_failures = [var.agent]
}

run "alert_channel_on_unknown_pipeline" {
  command = plan
  variables {
    alert_channels = { oncall = { kind = "slack", url_ref = "ssm:/weir/dev/slack", pipelines = ["nope"] } }
  }
  expect_failures = [var.alert_channels]
}

run "bad_names" {
  command = plan
  variables {
    checks = { "Fresh Check" = { pipeline = "hourly", table = "public.transactions", kind = "freshness", max_age = "1h" } }
  }
  expect_failures = [var.checks]
}

run "table_twice_in_a_pipeline" {
  command = plan
  variables {
    pipelines = {
      twice = {
        source = "payments", destination = "raw"
        tables = [
          { name = "public.t", primary_key = ["id"], cursor = "updated_at" },
          { name = "public.t", primary_key = ["id"], cursor = "created_at" },
        ]
      }
    }
    checks         = {}
    alert_channels = {}
  }
  expect_failures = [var.pipelines]
}
