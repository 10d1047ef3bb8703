#!/usr/bin/env bash
# Golden tests for weir-plan-review on plans made by real OpenTofu and the real provider against a
# real weir-agent: applies examples/quickstart (plus tests/review/base), plans each scenario under
# tests/review/scenarios through examples/ci/plan-review.sh (the steps CI runs), and compares the
# Markdown with tests/review/golden/. UPDATE_GOLDEN=1 rewrites the golden files instead.
# Usage: run.sh PROVIDER_BINARY AGENT_BINARY REVIEW_BINARY   (tofu from $TOFU or .tools/bin/tofu)
set -euo pipefail

provider_bin=$(realpath "$1")
agent_bin=$(realpath "$2")
review_bin=$(realpath "$3")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
[[ -x $tofu ]] || { echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-review.XXXXXX")
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
agent_pid=""
cleanup() {
  if [[ -n $agent_pid ]]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [[ ${KEEP_REVIEW:-} != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
step() { printf '\n=== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
lacks() { if grep -qF -- "$2" "$1"; then fail "\"$2\" must not appear in $1"; fi; }
contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "expected \"$2\" in $1"; }; }

# --- provider from a filesystem mirror, as in tests/e2e/run.sh ---
source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"

# --- agent on a free loopback port with its dev token and CA ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" > "$work/agent.log" 2>&1 &
agent_pid=$!
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
ready=0
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    WEIR_TOKEN=$(cat "$work/agent/dev/token")
    export WEIR_TOKEN
    if "$agent_bin" ctl list > /dev/null 2>&1; then ready=1; break; fi
  fi
  sleep 0.1
done
[[ $ready == 1 ]] || { cat "$work/agent.log"; fail "agent did not start"; }

step "apply the base configuration (examples/quickstart + tests/review/base)"
base=$work/base
mkdir -p "$base"
cp "$root/examples/quickstart/main.tf" "$here"/base/*.tf "$base/"
"$tofu" -chdir="$base" init -input=false -no-color > "$work/init.out" 2>&1 || { cat "$work/init.out"; fail "init"; }
"$tofu" -chdir="$base" apply -input=false -auto-approve -no-color > "$work/apply.out" 2>&1 ||
  { cat "$work/apply.out"; fail "apply"; }
contains "$work/apply.out" "Apply complete! Resources: 7 added"

step "one root per scenario, planned by examples/ci/plan-review.sh"
roots=()
for dir in "$here"/scenarios/*/; do
  name=$(basename "$dir")
  scenario=$work/roots/$name
  mkdir -p "$scenario"
  cp -r "$base/." "$scenario/"
  find "$dir" -maxdepth 1 \( -name '*.tf' -o -name '*.tfvars' \) -exec cp {} "$scenario/" \;
  if [[ -f $dir/drop ]]; then
    while IFS= read -r file; do rm "$scenario/$file"; done < "$dir/drop"
  fi
  roots+=("dev/$name=$scenario")
done
set +e
TOFU=$tofu WEIR_PLAN_REVIEW=$review_bin FAIL_ON=destroy,replace,data-impact \
  "$root/examples/ci/plan-review.sh" "$work/out" "${roots[@]}" 2> "$work/policy.err"
code=$?
set -e
cat "$work/policy.err"
[[ $code == 1 ]] || fail "plan-review.sh with FAIL_ON exited $code, want 1"
contains "$work/policy.err" "fail-on destroy: dev/destroy_source weir_source_postgres.legacy is destroyed"
contains "$work/policy.err" "fail-on replace: dev/replace_pipeline weir_pipeline.payments is replaced"
contains "$work/policy.err" "fail-on data-impact: dev/loosen_check weir_quality_check.transactions_fresh"
if grep -q "^fail-on .* dev/no_change " "$work/policy.err"; then fail "the unchanged scenario matched a policy"; fi

step "per-scenario reviews"
mkdir -p "$work/md"
cp "$work/out/summary.md" "$work/md/all.md"
for dir in "$here"/scenarios/*/; do
  name=$(basename "$dir")
  set +e
  "$review_bin" --plan "dev/$name=$work/out/dev/$name.json" --fail-on destroy,replace,data-impact \
    > "$work/md/$name.md" 2> "$work/md/$name.err"
  code=$?
  set -e
  if [[ $name == no_change || $name == sensitive_change ]]; then
    [[ $code == 0 ]] || { cat "$work/md/$name.err"; fail "$name: exit $code, want 0"; }
  else
    [[ $code == 1 ]] || { cat "$work/md/$name.err"; fail "$name: exit $code, want 1"; }
  fi
  rm "$work/md/$name.err"
done

step "sensitive values never reach the review"
contains "$work/out/dev/sensitive_change.json" "ROTATED-REF-7f3a"   # the plan holds it, marked sensitive
for md in "$work"/md/*.md; do
  lacks "$md" "ROTATED-REF-7f3a"
  lacks "$md" "PAGERDUTY_ROUTING_KEY"
  lacks "$md" "$WEIR_TOKEN"
  lacks "$md" "$work"
done
contains "$work/md/sensitive_change.md" '| `routing_key_ref` | `(sensitive)` | `(sensitive)` |'

step "the Markdown matches tests/review/golden"
if [[ ${UPDATE_GOLDEN:-} == 1 ]]; then
  rm -f "$here"/golden/*.md
  cp "$work"/md/*.md "$here/golden/"
  echo "golden files rewritten"
else
  for md in "$work"/md/*.md; do
    golden=$here/golden/$(basename "$md")
    [[ -f $golden ]] || fail "no golden file $golden (run with UPDATE_GOLDEN=1 and review it)"
    diff -u "$golden" "$md" || fail "$(basename "$md") differs from its golden file"
  done
  for golden in "$here"/golden/*.md; do
    [[ -f $work/md/$(basename "$golden") ]] || fail "golden file $(basename "$golden") has no scenario"
  done
fi

kill -TERM "$agent_pid"; wait "$agent_pid" || true; agent_pid=""
echo
echo "plan review golden tests: all passed"
