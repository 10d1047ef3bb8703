#!/usr/bin/env bash
# End-to-end: real OpenTofu drives terraform-provider-weir against a real weir-agent on loopback.
# Installs the provider from a filesystem mirror as users behind a firewall do, then walks
# validate → plan → apply → no-op plan → in-place change → replacement → import → drift →
# bad input → unreachable agent → destroy, checking that secrets never reach state or plan output.
# Usage: run.sh PROVIDER_BINARY AGENT_BINARY   (tofu from $TOFU or .tools/bin/tofu)
set -euo pipefail

provider_bin=$(realpath "$1")
agent_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
if [[ ! -x $tofu ]]; then
  echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-e2e.XXXXXX")
# tofu and the provider put their sockets under TMPDIR: keep them inside this run.
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
agent_pid=""
cleanup() {
  if [[ -n $agent_pid ]]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [[ ${KEEP_E2E:-} != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

step() { printf '\n=== %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }; }
lacks() { if grep -qF -- "$2" "$1"; then fail "\"$2\" must not appear in $1"; fi; }

# --- provider installed from a filesystem mirror; tofu init runs offline ---
source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"
# Sanitizer builds: reports from the provider (whose stderr tofu swallows) and the agent land in
# files that the last step checks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$work/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1:log_path=$work/sanitizer"

# --- agent on a free loopback port ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" > "$work/agent.log" 2>&1 &
agent_pid=$!
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
ready=0
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    if "$agent_bin" ctl list > /dev/null 2>&1; then ready=1; break; fi
  fi
  sleep 0.1
done
[[ $ready == 1 ]] || { cat "$work/agent.log"; fail "agent did not start"; }
ctl() { "$agent_bin" ctl "$@"; }

pg_secret="pg-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
hook_secret="hook-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export TF_VAR_pg_password=$pg_secret TF_VAR_hook_secret=$hook_secret

cfg=$work/cfg
mkdir -p "$cfg"
cp "$here/fixtures/main.tf" "$cfg/"
cd "$cfg"
tf() { "$tofu" "$@" -no-color; }

step "init from the filesystem mirror"
tf init -input=false > "$work/init.out" 2>&1 || { cat "$work/init.out"; fail "tofu init"; }
contains .terraform.lock.hcl 'provider "registry.opentofu.org/weirdata/weir"'
contains .terraform.lock.hcl "h1:"

step "validate"
tf validate > "$work/validate.out" 2>&1 || { cat "$work/validate.out"; fail "validate"; }

step "plan creates everything"
set +e; tf plan -input=false -detailed-exitcode > "$work/plan1.out" 2>&1; code=$?; set -e
[[ $code == 2 ]] || { cat "$work/plan1.out"; fail "first plan exit $code, want 2"; }
contains "$work/plan1.out" "Plan: 5 to add, 0 to change, 0 to destroy."
contains "$work/plan1.out" 'lookback    = "15m"'
contains "$work/plan1.out" 'sslmode             = "verify-full"'

step "apply"
tf apply -input=false -auto-approve > "$work/apply1.out" 2>&1 || { cat "$work/apply1.out"; fail "apply"; }
contains "$work/apply1.out" "Apply complete! Resources: 5 added, 0 changed, 0 destroyed."
contains "$work/apply1.out" "pipeline_tables = 2"
ctl list > "$work/list1.out"
contains "$work/list1.out" "payments-hourly"
[[ $(grep -c ' 1  ' "$work/list1.out") == 5 ]] || { cat "$work/list1.out"; fail "want 5 objects at generation 1"; }
ctl get pipeline payments-hourly > "$work/get1.out"
contains "$work/get1.out" '"cursor": "updated_at"'

step "secrets stay out of state, plan output, agent answers and logs"
for f in terraform.tfstate "$work/plan1.out" "$work/apply1.out" "$work/get1.out" "$work/agent.log"; do
  lacks "$f" "$pg_secret"
  lacks "$f" "$hook_secret"
  lacks "$f" "$WEIR_TOKEN"
done
ctl list -o json > "$work/list1.json"
lacks "$work/list1.json" "$pg_secret"
python3 - "$cfg/terraform.tfstate" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
for r in state["resources"]:
    for inst in r["instances"]:
        for key in ("password_wo", "signing_secret_wo"):
            if inst["attributes"].get(key) is not None:
                sys.exit(f"{r['type']}.{key} is stored in the state")
PY

step "the next plan has no changes"
set +e; tf plan -input=false -detailed-exitcode > "$work/plan2.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan2.out"; fail "plan after apply exit $code, want 0 (perpetual diff)"; }
contains "$work/plan2.out" "No changes."

step "the provider exits cleanly when OpenTofu is done with it"
set +e; TF_LOG=debug "$tofu" plan -input=false -no-color > "$work/plan-debug.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { tail -50 "$work/plan-debug.out"; fail "debug plan exit $code"; }
contains "$work/plan-debug.out" "provider: plugin exited"
lacks "$work/plan-debug.out" "plugin failed to exit gracefully"
lacks "$work/plan-debug.out" "signal: killed"
lacks "$work/plan-debug.out" "$WEIR_TOKEN"

step "run by hand, the provider explains itself"
set +e; "$provider_bin" > "$work/by-hand.out" 2>&1; code=$?; set -e
[[ $code == 1 ]] || fail "provider run by hand exited $code, want 1"
contains "$work/by-hand.out" "is an OpenTofu plugin"

step "an in-place change shows only that attribute"
sed -i 's|schedule    = "0 0 1 1 \*"|schedule    = "0 0 1 7 *"|' main.tf
set +e; tf plan -input=false -detailed-exitcode > "$work/plan3.out" 2>&1; code=$?; set -e
[[ $code == 2 ]] || { cat "$work/plan3.out"; fail "plan after edit exit $code"; }
contains "$work/plan3.out" "Plan: 0 to add, 1 to change, 0 to destroy."
contains "$work/plan3.out" '~ schedule            = "0 0 1 1 *" -> "0 0 1 7 *"'
# Within the pipeline's own diff, only the resource header and schedule may be marked as changing.
changed=$(awk '/# weir_pipeline.payments will be updated/{on=1} on&&/^    }/{on=0} on' "$work/plan3.out" | grep -cE '^\s+[~+-] ' || true)
[[ $changed == 2 ]] || { cat "$work/plan3.out"; fail "plan shows $changed changed lines, want the resource and schedule only"; }
tf apply -input=false -auto-approve > "$work/apply3.out" 2>&1 || { cat "$work/apply3.out"; fail "apply change"; }
contains "$work/apply3.out" "0 added, 1 changed, 0 destroyed"
ctl get pipeline payments-hourly > "$work/get3.out"
contains "$work/get3.out" '"generation": 2'
contains "$work/get3.out" '"schedule": "0 0 1 7 *"'

step "a rotated write-only password reaches the agent through its version, sealed at rest, and nowhere else"
rotated="pg-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export TF_VAR_pg_password=$rotated
stored() { sqlite3 "$work/agent/weir.db" "SELECT write_only_json FROM objects WHERE kind = 'source_postgres'"; }
before=$(stored)
[[ $before == weir-sealed:v1:* ]] || fail "the write-only password is not sealed at rest: $before"
sed -i 's|password_wo_version = 1|password_wo_version = 2|' main.tf
tf plan -input=false > "$work/plan-rotate.out" 2>&1 || { cat "$work/plan-rotate.out"; fail "plan rotation"; }
contains "$work/plan-rotate.out" "Plan: 0 to add, 1 to change, 0 to destroy."
contains "$work/plan-rotate.out" "~ password_wo_version = 1 -> 2"
tf apply -input=false -auto-approve > "$work/apply-rotate.out" 2>&1 || { cat "$work/apply-rotate.out"; fail "apply rotation"; }
after=$(stored)
[[ $after == weir-sealed:v1:* && $after != "$before" ]] || fail "the agent did not store the rotated password"
cat "$work/agent/weir.db"* > "$work/store-bytes"  # the database and its write-ahead log
lacks "$work/store-bytes" "$rotated"
lacks "$work/store-bytes" "$pg_secret"
for f in terraform.tfstate "$work/plan-rotate.out" "$work/apply-rotate.out" "$work/agent.log"; do lacks "$f" "$rotated"; done

step "a forces-replacement change plans a replace"
sed -i 's|kind     = "freshness"|kind     = "row_count"|; s|max_age  = "45m"|min_rows = 1|' main.tf
set +e; tf plan -input=false -detailed-exitcode > "$work/plan4.out" 2>&1; code=$?; set -e
[[ $code == 2 ]] || { cat "$work/plan4.out"; fail "replace plan exit $code"; }
contains "$work/plan4.out" "must be replaced"
contains "$work/plan4.out" "# forces replacement"
contains "$work/plan4.out" "Plan: 1 to add, 0 to change, 1 to destroy."
tf apply -input=false -auto-approve > "$work/apply4.out" 2>&1 || { cat "$work/apply4.out"; fail "apply replace"; }
ctl get quality_check transactions-fresh > "$work/get4.out"
contains "$work/get4.out" '"kind": "row_count"'

step "tofu import of an object created with ctl"
ctl apply source_postgres legacy --spec '{"name":"legacy","host":"legacy.db.internal","database":"legacy","user":"reader","password_ref":"env:LEGACY_PG"}' > /dev/null
cat >> main.tf <<'HCL'

resource "weir_source_postgres" "legacy" {
  name         = "legacy"
  host         = "legacy.db.internal"
  database     = "legacy"
  user         = "reader"
  password_ref = "env:LEGACY_PG"
}
HCL
tf import -input=false weir_source_postgres.legacy legacy > "$work/import.out" 2>&1 || { cat "$work/import.out"; fail "import"; }
contains "$work/import.out" "Import successful"
set +e; tf plan -input=false -detailed-exitcode > "$work/plan5.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan5.out"; fail "plan after import exit $code, want 0"; }

step "an import block adopts an object without replacing it"
ctl apply alert_channel pager --spec '{"name":"pager","kind":"pagerduty","routing_key_ref":"ssm:/weir/pd","min_severity":"error"}' > /dev/null
cat >> main.tf <<'HCL'

import {
  to = weir_alert_channel.pager
  id = "pager"
}

resource "weir_alert_channel" "pager" {
  name            = "pager"
  kind            = "pagerduty"
  routing_key_ref = "ssm:/weir/pd"
  min_severity    = "error"
}
HCL
set +e; tf plan -input=false -detailed-exitcode > "$work/plan6.out" 2>&1; code=$?; set -e
contains "$work/plan6.out" "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."
tf apply -input=false -auto-approve > "$work/apply6.out" 2>&1 || { cat "$work/apply6.out"; fail "apply import block"; }
sed -i '/^import {/,/^}/d' main.tf

step "unknown import name gives a clear error"
cat > ghost.tf <<'HCL'
resource "weir_pipeline" "ghost" {
  name        = "ghost"
  source      = "payments"
  destination = "raw"
  table {
    name        = "t"
    primary_key = ["id"]
    cursor      = "u"
  }
}
HCL
set +e; tf import -input=false weir_pipeline.ghost ghost > "$work/import-bad.out" 2>&1; code=$?; set -e
rm ghost.tf
[[ $code != 0 ]] || fail "import of a missing object succeeded"
contains "$work/import-bad.out" 'The agent has no weir_pipeline named "ghost"'

step "drift: objects deleted or changed on the agent show in the next plan"
ctl delete quality_check transactions-fresh > /dev/null
ctl apply pipeline payments-hourly --file <(ctl -o json get pipeline payments-hourly | python3 -c '
import json, sys; o = json.load(sys.stdin)["spec"]; o["schedule"] = "0 0 1 4 *"; print(json.dumps(o))') > /dev/null
set +e; tf plan -input=false -detailed-exitcode > "$work/plan7.out" 2>&1; code=$?; set -e
[[ $code == 2 ]] || { cat "$work/plan7.out"; fail "drift plan exit $code"; }
contains "$work/plan7.out" "Plan: 1 to add, 1 to change, 0 to destroy."
contains "$work/plan7.out" '~ schedule            = "0 0 1 4 *" -> "0 0 1 7 *"'
tf apply -input=false -auto-approve > "$work/apply7.out" 2>&1 || { cat "$work/apply7.out"; fail "apply drift fix"; }
set +e; tf plan -input=false -detailed-exitcode > "$work/plan8.out" 2>&1; code=$?; set -e
[[ $code == 0 ]] || { cat "$work/plan8.out"; fail "plan after drift repair exit $code"; }

step "deleting a source that is still used fails on the agent with the users named"
set +e; ctl delete source_postgres payments > "$work/del.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] || fail "delete of a used source succeeded"
contains "$work/del.out" 'still used by pipeline "payments-hourly"'

step "bad input fails at plan with the attribute path"
bad=$work/bad
mkdir -p "$bad"
cp -r .terraform .terraform.lock.hcl "$bad/"
bad_case() { # name, HCL body, expected text...
  local name=$1 body=$2; shift 2
  cat > "$bad/main.tf" <<HCL
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}
$body
HCL
  set +e; (cd "$bad" && "$tofu" plan -input=false -no-color > "$work/bad-$name.out" 2>&1); local rc=$?; set -e
  [[ $rc != 0 ]] || { cat "$work/bad-$name.out"; fail "$name: plan succeeded"; }
  for text in "$@"; do contains "$work/bad-$name.out" "$text"; done
}
bad_case cron 'resource "weir_pipeline" "bad" {
  name        = "bad"
  source      = "payments"
  destination = "raw"
  schedule    = "every hour"
  table {
    name        = "t"
    primary_key = ["id"]
    cursor      = "u"
  }
}' 'Invalid schedule' 'schedule    = "every hour"' 'expected 5 fields'
bad_case enum 'resource "weir_source_postgres" "bad" {
  name     = "bad"
  host     = "h"
  database = "d"
  user     = "u"
  sslmode  = "verify"
}' 'Unsupported value' 'sslmode  = "verify"' '"verify-full"'
bad_case missing 'resource "weir_source_postgres" "bad" {
  name     = "bad"
  database = "d"
  user     = "u"
}' 'Missing required argument' '"host" is required'
bad_case nested 'resource "weir_pipeline" "bad" {
  name        = "bad"
  source      = "payments"
  destination = "raw"
  table {
    name        = "t"
    primary_key = ["id"]
    lookback    = "fifteen minutes"
  }
}' 'Invalid duration' 'lookback    = "fifteen minutes"'
bad_case secret 'resource "weir_source_postgres" "bad" {
  name         = "bad"
  host         = "h"
  database     = "d"
  user         = "u"
  password_ref = "hunter2"
}' 'Invalid secret reference' 'password_ref = "hunter2"'

