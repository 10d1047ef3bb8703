#!/usr/bin/env bash
# The runtime end to end, through the weir-agent binary: objects applied over the control API,
# runs triggered with `ctl run --wait`, rows checked in Snowflake SQL (fakesnow), updates merged,
# a crash after each step resumed without loss or duplicates, wrong credentials failing cleanly.
# Run under with_postgres.sh and with_snowflake.sh. Usage: run_pipeline.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-run.XXXXXX")
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
start_agent() { # extra environment for the agent process
  env "$@" PAYMENTS_PG_PASSWORD="$WEIR_TEST_PG_PASSWORD" \
    "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" --chunk-mb 1 >> "$work/agent.log" 2>&1 &
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
sf() { # one statement against the Snowflake SQL API; prints data rows as JSON lines
  curl -s -X POST "$WEIR_TEST_SF_URL/api/v2/statements" -H "Authorization: Bearer test" \
    -H "X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT" -H "User-Agent: weir-test" \
    -H "Content-Type: application/json" -d "$(python3 -c 'import json,sys; print(json.dumps({"statement": sys.argv[1]}))' "$1")" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); [print(json.dumps(r)) for r in d.get("data", [])] if "data" in d else sys.exit(d.get("message"))'
}
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }

step "source data and Snowflake database"
pg "DROP SCHEMA IF EXISTS pay CASCADE; CREATE SCHEMA pay;
    CREATE TABLE pay.transactions (id bigint PRIMARY KEY, amount numeric(18,4), status text, updated_at timestamptz NOT NULL);
    INSERT INTO pay.transactions SELECT g, g * 1.25, 'new', '2026-11-23 09:00:00+00'::timestamptz + g * interval '1 second' FROM generate_series(1, 5000) g;"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."PAYMENTS"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"

start_agent
ctl apply source_postgres payments --spec "{\"name\":\"payments\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PAYMENTS_PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"PAYMENTS\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null
ctl apply pipeline payments-hourly --spec '{"name":"payments-hourly","source":"payments","destination":"raw",
  "schedule":"0 0 1 1 *","table":[{"name":"pay.transactions","primary_key":["id"],"cursor":"updated_at","lookback":"15m"}]}' > /dev/null

