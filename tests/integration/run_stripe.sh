#!/usr/bin/env bash
# The Stripe preset (preset = "stripe") end to end through the weir-agent binary against localstripe, a
# real stateful Stripe-like server (tests/integration/localstripe_peer.py), into the Snowflake emulator.
# Shows: the first sync lists every object page by page (starting_after while has_more); the next sync
# reads /v1/events per event type from the saved position and lists charges created since
# (created[gt]); an updated customer lands changed; deleted customers keep their row with
# _WEIR_DELETED_AT (soft) or leave the target (hard_deletes, through the MERGE); a declared resource
# block replaces a preset one (refunds, which localstripe cannot filter by created); nothing is
# duplicated. localstripe lists oldest first and stamps `created` with the present time.
# Run under with_snowflake.sh. Usage: run_stripe.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=$root/.tools/localstripe/bin/python
[[ -x $python ]] || { echo "FAIL: localstripe is not installed: run scripts/bootstrap" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-stripe.XXXXXX")
agent_pid="" peer_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [[ -n $peer_pid ]] && kill "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -30 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

key=sk_test_weirStripePreset0123456789
stripe_port=$(free_port)
"$python" "$here/localstripe_peer.py" "$stripe_port" 2> "$work/stripe.log" &
peer_pid=$!
api=http://127.0.0.1:$stripe_port
for _ in $(seq 1 100); do curl -sf -H "Authorization: Bearer $key" "$api/v1/customers" > /dev/null && break; sleep 0.1; done
post() { # path form-fields...: prints the created object's id
  local path=$1; shift
  local args=()
  for field in "$@"; do args+=(-d "$field"); done
  curl -sf -H "Authorization: Bearer $key" "$api$path" "${args[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

port=$(free_port)
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
env STRIPE_KEY="$key" "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" >> "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    "$agent_bin" ctl list > /dev/null 2>&1 && break
  fi
  sleep 0.1
done
ctl() { "$agent_bin" ctl "$@"; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."STRIPE"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"STRIPE\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null

step "a Stripe source by preset, with refunds declared by hand, and one with hard deletes"
ctl apply source_http stripe --spec "{\"name\":\"stripe\",\"base_url\":\"$api\",\"bearer_token_ref\":\"env:STRIPE_KEY\",
  \"requests_per_second\":50,\"preset\":\"stripe\",\"stripe\":{\"resources\":[\"charges\",\"customers\",\"refunds\"]},
  \"resource\":[{\"name\":\"refunds\",\"path\":\"/v1/refunds\",\"primary_key\":[\"id\"],
    \"paginator\":{\"type\":\"next_cursor\",\"page_size\":100}}]}" > /dev/null
ctl apply source_http stripe-hard --spec "{\"name\":\"stripe-hard\",\"base_url\":\"$api\",\"bearer_token_ref\":\"env:STRIPE_KEY\",
  \"requests_per_second\":50,\"preset\":\"stripe\",\"stripe\":{\"resources\":[\"customers\"],\"hard_deletes\":[\"customers\"]}}" > /dev/null
pipeline() { # name source table extra
  ctl apply pipeline "$1" --spec "{\"name\":\"$1\",\"source\":\"$2\",\"destination\":\"raw\",\"schedule\":\"0 0 1 1 *\",
    \"table\":[{\"name\":\"$3\",\"primary_key\":[\"id\"]$4}]}" > /dev/null || fail "pipeline $1 refused"
}
pipeline stripe-customers stripe customers ',"cursor":"updated","lookback":"1m"'
pipeline stripe-charges stripe charges ',"cursor":"updated","lookback":"1m"'
pipeline stripe-refunds stripe refunds ',"mode":"full_refresh"'
pipeline hard-customers stripe-hard customers ',"cursor":"updated","target":"HARD_CUSTOMERS"'
if ctl apply pipeline bad --spec '{"name":"bad","source":"stripe","destination":"raw","schedule":"0 0 1 1 *",
  "table":[{"name":"subscriptions","primary_key":["id"],"mode":"full_refresh"}]}' > "$work/bad.out" 2>&1; then
  fail "a pipeline over a resource the preset does not offer was applied"
fi
grep -q "subscriptions" "$work/bad.out" || { cat "$work/bad.out"; fail "the missing resource is not named"; }

step "the first sync lists 130 customers over two pages and 4 charges"
customers=()
for n in $(seq 1 130); do customers+=("$(post /v1/customers "email=c$n@example.test" "description=customer $n")"); done
pm=$(post /v1/payment_methods type=card 'card[number]=4242424242424242' 'card[exp_month]=12' 'card[exp_year]=2030' 'card[cvc]=123')
charges=()
for n in 1 2 3 4; do charges+=("$(post /v1/charges "amount=${n}000" currency=eur "source=$pm")"); done
for p in stripe-customers stripe-charges stripe-refunds hard-customers; do
  ctl run "$p" --wait=120 > "$work/run1-$p.out" || { cat "$work/run1-$p.out"; fail "first run of $p"; }
done
count() { sf "SELECT COUNT(*), COUNT(DISTINCT \"ID\") FROM \"RAW\".\"STRIPE\".\"$1\""; }
[[ $(count CUSTOMERS) == '["130", "130"]' ]] || fail "customers after the first sync: $(count CUSTOMERS)"
[[ $(count HARD_CUSTOMERS) == '["130", "130"]' ]] || fail "hard customers after the first sync: $(count HARD_CUSTOMERS)"
[[ $(count CHARGES) == '["4", "4"]' ]] || fail "charges after the first sync: $(count CHARGES)"
grep -q "starting_after=" "$work/stripe.log" || fail "the listing was not paged with starting_after"

step "changes: a customer updated, two deleted, a new charge and a refund"
sleep 1 # the next sync's events are newer than the first sync's listing
curl -sf -H "Authorization: Bearer $key" "$api/v1/customers/${customers[0]}" -d email=changed@example.test > /dev/null
curl -sf -X DELETE -H "Authorization: Bearer $key" "$api/v1/customers/${customers[1]}" > /dev/null
curl -sf -X DELETE -H "Authorization: Bearer $key" "$api/v1/customers/${customers[2]}" > /dev/null
new_customer=$(post /v1/customers email=new@example.test)
charges+=("$(post /v1/charges amount=5000 currency=eur "source=$pm")")
refund=$(post /v1/refunds "charge=${charges[0]}" amount=300)
for p in stripe-customers stripe-charges stripe-refunds hard-customers; do
  ctl run "$p" --wait=120 > "$work/run2-$p.out" || { cat "$work/run2-$p.out"; fail "second run of $p"; }
done
grep -q "GET /v1/events?type=customer.deleted" "$work/stripe.log" || fail "the deletions were not asked for"
grep -q "GET /v1/events?type=customer.updated" "$work/stripe.log" || fail "the updates were not asked for"
grep -qE "GET /v1/charges\?created%5Bgt%5D=[0-9]+" "$work/stripe.log" || fail "new charges were not listed by created"

[[ $(count CUSTOMERS) == '["131", "131"]' ]] || fail "customers after the second sync: $(count CUSTOMERS)"
row=$(sf "SELECT \"EMAIL\", \"_WEIR_DELETED_AT\" IS NULL FROM \"RAW\".\"STRIPE\".\"CUSTOMERS\" WHERE \"ID\" = '${customers[0]}'")
[[ $row == '["changed@example.test", "true"]' ]] || fail "the updated customer: $row"
deleted=$(sf "SELECT COUNT(*) FROM \"RAW\".\"STRIPE\".\"CUSTOMERS\" WHERE \"_WEIR_DELETED_AT\" IS NOT NULL AND \"ID\" IN ('${customers[1]}', '${customers[2]}')")
[[ $deleted == '["2"]' ]] || fail "the soft-deleted customers: $deleted"
row=$(sf "SELECT \"EMAIL\" FROM \"RAW\".\"STRIPE\".\"CUSTOMERS\" WHERE \"ID\" = '$new_customer'")
[[ $row == '["new@example.test"]' ]] || fail "the new customer (from customer.created): $row"
[[ $(count HARD_CUSTOMERS) == '["129", "129"]' ]] || fail "hard customers after the second sync: $(count HARD_CUSTOMERS)"
gone=$(sf "SELECT COUNT(*) FROM \"RAW\".\"STRIPE\".\"HARD_CUSTOMERS\" WHERE \"ID\" IN ('${customers[1]}', '${customers[2]}')")
[[ $gone == '["0"]' ]] || fail "hard-deleted customers are still there: $gone"
[[ $(count CHARGES) == '["5", "5"]' ]] || fail "charges after the second sync: $(count CHARGES)"
row=$(sf "SELECT \"CHARGE\", \"AMOUNT\" FROM \"RAW\".\"STRIPE\".\"REFUNDS\" WHERE \"ID\" = '$refund'")
[[ $row == "[\"${charges[0]}\", \"300\"]" ]] || fail "the refund: $row"

step "a third sync with nothing new changes nothing"
ctl run stripe-customers --wait=120 > /dev/null || fail "third run"
[[ $(count CUSTOMERS) == '["131", "131"]' ]] || fail "customers after the third sync: $(count CUSTOMERS)"
step "a saved position older than the 30 days of events Stripe keeps resyncs by listing everything"
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
python3 - "$work/agent/weir.db" <<'PY' || fail "cannot age the saved position"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
changed = db.execute("UPDATE watermarks SET value = ? WHERE pipeline = 'stripe-customers'",
                     (str(int(time.time()) - 31 * 24 * 3600),)).rowcount
db.commit()
sys.exit(0 if changed == 1 else f"{changed} watermarks of stripe-customers")
PY
env STRIPE_KEY="$key" "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" >> "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do "$agent_bin" ctl list > /dev/null 2>&1 && break; sleep 0.1; done
events_before=$(grep -c "GET /v1/events" "$work/stripe.log" || true)
ctl run stripe-customers --wait=120 > /dev/null || fail "resync run"
grep -q "older than the 30 days of events Stripe keeps" "$work/agent.log" || fail "the resync is not logged"
[[ $(grep -c "GET /v1/events" "$work/stripe.log" || true) == "$events_before" ]] || fail "a resync asked for events"
[[ $(count CUSTOMERS) == '["131", "131"]' ]] || fail "customers after the resync: $(count CUSTOMERS)"
if grep -q "$key" "$work/agent.log"; then fail "the key appears in the agent log"; fi
echo "PASS"