step "an unreachable agent fails within seconds with a clear message"
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s)
set +e; WEIR_ENDPOINT=127.0.0.1:$closed timeout 120 "$tofu" plan -input=false -no-color > "$work/unreachable.out" 2>&1; code=$?; set -e
elapsed=$(( $(date +%s) - start ))
[[ $code != 0 && $code != 124 ]] || { cat "$work/unreachable.out"; fail "plan against a closed port exit $code"; }
contains "$work/unreachable.out" "Cannot reach the Weir agent at 127.0.0.1:$closed"
(( elapsed < 30 )) || fail "unreachable agent took ${elapsed}s to report"
echo "failed after ${elapsed}s"

step "a wrong token is refused"
set +e; WEIR_TOKEN=wrong-token-0123456789 "$tofu" plan -input=false -no-color > "$work/badtoken.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] || fail "plan with a wrong token succeeded"
contains "$work/badtoken.out" "refused the token"

step "destroy leaves the agent empty"
tf destroy -input=false -auto-approve > "$work/destroy.out" 2>&1 || { cat "$work/destroy.out"; fail "destroy"; }
ctl list -o json > "$work/list-final.json"
[[ $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/list-final.json") == 0 ]] ||
  { cat "$work/list-final.json"; fail "agent not empty after destroy"; }
lacks "$work/agent.log" "$pg_secret"
lacks "$work/agent.log" "$hook_secret"

step "the agent stops cleanly on SIGTERM"
kill -TERM "$agent_pid"
for _ in $(seq 1 100); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$agent_pid" 2>/dev/null; then fail "agent still running 10 s after SIGTERM"; fi
wait "$agent_pid" || fail "agent exited non-zero"
agent_pid=""
if ls "$TMPDIR" | grep -q '^weir-plugin-'; then fail "provider left a socket directory behind"; fi

if compgen -G "$work/sanitizer*" > /dev/null; then
  cat "$work"/sanitizer*
  fail "sanitizer reports from the provider or the agent"
fi

echo
echo "e2e: all steps passed"
