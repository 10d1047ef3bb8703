#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time from its committed corpus (copied, so new inputs do
# not dirty the tree). A crash fails the run and leaves the input in the build directory.
# Usage: run.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
build=$(realpath "$1")
seconds=${2:-${FUZZ_SECONDS:-60}}
here=$(cd "$(dirname "$0")" && pwd)
for target in "$build"/tests/fuzz_*; do
  name=$(basename "$target")
  name=${name#fuzz_}
  corpus=$(mktemp -d)
  cp "$here/corpus/$name"/* "$corpus/"
  echo "fuzz: $name for ${seconds}s"
  (cd "$build" && "$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 "$corpus" \
     > "$build/fuzz-$name.log" 2>&1) || { tail -40 "$build/fuzz-$name.log"; rm -rf "$corpus"; exit 1; }
  grep -E "^stat::number_of_executed_units" "$build/fuzz-$name.log" || true
  rm -rf "$corpus"
done