step "the first run loads every row"
ctl run payments-hourly --wait=120 > "$work/run1.out" || { cat "$work/run1.out"; fail "first run"; }
grep -q committed "$work/run1.out" || fail "first run not committed"
[[ $(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID"), CAST(SUM("AMOUNT") AS NUMBER(38,4)) FROM "RAW"."PAYMENTS"."TRANSACTIONS"') == '["5000", "5000", "15628125.0000"]' ]] ||
  fail "target after first run: $(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID"), CAST(SUM("AMOUNT") AS NUMBER(38,4)) FROM "RAW"."PAYMENTS"."TRANSACTIONS"')"
run1=$(awk 'NR==2 {print $1}' "$work/run1.out")
ctl run show "$run1" > "$work/show1.out"
grep -q "watermark  (none) -> 2026-11-23 10:23:20+00" "$work/show1.out" || { cat "$work/show1.out"; fail "watermark after first run"; }

step "updates and a late-committing row merge; nothing duplicates"
pg "UPDATE pay.transactions SET status = 'paid', updated_at = '2026-11-23 11:00:00+00' WHERE id <= 100;
    INSERT INTO pay.transactions VALUES (5001, 1, 'new', '2026-11-23 11:00:01+00'),
                                        (5002, 2, 'late', '2026-11-23 10:20:00+00');"
ctl run payments-hourly --wait=120 > "$work/run2.out" || { cat "$work/run2.out"; fail "second run"; }
[[ $(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID") FROM "RAW"."PAYMENTS"."TRANSACTIONS"') == '["5002", "5002"]' ]] || fail "count after second run"
[[ $(sf "SELECT COUNT(*) FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"STATUS\" = 'paid'") == '["100"]' ]] || fail "updates not merged"
[[ $(sf "SELECT \"STATUS\" FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"ID\" = 5002") == '["late"]' ]] || fail "late row missed"

step "re-running the same window changes nothing"
before=$(sf 'SELECT COUNT(*), CAST(SUM("AMOUNT") AS NUMBER(38,4)), MAX("UPDATED_AT") FROM "RAW"."PAYMENTS"."TRANSACTIONS"')
ctl run payments-hourly --wait=120 > /dev/null || fail "idle run"
[[ $(sf 'SELECT COUNT(*), CAST(SUM("AMOUNT") AS NUMBER(38,4)), MAX("UPDATED_AT") FROM "RAW"."PAYMENTS"."TRANSACTIONS"') == "$before" ]] || fail "idle run changed the target"

hour=14
for point in extracting staged loading published; do
  step "a crash right after '$point' resumes and ends with target = source"
  hour=$((hour + 1))
  pg "UPDATE pay.transactions SET amount = amount + 1, updated_at = '2026-11-23 $hour:00:00+00' WHERE id % 7 = 0;"
  kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
  start_agent WEIR_FAILPOINT=after:$point
  ctl run payments-hourly > /dev/null
  for _ in $(seq 1 300); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$agent_pid" 2>/dev/null; then fail "failpoint after:$point was not reached"; fi
  wait "$agent_pid" 2>/dev/null || true
  start_agent
  for _ in $(seq 1 300); do
    ctl runs payments-hourly | awk 'NR==2 {print $4}' | grep -q committed && break
    sleep 0.2
  done
  ctl runs payments-hourly | awk 'NR==2 {print $4}' | grep -q committed || { ctl runs; fail "run did not resume after $point"; }
  source_sum=$(pg "SELECT count(*) || ',' || sum(amount) FROM pay.transactions")
  target=$(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID"), CAST(SUM("AMOUNT") AS NUMBER(38,4)) FROM "RAW"."PAYMENTS"."TRANSACTIONS"')
  [[ $target == "[\"${source_sum%,*}\", \"${source_sum%,*}\", \"${source_sum#*,}\"]" ]] || fail "after $point: target $target, source $source_sum"
done

step "a source that restarts during a run is retried and the run still commits"
pg "UPDATE pay.transactions SET status = 'settled', updated_at = '2026-11-23 19:00:00+00' WHERE id = 2;"
"$WEIR_TEST_PG_CTL" stop
ctl run payments-hourly > /dev/null
sleep 2
"$WEIR_TEST_PG_CTL" start
for _ in $(seq 1 200); do
  ctl runs payments-hourly | awk 'NR==2 {print $4}' | grep -qE 'committed|failed' && break
  sleep 0.2
done
ctl runs payments-hourly | awk 'NR==2 {print $4}' | grep -q committed || { ctl runs; fail "run did not survive the restart"; }
grep -q "retrying in" "$work/agent.log" || fail "no retry was logged"
[[ $(sf "SELECT \"STATUS\" FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"ID\" = 2") == '["settled"]' ]] || fail "row after restart"

step "wrong credentials fail the run clearly, publish nothing, and the next good run catches up"
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
start_agent PAYMENTS_PG_PASSWORD_OVERRIDE=1
ctl apply source_postgres payments --spec "{\"name\":\"payments\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:WRONG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
pg "UPDATE pay.transactions SET status = 'refunded', updated_at = '2026-11-23 20:00:00+00' WHERE id = 1;"
set +e; ctl run payments-hourly --wait=120 > "$work/bad.out"; code=$?; set -e
[[ $code != 0 ]] || fail "run with a missing password succeeded"
grep -q "failed" "$work/bad.out" && grep -q "WRONG_PASSWORD" "$work/bad.out" || { cat "$work/bad.out"; fail "unclear failure"; }
[[ $(sf "SELECT \"STATUS\" FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"ID\" = 1") == '["paid"]' ]] || fail "a failed run published"
ctl apply source_postgres payments --spec "{\"name\":\"payments\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PAYMENTS_PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl run payments-hourly --wait=120 > /dev/null || fail "run after fixing the password"
[[ $(sf "SELECT \"STATUS\" FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"ID\" = 1") == '["refunded"]' ]] || fail "did not catch up"
if grep -q "$WEIR_TEST_PG_PASSWORD" "$work/agent.log"; then fail "the password reached the agent log"; fi

echo
echo "run_pipeline: all steps passed"
