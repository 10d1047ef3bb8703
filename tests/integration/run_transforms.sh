#!/usr/bin/env bash
# Transforms through the weir-agent binary against PostgreSQL and the Snowflake emulator: two raw
# tables → a join transform → an aggregate transform, built after a pipeline run without any
# trigger; an incremental transform that picks up exactly the new rows; a failed upstream run that
# holds the downstream (one incident) until it recovers; a kill -9 between build and publish that
# leaves the old target in place and resumes; a cycle refused at apply naming the cycle; quality
# checks on transforms (a table, an incremental and a view): a failing `error` check keeps the old
# target and holds the downstream, a passing one publishes, freshness judges a view's target.
# Run under with_postgres.sh and with_snowflake.sh. Usage: run_transforms.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-transforms.XXXXXX")
agent_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -30 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
start_agent() { # extra environment, e.g. WEIR_FAILPOINT=…
  env PG_PASSWORD="$WEIR_TEST_PG_PASSWORD" "$@" \
    "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" >> "$work/agent.log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 100); do
    if [[ -f $work/agent/dev/token ]]; then
      export WEIR_TOKEN=$(cat "$work/agent/dev/token")
      "$agent_bin" ctl list > /dev/null 2>&1 && return 0
    fi
    sleep 0.1
  done
  fail "the agent did not start"
}
ctl() { "$agent_bin" ctl "$@"; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }
db() { python3 -c 'import sqlite3,sys; [print("|".join(map(str, r))) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$work/agent/weir.db" "$1"; }
succeeded() { db "SELECT COUNT(*) FROM transform_runs WHERE transform = '$1' AND state = 'succeeded'"; }
wait_succeeded() { # transform, count: bounded wait for that many succeeded runs
  for _ in $(seq 1 300); do [[ $(succeeded "$1") -ge $2 ]] && return 0; sleep 0.1; done
  fail "transform $1 did not reach $2 succeeded run(s): $(db "SELECT state, error FROM transform_runs WHERE transform = '$1'")"
}
transform() { # name, json of the rest
  ctl apply transform "$1" --spec "{\"name\":\"$1\",\"destination\":\"raw\",$2}"
}

step "a shop schema: customers and orders, loaded by one pipeline"
pg "DROP SCHEMA IF EXISTS shop CASCADE; CREATE SCHEMA shop;
    CREATE TABLE shop.customers (id bigint PRIMARY KEY, name text, updated_at timestamptz NOT NULL DEFAULT now());
    -- Distinct cursor values: only the newest row sits on the (inclusive) watermark and is read again.
    CREATE TABLE shop.orders (id bigint PRIMARY KEY, customer_id bigint, amount numeric(12,2), status text,
                              updated_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO shop.customers (id, name) SELECT g, 'customer ' || g FROM generate_series(1, 5) g;
    INSERT INTO shop.orders (id, customer_id, amount, status, updated_at)
      SELECT g, g % 5 + 1, g * 1.50, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'paid' END,
             now() - interval '1 day' + g * interval '1 minute' FROM generate_series(1, 30) g;"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."SHOP"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
start_agent
ctl apply source_postgres shopdb --spec "{\"name\":\"shopdb\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"load_wh\",\"database\":\"raw\",\"schema\":\"shop\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null
ctl apply pipeline shop --spec '{"name":"shop","source":"shopdb","destination":"raw","schedule":"0 0 1 1 *",
  "table":[{"name":"shop.customers","primary_key":["id"],"cursor":"updated_at","lookback":"0s"},
           {"name":"shop.orders","primary_key":["id"],"cursor":"updated_at","lookback":"0s"}]}' > /dev/null

step "transforms: a join of both raw tables, an aggregate of the join, an incremental copy of paid orders"
transform customer-orders '"target":"CUSTOMER_ORDERS","inputs":["shop/shop.orders","shop/shop.customers"],
  "sql":"SELECT c.ID AS CUSTOMER_ID, c.NAME, o.ID AS ORDER_ID, o.AMOUNT FROM ORDERS o JOIN CUSTOMERS c ON c.ID = o.CUSTOMER_ID"' > /dev/null
transform customer-totals '"target":"CUSTOMER_TOTALS","inputs":["customer-orders"],
  "sql":"SELECT CUSTOMER_ID, COUNT(*) AS ORDERS, SUM(AMOUNT) AS TOTAL FROM CUSTOMER_ORDERS GROUP BY CUSTOMER_ID"' > /dev/null
transform paid-orders '"target":"PAID_ORDERS","materialization":"incremental","unique_key":["ORDER_ID"],"lookback":"0s",
  "inputs":["shop/shop.orders"],
  "sql":"SELECT ID AS ORDER_ID, CUSTOMER_ID, AMOUNT FROM ORDERS WHERE STATUS = '"'paid'"' AND _WEIR_LOADED_AT >= {{since}}"' > /dev/null

step "a cycle is refused at apply, naming it"
transform cyc-a '"target":"CYC_A","inputs":["cyc-b"],"sql":"SELECT 1 AS X"' > /dev/null
if transform cyc-b '"target":"CYC_B","inputs":["cyc-a"],"sql":"SELECT 1 AS X"' > "$work/cycle.out" 2>&1; then
  fail "a cycle was applied"
fi
grep -qF 'cyc-a -> cyc-b -> cyc-a' "$work/cycle.out" || { cat "$work/cycle.out"; fail "the cycle is not named"; }
ctl delete transform cyc-a > /dev/null

step "one pipeline run builds the join, then the aggregate, without any trigger"
started=$(date +%s.%N)
ctl run shop --wait=60 > /dev/null || fail "shop run"
wait_succeeded customer-totals 1
echo "  raw → join → aggregate in $(python3 -c "import sys,time; print(round(time.time()-float(sys.argv[1]),1))" "$started") s after the run started"
expected=$(pg "SELECT json_build_array(customer_id::text, count(*)::text, sum(amount)::text) FROM shop.orders GROUP BY customer_id ORDER BY customer_id")
actual=$(sf 'SELECT CUSTOMER_ID, ORDERS, TOTAL FROM "RAW"."SHOP"."CUSTOMER_TOTALS" ORDER BY CUSTOMER_ID' |
  python3 -c 'import json,sys,decimal; [print(json.dumps([str(int(r[0])), str(int(r[1])), str(decimal.Decimal(r[2]).quantize(decimal.Decimal("0.01")))], separators=(",", ":"))) for r in map(json.loads, sys.stdin)]')
[[ $(echo "$expected" | tr -d ' ') == "$actual" ]] || fail "aggregate differs: expected $expected, got $actual"
wait_succeeded paid-orders 1
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."PAID_ORDERS"') == '["20"]' ]] || fail "paid orders: $(sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."PAID_ORDERS"')"

