#!/usr/bin/env bash
# The HTTP source end to end through the weir-agent binary: a Stripe-like list API (api_peer.py)
# behind a fault proxy, a source_http and pipeline applied over the control API, runs into the
# Snowflake emulator. Shows: every record lands once (declared, inferred, nested-as-JSON and _raw
# columns) through 429 bursts with Retry-After, 5xx, a slow answer and a truncated body; the next run
# asks from the watermark minus lookback; a crash after each step resumes without duplicates; a
# backfill over a created range; a failing quality check quarantines until released; a 404
# fails the run with the path, status and the API's message; a wrong key fails as an auth error; a
# paging loop fails; a Link header over 1 KiB is followed whole; the key never appears in the agent
# log or a run's error.
# Run under with_snowflake.sh. Usage: run_http.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-http.XXXXXX")
agent_pid="" peer_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [[ -n $peer_pid ]] && kill "$peer_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -30 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }

key=sk_test_weir4a1b2c3d4e5f6secret
mkfifo "$work/peer.fifo"
python3 "$here/api_peer.py" "$key" > "$work/peer.fifo" &
peer_pid=$!
read -r -t 30 api_port proxy_port < "$work/peer.fifo"
api=http://127.0.0.1:$api_port proxy=http://127.0.0.1:$proxy_port

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
start_agent() { # extra environment for the agent process
  env "$@" STRIPE_KEY="$key" WRONG_KEY=sk_test_wrongwrongwrong \
    "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" >> "$work/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 100); do
    if [[ -f $work/agent/dev/token ]]; then
      export WEIR_TOKEN=$(cat "$work/agent/dev/token")
      "$agent_bin" ctl list > /dev/null 2>&1 && return 0
    fi
    sleep 0.1
  done
  fail "agent did not start"
}
ctl() { "$agent_bin" ctl "$@"; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
charges() { # first count [created_base]: charges ch_<n> created a minute apart
  python3 - "$1" "$2" "${3:-1700000000}" <<'PY' | curl -sf -X POST "$api/admin/charges" -d @- > /dev/null
import json, sys
first, count, base = map(int, sys.argv[1:4])
print(json.dumps([{"id": f"ch_{n:05d}", "object": "charge", "amount": n * 100, "currency": "eur",
                   "paid": n % 3 != 0, "created": base + n * 60, "customer": f"cus_{n % 7}",
                   "metadata": {"order_id": f"ord_{n}"}, "refunds": {"data": [], "has_more": False}}
                  for n in range(first, first + count)]))
PY
}
faults() { curl -sf -X POST "$proxy/_faults" -d "$1" > /dev/null; }
count() { sf 'SELECT COUNT(*), COUNT(DISTINCT "ID") FROM "RAW"."STRIPE"."CHARGES"'; }

start_agent
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."STRIPE"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
source_spec() { # name base_url key_ref extra-resources
  cat <<JSON
{"name":"$1","base_url":"$2","bearer_token_ref":"$3","requests_per_second":20,"max_attempts":6,"timeout":"2s",
 "headers":{"Stripe-Version":"2024-06-20"},
 "resource":[{"name":"charges","path":"/v1/charges","primary_key":["id"],"cursor":"/created",
   "incremental_param":"created[gte]","end_param":"created[lt]","keep_raw":true,
   "paginator":{"type":"next_cursor","page_size":40},
   "column":[{"pointer":"/metadata/order_id","name":"order_id"},{"pointer":"/created","name":"created","type":"bigint"}]},
  {"name":"missing","path":"/v1/nothing","primary_key":["id"]},
  {"name":"loop","path":"/v1/loop","primary_key":["id"],"paginator":{"type":"next_cursor"}},
  {"name":"linked","path":"/v1/linked","primary_key":["id"],"paginator":{"type":"link_header","page_size":25}}]}
JSON
}
ctl apply source_http stripe --spec "$(source_spec stripe "$proxy" env:STRIPE_KEY)" > /dev/null
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"STRIPE\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null
pipeline() { # name source table
  ctl apply pipeline "$1" --spec "{\"name\":\"$1\",\"source\":\"$2\",\"destination\":\"raw\",\"schedule\":\"0 0 1 1 *\",
    \"table\":[{\"name\":\"$3\",\"primary_key\":[\"id\"]${4:-}}]}"
}
pipeline stripe-charges stripe charges ',"cursor":"created","lookback":"10m"' > /dev/null

step "plan-time checks name the resource and attribute"
if ctl apply source_http bad --spec '{"name":"bad","base_url":"http://api.example.test","bearer_token_ref":"env:K",
  "resource":[{"name":"x","path":"/v1/x","primary_key":["id"]}]}' > "$work/bad.out" 2>&1; then
  fail "a plain-http base_url was applied"
