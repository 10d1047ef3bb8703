#!/usr/bin/env bash
# Extraction benchmark (not a test): builds a mixed-type payments table of ROWS rows in a throwaway
# PostgreSQL, then times, in one script and alternating, `psql \copy (SELECT *) TO /dev/null` (the
# floor: the server's text output alone), Weir's extract + stage (COPY parse, CSV, zstd level 1,
# chunk files; plain, and sealed with AES-256-GCM as an agent with a key writes them), dlt's
# sql_table source (pyarrow backend) into local parquet and Sling's CLI into a local zstd CSV file.
# Prints medians, ratios and Weir's peak RSS. Usage: bench/extract/run.sh [ROWS] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rows=${1:-10000000}
runs=${2:-3}
if [[ ${WEIR_BENCH_INSIDE:-} != 1 ]]; then
  bash "$root/scripts/bootstrap" > /dev/null
  cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$root/build-bench" --target bench_extract > /dev/null
  if [[ ! -x $root/.tools/bench-dlt/bin/python ]]; then
    python3 -m venv "$root/.tools/bench-dlt"
    "$root/.tools/bench-dlt/bin/pip" install -q --disable-pip-version-check -r "$root/bench/extract/requirements-dlt.txt"
  fi
  if [[ ! -x $root/.tools/bench-sling/bin/python ]]; then
    python3 -m venv "$root/.tools/bench-sling"
    "$root/.tools/bench-sling/bin/pip" install -q --disable-pip-version-check -r "$root/bench/extract/requirements-sling.txt"
  fi
  WEIR_BENCH_INSIDE=1 exec "$root/tests/integration/with_postgres.sh" "$0" "$rows" "$runs"
fi
psql_() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" \
  -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt "$@"; }
echo "generating $rows rows…"
psql_ -c "CREATE TABLE tx (id bigint PRIMARY KEY, account_id integer NOT NULL, amount numeric(18,4) NOT NULL,
            currency char(3) NOT NULL, status text NOT NULL, description text, created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL, metadata jsonb);
          INSERT INTO tx SELECT g, g % 100000, round((random() * 10000)::numeric, 4), 'EUR',
            (ARRAY['authorized','captured','refunded'])[1 + g % 3], 'payment ' || md5(g::text),
            now() - (g || ' seconds')::interval, now(), jsonb_build_object('channel', 'web', 'n', g % 7)
          FROM generate_series(1, $rows) g;"
psql_ -c "VACUUM ANALYZE tx"
out=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-extract.XXXXXX")
trap 'rm -rf "$out"' EXIT
floor=() weir=() sealed=() rss=() dlt=() sling=()
sling_bin=$(ls "$root"/.tools/bench-sling/lib/python3*/site-packages/sling_linux_amd64/bin/sling-linux-amd64)
export SLING_DISABLE_TELEMETRY=true DO_NOT_TRACK=1 SLING_HOME_DIR=$out/sling-home
export BENCH_PG="postgresql://$WEIR_TEST_PG_USER:$WEIR_TEST_PG_PASSWORD@$WEIR_TEST_PG_HOST:$WEIR_TEST_PG_PORT/$WEIR_TEST_PG_DB?sslmode=disable"
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  psql_ -c "\\copy (SELECT * FROM tx) TO '/dev/null'"
  floor+=("$(echo "$(date +%s.%N) - $start" | bc)")
  rm -rf "$out/stage"
  line=$("$root/build-bench/bench/extract/bench_extract" public.tx "$out/stage")
  echo "  weir run $i: $line"
  weir+=("$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<< "$line")")
  rss+=("$(sed -E 's/.*peak_rss_mb=([0-9.]+).*/\1/' <<< "$line")")
  rm -rf "$out/stage"
  line=$(WEIR_BENCH_SEAL_KEY_FILE=$out/bench.key "$root/build-bench/bench/extract/bench_extract" public.tx "$out/stage")
  echo "  weir sealed run $i: $line"
  sealed+=("$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<< "$line")")
  rm -rf "$out/dlt"
  line=$("$root/.tools/bench-dlt/bin/python" "$root/bench/extract/dlt_extract.py" tx "$out/dlt" 2> "$out/dlt.log" | tail -1)
  echo "  dlt run $i: $line"
  dlt+=("$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<< "$line")")
  rm -rf "$out/sling"
  start=$(date +%s.%N)
  "$sling_bin" run --src-conn BENCH_PG --src-stream public.tx --tgt-object "file://$out/sling/tx.csv.zst" \
    --tgt-options '{"format": "csv", "compression": "zstd"}' > "$out/sling.log" 2>&1 ||
    { tail -20 "$out/sling.log"; exit 1; }
  sling+=("$(echo "$(date +%s.%N) - $start" | bc)")
  echo "  sling run $i: seconds=${sling[-1]} ($(grep -oE '[0-9,]+ rows' "$out/sling.log" | tail -1))"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
f=$(median "${floor[@]}") w=$(median "${weir[@]}")
echo "rows: $rows"
echo "psql \\copy to /dev/null (floor): median ${f}s  ($(echo "$rows / $f" | bc) rows/s)"
echo "weir extract + stage (zstd):    median ${w}s  ($(echo "$rows / $w" | bc) rows/s)"
ws=$(median "${sealed[@]}")
echo "weir, chunks sealed (AES-GCM):  median ${ws}s  ($(echo "$rows / $ws" | bc) rows/s)"
echo "sealing cost: sealed/plain time ratio $(echo "scale=3; $ws / $w" | bc)"
d=$(median "${dlt[@]}")
echo "dlt sql_table (pyarrow) → parquet: median ${d}s  ($(echo "$rows / $d" | bc) rows/s)"
echo "throughput ratio weir/floor: $(echo "scale=2; $f / $w" | bc)"
sl=$(median "${sling[@]}")
echo "sling → zstd csv:               median ${sl}s  ($(echo "$rows / $sl" | bc) rows/s)"
echo "throughput ratio weir/dlt:   $(echo "scale=2; $d / $w" | bc)"
echo "throughput ratio weir/sling: $(echo "scale=2; $sl / $w" | bc)"
echo "weir peak RSS: $(median "${rss[@]}") MiB"