step "the incremental transform picks up exactly the new rows"
pg "INSERT INTO shop.orders (id, customer_id, amount, status) VALUES (101, 1, 10, 'paid'), (102, 2, 20, 'paid'), (103, 3, 30, 'open')"
ctl run shop --wait=60 > /dev/null || fail "second shop run"
wait_succeeded paid-orders 2
[[ $(db "SELECT rows, inserted FROM transform_runs WHERE transform = 'paid-orders' ORDER BY created_at DESC LIMIT 1") == "2|2" ]] ||
  fail "the second incremental run selected $(db "SELECT rows, inserted FROM transform_runs WHERE transform = 'paid-orders' ORDER BY created_at DESC LIMIT 1") (rows|inserted), not the 2 new paid orders"
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."PAID_ORDERS"') == '["22"]' ]] || fail "paid orders after the second run"

step "a failed upstream run holds the downstream, with one incident, until it recovers"
wait_succeeded customer-totals 2
before=$(db "SELECT COUNT(*) FROM transform_runs WHERE transform = 'customer-orders'")
pg "ALTER TABLE shop.orders RENAME TO orders_moved; UPDATE shop.customers SET name = name || '!', updated_at = now()"
if ctl run shop --wait=60 > /dev/null 2>&1; then fail "the run of a missing table succeeded"; fi
sleep 3
[[ $(db "SELECT COUNT(*) FROM transform_runs WHERE transform = 'customer-orders'") == "$before" ]] ||
  fail "customer-orders ran from a failed input"
[[ $(db "SELECT COUNT(*) FROM incidents WHERE incident_key = 'transform/customer-orders/held' AND resolved_at = ''") == 1 ]] ||
  fail "no open hold incident: $(db 'SELECT incident_key, summary FROM incidents')"
pg "ALTER TABLE shop.orders_moved RENAME TO orders; UPDATE shop.orders SET updated_at = now() WHERE id = 1"
ctl run shop --wait=60 > /dev/null || fail "recovery run"
wait_succeeded customer-orders 3
[[ $(db "SELECT COUNT(*) FROM incidents WHERE incident_key = 'transform/customer-orders/held' AND resolved_at <> ''") == 1 ]] ||
  fail "the hold incident is not resolved"
wait_succeeded customer-totals 3

