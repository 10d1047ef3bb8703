#!/usr/bin/env bash
# Quality gates end to end through the weir-agent binary against real PostgreSQL and the Snowflake
# dialect emulator: a null spike, orphan foreign keys, a duplicate key and a 90 % row-count drop each
# quarantine their batch (nothing published, watermark unchanged, table held) until an operator
# releases or discards it; an out-of-set value only warns and publishes; a stale target fails its
# freshness check. Alerts reach a loopback receiver as a signed webhook, Slack and PagerDuty
# payloads, once per incident, and resolve on recovery.
# Run under with_postgres.sh and with_snowflake.sh. Usage: run_quality.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-quality.XXXXXX")
agent_pid="" receiver_pid=""
cleanup() {
  for pid in $agent_pid $receiver_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -30 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
metrics_port=$(free_port)
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
mkfifo "$work/receiver.port"
WEIR_TEST_FLAKY_PATHS=/hook python3 "$(dirname "$0")/alert_receiver.py" "$work/alerts.jsonl" > "$work/receiver.port" &
receiver_pid=$!
read -r -t 30 receiver_port < "$work/receiver.port"
export WEIR_TEST_HOOK_URL=http://127.0.0.1:$receiver_port/hook WEIR_TEST_SLACK_URL=http://127.0.0.1:$receiver_port/slack \
  WEIR_TEST_PD_URL=http://127.0.0.1:$receiver_port/pagerduty WEIR_TEST_PD_KEY=R0UTINGKEY0123456789abcdef
touch "$work/alerts.jsonl"
PAYMENTS_PG_PASSWORD=$WEIR_TEST_PG_PASSWORD "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" --metrics-addr "127.0.0.1:$metrics_port" \
  >> "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
  [[ -f $work/agent/dev/token ]] && export WEIR_TOKEN=$(cat "$work/agent/dev/token") && "$agent_bin" ctl list > /dev/null 2>&1 && break
  sleep 0.1
done
ctl() { "$agent_bin" ctl "$@"; }
metric() { # NAME{LABELS} — prints the sample's value
  curl -sf "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" 'index($0, name " ") == 1 {print $NF}'
}
sf() {
  curl -s -X POST "$WEIR_TEST_SF_URL/api/v2/statements" -H "Authorization: Bearer test" \
    -H "X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT" -H "User-Agent: weir-test" \
    -H "Content-Type: application/json" -d "$(python3 -c 'import json,sys; print(json.dumps({"statement": sys.argv[1]}))' "$1")" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); [print(json.dumps(r)) for r in d.get("data", [])] if "data" in d else sys.exit(d.get("message"))'
}
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }
target_count() { sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."ORDERS"'; }
# batch FIRST_ID COUNT MINUTES_AGO [SQL expressions for customer_id, status, external_id]
batch() {
  pg "INSERT INTO shop.orders SELECT g, ${4:-1 + g % 100}, ${5:-'new'}, ${6:-'ext-' || g}, g * 0.5,
        now() - interval '$3 minutes' + (g - $1) * interval '1 millisecond' FROM generate_series($1, $1 + $2 - 1) g"
}
run_state() { # runs the pipeline, prints the run's final state
  ctl run shop --wait=120 > "$work/run.out" || true
  awk 'NR==2 {print $4}' "$work/run.out"
}
last_run() { awk 'NR==2 {print $1}' "$work/run.out"; }
watermark() { ctl get pipeline shop -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["tables"]["shop.orders"]["watermark"])'; }

step "a pipeline with six checks"
pg "DROP SCHEMA IF EXISTS shop CASCADE; CREATE SCHEMA shop;
    CREATE TABLE shop.orders (id bigint PRIMARY KEY, customer_id integer, status text, external_id text,
                              amount numeric(12,2), updated_at timestamptz NOT NULL);"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."SHOP"' > /dev/null
sf 'CREATE TABLE "RAW"."SHOP"."CUSTOMERS" ("ID" NUMBER(38,0))' > /dev/null
sf "INSERT INTO \"RAW\".\"SHOP\".\"CUSTOMERS\" VALUES $(seq 1 100 | sed 's/.*/(&)/' | paste -sd,)" > /dev/null
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."CUSTOMERS"') == '["100"]' ]] || fail "parent table"
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
# The password as a write-only value: sealed in the agent's store, opened for each run.
ctl apply source_postgres shop-db --spec "{\"name\":\"shop-db\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_wo\":\"$WEIR_TEST_PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
if cat "$work/agent/weir.db"* | grep -qaF "$WEIR_TEST_PG_PASSWORD"; then fail "the password is stored in plain text"; fi
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"SHOP\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null
ctl apply pipeline shop --spec '{"name":"shop","source":"shop-db","destination":"raw","schedule":"0 0 1 1 *",
  "table":[{"name":"shop.orders","primary_key":["id"],"cursor":"updated_at","lookback":"0s"}]}' > /dev/null
