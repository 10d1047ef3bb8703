#!/usr/bin/env bash
# The runtime end to end, through the weir-agent binary: objects applied over the control API,
# runs triggered with `ctl run --wait`, rows checked in Snowflake SQL (fakesnow), updates merged,
# a crash after each step resumed without loss or duplicates, a throttling burst ridden out, a
# backfill in chunks (crash-resumed, throttled, retried), a load through an S3 stage (MinIO,
# SSE-KMS, COPY INTO), wrong credentials failing cleanly.
# Run under with_postgres.sh, with_minio.sh and with_snowflake.sh. Usage: run_pipeline.sh AGENT_BINARY
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
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }

# Every column of every row, compared as a multiset (order-independent), with a digest of each side.
same_rows() { # what
  pg "COPY (SELECT id, amount, status, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')
      FROM pay.transactions) TO STDOUT" > "$work/source.rows"
  sf 'SELECT "ID", "AMOUNT", "STATUS", "UPDATED_AT" FROM "RAW"."PAYMENTS"."TRANSACTIONS"' > "$work/target.rows"
  python3 - "$work/source.rows" "$work/target.rows" "$1" <<'PY' || fail "target != source ($1)"
import datetime, decimal, hashlib, json, sys
def canon(id_, amount, status, ts):
    amount = "" if amount in (None, "\\N") else str(decimal.Decimal(amount).normalize())
    t = datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    t = t.astimezone(datetime.timezone.utc).replace(tzinfo=None) if t.tzinfo else t
    return f"{int(id_)}|{amount}|{status}|{t.isoformat()}"
source = sorted(canon(*line.rstrip("\n").split("\t")) for line in open(sys.argv[1]))
target = sorted(canon(*json.loads(line)) for line in open(sys.argv[2]))
digest = lambda rows: hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
if source != target:
    missing, extra = sorted(set(source) - set(target)), sorted(set(target) - set(source))
    sys.exit(f"{sys.argv[3]}: {len(source)} source rows ({digest(source)}), {len(target)} target rows "
             f"({digest(target)}); missing {missing[:3]}, unexpected {extra[:3]}")
print(f"  {sys.argv[3]}: {len(source)} rows, all columns equal (digest {digest(source)})")
PY
}

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
same_rows "initial load"

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
  if [[ $point == staged ]]; then # the batch waiting on the stage volume is sealed, not readable CSV
    chunk=$(find "$work/agent/stage" -name '00000.csv.zst' -print -quit)
    [[ -n $chunk && $(head -c 8 "$chunk") == WEIRSTG1 ]] || fail "the staged chunk is not sealed at rest"
    if zstd -dqc "$chunk" > /dev/null 2>&1; then fail "a staged chunk decompresses without the key"; fi
  fi
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
  same_rows "after a crash at $point"
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

step "a burst of 429 and 503 answers from the warehouse is ridden out and the run commits"
pg "UPDATE pay.transactions SET status = 'disputed', updated_at = '2026-11-23 19:30:00+00' WHERE id = 3;"
curl -sf -X POST "$WEIR_TEST_SF_URL/weir-test/faults" -d '{"statuses": [429, 503, 429, 503]}' > /dev/null
ctl run payments-hourly --wait=180 > "$work/burst.out" || { cat "$work/burst.out"; fail "run under throttling"; }
[[ $(curl -sf "$WEIR_TEST_SF_URL/weir-test/faults") == '{"queued": 0}' ]] || fail "the throttling answers were not all served"
[[ $(sf "SELECT \"STATUS\" FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"ID\" = 3") == '["disputed"]' ]] || fail "row after the burst"

step "a backfill reloads a cursor range in chunks, survives a crash, and leaves the watermark alone"
# History the hourly runs never saw (older than the watermark), spread over ten days.
pg "INSERT INTO pay.transactions SELECT g, g * 0.5, 'history', '2026-10-01 00:00:00+00'::timestamptz + (g - 100000) * interval '1 hour'
    FROM generate_series(100000, 100239) g;"
