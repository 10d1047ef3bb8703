#!/usr/bin/env bash
# The Stripe preset against stripe-mock (Stripe's own server generated from its OpenAPI spec, built by
# scripts/bootstrap from tests/tools/stripe-mock), into the Snowflake emulator: the request and
# response shapes of all eight preset resources. stripe-mock validates every request against the spec
# (an unknown or mistyped query parameter is a 400; tables run one at a time so its log reads in order) and answers each listing with one fixture object
# of the resource, `has_more` false; it keeps no state, so its events carry a fixture of another kind.
# Shows: the first sync's `created[gte]`/`created[lt]` windowed listings of every resource are accepted
# and each record parses into a row (the fixture's id, amount, created and `updated`); the next sync's
# `/v1/events` requests (per type, `created[gte]`) and `created[gt]` listings are accepted too, and
# events whose object is of another kind are left out with a warning, not loaded.
# Run under with_snowflake.sh. Usage: run_stripe_mock.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mock=${STRIPE_MOCK:-$root/.tools/bin/stripe-mock}
[[ -x $mock ]] || { echo "FAIL: stripe-mock is not installed at $mock: run scripts/bootstrap" >&2; exit 1; }
: "${WEIR_TEST_SF_URL:?run under with_snowflake.sh}"
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-stripe-mock.XXXXXX")
agent_pid="" mock_pid=""
cleanup() {
  if [[ -n $agent_pid ]]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [[ -n $mock_pid ]]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  [[ ${KEEP_WORK:-} == 1 ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:" >&2; tail -30 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

key=sk_test_weirStripeMock0123456789
mock_port=$(free_port)
"$mock" -http-addr "127.0.0.1:$mock_port" > "$work/mock.log" 2>&1 &
mock_pid=$!
api=http://127.0.0.1:$mock_port
up=0
for _ in $(seq 1 100); do
  curl -sf -H "Authorization: Bearer $key" "$api/v1/charges" > /dev/null && { up=1; break; }
  sleep 0.1
done
[[ $up == 1 ]] || { cat "$work/mock.log"; fail "stripe-mock did not start"; }
resources=(charges payment_intents refunds balance_transactions customers invoices payouts disputes)
declare -A fixture
for r in "${resources[@]}"; do # the one object stripe-mock lists for each resource
  fixture[$r]=$(curl -sf -H "Authorization: Bearer $key" "$api/v1/$r" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["object"] == "list" and len(d["data"]) == 1, d
print(d["data"][0]["id"], d["data"][0]["created"])')
done

port=$(free_port)
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
env STRIPE_KEY="$key" "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" > "$work/agent.log" 2>&1 &
agent_pid=$!
ready=0
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    "$agent_bin" ctl list > /dev/null 2>&1 && { ready=1; break; }
  fi
  sleep 0.1
done
[[ $ready == 1 ]] || fail "agent did not start"
ctl() { "$agent_bin" ctl "$@"; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."STRIPE"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"STRIPE\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null

step "a Stripe source with every preset resource; the first sync in created windows since 2009"
# stripe-mock's fixtures were created in 2009; 2000-day windows make three listings per resource.
ctl apply source_http stripe --spec "{\"name\":\"stripe\",\"base_url\":\"$api\",\"bearer_token_ref\":\"env:STRIPE_KEY\",
  \"headers\":{\"Stripe-Version\":\"2024-06-20\"},\"requests_per_second\":100,\"preset\":\"stripe\",
  \"stripe\":{\"start_date\":\"2009-01-01\",\"window\":\"2000d\"}}" > /dev/null || fail "source refused"
tables=""
for r in "${resources[@]}"; do
  tables+="${tables:+,}{\"name\":\"$r\",\"primary_key\":[\"id\"],\"cursor\":\"updated\",\"lookback\":\"1m\"}"
done
ctl apply pipeline stripe-all --spec "{\"name\":\"stripe-all\",\"source\":\"stripe\",\"destination\":\"raw\",
  \"schedule\":\"0 0 1 1 *\",\"max_parallel_tables\":1,\"table\":[$tables]}" > /dev/null || fail "pipeline refused"
ctl run stripe-all --wait=120 > "$work/run1.out" || { cat "$work/run1.out"; fail "first run"; }

step "every request was accepted by the spec's validation"
requests() { grep -c '^Request: GET' "$work/mock.log"; }
not_ok() { grep '^Response:' "$work/mock.log" | grep -vc 'status=200' || true; }
[[ $(not_ok) == 0 ]] || { grep -B3 -v 'status=200' "$work/mock.log" | tail -30; fail "stripe-mock refused requests"; }
for r in "${resources[@]}"; do
  n=$(grep -A1 "^Request: GET /v1/$r\$" "$work/mock.log" | grep -c 'created:map\[gte:[0-9]* lt:[0-9]*\] limit:100' || true)
  (( n >= 3 )) || { grep -A1 "/v1/$r" "$work/mock.log"; fail "$r: want at least 3 created windows, saw $n"; }
done
echo "$(requests) requests, all answered 200"

step "each resource's record parsed into one row"
for r in "${resources[@]}"; do
  read -r id created <<< "${fixture[$r]}"
  table=$(tr '[:lower:]' '[:upper:]' <<< "$r")
  row=$(sf "SELECT COUNT(*), MIN(\"ID\"), MIN(\"CREATED\"), MIN(\"UPDATED\") FROM \"RAW\".\"STRIPE\".\"$table\"")
  [[ $row == "[\"1\", \"$id\", \"$created\", \"$created\"]" ]] || fail "$r: $row, want the fixture $id created $created"
done
row=$(sf 'SELECT "AMOUNT", "CURRENCY" FROM "RAW"."STRIPE"."CHARGES"')
[[ $row == '["100", "usd"]' ]] || fail "the charge's amount and currency: $row"
row=$(sf 'SELECT "EMAIL" IS NULL, "_WEIR_DELETED_AT" IS NULL FROM "RAW"."STRIPE"."CUSTOMERS"')
[[ $row == '["true", "true"]' ]] || fail "the customer's columns: $row"

step "the next sync's events and created[gt] requests are accepted"
seen=$(wc -l < "$work/mock.log")
sleep 1
ctl run stripe-all --wait=120 > "$work/run2.out" || { cat "$work/run2.out"; fail "second run"; }
[[ $(not_ok) == 0 ]] || { grep -B3 -v 'status=200' "$work/mock.log" | tail -30; fail "stripe-mock refused requests of the second sync"; }
tail -n +"$((seen + 1))" "$work/mock.log" > "$work/mock2.log"
# Every event type of the preset (docs/http-sources.md), deletions included, from the position on.
for type in charge.{updated,captured,refunded,succeeded,failed,pending,expired} \
  payment_intent.{succeeded,canceled,payment_failed,processing,requires_action,amount_capturable_updated,partially_funded} \
  refund.updated refund.failed charge.refund.updated customer.{created,updated,deleted} \
  invoice.{updated,finalized,paid,payment_succeeded,payment_failed,voided,marked_uncollectible,sent,deleted} \
  payout.{updated,paid,failed,canceled,reconciliation_completed} \
  charge.dispute.{updated,closed,funds_withdrawn,funds_reinstated}; do
  grep -q "^Request data = map\[created:map\[gte:[0-9]*\] limit:100 type:$type\]" "$work/mock2.log" ||
    fail "no /v1/events request for $type"
done
grep -A1 '^Request: GET /v1/charges$' "$work/mock2.log" | grep -q 'created:map\[gt:[0-9]*\]' || fail "charges were not listed by created[gt]"
grep -A1 '^Request: GET /v1/balance_transactions$' "$work/mock2.log" | grep -q 'created:map\[gte:[0-9]*' ||
  fail "balance transactions were not listed from the watermark"
grep -q 'records left out (an event whose object is of another kind)' "$work/agent.log" ||
  fail "events of another kind were not reported as left out"
for r in "${resources[@]}"; do
  table=$(tr '[:lower:]' '[:upper:]' <<< "$r")
  [[ $(sf "SELECT COUNT(*) FROM \"RAW\".\"STRIPE\".\"$table\"") == '["1"]' ]] || fail "$r changed in the second sync"
done
if grep -q "$key" "$work/agent.log"; then fail "the key appears in the agent log"; fi
echo "PASS"