check() { ctl apply quality_check "$1" --spec "$2" > /dev/null || fail "check $1 refused"; }
check orders-volume '{"name":"orders-volume","pipeline":"shop","table":"shop.orders","kind":"row_count","min_history":3}'
check orders-status-nulls '{"name":"orders-status-nulls","pipeline":"shop","table":"shop.orders","kind":"null_spike",
  "column":"status","max_null_fraction":0.2}'
check orders-customer '{"name":"orders-customer","pipeline":"shop","table":"shop.orders","kind":"referential_integrity",
  "column":"customer_id","references":"CUSTOMERS.ID"}'
check orders-external-id '{"name":"orders-external-id","pipeline":"shop","table":"shop.orders","kind":"unique",
  "columns":["external_id"]}'
check orders-status-values '{"name":"orders-status-values","pipeline":"shop","table":"shop.orders","kind":"accepted_values",
  "column":"status","values":["new","paid","refunded"],"severity":"warn"}'
check orders-fresh '{"name":"orders-fresh","pipeline":"shop","table":"shop.orders","kind":"freshness","max_age":"2h"}'

ctl apply alert_channel ops-hook --spec '{"name":"ops-hook","kind":"webhook","url_ref":"env:WEIR_TEST_HOOK_URL",
  "signing_secret_wo":"hook-signing-secret","min_severity":"warn"}' > /dev/null
ctl apply alert_channel ops-slack --spec '{"name":"ops-slack","kind":"slack","url_ref":"env:WEIR_TEST_SLACK_URL",
  "min_severity":"error"}' > /dev/null
ctl apply alert_channel ops-pd --spec '{"name":"ops-pd","kind":"pagerduty","routing_key_ref":"env:WEIR_TEST_PD_KEY",
  "url_ref":"env:WEIR_TEST_PD_URL","min_severity":"error","pipelines":["shop"]}' > /dev/null
ctl get alert_channel ops-hook -o json | grep -q hook-signing-secret && fail "the signing secret is readable"
# alerts PATH EVENT CHECK — prints how many deliveries of EVENT for CHECK reached PATH
alerts() {
  python3 - "$work/alerts.jsonl" "$@" <<'PY'
import json, sys
path, where, event, check = sys.argv[1:]
count = 0
for line in open(path):
    record = json.loads(line)
    if record["path"] != where:
        continue
    body = json.loads(record["body"])
    if where == "/hook":
        hit = body["event"] == event and body["incident"]["key"] == "check/" + check
    elif where == "/pagerduty":
        hit = body["event_action"] == event and (event == "resolve" or check in body["payload"]["summary"])
    else:
        hit = (":rotating_light:" if event == "trigger" else "Resolved") in body["text"] and \
              (event == "resolve" or check in body["text"])
    count += hit
print(count)
PY
}
wait_alert() { # PATH EVENT CHECK [COUNT]
  for _ in $(seq 1 150); do [[ $(alerts "$1" "$2" "$3") -ge ${4:-1} ]] && return 0; sleep 0.2; done
  cat "$work/alerts.jsonl" >&2; fail "no $2 for $3 reached $1"
}

step "three good batches build the history and pass every check"
for k in 0 1 2; do
  batch $((1 + k * 1000)) 1000 $((90 - k * 10))
  [[ $(run_state) == committed ]] || { cat "$work/run.out"; fail "good batch $k"; }
done
[[ $(target_count) == '["3000"]' ]] || fail "target after good batches"
ctl run show "$(last_run)" > "$work/show.out"
[[ $(grep -c " pass " "$work/show.out") == 6 ]] || { cat "$work/show.out"; fail "all six checks should pass"; }

quarantined() { # what-it-is CHECK: the run must be quarantined by CHECK with nothing published
  local state; state=$(run_state)
  [[ $state == quarantined ]] || { cat "$work/run.out"; fail "$1 was not quarantined (state $state)"; }
  ctl run show "$(last_run)" > "$work/show.out"
  grep -E "^$2 .* FAIL " "$work/show.out" > /dev/null || { cat "$work/show.out"; fail "$1 did not fail $2"; }
  [[ $(target_count) == "$before_count" ]] || fail "$1: a quarantined batch was published"
  [[ $(watermark) == "$before_watermark" ]] || fail "$1: the watermark moved"
}
remember() { before_count=$(target_count); before_watermark=$(watermark); }