fi
grep -qF 'base_url: Invalid URL' "$work/bad.out" || { cat "$work/bad.out"; fail "no diagnostic at base_url"; }
if ctl apply source_http bad --spec '{"name":"bad","base_url":"https://api.example.test","bearer_token_ref":"env:K",
  "resource":[{"name":"x","path":"v1/x?a=1","primary_key":["id"],"cursor":"/a/b","records":"data"}]}' > "$work/bad.out" 2>&1; then
  fail "an invalid source_http was applied"
fi
for want in 'resource[0].path' 'resource[0].records' 'resource[0].incremental_param' 'resource[0].cursor: Cursor without a column'; do
  grep -qF "$want" "$work/bad.out" || { cat "$work/bad.out"; fail "no diagnostic at $want"; }
done

step "the first run lands 230 charges through 429s with Retry-After, a 503, a slow answer and a cut body"
charges 1 230
faults '[{"status":429,"retry_after":"1"},{"status":429,"retry_after":"1"},{"status":503},{"delay":3},{"truncate":true}]'
started=$(date +%s)
ctl run stripe-charges --wait=120 > "$work/run1.out" || { cat "$work/run1.out"; fail "first run"; }
[[ $(count) == '["230", "230"]' ]] || fail "first run: $(count)"
curl -sf "$proxy/_faults" | grep -q '"remaining": 0, "faults": 5' || fail "not every fault was met: $(curl -s "$proxy/_faults")"
(( $(date +%s) - started >= 2 )) || fail "Retry-After was not honoured"
grep -q "answered 429" "$work/agent.log" || fail "the retries are not logged"
if grep -q "step extracting failed" "$work/agent.log"; then fail "the source's own retries did not ride the faults out"; fi
row=$(sf 'SELECT "ID", "AMOUNT", "PAID", "CUSTOMER", "ORDER_ID", "CREATED", "METADATA":"order_id"::string, "_RAW":"id"::string FROM "RAW"."STRIPE"."CHARGES" WHERE "ID" = '"'ch_00003'")
[[ $row == '["ch_00003", "300", "false", "cus_3", "ord_3", "1700000180", "ord_3", "ch_00003"]' ]] || fail "row ch_00003: $row"

step "the next run asks from the watermark minus lookback and adds only the new charges"
charges 231 25
ctl run stripe-charges --wait=120 > "$work/run2.out" || { cat "$work/run2.out"; fail "second run"; }
[[ $(count) == '["255", "255"]' ]] || fail "second run: $(count)"
# The first run's watermark is charge 230's created (1700000000 + 230*60); lookback 10m = 600 s.
curl -sf "$api/admin/log" | grep -q "created%5Bgte%5D=$((1700000000 + 230 * 60 - 600))" ||
  { curl -s "$api/admin/log" | tail -3; fail "the incremental parameter is not watermark - lookback"; }

