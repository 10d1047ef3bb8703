#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time from its committed corpus (copied, so new inputs do
# not dirty the tree), as many at once as there are cores. A crash fails the run and leaves the input
# in the build directory.
# Usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
build=$(realpath "$1")
seconds=${2:-${FUZZ_SECONDS:-60}}
here=$(cd "$(dirname "$0")" && pwd)
parallel=$(nproc)

# One target: 0 when it ran its time without a crash.
fuzz_one() {
  local target=$1 name corpus status=0
  name=$(basename "$target")
  name=${name#fuzz_}
  corpus=$(mktemp -d)
  cp "$here/corpus/$name"/* "$corpus/"
  (cd "$build" && "$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 "$corpus" \
     > "$build/fuzz-$name.log" 2>&1) || status=$?
  rm -rf "$corpus"
  return $status
}

pids=() names=()
failed=0
finish_one() {
  local pid=${pids[0]} name=${names[0]}
  pids=("${pids[@]:1}") names=("${names[@]:1}")
  if wait "$pid"; then
    echo "fuzz: $name ran ${seconds}s: $(grep -E '^stat::number_of_executed_units' "$build/fuzz-$name.log" || echo 'no stats')"
  else
    echo "fuzz: $name FAILED" >&2
    tail -40 "$build/fuzz-$name.log" >&2
    failed=1
  fi
}
for target in "$build"/tests/fuzz_*; do
  (( ${#pids[@]} < parallel )) || finish_one
  name=$(basename "$target")
  fuzz_one "$target" &
  pids+=("$!") names+=("${name#fuzz_}")
done
while (( ${#pids[@]} )); do finish_one; done
exit $failed