step "a null spike quarantines the batch and holds the table until discarded"
remember
batch 3001 1000 55 "" "CASE WHEN g % 2 = 0 THEN NULL ELSE 'new' END"
quarantined "a null spike" orders-status-nulls
held=$(last_run)
ctl run shop > "$work/again.out"
grep -q "$held .*quarantined" "$work/again.out" || { cat "$work/again.out"; fail "a new run started beside the quarantined one"; }
[[ $(metric weir_quarantined_runs) == 1 ]] || fail "metrics: quarantined runs"
[[ $(metric 'weir_check_passed{check="orders-status-nulls",pipeline="shop",table="shop.orders",kind="null_spike",severity="error",stage="batch"}') == 0 ]] ||
  { curl -s "http://127.0.0.1:$metrics_port/metrics" | grep check_passed; fail "metrics: failed check"; }
wait_alert /hook trigger orders-status-nulls
wait_alert /slack trigger orders-status-nulls
wait_alert /pagerduty trigger orders-status-nulls
python3 - "$work/alerts.jsonl" <<'PY' || fail "alert payloads"
import hashlib, hmac, json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
hook = next(r for r in records if r["path"] == "/hook")
expected = "sha256=" + hmac.new(b"hook-signing-secret", (hook["headers"]["x-weir-timestamp"] + "." + hook["body"]).encode(),
                                hashlib.sha256).hexdigest()
assert hook["headers"]["x-weir-signature"] == expected, "webhook signature"
incident = json.loads(hook["body"])["incident"]
assert incident["severity"] == "error" and incident["pipeline"] == "shop" and "quarantined" in incident["summary"], incident
pd = json.loads(next(r for r in records if r["path"] == "/pagerduty")["body"])
assert pd["routing_key"] == "R0UTINGKEY0123456789abcdef" and pd["dedup_key"] == "weir-" + incident["id"], pd
assert pd["payload"]["severity"] == "error" and pd["payload"]["source"] == "weir-agent", pd
assert pd["payload"]["component"] == "shop" and pd["payload"]["group"] == "shop.orders", pd
slack = json.loads(next(r for r in records if r["path"] == "/slack")["body"])
assert slack["text"].startswith(":rotating_light: *[ERROR] shop / shop.orders"), slack
PY
ctl run shop > /dev/null
sleep 2
[[ $(alerts /hook trigger orders-status-nulls) == 1 ]] || fail "one incident alerted more than once"
ctl quarantine discard "$held" | grep -q discarded || fail "discard"
pg "UPDATE shop.orders SET status = 'new', updated_at = now() - interval '50 minutes' WHERE id BETWEEN 3001 AND 4000"
[[ $(run_state) == committed ]] || { cat "$work/run.out"; fail "the repaired batch"; }
[[ $(target_count) == '["4000"]' ]] || fail "repaired batch published"
wait_alert /hook resolve orders-status-nulls
wait_alert /pagerduty resolve orders-status-nulls
wait_alert /slack resolve orders-status-nulls
python3 - "$work/alerts.jsonl" <<'PY' || fail "resolve payloads"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
pd = [json.loads(r["body"]) for r in records if r["path"] == "/pagerduty"]
trigger = next(b for b in pd if b["event_action"] == "trigger" and "orders-status-nulls" in b["payload"]["summary"])
resolve = next(b for b in pd if b["event_action"] == "resolve")
assert resolve["dedup_key"] == trigger["dedup_key"] and resolve["routing_key"] == trigger["routing_key"], resolve
hook = [json.loads(r["body"]) for r in records if r["path"] == "/hook"]
resolved = next(b for b in hook if b["event"] == "resolve")
assert resolved["incident"]["resolved_at"], resolved
PY

step "orphan foreign keys quarantine; a release publishes the batch as it is"
remember
batch 4001 1000 45 "CASE WHEN g % 100 = 1 THEN 999 ELSE 1 + g % 100 END"
quarantined "orphan keys" orders-customer
grep -E "orders-customer .* 10 rows whose customer_id has no parent" "$work/show.out" > /dev/null || fail "orphan count"
ctl quarantine release "$(last_run)" | grep -q released || fail "release"
for _ in $(seq 1 100); do ctl run show "$(last_run)" | grep -q "^state      committed" && break; sleep 0.2; done
ctl run show "$(last_run)" | grep -q "^state      committed" || fail "the released run did not commit"
[[ $(target_count) == '["5000"]' ]] || fail "released batch"

