#!/usr/bin/env bash
# Promotion through Terragrunt stacks, end to end, with real Terragrunt, real OpenTofu, real MinIO
# (the S3 state backend, with S3-native lock files) and three real weir-agents (dev, staging, prod),
# each with its own CA, certificate and token, all on loopback:
#   stack generate → stack run plan → stack run apply in every environment; the next plan is empty;
#   a held lock file stops a plan; a release (new catalog version) and a value change promoted to dev
#   plan changes in dev only; promoted to staging, then prod, every agent holds the same pipelines
#   and tables with its own environment's values; --report-file JSON checked; secrets stay out of
#   state, plans, reports, generated files and logs.
# The plan review of examples/ci: while v0.2.0 is in dev only, the CI workflow's own steps
# (examples/ci/plan-review.yml, read by workflow_step.py) run examples/ci/plan-review.sh over the
# three stacks and weir-plan-review's Markdown is checked and compared with golden/; a throwaway
# release that destroys a pipeline fails the --fail-on policy with its reason.
# The catalog is served from a throwaway git repository made from this tree: tag v0.1.0 is the tree
# as it is, v0.2.0 a release that adds a table and a check (the edit a developer would merge).
# Usage: run.sh PROVIDER_BINARY AGENT_BINARY REVIEW_BINARY   (tools from .tools/bin, or $TOFU /
# $TERRAGRUNT). UPDATE_GOLDEN=1 rewrites golden/promotion-review.md (review the diff).
set -euo pipefail