step "kill -9 between build and publish: the old target stays whole, the run resumes"
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
start_agent WEIR_FAILPOINT=after:transform-built
pg "INSERT INTO shop.orders (id, customer_id, amount, status) VALUES (104, 4, 40, 'open')"
ctl run shop --wait=60 > /dev/null 2>&1 || true
for _ in $(seq 1 300); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$agent_pid" 2>/dev/null; then fail "the failpoint did not end the agent"; fi
wait "$agent_pid" 2>/dev/null || true; agent_pid=""
crashed=$(db "SELECT transform FROM transform_runs WHERE state = 'built'")
[[ -n $crashed ]] || fail "no transform run was left built"
echo "  $crashed left built by the crash"
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."CUSTOMER_ORDERS"') == '["33"]' ]] || fail "the crash changed CUSTOMER_ORDERS"
start_agent
wait_succeeded customer-orders 4
wait_succeeded customer-totals 4
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."SHOP"."CUSTOMER_ORDERS"') == '["34"]' ]] || fail "CUSTOMER_ORDERS after resuming"
[[ $(sf "SELECT COUNT(*) FROM RAW.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE '%__WEIR_BUILD_%'") == '["0"]' ]] ||
  fail "scratch tables left: $(sf "SELECT TABLE_NAME FROM RAW.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE '%WEIR_BUILD%'")"
step "checks on transforms: judged before publish; a failing error check keeps the old target"
check() { ctl apply quality_check "$1" --spec "$2" > /dev/null || fail "check $1 refused"; }
transform order-ages '"target":"ORDER_AGES","materialization":"view","inputs":["shop/shop.orders"],
  "sql":"SELECT ID, UPDATED_AT FROM ORDERS"' > /dev/null
check totals-nonnegative '{"name":"totals-nonnegative","transform":"customer-totals","kind":"custom_sql",
  "sql":"SELECT COUNT(*) FROM {{batch}} WHERE TOTAL < 0"}'
check totals-one-per-customer '{"name":"totals-one-per-customer","transform":"customer-totals","kind":"unique","columns":["customer_id"]}'
check paid-unique '{"name":"paid-unique","transform":"paid-orders","kind":"unique","columns":["ORDER_ID"]}'
check paid-amount-present '{"name":"paid-amount-present","transform":"paid-orders","kind":"null_spike","column":"AMOUNT","max_null_fraction":0}'
check ages-unique '{"name":"ages-unique","transform":"order-ages","kind":"unique","columns":["ID"]}'
check ages-fresh '{"name":"ages-fresh","transform":"order-ages","kind":"freshness","column":"UPDATED_AT","max_age":"1h","severity":"warn"}'
# {{target}} before the view exists reads as no rows.
check ages-no-shrink '{"name":"ages-no-shrink","transform":"order-ages","kind":"custom_sql",
  "sql":"SELECT CASE WHEN (SELECT COUNT(*) FROM {{batch}}) * 2 < (SELECT COUNT(*) FROM {{target}}) THEN 1 ELSE 0 END"}'
if ctl apply quality_check bad --spec '{"name":"bad","transform":"customer-totals","table":"shop.orders","kind":"row_count"}' > "$work/bad.out" 2>&1; then
  fail "a check with a transform and a table was applied"
fi
grep -q 'table' "$work/bad.out" || { cat "$work/bad.out"; fail "the refusal does not name table"; }
if ctl apply quality_check bad --spec '{"name":"bad","transform":"no-such-transform","kind":"row_count"}' > "$work/bad.out" 2>&1; then
  fail "a check on a missing transform was applied"
fi
grep -qF 'no transform named "no-such-transform"' "$work/bad.out" || { cat "$work/bad.out"; fail "the refusal does not name the transform"; }
totals_runs=$(succeeded customer-totals)
paid_runs=$(succeeded paid-orders)
pg "INSERT INTO shop.orders (id, customer_id, amount, status) VALUES (105, 5, 50, 'paid')"
ctl run shop --wait=60 > /dev/null || fail "shop run with checks"
wait_succeeded customer-totals $((totals_runs + 1))
wait_succeeded paid-orders $((paid_runs + 1))
wait_succeeded order-ages 1
for c in totals-nonnegative totals-one-per-customer paid-unique paid-amount-present ages-unique ages-fresh ages-no-shrink; do
  [[ $(db "SELECT passed FROM check_results WHERE check_name = '$c' ORDER BY id DESC LIMIT 1") == 1 ]] ||
    fail "check $c: $(db "SELECT passed, stage, detail FROM check_results WHERE check_name = '$c'")"
done
[[ $(db "SELECT stage FROM check_results WHERE check_name = 'ages-fresh' ORDER BY id DESC LIMIT 1") == target ]] ||
  fail "freshness on a transform is not judged on its target"
[[ $(db "SELECT stage FROM check_results WHERE check_name = 'paid-unique' ORDER BY id DESC LIMIT 1") == batch ]] ||
  fail "unique on a transform is not judged before publish"
ctl checks customer-totals > "$work/checks.out"
grep -q 'totals-nonnegative' "$work/checks.out" || { cat "$work/checks.out"; fail "ctl checks TRANSFORM"; }