watermark_before=$(ctl get pipeline payments-hourly -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["tables"]["pay.transactions"]["watermark"])')
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
start_agent WEIR_FAILPOINT=after:staged
set +e
ctl apply backfill october --spec '{"name":"october","pipeline":"payments-hourly","table":"pay.transactions",
  "from":"2026-10-01T00:00:00Z","to":"2026-10-11T00:00:00Z","chunk":"1d","parallelism":3}' > /dev/null
set -e
for _ in $(seq 1 300); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$agent_pid" 2>/dev/null; then fail "the backfill's first chunk did not reach the failpoint"; fi
wait "$agent_pid" 2>/dev/null || true
start_agent
for _ in $(seq 1 600); do
  ctl backfill status october | awk 'NR==2 {print $4}' | grep -qE 'completed|failed' && break
  sleep 0.2
done
ctl backfill status october > "$work/backfill.out"
grep -q " completed  *10/10 " "$work/backfill.out" || { cat "$work/backfill.out"; fail "backfill did not complete"; }
[[ $(sf "SELECT COUNT(*), COUNT(DISTINCT \"ID\"), CAST(SUM(\"AMOUNT\") AS NUMBER(38,4)) FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"STATUS\" = 'history'") == \
   "[\"240\", \"240\", \"$(pg "SELECT sum(amount) FROM pay.transactions WHERE status = 'history'")\"]" ]] || fail "backfilled rows"
source_count=$(pg "SELECT count(*) FROM pay.transactions")
[[ $(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID") FROM "RAW"."PAYMENTS"."TRANSACTIONS"') == "[\"$source_count\", \"$source_count\"]" ]] || fail "target != source after the backfill"
ctl runs payments-hourly -o json | python3 -c '
import json, sys
runs = [r for r in json.load(sys.stdin) if r["backfill"] == "october"]
assert len(runs) == 10 and all(r["state"] == "committed" for r in runs), runs
assert sorted(r["range_from"] for r in runs)[0] == "2026-10-01T00:00:00Z", runs' || fail "backfill chunk runs"
ctl get pipeline payments-hourly -o json | python3 -c '
import json, sys
status = json.load(sys.stdin)["status"]
assert status["tables"]["pay.transactions"]["watermark"] == sys.argv[1], status
backfill = status["backfills"][0]
assert backfill["name"] == "october" and backfill["state"] == "completed" and backfill["chunks_done"] == 10, backfill
assert backfill["rows_loaded"] == 240 and backfill["done_until"] == "2026-10-11T00:00:00Z", backfill' "$watermark_before" ||
  fail "pipeline status after the backfill"

step "a throttled backfill spaces its chunks; a failing chunk is retried and the operator resumes it"
pg "INSERT INTO pay.transactions VALUES (200000, 5, 'old', '2026-09-01 01:00:00+00'), (200001, 6, 'old', '2026-09-02 01:00:00+00'),
                                        (200002, 7, 'old', '2026-09-03 01:00:00+00');"
ctl apply backfill september --spec '{"name":"september","pipeline":"payments-hourly","table":"pay.transactions",
  "from":"2026-09-01","to":"2026-09-04","chunk":"1d","parallelism":3,"throttle":"2s","max_attempts":1}' > /dev/null
for _ in $(seq 1 300); do
  ctl backfill status september | awk 'NR==2 {print $4}' | grep -qE 'completed|failed' && break
  sleep 0.2
done
ctl backfill status september | grep -q " completed  *3/3 " || { ctl backfill status; fail "throttled backfill"; }
ctl runs payments-hourly -o json | python3 -c '
import json, sys, datetime
starts = sorted(datetime.datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
                for r in json.load(sys.stdin) if r["backfill"] == "september")
assert len(starts) == 3, starts
gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
assert min(gaps) >= 1.0, gaps  # queued at least a throttle apart (whole-second clock)' || fail "throttle not honoured"
ctl apply source_postgres payments --spec "{\"name\":\"payments\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:WRONG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl apply backfill broken --spec '{"name":"broken","pipeline":"payments-hourly","table":"pay.transactions",
  "from":"2026-09-01","to":"2026-09-02","chunk":"1d","max_attempts":1}' > /dev/null
