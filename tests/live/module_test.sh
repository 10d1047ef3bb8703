#!/usr/bin/env bash
# modules/weir-pipelines on its own: `tofu validate` and `tofu test` (plan-only runs with a mocked
# weir provider: override precedence, stable keys, outputs, and every input validation failing with
# its message), then the size it is made for: 1,500 tables (300 pipelines of 5, one check each, the
# shape of a generated legacy job list) planned through the module with the mocked provider.
# The provider is installed from a filesystem mirror for its schema.
# Usage: module_test.sh PROVIDER_BINARY   (tofu from $TOFU or .tools/bin/tofu)
set -euo pipefail
provider_bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
[[ -x $tofu ]] || { echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-module.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp

source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"
cp -r "$root/modules/weir-pipelines" "$work/module"
cd "$work/module"
"$tofu" init -input=false -no-color > "$work/init.out" 2>&1 || { cat "$work/init.out"; exit 1; }
"$tofu" validate -no-color
"$tofu" fmt -check -recursive -diff . || { echo "FAIL: modules/weir-pipelines is not tofu fmt clean" >&2; exit 1; }
"$tofu" test -no-color | tee "$work/test.out"
grep -q "Success! 13 passed, 0 failed." "$work/test.out" || { echo "FAIL: not every module test ran and passed" >&2; exit 1; }

# --- 1,500 tables ---
scale=$work/scale
mkdir -p "$scale/tests"
python3 - "$scale/definitions.json" <<'PY'
import json, sys
d = {"sources": {}, "destinations": {}, "pipelines": {}, "checks": {}}
for s in range(10):
    d["sources"][f"db{s}"] = {"host": f"db{s}.internal", "database": f"db{s}", "user": "weir_reader",
                             "password_ref": f"ssm:/weir/dev/db{s}-password"}
d["destinations"]["raw"] = {"account": "ACME-ANALYTICS", "user": "WEIR_LOADER", "warehouse": "LOAD_WH",
                            "database": "RAW", "schema": "LEGACY", "private_key_ref": "ssm:/weir/dev/sf-key"}
for p in range(300):
    name = f"job-{p:03d}"
    d["pipelines"][name] = {"source": f"db{p % 10}", "destination": "raw", "schedule": "@hourly",
                            "tables": [{"name": f"s{p}.t{t}", "primary_key": ["id"], "cursor": "updated_at"}
                                       for t in range(5)]}
    d["checks"][f"{name}-fresh"] = {"pipeline": name, "table": f"s{p}.t0", "kind": "freshness", "max_age": "2h"}
json.dump(d, open(sys.argv[1], "w"))
PY
cat > "$scale/main.tf" <<'HCL'
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}
locals {
  d = jsondecode(file("${path.module}/definitions.json"))
}
module "legacy" {
  source       = "../module"
  environment  = "dev"
  agent        = { endpoint = "weir-agent.dev.internal:7443", ca_cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" }
  sources      = local.d.sources
  destinations = local.d.destinations
  pipelines    = local.d.pipelines
  checks       = local.d.checks
  overrides    = { all_pipelines = { schedule = "0 */4 * * *" }, pipelines = { "job-042" = { enabled = false } } }
}
output "counts" {
  value = module.legacy.counts
}
output "job_042" {
  value = module.legacy.pipelines["job-042"]
}
HCL
cat > "$scale/tests/scale.tftest.hcl" <<'HCL'
mock_provider "weir" {}
run "fifteen_hundred_tables" {
  command = plan
  assert {
    condition     = output.counts == { sources = 10, destinations = 1, pipelines = 300, tables = 1500, checks = 300, alert_channels = 0 }
    error_message = "want 300 pipelines with 1,500 tables and 300 checks"
  }
  assert {
    condition     = output.job_042.enabled == false && output.job_042.schedule == "0 */4 * * *" && length(output.job_042.tables) == 5
    error_message = "overrides must apply at scale"
  }
}
HCL
cd "$scale"
"$tofu" init -input=false -no-color > "$work/scale-init.out" 2>&1 || { cat "$work/scale-init.out"; exit 1; }
started=$(date +%s%N)
"$tofu" test -no-color | tee "$work/scale.out"
grep -q "Success! 1 passed, 0 failed." "$work/scale.out" || { echo "FAIL: the 1,500-table plan" >&2; exit 1; }
echo "1,500 tables planned through the module in $(( ($(date +%s%N) - started) / 1000000 )) ms"