before_totals=$(sf 'SELECT CUSTOMER_ID, ORDERS, TOTAL FROM "RAW"."SHOP"."CUSTOMER_TOTALS" ORDER BY CUSTOMER_ID')
failed_before=$(db "SELECT COUNT(*) FROM transform_runs WHERE transform = 'customer-totals' AND state = 'failed'")
pg "UPDATE shop.orders SET amount = -1000, updated_at = now() WHERE id = 2"
ctl run shop --wait=60 > /dev/null || fail "shop run with a negative amount"
for _ in $(seq 1 300); do
  [[ $(db "SELECT COUNT(*) FROM transform_runs WHERE transform = 'customer-totals' AND state = 'failed'") -gt $failed_before ]] && break
  sleep 0.1
done
error=$(db "SELECT error FROM transform_runs WHERE transform = 'customer-totals' ORDER BY created_at DESC LIMIT 1")
[[ $error == *"totals-nonnegative"*"1 failing rows"* && $error == *"keeps its previous rows"* ]] ||
  fail "the failing check did not fail the transform run: $error"
[[ $(sf 'SELECT CUSTOMER_ID, ORDERS, TOTAL FROM "RAW"."SHOP"."CUSTOMER_TOTALS" ORDER BY CUSTOMER_ID') == "$before_totals" ]] ||
  fail "a result that failed its check was published"
[[ $(db "SELECT COUNT(*) FROM incidents WHERE incident_key = 'check/totals-nonnegative' AND resolved_at = ''") == 1 ]] ||
  fail "no open incident for the failing check: $(db 'SELECT incident_key, summary FROM incidents')"
[[ $(db "SELECT summary FROM incidents WHERE incident_key = 'check/totals-nonnegative'") == *"the target keeps its previous rows"* ]] ||
  fail "the incident does not say the target was kept"
[[ $(sf "SELECT COUNT(*) FROM RAW.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE 'CUSTOMER_TOTALS__WEIR_BUILD_%'") == '["0"]' ]] ||
  fail "the refused result's scratch table was left"
echo "  customer-totals refused: ${error:0:160}…"

pg "UPDATE shop.orders SET amount = 3, updated_at = now() WHERE id = 2"
ctl run shop --wait=60 > /dev/null || fail "shop run after the fix"
wait_succeeded customer-totals $((totals_runs + 2))
published=$(sf 'SELECT TOTAL FROM "RAW"."SHOP"."CUSTOMER_TOTALS" WHERE CUSTOMER_ID = 3')
python3 -c 'import decimal,json,sys; sys.exit(decimal.Decimal(json.loads(sys.argv[1])[0]) != decimal.Decimal(sys.argv[2]))' \
  "$published" "$(pg "SELECT sum(amount) FROM shop.orders WHERE customer_id = 3")" ||
  fail "the fixed result was not published: $published"
[[ $(db "SELECT COUNT(*) FROM incidents WHERE incident_key = 'check/totals-nonnegative' AND resolved_at = ''") == 0 ]] ||
  fail "the check's incident did not resolve"

step "a crash after the publish, before it was saved: the run builds again and is judged once"
# What a kill -9 between the publish statement and saving `succeeded` leaves: the run still
# `built`, its scratch table already dropped by the publish.
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
resumed=$(db "SELECT id FROM transform_runs WHERE transform = 'customer-totals' AND state = 'succeeded' ORDER BY created_at DESC LIMIT 1")
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$work/agent/weir.db" \
  "UPDATE transform_runs SET state = 'built', finished_at = '' WHERE id = '$resumed'"
start_agent
for _ in $(seq 1 300); do [[ $(db "SELECT state FROM transform_runs WHERE id = '$resumed'") == succeeded ]] && break; sleep 0.1; done
[[ $(db "SELECT state || ' ' || error FROM transform_runs WHERE id = '$resumed'") == "succeeded " ]] ||
  fail "the resumed run: $(db "SELECT state, error FROM transform_runs WHERE id = '$resumed'")"
grep -q "run $resumed: the built result is gone; building again" "$work/agent.log" || fail "the run did not build again"
[[ $(db "SELECT COUNT(*) || ' ' || SUM(passed) FROM check_results WHERE run_id = '$resumed' AND check_name = 'totals-nonnegative'") == "1 1" ]] ||
  fail "the resumed run's check results: $(db "SELECT check_name, passed, detail FROM check_results WHERE run_id = '$resumed'")"
[[ $(sf "SELECT COUNT(*) FROM RAW.INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE '%__WEIR_BUILD_%'") == '["0"]' ]] ||
  fail "scratch tables left after the checks"
echo "OK"