next_charge=256
for point in extracting staged loading published; do
  step "a crash right after '$point' resumes and ends without duplicates"
  charges "$next_charge" 5
  next_charge=$((next_charge + 5))
  kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
  start_agent WEIR_FAILPOINT=after:$point
  ctl run stripe-charges > /dev/null
  for _ in $(seq 1 300); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$agent_pid" 2>/dev/null; then fail "failpoint after:$point was not reached"; fi
  wait "$agent_pid" 2>/dev/null || true
  start_agent
  for _ in $(seq 1 300); do
    ctl runs stripe-charges | awk 'NR==2 {print $4}' | grep -q committed && break
    sleep 0.2
  done
  ctl runs stripe-charges | awk 'NR==2 {print $4}' | grep -q committed || { ctl runs; fail "run did not resume after $point"; }
  want=$((next_charge - 1))
  [[ $(count) == "[\"$want\", \"$want\"]" ]] || fail "after the crash at $point: $(count)"
done

step "a backfill over a created range reloads it in chunks and leaves the watermark alone"
# Charges 1-40 changed at the API (their created times are 1700000060 ... 1700002400); the backfill
# re-reads [1700000000, 1700002460) in four chunks of 615 s and merges them.
curl -sf -X POST "$api/admin/charges" -d "$(python3 -c 'import json; print(json.dumps([{"id": f"ch_{n:05d}", "object": "charge", "amount": 7, "currency": "eur", "paid": True, "created": 1700000000 + n * 60, "customer": "cus_0", "metadata": {"order_id": "re"}, "refunds": {"data": [], "has_more": False}} for n in range(1, 41)]))')" > /dev/null
watermark_before=$(ctl run show "$(ctl runs stripe-charges | awk 'NR==2 {print $1}')" | grep -o 'watermark.*')
ctl apply backfill charges-history --spec '{"name":"charges-history","pipeline":"stripe-charges","table":"charges",
  "from":"1700000000","to":"1700002460","chunk":"615"}' > /dev/null
for _ in $(seq 1 300); do
  ctl backfill status charges-history | awk 'NR==2 {print $4}' | grep -qE 'completed|failed' && break
  sleep 0.2
done
ctl backfill status charges-history | grep -q " completed  *4/4 " || { ctl backfill status charges-history; fail "backfill"; }
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."STRIPE"."CHARGES" WHERE "AMOUNT" = 7') == '["40"]' ]] || fail "backfilled charges"
[[ $(count) == "[\"$want\", \"$want\"]" ]] || fail "after the backfill: $(count)"
curl -sf "$api/admin/log" | grep -q "created%5Bgte%5D=1700001845" || fail "the backfill's last chunk did not ask for its range"
ctl delete backfill charges-history > /dev/null

step "quality checks gate HTTP batches like any other: a failing error check quarantines"
ctl apply quality_check charges-volume --spec '{"name":"charges-volume","pipeline":"stripe-charges","table":"charges",
  "kind":"row_count","min_rows":50}' > /dev/null
charges "$next_charge" 3
next_charge=$((next_charge + 3))
ctl run stripe-charges --wait=60 > "$work/gate.out" 2>&1 || true
ctl runs stripe-charges | awk 'NR==2 {print $4}' | grep -q quarantined || { cat "$work/gate.out"; ctl runs stripe-charges; fail "a failing check did not quarantine"; }
[[ $(count) == "[\"$want\", \"$want\"]" ]] || fail "a quarantined batch was published: $(count)"
ctl quarantine release "$(ctl runs stripe-charges | awk 'NR==2 {print $1}')" > /dev/null
for _ in $(seq 1 300); do
  ctl runs stripe-charges | awk 'NR==2 {print $4}' | grep -q committed && break
  sleep 0.2
done
want=$((next_charge - 1))
[[ $(count) == "[\"$want\", \"$want\"]" ]] || fail "after the release: $(count)"
ctl delete quality_check charges-volume > /dev/null

