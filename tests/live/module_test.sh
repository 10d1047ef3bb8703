#!/usr/bin/env bash
# modules/weir-pipelines on its own: `tofu validate` and `tofu test` (plan-only runs with a mocked
# weir provider: override precedence, stable keys, outputs, and every input validation failing with
# its message). The provider is installed from a filesystem mirror for its schema.
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

mirror=$work/mirror/registry.opentofu.org/weirdata/weir/0.1.0/linux_amd64
mkdir -p "$mirror"
cp "$provider_bin" "$mirror/terraform-provider-weir_v0.1.0"
cat > "$work/tofurc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.opentofu.org/weirdata/weir"]
  }
  direct {
    exclude = ["registry.opentofu.org/weirdata/weir"]
  }
}
RC
export TF_CLI_CONFIG_FILE=$work/tofurc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
cp -r "$root/modules/weir-pipelines" "$work/module"
cd "$work/module"
"$tofu" init -input=false -no-color > "$work/init.out" 2>&1 || { cat "$work/init.out"; exit 1; }
"$tofu" validate -no-color
"$tofu" fmt -check -recursive -diff . || { echo "FAIL: modules/weir-pipelines is not tofu fmt clean" >&2; exit 1; }
"$tofu" test -no-color | tee "$work/test.out"
grep -q "Success! 13 passed, 0 failed." "$work/test.out" || { echo "FAIL: not every module test ran and passed" >&2; exit 1; }
