#!/usr/bin/env bash
# Starts the SQL API adapter over fakesnow (Python venv built by scripts/bootstrap) on a free
# loopback port, runs the command with WEIR_TEST_SF_URL set, then stops it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=$root/.tools/fakesnow/bin/python
[[ -x $python ]] || { echo "fakesnow venv missing: run scripts/bootstrap" >&2; exit 1; }
fifo=$(mktemp -u "${TMPDIR:-/tmp}/weir-sf.XXXXXX")
mkfifo "$fifo"
"$python" "$here/sf_api_adapter.py" > "$fifo" &
adapter=$!
trap 'kill $adapter 2>/dev/null || true; rm -f "$fifo"' EXIT
read -r -t 60 port < "$fifo"
export WEIR_TEST_SF_URL=http://127.0.0.1:$port
"$@"
