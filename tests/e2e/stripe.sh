#!/usr/bin/env bash
# End-to-end: a Stripe source (preset = "stripe") and its pipelines applied with real OpenTofu (the
# provider from a filesystem mirror) on a real weir-agent, against localstripe (a real stateful
# Stripe-like server, tests/integration/localstripe_peer.py) and the Snowflake emulator. Applies
# examples/stripe; a run lands the customers, charges and refunds; new charges, a refund and a deleted
# customer land on the next run (the customer marked deleted); the plan after apply shows no changes;
# the API key never appears in the state, the plan or apply output, or the agent's log.
# Run under with_snowflake.sh. Usage: stripe.sh PROVIDER_BINARY AGENT_BINARY
set -euo pipefail
provider_bin=$(realpath "$1")
agent_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
python=$root/.tools/localstripe/bin/python
[[ -x $tofu ]] || { echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2; exit 1; }
[[ -x $python ]] || { echo "FAIL: localstripe is not installed: run scripts/bootstrap" >&2; exit 1; }
: "${WEIR_TEST_SF_URL:?run under tests/integration/with_snowflake.sh}"

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-e2e-stripe.XXXXXX")
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
agent_pid="" peer_pid=""
cleanup() {
  if [[ -n $agent_pid ]]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [[ -n $peer_pid ]]; then kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
  if [[ ${KEEP_E2E:-} != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; echo "--- agent log:" >&2; tail -30 "$work/agent.log" >&2; exit 1; }
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }; }
lacks() { if grep -qF -- "$2" "$1"; then fail "\"$2\" must not appear in $1"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh key per run, so a match in any file can only come from this run leaking it.
key="sk_test_e2e$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
stripe_port=$(free_port)
"$python" "$root/tests/integration/localstripe_peer.py" "$stripe_port" 2> "$work/stripe.log" &
peer_pid=$!
api=http://127.0.0.1:$stripe_port
up=0
for _ in $(seq 1 100); do
  curl -sf -H "Authorization: Bearer $key" "$api/v1/customers" > /dev/null && { up=1; break; }
  sleep 0.1
done
[[ $up == 1 ]] || { cat "$work/stripe.log"; fail "localstripe did not start"; }
post() { # path form-fields...: prints the created object's id
  local path=$1; shift
  local args=()
  for field in "$@"; do args+=(-d "$field"); done
  curl -sf -H "Authorization: Bearer $key" "$api$path" "${args[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."STRIPE"' > /dev/null
cp "$root/tests/vectors/snowflake/test_rsa_key.p8" "$work/sf_key.p8"

source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$work/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1:log_path=$work/sanitizer"

port=$(free_port)
# The key reaches the agent only through its environment (bearer_token_ref = "env:STRIPE_KEY").
env STRIPE_KEY="$key" "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" > "$work/agent.log" 2>&1 &
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
[[ $ready == 1 ]] || fail "agent did not start"
ctl() { "$agent_bin" ctl "$@"; }

cfg=$work/cfg
mkdir -p "$cfg"
cp "$root/examples/stripe/main.tf" "$cfg/"
cat > "$cfg/local.auto.tfvars" <<VARS
stripe_api_url     = "$api"
snowflake_api_url  = "$WEIR_TEST_SF_URL"
snowflake_key_file = "$work/sf_key.p8"
VARS
cd "$cfg"
tf() { "$tofu" "$@" -no-color; }

step "tofu init and plan"
tf init -input=false > "$work/init.out" 2>&1 || { cat "$work/init.out"; fail "tofu init"; }
set +e; tf plan -input=false -detailed-exitcode > "$work/plan1.out" 2>&1; code=$?; set -e
[[ $code == 2 ]] || { cat "$work/plan1.out"; fail "first plan exit $code, want 2"; }
contains "$work/plan1.out" "Plan: 5 to add, 0 to change, 0 to destroy."
contains "$work/plan1.out" 'preset              = "stripe"'
contains "$work/plan1.out" 'bearer_token_ref    = "env:STRIPE_KEY"'

step "tofu apply"
tf apply -input=false -auto-approve > "$work/apply1.out" 2>&1 || { cat "$work/apply1.out"; fail "apply"; }
contains "$work/apply1.out" "Apply complete! Resources: 5 added, 0 changed, 0 destroyed."
ctl get source_http stripe > "$work/get-source.out"
contains "$work/get-source.out" '"preset": "stripe"'

step "the next plan has no changes"
set +e; tf plan -input=false -detailed-exitcode > "$work/plan2.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan2.out"; fail "plan after apply exit $code, want 0 (perpetual diff)"; }
contains "$work/plan2.out" "No changes."

step "a pipeline over a resource the source does not offer is refused at apply"
cat > bad.tf <<'HCL'
resource "weir_pipeline" "subscriptions" {
  name        = "stripe-subscriptions"
  source      = weir_source_http.stripe.name
  destination = weir_destination_snowflake.raw.name
  table {
    name        = "subscriptions"
    primary_key = ["id"]
    mode        = "full_refresh"
  }
}
HCL
set +e; tf apply -input=false -auto-approve > "$work/apply-bad.out" 2>&1; code=$?; set -e
rm bad.tf
[[ $code != 0 ]] || { cat "$work/apply-bad.out"; fail "a pipeline over an unknown resource was applied"; }
contains "$work/apply-bad.out" "subscriptions"

step "the first run lands 12 customers, 3 charges and a refund"
customers=()
for n in $(seq 1 12); do customers+=("$(post /v1/customers "email=c$n@example.test")"); done
pm=$(post /v1/payment_methods type=card 'card[number]=4242424242424242' 'card[exp_month]=12' 'card[exp_year]=2030' 'card[cvc]=123')
charges=()
for n in 1 2 3; do charges+=("$(post /v1/charges "amount=${n}000" currency=eur "source=$pm")"); done
refund1=$(post /v1/refunds "charge=${charges[0]}" amount=250)
for p in stripe-customers stripe-charges stripe-refunds; do
  ctl run "$p" --wait=120 > "$work/run1-$p.out" || { cat "$work/run1-$p.out"; fail "first run of $p"; }
done
count() { sf "SELECT COUNT(*), COUNT(DISTINCT \"ID\") FROM \"RAW\".\"STRIPE\".\"$1\""; }
[[ $(count CUSTOMERS) == '["12", "12"]' ]] || fail "customers after the first run: $(count CUSTOMERS)"
[[ $(count CHARGES) == '["3", "3"]' ]] || fail "charges after the first run: $(count CHARGES)"
[[ $(count REFUNDS) == '["1", "1"]' ]] || fail "refunds after the first run: $(count REFUNDS)"
row=$(sf "SELECT \"AMOUNT\", \"CURRENCY\" FROM \"RAW\".\"STRIPE\".\"CHARGES\" WHERE \"ID\" = '${charges[1]}'")
[[ $row == '["2000", "eur"]' ]] || fail "a charge's row: $row"

step "new charges, a refund and a deleted customer land on the next run"
sleep 1 # the events of the next run are newer than the first run's listing
charges+=("$(post /v1/charges amount=4000 currency=eur "source=$pm")")
charges+=("$(post /v1/charges amount=5000 currency=eur "source=$pm")")
refund2=$(post /v1/refunds "charge=${charges[3]}" amount=4000)
curl -sf -X DELETE -H "Authorization: Bearer $key" "$api/v1/customers/${customers[4]}" > /dev/null
for p in stripe-customers stripe-charges stripe-refunds; do
  ctl run "$p" --wait=120 > "$work/run2-$p.out" || { cat "$work/run2-$p.out"; fail "second run of $p"; }
done
[[ $(count CHARGES) == '["5", "5"]' ]] || fail "charges after the second run: $(count CHARGES)"
# The second run's first pages are empty events listings: the new charges must still land whole.
row=$(sf "SELECT \"AMOUNT\", \"CURRENCY\", \"STATUS\" FROM \"RAW\".\"STRIPE\".\"CHARGES\" WHERE \"ID\" = '${charges[4]}'")
[[ $row == '["5000", "eur", "succeeded"]' ]] || fail "a charge of the second run: $row"
[[ $(count REFUNDS) == '["2", "2"]' ]] || fail "refunds after the second run: $(count REFUNDS)"
row=$(sf "SELECT \"CHARGE\", \"AMOUNT\" FROM \"RAW\".\"STRIPE\".\"REFUNDS\" WHERE \"ID\" = '$refund2'")
[[ $row == "[\"${charges[3]}\", \"4000\"]" ]] || fail "the new refund: $row"
row=$(sf "SELECT \"CHARGE\" FROM \"RAW\".\"STRIPE\".\"REFUNDS\" WHERE \"ID\" = '$refund1'")
[[ $row == "[\"${charges[0]}\"]" ]] || fail "the first refund: $row"
[[ $(count CUSTOMERS) == '["12", "12"]' ]] || fail "customers after the second run: $(count CUSTOMERS)"
deleted=$(sf "SELECT \"ID\" FROM \"RAW\".\"STRIPE\".\"CUSTOMERS\" WHERE \"_WEIR_DELETED_AT\" IS NOT NULL")
[[ $deleted == "[\"${customers[4]}\"]" ]] || fail "the deleted customer is not the only one marked deleted: $deleted"

step "the API key stays out of state, plan and apply output, agent answers and log"
ctl list -o json > "$work/list.json"
for f in terraform.tfstate "$work/plan1.out" "$work/plan2.out" "$work/apply1.out" "$work/apply-bad.out" \
  "$work/get-source.out" "$work/list.json" "$work/agent.log" "$work"/run1-*.out "$work"/run2-*.out; do
  lacks "$f" "$key"
done
set +e; tf plan -input=false -detailed-exitcode > "$work/plan3.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan3.out"; fail "plan after the runs exit $code, want 0"; }
lacks "$work/plan3.out" "$key"

step "destroy"
tf destroy -input=false -auto-approve > "$work/destroy.out" 2>&1 || { cat "$work/destroy.out"; fail "destroy"; }
contains "$work/destroy.out" "Destroy complete! Resources: 5 destroyed."
if compgen -G "$work/sanitizer*" > /dev/null; then cat "$work"/sanitizer*; fail "sanitizer reports"; fi
echo
echo "e2e stripe: all steps passed"