step "a duplicate key quarantines"
remember
batch 5001 1000 40 "" "" "CASE WHEN g = 5001 THEN 'ext-17' ELSE 'ext-' || g END"
quarantined "a duplicate key" orders-external-id
ctl quarantine discard "$(last_run)" > /dev/null
pg "DELETE FROM shop.orders WHERE id BETWEEN 5001 AND 6000"

step "a 90 % drop in rows is an anomaly"
remember
batch 6001 100 35
quarantined "a 90 % drop" orders-volume
# Each batch also re-reads the row at the watermark (>=), hence 101 and 1001.
grep -E "orders-volume .* 101 rows against a median of 1001 over [0-9]+ runs" "$work/show.out" > /dev/null ||
  { cat "$work/show.out"; fail "anomaly detail"; }
ctl quarantine discard "$(last_run)" > /dev/null
batch 6101 900 34

step "a warn check fails, the batch still publishes"
pg "UPDATE shop.orders SET status = 'weird' WHERE id = 6500"
[[ $(run_state) == committed ]] || { cat "$work/run.out"; fail "warn-only batch"; }
ctl run show "$(last_run)" | grep -E "^orders-status-values .* warn .* FAIL " > /dev/null || fail "warn result"
[[ $(sf "SELECT \"STATUS\" FROM \"RAW\".\"SHOP\".\"ORDERS\" WHERE \"ID\" = 6500") == '["weird"]' ]] || fail "warn batch not published"
wait_alert /hook trigger orders-status-values
[[ $(alerts /slack trigger orders-status-values) == 0 && $(alerts /pagerduty trigger orders-status-values) == 0 ]] ||
  fail "a warning reached channels that take errors only"

step "stale data fails freshness after publish"
check orders-fresh '{"name":"orders-fresh","pipeline":"shop","table":"shop.orders","kind":"freshness","max_age":"10m","severity":"warn"}'
batch 7001 1000 30
[[ $(run_state) == committed ]] || { cat "$work/run.out"; fail "stale batch run"; }
ctl run show "$(last_run)" | grep -E "^orders-fresh .* target FAIL .*stale" > /dev/null || { ctl run show "$(last_run)"; fail "freshness"; }

step "ctl status, pause and resume; a failed run alerts, ctl retry recovers and resolves it"
ctl status > "$work/status.out"
grep -E "^shop +shop.orders +warning +committed " "$work/status.out" > /dev/null || { cat "$work/status.out"; fail "ctl status"; }
ctl pause shop maintenance window > /dev/null
set +e; ctl run shop > "$work/paused.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] && grep -q "paused (maintenance window)" "$work/paused.out" || { cat "$work/paused.out"; fail "a paused pipeline ran"; }
[[ $(metric 'weir_pipeline_paused{pipeline="shop"}') == 1 ]] || fail "metrics: paused"
ctl status shop | grep -q "^shop .* paused " || fail "status while paused"
ctl resume shop > /dev/null
source_spec() { echo "{\"name\":\"shop-db\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,\"database\":\"$WEIR_TEST_PG_DB\",
  \"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:$1\",\"sslmode\":\"disable\"}"; }
ctl apply source_postgres shop-db --spec "$(source_spec NO_SUCH_VARIABLE)" > /dev/null
[[ $(run_state) == failed ]] || { cat "$work/run.out"; fail "a run without its password"; }
failed_run=$(last_run)
ctl status shop | grep -q "^shop .* failing " || fail "status of a failing table"
for _ in $(seq 1 150); do
  python3 -c 'import json,sys; sys.exit(0 if any(json.loads(json.loads(l)["body"]).get("incident", {}).get("key") == "run/shop/shop.orders" for l in open(sys.argv[1]) if json.loads(l)["path"] == "/hook") else 1)' "$work/alerts.jsonl" && break
  sleep 0.2
done
ctl apply source_postgres shop-db --spec "$(source_spec PAYMENTS_PG_PASSWORD)" > /dev/null # back by reference
batch 8001 1000 25 # the next hour's rows, so the retried run is a normal batch
ctl retry "$failed_run" | grep -q "queued for shop shop.orders" || fail "ctl retry"
for _ in $(seq 1 150); do ctl status shop | grep -qE "^shop .* (ok|warning) +committed" && break; sleep 0.2; done
ctl status shop | grep -qE "^shop .* (ok|warning) +committed" || { ctl status; fail "the retried run did not commit"; }
python3 - "$work/alerts.jsonl" <<'PY' || fail "run incident alerts"
import json, sys, time
for _ in range(150):
    hooks = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1]) if json.loads(l)["path"] == "/hook"]
    runs = [h for h in hooks if h["incident"]["key"] == "run/shop/shop.orders"]
    if [h["event"] for h in runs] == ["trigger", "resolve"]:
        assert "NO_SUCH_VARIABLE" in runs[0]["incident"]["summary"], runs[0]
        break
    time.sleep(0.2)
