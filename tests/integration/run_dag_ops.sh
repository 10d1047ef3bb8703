#!/usr/bin/env bash
# The DAG's operator commands through the weir-agent binary against PostgreSQL and the Snowflake
# emulator: `ctl status` with the transforms (held, failing, ok), `ctl dag graph` as text and DOT,
# `ctl run <transform>` (and its refusal while an input holds it), `ctl retry` of a failed
# transform run, which then releases what it held; `ctl dag runs` and `ctl dag show` (one DAG run
# per run command: the loads and the transforms they fed, green only when all succeeded); SLO
# figures in status and metrics; retention deleting only old rows, in batches, never from a
# quarantined table.
# Run under with_postgres.sh and with_snowflake.sh. Usage: run_dag_ops.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-dag-ops.XXXXXX")
agent_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -30 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
# Retention batches of 2 rows, so a pass over a handful of old rows takes several DELETEs.
env PG_PASSWORD="$WEIR_TEST_PG_PASSWORD" WEIR_RETENTION_BATCH_ROWS=2 "$agent_bin" serve --dev --data-dir "$work/agent" \
  --listen "127.0.0.1:$port" --metrics-addr "127.0.0.1:$metrics_port" >> "$work/agent.log" 2>&1 &
agent_pid=$!
ctl() { "$agent_bin" ctl "$@"; }
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    ctl list > /dev/null 2>&1 && break
  fi
  sleep 0.1
