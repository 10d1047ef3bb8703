#!/usr/bin/env bash
# Plan-time scale benchmark (not a test): applies 1,500 pipelines + 1,500 quality checks through
# terraform-provider-weir against a local agent, then times `tofu plan` (with refresh) against the
# same number of OpenTofu's built-in terraform_data resources, alternating runs in one script, and
# samples the provider's peak RSS. Prints medians and the ratio; docs/benchmarks.md records them.
# Usage: bench/plan-scale/run.sh [PIPELINES] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pipelines=${1:-1500}
runs=${2:-5}
cd "$root"
bash scripts/bootstrap > /dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build-bench -j "$(nproc)" --target terraform-provider-weir weir-agent > /dev/null
exec python3 "$root/bench/plan-scale/measure.py" --root "$root" --pipelines "$pipelines" --runs "$runs"
