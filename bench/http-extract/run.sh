#!/usr/bin/env bash
# HTTP extraction benchmark (not a test): PAGES pages of PER_PAGE Stripe-charge-like JSON records
# (default 1,000 × 1,000 = 1 M records, about 250 MB) served on loopback by a Go static file server,
# then, alternating RUNS times: Weir's source_http (the agent's code: fetch, parse, rows, zstd CSV
# stage chunks, as a full-refresh run) and dlt's rest_api source (json_link paginator) through its
# filesystem destination into local jsonl files. dlt is installed into a throwaway venv under the
# work directory. Prints medians, records/s, the ratio and both peak RSS.
# Usage: bench/http-extract/run.sh [PAGES] [PER_PAGE] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/http-extract
pages=${1:-1000}
per_page=${2:-1000}
runs=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-http.XXXXXX")
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building (release) and installing dlt into a throwaway venv…"
cmake -S "$root" -B "$root/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$root/build-bench" --target bench_http_extract > /dev/null
(cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -o "$work/static_server" static_server.go)
python3 -m venv "$work/dlt-venv"
"$work/dlt-venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements-dlt.txt"
dlt_version=$("$work/dlt-venv/bin/python" -c 'import dlt; print(dlt.__version__)')

"$work/static_server" "$work/www" > "$work/port" &
server_pid=$!
for _ in $(seq 1 50); do [[ -s $work/port ]] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$work/port")
echo "generating $pages pages of $per_page records…"
records=$(python3 "$here/gen_pages.py" "$work/www" "$pages" "$per_page" "$base")
echo "$records records, $(du -sm "$work/www" | cut -f1) MB of JSON, served at $base"

weir=() weir_rss=() dlt=() dlt_rss=()
field() { sed -E "s/.*$1=([0-9.]+).*/\\1/" <<< "$2"; }
for i in $(seq 1 "$runs"); do
  rm -rf "$work/stage"
  line=$("$root/build-bench/bench/http-extract/bench_http_extract" "$base" "$work/stage" 2> "$work/weir.log")
  echo "  weir run $i: $line"
  [[ $(field rows "$line") == "$records" ]] || { echo "weir read $(field rows "$line") records, want $records" >&2; exit 1; }
  weir+=("$(field seconds "$line")") weir_rss+=("$(field peak_rss_mb "$line")")
  rm -rf "$work/dlt"
  line=$("$work/dlt-venv/bin/python" "$here/dlt_rest_api.py" "$base" "$work/dlt" 2> "$work/dlt.log" | tail -1)
  echo "  dlt run $i: $line"
  [[ $(field rows "$line") == "$records" ]] || { tail -20 "$work/dlt.log" >&2; echo "dlt read $(field rows "$line") records, want $records" >&2; exit 1; }
  dlt+=("$(field seconds "$line")") dlt_rss+=("$(field peak_rss_mb "$line")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
w=$(median "${weir[@]}") d=$(median "${dlt[@]}")
echo "records: $records in $pages pages"
echo "weir source_http → zstd CSV chunks:       median ${w}s  ($(echo "$records / $w" | bc) records/s)  peak RSS $(median "${weir_rss[@]}") MiB"
echo "dlt $dlt_version rest_api → filesystem (jsonl): median ${d}s  ($(echo "$records / $d" | bc) records/s)  peak RSS $(median "${dlt_rss[@]}") MiB"
echo "throughput ratio weir/dlt: $(echo "scale=2; $d / $w" | bc)"