done
ctl list > /dev/null || fail "the agent did not start"
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
# Reads all its input: `grep -q` on a pipe may stop early and fail the writer (SIGPIPE, pipefail).
has() { grep "$@" > /dev/null; }
metrics() { curl -s "http://127.0.0.1:$metrics_port/metrics"; }
db() { python3 -c 'import sqlite3,sys; [print("|".join(map(str, r))) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$work/agent/weir.db" "$1"; }
wait_succeeded() { # transform, count: bounded wait for that many succeeded runs
  for _ in $(seq 1 300); do
    [[ $(db "SELECT COUNT(*) FROM transform_runs WHERE transform = '$1' AND state = 'succeeded'") -ge $2 ]] && return 0
    sleep 0.1
  done
  fail "transform $1 did not reach $2 succeeded run(s): $(db "SELECT state, error FROM transform_runs WHERE transform = '$1'")"
}
transform() { # name, json of the rest
  ctl apply transform "$1" --spec "{\"name\":\"$1\",\"destination\":\"raw\",$2}" > /dev/null
}

step "one pipeline table, a transform of it and an aggregate of that"
pg "DROP SCHEMA IF EXISTS ops CASCADE; CREATE SCHEMA ops;
    CREATE TABLE ops.orders (id bigint PRIMARY KEY, amount numeric(12,2), updated_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO ops.orders (id, amount, updated_at) SELECT g, g, now() - g * interval '1 minute' FROM generate_series(1, 12) g;"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."OPS"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
ctl apply source_postgres opsdb --spec "{\"name\":\"opsdb\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"load_wh\",\"database\":\"raw\",\"schema\":\"ops\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null
ctl apply pipeline ops --spec '{"name":"ops","source":"opsdb","destination":"raw","schedule":"0 0 1 1 *",
  "table":[{"name":"ops.orders","primary_key":["id"],"cursor":"updated_at","lookback":"0s"}]}' > /dev/null
transform big-orders '"target":"BIG_ORDERS","inputs":["ops/ops.orders"],"sql":"SELECT ID, AMOUNT FROM ORDERS WHERE AMOUNT > 5"'
transform order-totals '"target":"ORDER_TOTALS","inputs":["big-orders"],"slo_success_ratio":0.999,"slo_latency":"30m","sql":"SELECT COUNT(*) AS N, SUM(AMOUNT) AS TOTAL FROM BIG_ORDERS"'
ctl status > "$work/status.out"
grep -E '^big-orders +new ' "$work/status.out" > /dev/null || { cat "$work/status.out"; fail "a transform before its first run"; }
ctl run ops --wait=60 > /dev/null || fail "ops run"
wait_succeeded order-totals 1

step "ctl status shows the transforms; -o json adds them as rows"
ctl status > "$work/status.out"
grep -E '^ops +ops.orders +ok +committed ' "$work/status.out" > /dev/null || { cat "$work/status.out"; fail "pipeline rows"; }
grep -E '^order-totals +ok +succeeded .* 1  ORDER_TOTALS$' "$work/status.out" > /dev/null || { cat "$work/status.out"; fail "transform rows"; }
ctl status -o json | python3 -c '
import json, sys
rows = {r.get("transform") or r["table"]: r for r in json.load(sys.stdin)}
t = rows["big-orders"]
assert t["health"] == "ok" and t["readiness"] == "waiting" and t["inputs"] == ["ops/ops.orders"], t
assert t["last_run"]["state"] == "succeeded" and t["last_run"]["rows"] == 7, t
assert t["last_run"]["consumed"]["ops/ops.orders"], t' || fail "ctl status -o json"
ctl status big-orders | has -E '^big-orders +ok ' || fail "ctl status TRANSFORM"

step "the run and the transforms it fed make one DAG run, settled succeeded"
for _ in $(seq 1 100); do ctl dag runs | has -E ' +manual +pipeline ops +succeeded ' && break; sleep 0.1; done
ctl dag runs > "$work/dag_runs.out"
grep -E '^[0-9a-f-]{36} +manual +pipeline ops +succeeded +3 +0 +0 ' "$work/dag_runs.out" > /dev/null ||
  { cat "$work/dag_runs.out"; fail "ctl dag runs: one succeeded DAG run of 3 members"; }
dag_run=$(awk '/pipeline ops/ {print $1; exit}' "$work/dag_runs.out")
ctl dag show "$dag_run" > "$work/dag_show.out"
grep -E '^load +[0-9a-f-]{36} +ops/ops.orders +committed +succeeded ' "$work/dag_show.out" > /dev/null &&
  grep -E '^transform +[0-9a-f-]{36} +big-orders +succeeded +succeeded ' "$work/dag_show.out" > /dev/null &&
  grep -E '^transform +[0-9a-f-]{36} +order-totals +succeeded +succeeded ' "$work/dag_show.out" > /dev/null ||
  { cat "$work/dag_show.out"; fail "ctl dag show: the load and both transforms"; }
[[ $(db "SELECT state FROM dag_runs WHERE id = '$dag_run'") == succeeded ]] || fail "the DAG run is not persisted"
set +e; ctl dag show no-such-run > /dev/null 2>&1; code=$?; set -e
[[ $code == 3 ]] || fail "dag show of an unknown run exits $code"

step "SLO figures: ready latency and the 30-day DAG success ratio, in ctl status and metrics"
ctl status -o json | python3 -c '
import json, sys
rows = {r.get("transform") or r["table"]: r for r in json.load(sys.stdin)}
slo = rows["order-totals"]["slo"]
assert slo["latency_samples_30d"] == 1 and 0 < slo["latency_p50_seconds"] < 120, slo
assert slo["latency_p95_seconds"] == slo["latency_p50_seconds"] == slo["latency_last_seconds"], slo
assert slo["dag_runs_30d"] == 1 and slo["success_ratio_30d"] == 1.0 and slo["success_ratio_objective"] == 0.999, slo
assert slo["latency_objective_seconds"] == 1800 and not slo["budget_alarm"] and not slo["latency_alarm"], slo
assert rows["big-orders"]["slo"]["success_ratio_objective"] is None, rows["big-orders"]' || fail "SLO figures in status"
ctl status | grep -E '^  ready latency: last [0-9.]+s, p50 [0-9.]+s, p95 [0-9.]+s over 1 runs \(objective 30m00s\)$' > /dev/null ||
  { ctl status; fail "ready latency line"; }
ctl status | has -F '  slo: 30d DAG runs 100.00% succeeded (1 of 1) (objective 99.90%, burn rate 24h 0.0)' || fail "slo line"
metrics > "$work/metrics.txt"
grep -qx 'weir_dag_runs_total{result="succeeded"} 1' "$work/metrics.txt" || { grep weir_dag "$work/metrics.txt"; fail "weir_dag_runs_total"; }
grep -qx 'weir_ready_latency_seconds_bucket{transform="order-totals",le="+Inf"} 1' "$work/metrics.txt" &&
  grep -qx 'weir_ready_latency_seconds_count{transform="order-totals"} 1' "$work/metrics.txt" &&
  grep -qx 'weir_slo_success_ratio_objective{transform="order-totals"} 0.999' "$work/metrics.txt" &&
  grep -qx 'weir_slo_latency_objective_seconds{transform="order-totals"} 1800' "$work/metrics.txt" ||
  { grep -E 'weir_ready|weir_slo' "$work/metrics.txt"; fail "latency histogram and objectives"; }

step "ctl dag graph: text by level, DOT with every edge"
ctl dag graph > "$work/graph.txt"
cat "$work/graph.txt"
grep -E '^0 +ops/ops.orders +table +committed' "$work/graph.txt" > /dev/null || fail "graph: the table"
grep -E '^1 +big-orders +transform +waiting +ops/ops.orders$' "$work/graph.txt" > /dev/null || fail "graph: level 1"
grep -E '^2 +order-totals +transform +waiting +big-orders$' "$work/graph.txt" > /dev/null || fail "graph: level 2"
ctl dag graph --format dot > "$work/graph.dot"
grep -qF '"ops/ops.orders" -> "big-orders";' "$work/graph.dot" || { cat "$work/graph.dot"; fail "dot: table edge"; }
grep -qF '"big-orders" -> "order-totals";' "$work/graph.dot" || fail "dot: transform edge"
grep -qF 'digraph weir {' "$work/graph.dot" || fail "dot header"
grep -qF '"big-orders" [shape=box, fillcolor="#d9ead3", label="big-orders\nwaiting"];' "$work/graph.dot" &&
  grep -qF '"ops/ops.orders" [shape=cylinder, fillcolor="#d9ead3", label="ops/ops.orders\ncommitted"];' "$work/graph.dot" ||
  { cat "$work/graph.dot"; fail "dot nodes: shape, colour of a success, label"; }
if ctl dag graph --format svg > /dev/null 2>&1; then fail "an unknown graph format was accepted"; fi

step "ctl run TRANSFORM runs it now and --wait follows it"
ctl run order-totals --wait=60 > "$work/run.out" || { cat "$work/run.out"; fail "ctl run order-totals"; }
grep -E ' order-totals +manual +succeeded ' "$work/run.out" > /dev/null || { cat "$work/run.out"; fail "manual run row"; }
set +e; ctl run no-such-thing > /dev/null 2> "$work/err.out"; code=$?; set -e
[[ $code == 3 ]] && grep -qF 'no pipeline or transform named no-such-thing' "$work/err.out" || fail "unknown name: $code $(cat "$work/err.out")"

step "a failing transform holds its downstream; ctl run refuses it; ctl retry recovers"
# Disabled, so only `ctl run` starts it (its input has published already: enabled, the scheduler
# would race the command); the held downstream stays enabled and starts by itself later.
transform totals-by-size '"target":"TOTALS_BY_SIZE","inputs":["order-totals"],"enabled":false,"slo_success_ratio":0.99,"sql":"SELECT N, NO_SUCH_COLUMN FROM ORDER_TOTALS"'
transform size-report '"target":"SIZE_REPORT","inputs":["totals-by-size"],"sql":"SELECT * FROM TOTALS_BY_SIZE"'
if ctl run totals-by-size --wait=60 > "$work/run.out" 2>&1; then fail "a broken transform succeeded"; fi
failed_id=$(db "SELECT id FROM transform_runs WHERE transform = 'totals-by-size' AND state = 'failed'")
[[ -n $failed_id ]] || fail "no failed run"
for _ in $(seq 1 50); do ctl status size-report | has -E '^size-report +held ' && break; sleep 0.1; done
ctl status > "$work/status.out"
grep -E '^size-report +held ' "$work/status.out" > /dev/null || { cat "$work/status.out"; fail "the downstream is not shown held"; }
grep -qF "  held by totals-by-size: transform totals-by-size failed (run $failed_id)" "$work/status.out" || { cat "$work/status.out"; fail "held by"; }
grep -E '^totals-by-size +failing +failed ' "$work/status.out" > /dev/null || fail "the failing transform"
failed_dag=$(db "SELECT dag_run FROM dag_run_members WHERE run_id = '$failed_id'")
for _ in $(seq 1 100); do ctl dag runs | has -E "^$failed_dag +manual +transform totals-by-size +failed " && break; sleep 0.1; done
ctl dag runs | has -E "^$failed_dag +manual +transform totals-by-size +failed +1 +1 +0 " || { ctl dag runs; fail "the failed DAG run"; }
for _ in $(seq 1 50); do
  [[ $(db "SELECT COUNT(*) FROM incidents WHERE incident_key = 'transform/totals-by-size/slo_budget' AND resolved_at = ''") == 1 ]] && break
  sleep 0.1
done
[[ $(db "SELECT kind FROM incidents WHERE incident_key = 'transform/totals-by-size/slo_budget' AND resolved_at = ''") == slo_budget ]] ||
  fail "no SLO budget alert after a failed DAG run against 0.99: $(db 'SELECT incident_key FROM incidents')"
ctl status | has -E '^  slo: 30d DAG runs [0-9.]+% succeeded \([0-9]+ of [0-9]+\) \(objective 99.00%, burn rate 24h [0-9.]+\) BUDGET ALERT$' ||
  { ctl status; fail "the budget alert in status"; }
# grep reads the whole scrape from a file: grep -q on a pipe would end curl early (SIGPIPE).
metrics > "$work/metrics.txt"
grep -qx 'weir_dag_runs_total{result="failed"} 1' "$work/metrics.txt" || { ctl dag runs; fail "failed DAG runs metric"; }
ctl dag show "$failed_dag" | has -F 'error: ' || fail "dag show lacks the member's error"
set +e; ctl run size-report > /dev/null 2> "$work/err.out"; code=$?; set -e
[[ $code == 1 ]] && grep -qF 'transform size-report is held: input totals-by-size cannot be built from' "$work/err.out" ||
  fail "a held transform ran: $code $(cat "$work/err.out")"
set +e; ctl retry "$(db "SELECT id FROM transform_runs WHERE transform = 'big-orders' LIMIT 1")" > /dev/null 2> "$work/err.out"; code=$?; set -e
[[ $code == 1 ]] && grep -qF 'is succeeded; only failed transform runs are retried' "$work/err.out" || fail "retry of a success: $(cat "$work/err.out")"
transform totals-by-size '"target":"TOTALS_BY_SIZE","inputs":["order-totals"],"enabled":false,"sql":"SELECT N, TOTAL FROM ORDER_TOTALS"'
ctl retry "$failed_id" > "$work/retry.out" || fail "ctl retry"
grep -qF "queued for transform totals-by-size (retrying $failed_id" "$work/retry.out" || { cat "$work/retry.out"; fail "retry output"; }
wait_succeeded totals-by-size 1
[[ $(db "SELECT trigger FROM transform_runs WHERE transform = 'totals-by-size' AND state = 'succeeded'") == retry ]] || fail "trigger"
wait_succeeded size-report 1
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."OPS"."SIZE_REPORT"') == '["1"]' ]] || fail "SIZE_REPORT"
[[ $(db "SELECT COUNT(*) FROM incidents WHERE incident_key = 'transform/size-report/held' AND resolved_at <> ''") == 1 ]] ||
  fail "the hold incident is not resolved: $(db 'SELECT incident_key, resolved_at FROM incidents')"
step "retention: bad periods are refused at apply, naming the attribute"
if ctl apply pipeline ops --spec '{"name":"ops","source":"opsdb","destination":"raw","schedule":"0 0 1 1 *",
  "table":[{"name":"ops.orders","primary_key":["id"],"cursor":"updated_at","lookback":"0s","retention":"15m"}]}' 2> "$work/err.out" > /dev/null; then
  fail "retention 15m was accepted"
