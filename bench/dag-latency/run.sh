#!/usr/bin/env bash
# DAG latency benchmark (not a test): PIPELINES pipelines × 3 tables (each pipeline reads the same
# three PostgreSQL tables into its own targets) feeding TRANSFORMS transforms (transform j reads the
# six tables of pipelines 2j and 2j+1) on one agent, against the local peers (PostgreSQL, the
# Snowflake SQL API emulator). Every pipeline is run ROUNDS times; then measure.py prints, per DAG
# hop, the scheduler's added latency: the commit of the transform's last input → the transform run
# queued, and → started, median and p99. Usage: bench/dag-latency/run.sh [PIPELINES] [TRANSFORMS] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pipelines=${1:-100}
transforms=${2:-50}
rounds=${3:-2}
if [[ ${WEIR_BENCH_INSIDE:-} != 1 ]]; then
  bash "$root/scripts/bootstrap" > /dev/null
  cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$root/build-bench" --target weir-agent > /dev/null
  WEIR_BENCH_AGENT=$root/build-bench/weir-agent WEIR_BENCH_INSIDE=1 exec "$root/tests/integration/with_postgres.sh" \
    "$root/tests/integration/with_snowflake.sh" "$0" "$pipelines" "$transforms" "$rounds"
fi
agent_bin=${WEIR_BENCH_AGENT:-$root/build/weir-agent}
(( transforms * 2 <= pipelines )) || { echo "TRANSFORMS × 2 must not exceed PIPELINES" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-dag.XXXXXX")
agent_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" \
  -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }
sf() {
  curl -s -o /dev/null -X POST "$WEIR_TEST_SF_URL/api/v2/statements" -H "Authorization: Bearer bench" \
    -H "X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT" -H "User-Agent: weir-bench" -H "Content-Type: application/json" \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"statement": sys.argv[1]}))' "$1")"
}
db() { python3 -c 'import sqlite3,sys; [print("|".join(map(str, r))) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]' "$work/agent/weir.db" "$1"; }

pg "DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;
    CREATE TABLE bench.a (id bigint PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE bench.b (id bigint PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE bench.c (id bigint PRIMARY KEY, v text, updated_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO bench.a SELECT g, 'a' || g FROM generate_series(1, 20) g;
    INSERT INTO bench.b SELECT g, 'b' || g FROM generate_series(1, 20) g;
    INSERT INTO bench.c SELECT g, 'c' || g FROM generate_series(1, 20) g;"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"'
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."BENCH"'
cp "$root/tests/vectors/snowflake/test_rsa_key.p8" "$work/sf_key.p8"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
PG_PASSWORD=$WEIR_TEST_PG_PASSWORD "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" \
  > "$work/agent.log" 2>&1 &
agent_pid=$!
ctl() { "$agent_bin" ctl "$@"; }
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    ctl list > /dev/null 2>&1 && break
  fi
  sleep 0.1
done
ctl apply source_postgres src --spec "{\"name\":\"src\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"load_wh\",\"database\":\"raw\",\"schema\":\"bench\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\"}" > /dev/null
echo "applying $pipelines pipelines × 3 tables and $transforms transforms…"
for ((p = 0; p < pipelines; p++)); do
  name=$(printf 'p%03d' "$p")
  tables=""
  for t in a b c; do
    tables+="${tables:+,}{\"name\":\"bench.$t\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\",\"target\":\"${name^^}_${t^^}\"}"
  done
  ctl apply pipeline "$name" --spec "{\"name\":\"$name\",\"source\":\"src\",\"destination\":\"raw\",\"schedule\":\"0 0 1 1 *\",\"table\":[$tables]}" > /dev/null
done
for ((j = 0; j < transforms; j++)); do
  left=$(printf 'p%03d' $((2 * j))) right=$(printf 'p%03d' $((2 * j + 1)))
  inputs="\"$left/bench.a\",\"$left/bench.b\",\"$left/bench.c\",\"$right/bench.a\",\"$right/bench.b\",\"$right/bench.c\""
  ctl apply transform "t$j" --spec "{\"name\":\"t$j\",\"destination\":\"raw\",\"target\":\"T$j\",\"inputs\":[$inputs],
    \"sql\":\"SELECT COUNT(*) AS N FROM ${left^^}_A\"}" > /dev/null
done
for ((round = 1; round <= rounds; round++)); do
  echo "round $round: running every pipeline…"
  pg "UPDATE bench.a SET updated_at = now() WHERE id = $round; UPDATE bench.b SET updated_at = now() WHERE id = $round;
      UPDATE bench.c SET updated_at = now() WHERE id = $round"
  for ((p = 0; p < pipelines; p++)); do ctl run "$(printf 'p%03d' "$p")" > /dev/null; done
  for _ in $(seq 1 3000); do
    [[ $(db "SELECT COUNT(*) FROM transform_runs WHERE state = 'succeeded'") -ge $((round * transforms)) ]] && break
    sleep 0.2
  done
  done_now=$(db "SELECT COUNT(*) FROM transform_runs WHERE state = 'succeeded'")
  [[ $done_now -ge $((round * transforms)) ]] || { tail -20 "$work/agent.log"; echo "round $round did not finish" >&2; exit 1; }
done
python3 "$root/bench/dag-latency/measure.py" "$work/agent/weir.db"
