# Stripe to Snowflake: a Stripe source by preset (charges, customers, refunds), one Snowflake
# destination and an hourly pipeline per resource. The API key is a secret reference resolved by the
# agent at run time (here the agent's environment variable STRIPE_KEY), so it never reaches the
# configuration, the plan or the state. scripts/demo-stripe and tests/e2e/stripe.sh apply it against
# localstripe on loopback; leave stripe_api_url at its default for the real API.
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}

provider "weir" {}

variable "stripe_api_url" {
  type    = string
  default = "https://api.stripe.com"
}

variable "stripe_key_ref" {
  description = "Secret reference to the Stripe secret key, e.g. ssm:/weir/stripe-secret-key."
  type        = string
  default     = "env:STRIPE_KEY"
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

resource "weir_source_http" "stripe" {
  name                = "stripe"
  base_url            = var.stripe_api_url
  bearer_token_ref    = var.stripe_key_ref
  requests_per_second = 20
  preset              = "stripe"

  stripe {
    resources = ["charges", "customers", "refunds"]
  }

  # localstripe cannot filter refunds by `created`: list them whole each run (full_refresh below).
  # Against the real API, drop this block and the preset's refunds (incremental) are used.
  resource {
    name        = "refunds"
    path        = "/v1/refunds"
    primary_key = ["id"]

    paginator {
      type      = "next_cursor"
      page_size = 100
    }
  }
}

resource "weir_destination_snowflake" "raw" {
  name            = "raw-stripe"
  account         = "MYORG-ANALYTICS"
  user            = "WEIR_LOADER"
  warehouse       = "LOAD_WH"
  database        = "RAW"
  schema          = "STRIPE"
  private_key_ref = "file:${var.snowflake_key_file}"
  api_url         = var.snowflake_api_url
}

resource "weir_pipeline" "customers" {
  name        = "stripe-customers"
  source      = weir_source_http.stripe.name
  destination = weir_destination_snowflake.raw.name
  schedule    = "@hourly"

  table {
    name        = "customers"
    primary_key = ["id"]
    cursor      = "updated"
    lookback    = "1m"
  }
}

resource "weir_pipeline" "charges" {
  name        = "stripe-charges"
  source      = weir_source_http.stripe.name
  destination = weir_destination_snowflake.raw.name
  schedule    = "@hourly"

  table {
    name        = "charges"
    primary_key = ["id"]
    cursor      = "updated"
    lookback    = "1m"
  }
}

resource "weir_pipeline" "refunds" {
  name        = "stripe-refunds"
  source      = weir_source_http.stripe.name
  destination = weir_destination_snowflake.raw.name
  schedule    = "@hourly"

  table {
    name        = "refunds"
    primary_key = ["id"]
    mode        = "full_refresh"
  }
}