fi
grep -qF 'table[0].retention: Invalid retention: "15m" is not a retention period' "$work/err.out" || { cat "$work/err.out"; fail "retention error"; }
if transform a-view '"target":"A_VIEW","materialization":"view","inputs":["big-orders"],"retention":"7y","sql":"SELECT * FROM BIG_ORDERS"' 2> "$work/err.out"; then
  fail "retention on a view was accepted"
fi
grep -qF 'retention: Retention on a view' "$work/err.out" || { cat "$work/err.out"; fail "view retention error"; }

step "retention deletes only rows loaded before the cutoff, in batches, and reports it"
# An incremental transform keeps history (its rows carry the load time they were selected with).
transform order-history '"target":"ORDER_HISTORY","materialization":"incremental","unique_key":["ID"],"lookback":"0s",
  "inputs":["ops/ops.orders"],"retention":"30d","sql":"SELECT ID, AMOUNT, _WEIR_LOADED_AT FROM ORDERS WHERE _WEIR_LOADED_AT >= {{since}}"'
wait_succeeded order-history 1
sf 'UPDATE "RAW"."OPS"."ORDER_HISTORY" SET "_WEIR_LOADED_AT" = DATEADD(day, -40, "_WEIR_LOADED_AT") WHERE "ID" <= 3' > /dev/null
# Forty days old, a minute apart: distinct load times make distinct batches.
sf 'UPDATE "RAW"."OPS"."ORDERS" SET "_WEIR_LOADED_AT" = DATEADD(minute, -"ID", DATEADD(day, -40, "_WEIR_LOADED_AT")) WHERE "ID" <= 5' > /dev/null
ctl apply pipeline ops --spec '{"name":"ops","source":"opsdb","destination":"raw","schedule":"0 0 1 1 *",
  "table":[{"name":"ops.orders","primary_key":["id"],"cursor":"updated_at","lookback":"0s","retention":"30d"}]}' > /dev/null