step "a 404 fails the run with the path, the status and the API's message"
pipeline stripe-missing stripe missing ",\"mode\":\"full_refresh\"" > /dev/null
if ctl run stripe-missing --wait=60 > "$work/missing.out" 2>&1; then fail "a 404 run succeeded"; fi
run=$(ctl runs stripe-missing | awk 'NR==2 {print $1}')
ctl run show "$run" > "$work/missing.show"
grep -qF 'GET /v1/nothing' "$work/missing.show" && grep -qF '404' "$work/missing.show" &&
  grep -qF 'Unrecognized request URL' "$work/missing.show" || { cat "$work/missing.show"; fail "the 404 is not reported"; }

step "a server that says not to retry is not retried"
faults '[{"status":500,"should_retry":"false"},{"status":500}]'
if ctl run stripe-missing --wait=60 > /dev/null 2>&1; then fail "the run succeeded"; fi
curl -sf "$proxy/_faults" | grep -q '"remaining": 1' || fail "Stripe-Should-Retry: false was retried"
faults '[]'

step "a paging loop fails instead of running forever"
pipeline stripe-loop stripe loop ",\"mode\":\"full_refresh\"" > /dev/null
if ctl run stripe-loop --wait=60 > /dev/null 2>&1; then fail "a paging loop succeeded"; fi
ctl run show "$(ctl runs stripe-loop | awk 'NR==2 {print $1}')" | grep -q "twice" || fail "the loop is not named"

step "a Link header over 1 KiB (long cursor tokens) is followed whole to the last page"
link=$(curl -sfD - -o /dev/null -H "Authorization: Bearer $key" "$api/v1/linked?limit=25&page_info=$(
  python3 -c 'import base64,json; print(base64.urlsafe_b64encode(json.dumps({"after":"ch_00100","pad":"p"*1100}).encode()).decode())')" |
  tr -d '\r' | grep -i '^link:')
(( ${#link} > 1024 )) && [[ $link == *'rel="next"'* ]] || fail "the peer's Link header is not over 1 KiB: ${#link} bytes"
ctl apply source_http linked --spec "$(source_spec linked "$api" env:STRIPE_KEY)" > /dev/null
pipeline linked-charges linked linked ",\"mode\":\"full_refresh\",\"target\":\"LINKED_CHARGES\"" > /dev/null
ctl run linked-charges --wait=120 > "$work/linked.out" 2>&1 || { cat "$work/linked.out"; fail "the Link-paged run"; }
[[ $(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID"), MIN("ID"), MAX("ID") FROM "RAW"."STRIPE"."LINKED_CHARGES"') == \
  "[\"$want\", \"$want\", \"ch_00001\", \"$(printf 'ch_%05d' "$want")\"]" ]] ||
  fail "Link paging: $(sf 'SELECT COUNT(*), MIN("ID"), MAX("ID") FROM "RAW"."STRIPE"."LINKED_CHARGES"')"

step "a wrong key fails as an authentication error, and no key appears anywhere"
ctl apply source_http wrong --spec "$(source_spec wrong "$api" env:WRONG_KEY)" > /dev/null
pipeline wrong-charges wrong charges ",\"mode\":\"full_refresh\",\"target\":\"WRONG_CHARGES\"" > /dev/null
if ctl run wrong-charges --wait=60 > /dev/null 2>&1; then fail "a wrong key succeeded"; fi
ctl run show "$(ctl runs wrong-charges | awk 'NR==2 {print $1}')" > "$work/wrong.show"
grep -q "401" "$work/wrong.show" || { cat "$work/wrong.show"; fail "the 401 is not reported"; }
for shown in "$work/agent.log" "$work/wrong.show" "$work/missing.show"; do
  if grep -qE "$key|sk_test_wrongwrongwrong" "$shown"; then fail "a key appears in $shown"; fi
done
ctl get source_http stripe 2>/dev/null | grep -q "$key" && fail "the key is in the stored spec"
echo "PASS"
