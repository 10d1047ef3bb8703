#!/usr/bin/env bash
# Starts tests/integration/sf_fake.py on a free loopback port, runs the command with
# WEIR_TEST_SF_FAKE_URL set, then stops the fake.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fifo=$(mktemp -u "${TMPDIR:-/tmp}/weir-sf-fake.XXXXXX")
mkfifo "$fifo"
python3 "$here/sf_fake.py" > "$fifo" &
fake=$!
trap 'kill $fake 2>/dev/null || true; rm -f "$fifo"' EXIT
read -r -t 20 port < "$fifo"
export WEIR_TEST_SF_FAKE_URL=http://127.0.0.1:$port
"$@"