# A table's first pass is due at once; the retention thread scans once a minute, or when asked.
ctl retention run > /dev/null
for _ in $(seq 1 100); do ctl retention | has -E '^table +ops/ops.orders +succeeded ' && break; sleep 0.1; done
ctl retention > "$work/retention.out"
grep -E '^table +ops/ops.orders +succeeded +[0-9T:.-]+Z +5 +3 +5 ' "$work/retention.out" > /dev/null ||
  { cat "$work/retention.out"; fail "the first retention pass: 5 rows in 3 batches of at most 2"; }
[[ $(sf 'SELECT COUNT(*), MIN("ID") FROM "RAW"."OPS"."ORDERS"') == '["7", "6"]' ]] ||
  fail "retention deleted the wrong rows: $(sf 'SELECT COUNT(*), MIN("ID") FROM "RAW"."OPS"."ORDERS"')"
metrics > "$work/metrics.txt"
grep -qx 'weir_retention_rows_deleted_total{kind="table",object="ops/ops.orders"} 5' "$work/metrics.txt" ||
  fail "retention metric"

step "retention never touches a quarantined table"
sf 'UPDATE "RAW"."OPS"."ORDERS" SET "_WEIR_LOADED_AT" = DATEADD(day, -40, "_WEIR_LOADED_AT") WHERE "ID" <= 7' > /dev/null
ctl apply quality_check ops-volume --spec '{"name":"ops-volume","pipeline":"ops","table":"ops.orders","kind":"row_count","min_rows":1000}' > /dev/null
pg "UPDATE ops.orders SET updated_at = now() WHERE id = 12"
ctl run ops --wait=60 > "$work/run.out" 2>&1 || true
grep -qE ' quarantined ' "$work/run.out" || { cat "$work/run.out"; fail "the run was not quarantined"; }
passes=$(db "SELECT COUNT(*) FROM retention_runs WHERE object = 'ops/ops.orders'")
ctl retention run | has -F 'retention pass requested' || fail "ctl retention run"
for _ in $(seq 1 100); do [[ $(db "SELECT COUNT(*) FROM retention_runs WHERE object = 'ops/ops.orders'") -gt $passes ]] && break; sleep 0.1; done
ctl retention > "$work/retention.out"
grep -E '^table +ops/ops.orders +skipped ' "$work/retention.out" > /dev/null &&
  grep -qF '  its newest run is quarantined: release or discard it first' "$work/retention.out" ||
  { cat "$work/retention.out"; fail "retention ran on a quarantined table"; }
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."OPS"."ORDERS"') == '["7"]' ]] || fail "rows deleted from a quarantined table"
grep -E '^transform +order-history +skipped ' "$work/retention.out" > /dev/null &&
  grep -qF '  held by ops/ops.orders: pipeline ops table ops.orders: its newest run is quarantined' "$work/retention.out" ||
  { cat "$work/retention.out"; fail "retention ran on a transform held by a quarantined input"; }