provider_bin=$(realpath "$1")
agent_bin=$(realpath "$2")
review_bin=$(realpath "${3:?usage: run.sh PROVIDER_BINARY AGENT_BINARY REVIEW_BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
terragrunt=${TERRAGRUNT:-$root/.tools/bin/terragrunt}
minio=$root/.tools/bin/minio
for tool in "$tofu" "$terragrunt" "$minio"; do
  [[ -x $tool ]] || { echo "FAIL: $tool not found; run scripts/bootstrap first" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-live.XXXXXX")
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ ${KEEP_E2E:-} != 1 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

start=$(date +%s)
step() { printf '\n=== [%ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }; }
lacks() { if grep -qF -- "$2" "$1"; then fail "\"$2\" must not appear in $1"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
envs=(dev staging prod)
upper() { tr '[:lower:]' '[:upper:]' <<< "$1"; }

# --- OpenTofu installs the provider from a filesystem mirror, offline ---
source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"
export TG_TF_PATH=$tofu TG_NON_INTERACTIVE=true TG_NO_COLOR=true
# Terragrunt's caches (its content-addressed store of git sources) stay inside this run. Its shared
# provider cache (TF_PLUGIN_CACHE_DIR, on by default since 1.0) is off: each unit installs from the
# mirror. With it, OpenTofu 1.12.6 initialising two units at once from a filesystem mirror into the
# fresh shared cache fails on one of them, either "after installing ... it is still not detected in
# .terraform/providers; this is a bug in OpenTofu" or a nil-pointer panic in
# providercache.(*Dir).LinkFromOtherCache (both seen here).
export XDG_CACHE_HOME=$work/cache TG_NO_AUTO_PROVIDER_CACHE_DIR=true
# Sanitizer builds: reports from the provider (whose stderr tofu swallows) and the agents land in
# files that the last step checks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$work/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1:log_path=$work/sanitizer"
unset TF_LOG TG_LOG_LEVEL

step "the example is terragrunt hcl fmt clean"
(cd "$root/examples/live" && "$terragrunt" hcl fmt --check) > "$work/fmt.out" 2>&1 || { cat "$work/fmt.out"; fail "examples/live needs terragrunt hcl fmt"; }

step "MinIO as the S3 state backend, one bucket per environment"
s3_port=$(free_port)
s3_user=weir-state-root
s3_password=$(openssl rand -hex 16)
# A KMS key lets MinIO honour the backend's encrypt = true (SSE-S3), as S3 does.
MINIO_ROOT_USER=$s3_user MINIO_ROOT_PASSWORD=$s3_password MINIO_UPDATE=off MINIO_BROWSER=off \
  MINIO_KMS_SECRET_KEY="weir-state-key:$(openssl rand -base64 32)" \
  "$minio" server --quiet --address "127.0.0.1:$s3_port" "$work/minio" > "$work/minio.log" 2>&1 &
pids+=($!)
s3=http://127.0.0.1:$s3_port
for _ in $(seq 1 200); do curl -sf -o /dev/null "$s3/minio/health/ready" && break; sleep 0.1; done
curl -sf -o /dev/null "$s3/minio/health/ready" || { cat "$work/minio.log"; fail "MinIO did not start"; }
s3curl() { curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_user:$s3_password" "$@"; }
for env in "${envs[@]}"; do
  s3curl -X PUT "$s3/weir-tfstate-$env" || fail "cannot create bucket weir-tfstate-$env"
  export "WEIR_$(upper "$env")_STATE_BUCKET=weir-tfstate-$env"
done
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
export AWS_ACCESS_KEY_ID=$s3_user AWS_SECRET_ACCESS_KEY=$s3_password AWS_REGION=eu-central-1
export WEIR_STATE_S3_ENDPOINT=$s3

step "three agents, each with its own CA, certificate and token"
declare -A endpoint ca token agent_pid
closed=$(free_port)
for env in "${envs[@]}"; do
  d=$work/agent-$env
  mkdir -p "$d/data"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=weir $env test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2> /dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" 2> /dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$d/ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext" -out "$d/server.pem" 2> /dev/null
  port=$(free_port)
  token[$env]="tok-$env-$(openssl rand -hex 16)"
  endpoint[$env]=127.0.0.1:$port
  ca[$env]=$d/ca.pem
  # A scheduled run that fires during the test resolves its ssm: secret first; every AWS call the
  # agent could make goes to a closed loopback port, so nothing leaves the machine.
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_REGION=eu-central-1 \
    AWS_ENDPOINT_URL=http://127.0.0.1:$closed AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$closed \
    WEIR_TOKEN=${token[$env]} "$agent_bin" serve --listen "${endpoint[$env]}" --data-dir "$d/data" \
    --tls-cert "$d/server.pem" --tls-key "$d/server.key" > "$d/agent.log" 2>&1 &
  pids+=($!)
  agent_pid[$env]=$!
  E=$(upper "$env")
  export "WEIR_${E}_AGENT_ENDPOINT=${endpoint[$env]}" "WEIR_${E}_AGENT_CA_FILE=${ca[$env]}" \
         "WEIR_${E}_TOKEN=${token[$env]}"
done
ctl() { # ENV ARGS...: weir-agent ctl against that environment's agent
  local env=$1; shift
  WEIR_ENDPOINT=${endpoint[$env]} WEIR_CA_CERT=${ca[$env]} WEIR_TOKEN=${token[$env]} "$agent_bin" ctl "$@"
}
for env in "${envs[@]}"; do
  ready=0
  for _ in $(seq 1 100); do ctl "$env" list > /dev/null 2>&1 && { ready=1; break; }; sleep 0.1; done
  [[ $ready == 1 ]] || { cat "$work/agent-$env/agent.log"; fail "the $env agent did not start"; }
done
# Each agent trusts only its own token: the dev token is refused by prod.
if WEIR_ENDPOINT=${endpoint[prod]} WEIR_CA_CERT=${ca[prod]} WEIR_TOKEN=${token[dev]} \
   "$agent_bin" ctl list > "$work/cross-token.out" 2>&1; then fail "prod accepted the dev token"; fi

step "the catalog as a git repository with release tags"
repo=$work/catalog.git
src=$work/catalog-src
mkdir -p "$src/modules" "$src/examples/live"
cp -r "$root/modules/weir-pipelines" "$src/modules/"
cp -r "$root/examples/live/catalog" "$src/examples/live/"
git_() { git -C "$src" -c user.name=weir-test -c user.email=weir-test@localhost -c init.defaultBranch=main \
  -c commit.gpgsign=false -c tag.gpgsign=false "$@"; }
git_ init -q
git_ add -A
git_ commit -qm "catalog v0.1.0"
git_ tag v0.1.0
# The v0.2.0 release: the payments list gains the chargebacks table (one more legacy job migrated)
# and a freshness check on it.
python3 - "$src/examples/live/catalog/units/weir-pipelines/definitions/payments.json" <<'PY'
import json, sys
path = sys.argv[1]
d = json.load(open(path))
d["pipelines"]["payments-hourly"]["tables"].append({
    "name": "public.chargebacks", "primary_key": ["id"], "cursor": "updated_at", "lookback": "1h"})
d["checks"]["chargebacks-fresh"] = {
    "pipeline": "payments-hourly", "table": "public.chargebacks",
    "kind": "freshness", "max_age": "2h", "severity": "error"}
json.dump(d, open(path, "w"), indent=2)
PY
git_ commit -qam "catalog v0.2.0: chargebacks"
git_ tag v0.2.0
git clone -q --bare "$src" "$repo"
export WEIR_CATALOG=git::file://$repo

live=$work/live
cp -r "$root/examples/live/live" "$live"

tg() { # ENV OUT ARGS...: terragrunt in live/ENV, output to OUT; fails the test on a non-zero exit
  local env=$1 out=$2; shift 2
  (cd "$live/$env" && "$terragrunt" "$@") > "$out" 2>&1 || { cat "$out"; fail "terragrunt $* in $env"; }
}
# The tofu summary line of each unit: "<unit> Plan: ..." or "<unit> No changes."
summary() { # OUT UNIT: the plan/apply summary lines of that unit in terragrunt's output
  grep -E "\.terragrunt-stack/$2\b.*(Plan: |No changes\.|Apply complete!)" "$1" | sed -E 's/.*(Plan: |No changes\.|Apply complete!)/\1/' || true
}
expect_summary() { # OUT UNIT TEXT
  local got
  got=$(summary "$1" "$2")
  [[ $got == *"$3"* ]] || { cat "$1"; fail "$2 in $1: want \"$3\", got \"$got\""; }
}
report_check() { # REPORT N_UNITS COMMAND: every unit in the JSON run report ran COMMAND and succeeded
  python3 - "$1" "$2" "$3" <<'PY' || { cat "$1"; fail "run report $1"; }
import json, sys
report = json.load(open(sys.argv[1]))
want, command = int(sys.argv[2]), sys.argv[3]
assert isinstance(report, list), "the report is not a JSON list"
names = sorted(r["Name"] for r in report)
assert len(report) == want, f"{len(report)} units in the report, want {want}: {names}"
for r in report:
    assert r["Result"] == "succeeded", f"{r['Name']}: {r['Result']} {r.get('Reason', '')} {r.get('Cause', '')}"
    assert r["Started"] <= r["Ended"], f"{r['Name']}: ended before it started"
    assert r.get("Cmd") == command, f"{r['Name']}: ran {r.get('Cmd')}, want {command}"
for unit in ("payments", "ledger"):
    assert any(n.endswith("/" + unit) or n == unit for n in names), f"no {unit} unit in {names}"
print("report:", ", ".join(f"{n}={r['Result']}" for n, r in zip(names, sorted(report, key=lambda r: r["Name"]))))
PY
}

for env in "${envs[@]}"; do
  step "$env: stack generate"
  tg "$env" "$work/generate-$env.out" stack generate
  gen=$live/$env/.terragrunt-stack/pipelines
  [[ -f $gen/terragrunt.stack.hcl ]] || { find "$live/$env" | head -50; fail "$env: the catalog stack was not generated"; }
  for unit in payments ledger; do
    [[ -f $gen/.terragrunt-stack/$unit/terragrunt.hcl ]] || { find "$gen" | head -50; fail "$env: unit $unit not generated"; }
    contains "$gen/.terragrunt-stack/$unit/terragrunt.values.hcl" 'version'
    contains "$gen/.terragrunt-stack/$unit/terragrunt.values.hcl" '"v0.1.0"'
    contains "$gen/.terragrunt-stack/$unit/terragrunt.values.hcl" "\"$env\""
  done

  step "$env: stack run plan"
  tg "$env" "$work/plan1-$env.out" stack run plan --report-file "$work/report-plan1-$env.json"
  expect_summary "$work/plan1-$env.out" payments "Plan: 8 to add, 0 to change, 0 to destroy."
  expect_summary "$work/plan1-$env.out" ledger "Plan: 5 to add, 0 to change, 0 to destroy."
  report_check "$work/report-plan1-$env.json" 2 plan

  step "$env: stack run apply"
  tg "$env" "$work/apply1-$env.out" stack run apply --report-file "$work/report-apply1-$env.json"
  expect_summary "$work/apply1-$env.out" payments "Apply complete! Resources: 8 added, 0 changed, 0 destroyed."
  expect_summary "$work/apply1-$env.out" ledger "Apply complete! Resources: 5 added, 0 changed, 0 destroyed."
  report_check "$work/report-apply1-$env.json" 2 apply
  [[ $(ctl "$env" -o json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') == 13 ]] ||
    { ctl "$env" list; fail "$env agent: want 13 objects"; }
done

step "state in S3 (MinIO), one object per environment and unit, no lock left behind"
for env in "${envs[@]}"; do
  s3curl "$s3/weir-tfstate-$env?list-type=2" > "$work/list-$env.xml"
  contains "$work/list-$env.xml" "<Key>$env/payments/tofu.tfstate</Key>"
  contains "$work/list-$env.xml" "<Key>$env/ledger/tofu.tfstate</Key>"
  lacks "$work/list-$env.xml" ".tflock"
  s3curl "$s3/weir-tfstate-$env/$env/payments/tofu.tfstate" > "$work/state-$env.json"
  contains "$work/state-$env.json" '"weir_pipeline"'
done
backend=$(find "$live/dev/.terragrunt-stack/pipelines/.terragrunt-stack/payments/.terragrunt-cache" -name backend.tf -print -quit)
[[ -n $backend ]] || fail "no generated backend.tf"
contains "$backend" 'use_lockfile                = true'
contains "$backend" 'key                         = "dev/payments/tofu.tfstate"'

step "each environment has its own values"
getspec() { ctl "$1" -o json get "$2" "$3" | python3 -c "import json,sys; print(json.load(sys.stdin)['spec']['$4'])"; }
want() { # ENV KIND NAME ATTR VALUE
  local got
  got=$(getspec "$1" "$2" "$3" "$4")
  [[ $got == "$5" ]] || fail "$1: $2 $3 $4 = \"$got\", want \"$5\""
}
want dev pipeline payments-hourly schedule "0 */4 * * *"
want staging pipeline payments-hourly schedule "@hourly"
want prod pipeline payments-hourly schedule "*/15 * * * *"
want dev pipeline payments-daily enabled False
want prod pipeline payments-daily enabled True
want dev destination_snowflake raw-payments warehouse LOAD_WH_XS
want staging destination_snowflake raw-payments warehouse LOAD_WH_S
want prod destination_snowflake raw-payments warehouse LOAD_WH_L
want dev destination_snowflake raw-payments database RAW_DEV
want prod destination_snowflake raw-ledger database RAW
want dev quality_check transactions-fresh severity warn
want prod quality_check transactions-fresh severity error
want staging quality_check refunds-volume severity warn
want prod quality_check refunds-volume severity error
want dev source_postgres payments host payments-db.dev.internal
want prod source_postgres ledger password_ref ssm:/weir/prod/ledger-db-password

step "the next plan is empty everywhere"
for env in "${envs[@]}"; do
  tg "$env" "$work/plan2-$env.out" stack run plan
  expect_summary "$work/plan2-$env.out" payments "No changes."
  expect_summary "$work/plan2-$env.out" ledger "No changes."
done

step "a missing token is named, not guessed"
set +e
(cd "$live/prod" && env -u WEIR_PROD_TOKEN "$terragrunt" stack run plan) > "$work/plan-notoken.out" 2>&1
code=$?
set -e
[[ $code != 0 ]] || { cat "$work/plan-notoken.out"; fail "plan without WEIR_PROD_TOKEN succeeded"; }
contains "$work/plan-notoken.out" "WEIR_PROD_TOKEN"

step "a held lock file stops a plan"
# The lock object as OpenTofu writes it (S3-native locking: <key>.tflock). curl signs a body only
# with its hash given explicitly.
printf '{"ID":"held-by-test","Operation":"OperationTypeApply","Who":"test@ci"}' > "$work/held.tflock"
s3curl -X PUT -H "x-amz-content-sha256: $(sha256sum < "$work/held.tflock" | cut -d' ' -f1)" \
  --data-binary @"$work/held.tflock" "$s3/weir-tfstate-staging/staging/ledger/tofu.tfstate.tflock" > /dev/null ||
  fail "cannot put the lock object"
set +e
(cd "$live/staging" && "$terragrunt" stack run plan -- -lock-timeout=1s) > "$work/plan-locked.out" 2>&1
code=$?
set -e
[[ $code != 0 ]] || { cat "$work/plan-locked.out"; fail "plan went ahead while the state lock was held"; }
contains "$work/plan-locked.out" "held-by-test"
s3curl -X DELETE "$s3/weir-tfstate-staging/staging/ledger/tofu.tfstate.tflock" > /dev/null

promote() { # ENV: bump the catalog release and carry the ledger jitter value to that environment
  sed -i 's|version = "v0.1.0"|version = "v0.2.0"|' "$live/$1/terragrunt.stack.hcl"
  sed -i 's|^      ledger = {$|      ledger = {\n        pipelines    = { "ledger-entries" = { jitter = "2m" } }|' "$live/$1/terragrunt.stack.hcl"
  contains "$live/$1/terragrunt.stack.hcl" 'version = "v0.2.0"'
  contains "$live/$1/terragrunt.stack.hcl" '"ledger-entries" = { jitter = "2m" }'
}

step "release v0.2.0 and a value change promoted to dev: dev plans changes, staging and prod none"
promote dev
tg dev "$work/plan3-dev.out" stack run plan --source-update --report-file "$work/report-plan3-dev.json"
# payments: the pipeline gains a table (in place), a new check; ledger: the jitter.
expect_summary "$work/plan3-dev.out" payments "Plan: 1 to add, 1 to change, 0 to destroy."
expect_summary "$work/plan3-dev.out" ledger "Plan: 0 to add, 1 to change, 0 to destroy."
contains "$work/plan3-dev.out" '+ table {'
contains "$work/plan3-dev.out" '+ name        = "public.chargebacks"'
lacks "$work/plan3-dev.out" '~ name        = '
contains "$work/plan3-dev.out" '~ jitter'
report_check "$work/report-plan3-dev.json" 2 plan
for env in staging prod; do
  tg "$env" "$work/plan3-$env.out" stack run plan
  expect_summary "$work/plan3-$env.out" payments "No changes."
  expect_summary "$work/plan3-$env.out" ledger "No changes."
done
step "plan review of the promotion, as the CI workflow runs it: dev changes, staging and prod none"
# The workflow's own "Plan every environment" step (examples/ci/plan-review.yml, through
# workflow_step.py) in a fresh checkout of the infrastructure repository: live/ as edited so far
# (v0.2.0 in dev only, no generated stacks) and ci/plan-review.sh; tofu, terragrunt and
# weir-plan-review on PATH; the agent tokens only as the workflow's secrets, and the workflow's own
# FAIL_ON and TG_NO_AUTO_PROVIDER_CACHE_DIR.
workflow=$root/examples/ci/plan-review.yml
# No `head` in these pipelines: it closes the pipe early, the writer dies of SIGPIPE and pipefail
# ends the test at random.
tofu_version=$("$tofu" version | sed -n '1p' | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')
terragrunt_version=$("$terragrunt" --version | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+' | sed -n '1p')
contains "$workflow" "tofu_version: $tofu_version"
contains "$workflow" "gh release download $terragrunt_version "
runner=$work/runner
mkdir -p "$runner/bin"
ln -s "$tofu" "$runner/bin/tofu"
ln -s "$terragrunt" "$runner/bin/terragrunt"
ln -s "$review_bin" "$runner/bin/weir-plan-review"
checkout() { # DIR: the infrastructure repository as the pull request has it
  mkdir -p "$1/ci" "$1/live"
  cp "$root/examples/ci/plan-review.sh" "$1/ci/"
  (cd "$live" && tar --exclude=.terragrunt-stack -cf - .) | tar -xf - -C "$1/live"
}
gh_step() { # CHECKOUT OUTPUT_FILE "STEP NAME" OUT: one step of the workflow's plan job, run as GitHub would
  GITHUB_OUTPUT=$2 python3 "$here/workflow_step.py" "$workflow" plan "$3" > "$runner/step.sh" ||
    fail "workflow step \"$3\""
  (cd "$1" && env -u WEIR_DEV_TOKEN -u WEIR_STAGING_TOKEN -u WEIR_PROD_TOKEN -u FAIL_ON \
     -u TG_NO_AUTO_PROVIDER_CACHE_DIR PATH="$runner/bin:$PATH" RUNNER_TEMP=$runner GITHUB_OUTPUT=$2 \
     SECRET_WEIR_DEV_PLAN_TOKEN=${token[dev]} SECRET_WEIR_STAGING_PLAN_TOKEN=${token[staging]} \
     SECRET_WEIR_PROD_PLAN_TOKEN=${token[prod]} bash -e "$runner/step.sh") > "$4" 2>&1
}
review_start=$(date +%s)
checkout "$work/pr-promote"
: > "$runner/output"
gh_step "$work/pr-promote" "$runner/output" "Plan every environment" "$work/review-promote.out" ||
  { cat "$work/review-promote.out"; fail "the workflow's plan step failed"; }
contains "$runner/output" "exit=0"
contains "$runner/output" "summary=yes"
md=$runner/review/summary.md
# One plan JSON per unit and one run report per environment, as CI uploads them.
for env in "${envs[@]}"; do
  for unit in payments ledger; do
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["format_version"].startswith("1.")' \
      "$runner/review/$env/pipelines/$unit.json" || fail "$env/$unit: no plan JSON"
  done
  report_check "$runner/review/$env/report.json" 2 plan
done
python3 - "$md" <<'PY2' || { cat "$md"; fail "the promotion review"; }
import re, sys
md = open(sys.argv[1]).read()
sections = dict(re.findall(r"^### (\S+ / \S+)\n(.*?)(?=^### |\Z)", md, re.S | re.M))
def has(where, text):
    assert text in sections[where], f"{where}: no {text!r}"
assert "6 plans: 1 to create, 2 to update, 0 to replace, 0 to delete; **0 data-impact findings**." in md
# dev: payments-hourly gains the chargebacks table (an update), a new check; ledger-entries' jitter.
assert "| dev | pipelines/payments | 1 | 1 | 0 | 0 | 0 |" in md
assert "| dev | pipelines/ledger | 0 | 1 | 0 | 0 | 0 |" in md
has("dev / pipelines/payments", '**`weir_pipeline.this["payments-hourly"]`** — update')
has("dev / pipelines/payments", '| `table[3].name` |  | `"public.chargebacks"` |')
has("dev / pipelines/payments", '**`weir_quality_check.this["chargebacks-fresh"]`** — create')
has("dev / pipelines/ledger", '**`weir_pipeline.this["ledger-entries"]`** — update')
has("dev / pipelines/ledger", '| `jitter` | `"0s"` | `"2m"` |')
assert sections["dev / pipelines/ledger"].count("** — ") == 1, "ledger: one resource changes"
for env in ("staging", "prod"):
    for unit in ("payments", "ledger"):
        assert f"| {env} | pipelines/{unit} | 0 | 0 | 0 | 0 | 0 |" in md, f"{env}/{unit} changes"
        assert sections[f"{env} / pipelines/{unit}"].strip() == "No changes.", f"{env}/{unit}"
        # every unit of the run report, succeeded and matched to its plan
for env in ("dev", "staging", "prod"):
    for unit in ("payments", "ledger"):
        assert f"| {env} | pipelines/{unit} | succeeded |  | reviewed |" in md, f"run of {env}/{unit}"
assert md.count("| succeeded |") == 6, "six runs"
PY2
for env in "${envs[@]}"; do
  lacks "$md" "${token[$env]}"
  lacks "$md" "${endpoint[$env]}"
  grep -rqF -- "${token[$env]}" "$runner/review" && fail "the $env token is in the review artifacts"
done
lacks "$md" "$s3_password"
lacks "$md" "$work"
lacks "$md" "/tmp/"
grep -rqF -- "$s3_password" "$runner/review" && fail "the state password is in the review artifacts"
# Nothing in the summary is run-specific (no path, port, time or id: checked above), so it is
# compared as it is.
if [[ ${UPDATE_GOLDEN:-} == 1 ]]; then
  cp "$md" "$here/golden/promotion-review.md"
  echo "golden file tests/live/golden/promotion-review.md rewritten: review the diff"
else
  diff -u "$here/golden/promotion-review.md" "$md" || fail "the promotion review differs from tests/live/golden/promotion-review.md"
fi
gh_step "$work/pr-promote" "$runner/output" "Apply the exit policy" "$work/review-policy.out" ||
  { cat "$work/review-policy.out"; fail "the workflow's exit policy failed a promotion without data impact"; }

step "a change that destroys a pipeline fails the review's policy, with the reason"
# A throwaway release (never applied): v0.2.0 without the payments-daily pipeline.
git_ checkout -q -b drop-daily v0.2.0
python3 - "$src/examples/live/catalog/units/weir-pipelines/definitions/payments.json" <<'PY2'
import json, sys
path = sys.argv[1]
d = json.load(open(path))
del d["pipelines"]["payments-daily"]
d["alert_channels"]["payments-oncall"]["pipelines"].remove("payments-daily")
json.dump(d, open(path, "w"), indent=2)
PY2
git_ commit -qam "drop payments-daily"
git_ tag v0.2.0-drop-daily
git_ push -q "$repo" v0.2.0-drop-daily
checkout "$work/pr-drop"
# The pull request moves dev to it and drops dev's override of the pipeline that is gone.
sed -i -e 's|version = "v0.2.0"|version = "v0.2.0-drop-daily"|' \
  -e '/pipelines *= { "payments-daily" = { enabled = false } }/d' "$work/pr-drop/live/dev/terragrunt.stack.hcl"
contains "$work/pr-drop/live/dev/terragrunt.stack.hcl" 'version = "v0.2.0-drop-daily"'
lacks "$work/pr-drop/live/dev/terragrunt.stack.hcl" 'payments-daily'
set +e
(cd "$work/pr-drop" && PATH="$runner/bin:$PATH" FAIL_ON=destroy,replace \
   ci/plan-review.sh "$work/review-drop" dev=live/dev) > "$work/review-drop.out" 2>&1
code=$?
set -e
[[ $code == 1 ]] || { cat "$work/review-drop.out"; fail "FAIL_ON=destroy,replace over a destroyed pipeline exited $code, want 1"; }
contains "$work/review-drop.out" 'fail-on destroy: dev/pipelines/payments weir_pipeline.this["payments-daily"] is destroyed'
lacks "$work/review-drop.out" "fail-on replace"
lacks "$work/review-drop.out" "failed to plan"
contains "$work/review-drop/summary.md" "| dev | pipelines/payments | 1 | 2 | 0 | 1 | 1 |"
contains "$work/review-drop/summary.md" "**1 data-impact finding**"
contains "$work/review-drop/summary.md" 'weir_pipeline.this["payments-daily"]'
# The workflow's last step turns that status into a failed check with its reason.
echo "exit=$code" > "$work/review-drop.output"
if gh_step "$work/pr-drop" "$work/review-drop.output" "Apply the exit policy" "$work/review-drop-policy.out"; then
  fail "the workflow's exit policy passed a destroyed pipeline"
fi
contains "$work/review-drop-policy.out" "::error::The plans match the --fail-on policy (destroy,replace,data-impact,run-failure)"
echo "plan review steps took $(( $(date +%s) - review_start ))s"

tg dev "$work/apply3-dev.out" stack run apply --source-update
expect_summary "$work/apply3-dev.out" payments "Apply complete! Resources: 1 added, 1 changed, 0 destroyed."
want dev pipeline ledger-entries jitter 2m
want staging pipeline ledger-entries jitter 0s

for env in staging prod; do
  step "promoted to $env"
  promote "$env"
  tg "$env" "$work/plan4-$env.out" stack run plan --source-update
  expect_summary "$work/plan4-$env.out" payments "Plan: 1 to add, 1 to change, 0 to destroy."
  expect_summary "$work/plan4-$env.out" ledger "Plan: 0 to add, 1 to change, 0 to destroy."
  tg "$env" "$work/apply4-$env.out" stack run apply --source-update --report-file "$work/report-apply4-$env.json"
  report_check "$work/report-apply4-$env.json" 2 apply
done

step "every agent holds the same pipelines, tables and checks, with its own environment's values"
for env in "${envs[@]}"; do
  ctl "$env" -o json list > "$work/final-$env.json"
done
python3 - "$work" "${envs[@]}" <<'PY'
import json, sys
work, envs = sys.argv[1], sys.argv[2:]
shapes = {}
for env in envs:
    objects = json.load(open(f"{work}/final-{env}.json"))
    shapes[env] = sorted((o["kind"], o["name"]) for o in objects)
    assert len(objects) == 14, f"{env}: {len(objects)} objects, want 14"
assert shapes["dev"] == shapes["staging"] == shapes["prod"], shapes
print("same objects in every environment:", len(shapes["dev"]))
PY
for env in "${envs[@]}"; do
  ctl "$env" -o json get pipeline payments-hourly > "$work/final-pipeline-$env.json"
  python3 - "$work/final-pipeline-$env.json" <<'PY' || fail "$env: payments-hourly tables"
import json, sys
spec = json.load(open(sys.argv[1]))["spec"]
tables = [t["name"] for t in spec["table"]]
assert tables == ["public.transactions", "public.merchants", "public.refunds", "public.chargebacks"], tables
PY
  want "$env" quality_check chargebacks-fresh max_age 2h
  want "$env" pipeline ledger-entries jitter 2m
done
want dev quality_check chargebacks-fresh severity warn
want staging quality_check chargebacks-fresh severity error
want prod quality_check chargebacks-fresh severity error
want dev pipeline payments-hourly schedule "0 */4 * * *"
want prod pipeline payments-hourly schedule "*/15 * * * *"
want staging destination_snowflake raw-payments warehouse LOAD_WH_S
want prod destination_snowflake raw-payments warehouse LOAD_WH_L
for env in "${envs[@]}"; do
  tg "$env" "$work/plan5-$env.out" stack run plan
  expect_summary "$work/plan5-$env.out" payments "No changes."
  expect_summary "$work/plan5-$env.out" ledger "No changes."
done

step "one run over every environment: six units, no changes"
(cd "$live" && "$terragrunt" run --all --report-file "$work/report-all.json" -- plan) > "$work/plan-all.out" 2>&1 ||
  { cat "$work/plan-all.out"; fail "run --all plan over live/"; }
[[ $(grep -c "No changes." "$work/plan-all.out") == 6 ]] || { cat "$work/plan-all.out"; fail "want 6 units with no changes"; }
python3 - "$work/report-all.json" <<'PY' || fail "report of the run over every environment"
import json, sys
report = json.load(open(sys.argv[1]))
names = sorted(r["Name"] for r in report)
assert len(report) == 6 and all(r["Result"] == "succeeded" for r in report), report
for env in ("dev", "staging", "prod"):
    assert sum(n.startswith(env + "/") for n in names) == 2, names
PY

step "tokens stay out of state, plans, reports, generated files and logs"
for env in "${envs[@]}"; do
  for key in payments ledger; do s3curl "$s3/weir-tfstate-$env/$env/$key/tofu.tfstate"; done > "$work/states-$env.json"
done
cat "$work"/*.out "$work"/report-*.json "$work"/states-*.json "$work"/agent-*/agent.log > "$work/everything.txt"
find "$live" -type f -not -path '*/.terraform/providers/*' -exec cat {} + >> "$work/everything.txt"
for env in "${envs[@]}"; do lacks "$work/everything.txt" "${token[$env]}"; done
lacks "$work/everything.txt" "$s3_password"

step "the agents stop cleanly on SIGTERM; no sanitizer reports"
for env in "${envs[@]}"; do
  kill -TERM "${agent_pid[$env]}"
  for _ in $(seq 1 100); do kill -0 "${agent_pid[$env]}" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "${agent_pid[$env]}" 2>/dev/null; then fail "the $env agent is still running 10 s after SIGTERM"; fi
  wait "${agent_pid[$env]}" || fail "the $env agent exited non-zero"
done
if compgen -G "$work/sanitizer*" > /dev/null; then
  cat "$work"/sanitizer*
  fail "sanitizer reports from the provider or an agent"
fi

echo
echo "live: all steps passed in $(( $(date +%s) - start ))s"
