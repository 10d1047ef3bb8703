#!/usr/bin/env bash
# End-to-end: a DAG declared in OpenTofu. Real OpenTofu, the provider from a filesystem mirror and a
# real agent: two pipeline tables → a join transform → an aggregate transform (inputs written as
# references, SLO and retention attributes set) apply in dependency order; a second plan shows no
# changes; changing the aggregate's materialization plans a replace (and of the quality check that
# guards it, through replace_triggered_by), which applies, and the plan is clean again; the agent's
# graph matches the configuration.
# Usage: dag.sh PROVIDER_BINARY AGENT_BINARY
set -euo pipefail

provider_bin=$(realpath "$1")
agent_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
[[ -x $tofu ]] || { echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-e2e-dag.XXXXXX")
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
agent_pid=""
cleanup() {
  if [[ -n $agent_pid ]]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [[ ${KEEP_E2E:-} != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }; }

source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" > "$work/agent.log" 2>&1 &
agent_pid=$!
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
ready=0
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    if "$agent_bin" ctl list > /dev/null 2>&1; then ready=1; break; fi
  fi
  sleep 0.1
done
[[ $ready == 1 ]] || { cat "$work/agent.log"; fail "agent did not start"; }
# The source is never reached: apply only warns about it, and nothing here runs a load.
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cfg=$work/cfg
mkdir -p "$cfg"
cd "$cfg"
write_config() { # the aggregate's materialization
  cat > main.tf <<HCL
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}
provider "weir" {}
resource "weir_source_postgres" "shop" {
  name     = "shop"
  host     = "127.0.0.1"
  port     = $closed
  database = "shop"
  user     = "weir"
  sslmode  = "disable"
}
resource "weir_destination_snowflake" "raw" {
  name            = "raw"
  account         = "MYORG-ANALYTICS"
  user            = "WEIR_LOADER"
  warehouse       = "LOAD_WH"
  database        = "RAW"
  schema          = "SHOP"
  private_key_ref = "env:SNOWFLAKE_PRIVATE_KEY"
}
resource "weir_pipeline" "shop" {
  name        = "shop"
  source      = weir_source_postgres.shop.name
  destination = weir_destination_snowflake.raw.name
  schedule    = "@hourly"
  table {
    name        = "shop.orders"
    primary_key = ["id"]
    cursor      = "updated_at"
    retention   = "180d"
  }
  table {
    name        = "shop.customers"
    primary_key = ["id"]
    cursor      = "updated_at"
  }
}
resource "weir_transform" "customer_orders" {
  name        = "customer-orders"
  destination = weir_destination_snowflake.raw.name
  target      = "CUSTOMER_ORDERS"
  inputs = [
    "\${weir_pipeline.shop.name}/shop.orders",
    "\${weir_pipeline.shop.name}/shop.customers",
  ]
  sql = "SELECT c.ID AS CUSTOMER_ID, o.ID AS ORDER_ID, o.AMOUNT, o._WEIR_LOADED_AT FROM ORDERS o JOIN CUSTOMERS c ON c.ID = o.CUSTOMER_ID"
}
resource "weir_transform" "customer_totals" {
  name              = "customer-totals"
  destination       = weir_destination_snowflake.raw.name
  target            = "CUSTOMER_TOTALS"
  materialization   = "$1"
  inputs            = [weir_transform.customer_orders.name]
  sql               = "SELECT CUSTOMER_ID, COUNT(*) AS ORDERS, SUM(AMOUNT) AS TOTAL FROM CUSTOMER_ORDERS GROUP BY CUSTOMER_ID"
  slo_success_ratio = 0.999
  slo_latency       = "30m"
}
resource "weir_quality_check" "totals_nonnegative" {
  name      = "customer-totals-nonnegative"
  transform = weir_transform.customer_totals.name
  kind      = "custom_sql"
  sql       = "SELECT COUNT(*) FROM {{batch}} WHERE TOTAL < 0"
  # The agent refuses to delete a transform a check still guards: a replaced transform replaces it.
  lifecycle {
    replace_triggered_by = [weir_transform.customer_totals]
  }
}
HCL
}

step "apply the DAG: sources, pipeline, then the transforms in dependency order"
write_config table
"$tofu" init -input=false > "$work/init.out" 2>&1 || { cat "$work/init.out"; fail "tofu init"; }
"$tofu" apply -no-color -input=false -auto-approve > "$work/apply.out" 2>&1 || { cat "$work/apply.out"; fail "tofu apply"; }
contains "$work/apply.out" "Apply complete! Resources: 6 added, 0 changed, 0 destroyed."
python3 - "$work/apply.out" <<'PY' || fail "a transform was created before what it reads"
import sys
text = open(sys.argv[1]).read()
order = [text.index(f"{r}: Creation complete") for r in
         ("weir_pipeline.shop", "weir_transform.customer_orders", "weir_transform.customer_totals",
          "weir_quality_check.totals_nonnegative")]
sys.exit(0 if order == sorted(order) else 1)
PY
"$agent_bin" ctl dag graph > "$work/graph.out"
grep -E '^1 +customer-orders +transform +waiting +shop/shop.customers, shop/shop.orders$' "$work/graph.out" > /dev/null &&
  grep -E '^2 +customer-totals +transform +waiting +customer-orders$' "$work/graph.out" > /dev/null ||
  { cat "$work/graph.out"; fail "the agent's graph"; }

step "a second plan has no changes"
set +e; "$tofu" plan -no-color -input=false -detailed-exitcode > "$work/plan.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan.out"; fail "plan after apply exits $code, not 0 (no changes)"; }
contains "$work/plan.out" "No changes."

step "changing the materialization plans a replace"
write_config view
set +e; "$tofu" plan -no-color -input=false -detailed-exitcode > "$work/plan.out" 2>&1; code=$?; set -e
[[ $code == 2 ]] || { cat "$work/plan.out"; fail "plan exits $code, not 2 (changes)"; }
contains "$work/plan.out" "# weir_transform.customer_totals must be replaced"
contains "$work/plan.out" '~ materialization   = "table" -> "view" # forces replacement'
contains "$work/plan.out" "# weir_quality_check.totals_nonnegative will be replaced due to changes in replace_triggered_by"
contains "$work/plan.out" "Plan: 2 to add, 0 to change, 2 to destroy."
"$tofu" apply -no-color -input=false -auto-approve > "$work/apply.out" 2>&1 || { cat "$work/apply.out"; fail "tofu apply of the replace"; }
contains "$work/apply.out" "Apply complete! Resources: 2 added, 0 changed, 2 destroyed."
[[ $("$agent_bin" ctl get quality_check customer-totals-nonnegative | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["transform"])') == customer-totals ]] ||
  fail "the check on the replaced transform is gone"
[[ $("$agent_bin" ctl get transform customer-totals | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["materialization"])') == view ]] ||
  fail "the agent did not get the new materialization"
set +e; "$tofu" plan -no-color -input=false -detailed-exitcode > "$work/plan.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan.out"; fail "plan after the replace exits $code"; }
echo "OK"