ctl retention -o json | python3 -c '
import json, sys
row = [p for p in json.load(sys.stdin) if p["object"] == "ops/ops.orders"][0]
assert row["state"] == "skipped" and row["total_rows_deleted"] == 5 and row["target"] == "ORDERS", row' || fail "retention -o json"

step "after the quarantine is discarded, the next pass deletes from the table and the transform"
ctl quarantine discard "$(db "SELECT id FROM runs WHERE state = 'quarantined'")" > /dev/null
ctl delete quality_check ops-volume > /dev/null
passes=$(db "SELECT COUNT(*) FROM retention_runs WHERE object = 'order-history'")
ctl retention run > /dev/null
for _ in $(seq 1 100); do [[ $(db "SELECT COUNT(*) FROM retention_runs WHERE object = 'order-history'") -gt $passes ]] && break; sleep 0.1; done
ctl retention > "$work/retention.out"
grep -E '^table +ops/ops.orders +succeeded +[0-9T:.-]+Z +2 +1 +7 ' "$work/retention.out" > /dev/null &&
  grep -E '^transform +order-history +succeeded +[0-9T:.-]+Z +[0-9]+ +[0-9]+ +3 ' "$work/retention.out" > /dev/null ||
  { cat "$work/retention.out"; fail "the passes after the discard"; }
[[ $(sf 'SELECT COUNT(*), MIN("ID") FROM "RAW"."OPS"."ORDER_HISTORY"') == '["9", "4"]' ]] ||
  fail "transform retention: $(sf 'SELECT COUNT(*), MIN("ID") FROM "RAW"."OPS"."ORDER_HISTORY"')"
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."OPS"."ORDERS"') == '["5"]' ]] || fail "table retention after the discard"
echo "OK"