else:
    sys.exit(f"run incident events: {[h['event'] for h in runs]}")
PY
ctl run show "$(awk 'NR==2 {print $1}' "$work/run.out")" | grep -qE "^timings +extract [0-9.]+ s, load [0-9.]+ s" || fail "run timings"

step "latest results in ctl checks and in the pipeline's status"
ctl checks shop > "$work/checks.out"
[[ $(grep -c "^orders-" "$work/checks.out") == 6 ]] || { cat "$work/checks.out"; fail "ctl checks"; }
ctl get pipeline shop -o json | python3 -c '
import json, sys
checks = {c["check"]: c for c in json.load(sys.stdin)["status"]["checks"]}
assert len(checks) == 6, checks
assert not checks["orders-fresh"]["passed"] and checks["orders-fresh"]["stage"] == "target", checks["orders-fresh"]
assert checks["orders-volume"]["passed"], checks["orders-volume"]' || fail "pipeline status checks"
step "metrics and health endpoints"
curl -sf "http://127.0.0.1:$metrics_port/metrics" > "$work/metrics.txt" || fail "/metrics"
[[ $(metric weir_quarantined_runs) == 0 ]] || fail "metrics: quarantine cleared"
[[ $(metric weir_store_up) == 1 ]] || fail "metrics: store up"
grep -qE '^weir_bytes_loaded_total\{pipeline="shop",table="shop.orders"\} [1-9][0-9]*$' "$work/metrics.txt" || fail "metrics: bytes"
grep -qE '^weir_step_duration_seconds\{pipeline="shop",table="shop.orders",step="load"\} [0-9.e+-]+$' "$work/metrics.txt" ||
  fail "metrics: step durations"
[[ $(metric 'weir_runs{pipeline="shop",table="shop.orders",state="discarded"}') == 3 ]] || { grep weir_runs "$work/metrics.txt"; fail "metrics: runs by state"; }
loaded=$(ctl runs shop -o json | python3 -c 'import json,sys; print(sum(r["rows_loaded"] for r in json.load(sys.stdin) if r["state"] == "committed"))')
[[ $(metric 'weir_rows_loaded_total{pipeline="shop",table="shop.orders"}') == "$loaded" ]] || { grep rows_loaded "$work/metrics.txt"; fail "metrics: rows loaded ($loaded)"; }
lag=$(metric 'weir_watermark_lag_seconds{pipeline="shop",table="shop.orders"}')
python3 -c "import sys; lag = float(sys.argv[1]); assert 1500 < lag < 3600, lag" "$lag" || fail "metrics: watermark lag $lag"
grep -q '^# TYPE weir_rows_extracted_total counter$' "$work/metrics.txt" || fail "metrics: TYPE lines"
[[ $(curl -s "http://127.0.0.1:$metrics_port/healthz") == ok ]] || fail "/healthz"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_port/readyz") == 200 ]] || fail "/readyz"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_port/nope") == 404 ]] || fail "unknown path"
step "deleting a failing check resolves its incident"
wait_alert /hook trigger orders-fresh
ctl delete quality_check orders-fresh > /dev/null
wait_alert /hook resolve orders-fresh

step "every log line is JSON, run lines carry their context, no secret appears"
python3 - "$work/agent.log" "$WEIR_TEST_PG_PASSWORD" "$WEIR_TOKEN" <<'PY' || fail "agent log"
import json, sys
path, *secrets = sys.argv[1:]
runner_lines = 0
for number, raw in enumerate(open(path, encoding="utf-8"), 1):
    for secret in secrets:
        assert secret not in raw, f"line {number} holds a secret"
    line = json.loads(raw)
    assert {"@level", "@timestamp", "@module", "@message"} <= line.keys(), line
    if line["@module"] in ("runner", "quality"):
        runner_lines += 1
        assert line.get("run") and line.get("pipeline") == "shop" and line.get("table") == "shop.orders", line
        assert line.get("step") or "starting" in line["@message"] or "failpoint" in line["@message"], line
assert runner_lines > 50, runner_lines
print(f"  {number} log lines checked, {runner_lines} with run context")
assert "hook-signing-secret" not in open(path).read() and "R0UTINGKEY" not in open(path).read()
PY
echo
echo "run_quality: all steps passed"
