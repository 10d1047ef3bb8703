# Analytics-ready tables, built by the agent from the raw tables above as soon as a load publishes
# them (docs/transforms.md): transactions joined with their merchant, then revenue per merchant.
# The agent refuses to build from a failed or quarantined load and measures how long raw rows take
# to become analytics-ready (`weir-agent ctl status`).

resource "weir_transform" "merchant_transactions" {
  name        = "merchant-transactions"
  destination = weir_destination_snowflake.raw.name
  target      = "MERCHANT_TRANSACTIONS"
  inputs = [
    "${weir_pipeline.payments.name}/public.transactions",
    "${weir_pipeline.payments.name}/public.merchants",
  ]
  sql         = <<-SQL
    SELECT t.ID, t.AMOUNT, t.CURRENCY, t.STATUS, m.NAME AS MERCHANT, m.COUNTRY, t._WEIR_LOADED_AT
    FROM TRANSACTIONS t JOIN MERCHANTS m ON m.MERCHANT_ID = t.MERCHANT_ID
  SQL
  retention   = "7y" # curated data is kept seven years (by _WEIR_LOADED_AT)
  description = "Each transaction with its merchant's name and country."
}

resource "weir_transform" "merchant_revenue" {
  name              = "merchant-revenue"
  destination       = weir_destination_snowflake.raw.name
  target            = "MERCHANT_REVENUE"
  inputs            = [weir_transform.merchant_transactions.name]
  sql               = <<-SQL
    SELECT MERCHANT, COUNTRY, COUNT(*) AS TRANSACTIONS, ROUND(SUM(AMOUNT), 2) AS REVENUE
    FROM MERCHANT_TRANSACTIONS WHERE STATUS <> 'refunded' GROUP BY MERCHANT, COUNTRY
  SQL
  slo_success_ratio = 0.999 # 99.9 % of DAG runs succeed over 30 days
  slo_latency       = "30m" # source to analytics-ready within 30 minutes
}

# Judged on each new MERCHANT_REVENUE before it replaces the old one: a result with a merchant twice
# or a negative revenue is not published, and the old table stays (docs/transforms.md).
resource "weir_quality_check" "revenue_one_row_per_merchant" {
  name      = "revenue-one-per-merchant"
  transform = weir_transform.merchant_revenue.name
  kind      = "unique"
  columns   = ["MERCHANT", "COUNTRY"]
  lifecycle {
    replace_triggered_by = [weir_transform.merchant_revenue] # a replaced transform replaces its checks
  }
}

resource "weir_quality_check" "revenue_not_negative" {
  name      = "revenue-not-negative"
  transform = weir_transform.merchant_revenue.name
  kind      = "custom_sql"
  sql       = "SELECT COUNT(*) FROM {{batch}} WHERE REVENUE < 0"
  lifecycle {
    replace_triggered_by = [weir_transform.merchant_revenue]
  }
}