for _ in $(seq 1 300); do
  ctl backfill status broken | awk 'NR==2 {print $4}' | grep -qE 'completed|failed' && break
  sleep 0.2
done
ctl backfill status broken > "$work/broken.out"
grep -q " failed " "$work/broken.out" && grep -q "last error: .*WRONG_PASSWORD" "$work/broken.out" || { cat "$work/broken.out"; fail "failed backfill not reported"; }
ctl apply source_postgres payments --spec "{\"name\":\"payments\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PAYMENTS_PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl backfill retry broken | grep -q "1 failed chunk(s) will run again" || fail "backfill retry"
for _ in $(seq 1 300); do
  ctl backfill status broken | awk 'NR==2 {print $4}' | grep -qE 'completed' && break
  sleep 0.2
done
ctl backfill status broken | grep -q " completed  *1/1 " || { ctl backfill status broken; fail "retried backfill"; }
set +e; ctl apply backfill nocursor --spec '{"name":"nocursor","pipeline":"payments-hourly","table":"pay.other",
  "from":"1","to":"9","chunk":"1"}' > "$work/nocursor.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] && grep -q "table: pipeline payments-hourly has no table pay.other" "$work/nocursor.out" ||
  { cat "$work/nocursor.out"; fail "a backfill of an unknown table was accepted"; }
for name in october september broken; do ctl delete backfill "$name" > /dev/null; done

step "through an S3 stage: chunks uploaded with SSE-KMS, COPY INTO fills the staging table"
sf "CREATE STAGE \"RAW\".\"PAYMENTS\".\"WEIR_STAGE\" URL = 's3://$WEIR_TEST_S3_BUCKET/raw/'" > /dev/null
destination() { # extra JSON members
  ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
    \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"PAYMENTS\",\"private_key_ref\":\"file:$work/sf_key.p8\",
    \"api_url\":\"$WEIR_TEST_SF_URL\"$1}" > /dev/null
}
destination ",\"stage\":{\"url\":\"s3://$WEIR_TEST_S3_BUCKET/raw/\",\"name\":\"raw.payments.weir_stage\",\"kms_key_id\":\"weir-stage-key\",\"region\":\"us-east-1\"}"
pg "UPDATE pay.transactions SET status = 'via-stage', updated_at = '2026-11-23 19:45:00+00' WHERE id BETWEEN 10 AND 59;"
ctl run payments-hourly --wait=120 > "$work/stage.out" || { cat "$work/stage.out"; fail "run through the S3 stage"; }
[[ $(sf "SELECT COUNT(*) FROM \"RAW\".\"PAYMENTS\".\"TRANSACTIONS\" WHERE \"STATUS\" = 'via-stage'") == '["50"]' ]] || fail "rows through the stage"
source_count=$(pg "SELECT count(*) FROM pay.transactions")
[[ $(sf 'SELECT COUNT(*), COUNT(DISTINCT "ID") FROM "RAW"."PAYMENTS"."TRANSACTIONS"') == "[\"$source_count\", \"$source_count\"]" ]] || fail "target != source after the staged run"
stage_run=$(awk 'NR==2 {print $1}' "$work/stage.out")
s3() { curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
s3 -I "$AWS_ENDPOINT_URL_S3/$WEIR_TEST_S3_BUCKET/raw/payments-hourly/pay_transactions/$stage_run/00000.csv.zst" > "$work/head.out" ||
  fail "the chunk is not in the bucket"
grep -qi "^x-amz-server-side-encryption: aws:kms" "$work/head.out" || { cat "$work/head.out"; fail "the staged chunk is not encrypted with the KMS key"; }
destination ""

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

same_rows "at the end"
echo
echo "run_pipeline: all steps passed"
