#!/usr/bin/env bash
# End-to-end: apply's source checks as a tofu user sees them. Real OpenTofu, the provider from a
# filesystem mirror, a real agent and a real PostgreSQL (run under with_postgres.sh). Shows that a
# missing table, a missing primary-key column and a text cursor refuse the apply with diagnostics
# at their attribute paths (tofu quotes the offending lines), that a second writer of a target
# table is refused the same way, that warnings (key without a unique constraint, lookback 0s,
# unreachable source) let the apply through, and that `weir-agent ctl check` reports the same.
# Usage: with_postgres.sh apply_checks.sh PROVIDER_BINARY AGENT_BINARY
set -euo pipefail

provider_bin=$(realpath "$1")
agent_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tofu=${TOFU:-$root/.tools/bin/tofu}
[[ -x $tofu ]] || { echo "FAIL: OpenTofu not found at $tofu; run scripts/bootstrap first" >&2; exit 1; }
: "${WEIR_TEST_PG_PORT:?run under tests/integration/with_postgres.sh}"

work=$(mktemp -d "${TMPDIR:-/tmp}/weir-e2e-checks.XXXXXX")
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
# Like contains, with tofu's line wrapping undone.
says() {
  python3 -c 'import sys; t=" ".join(open(sys.argv[1]).read().split()); sys.exit(0 if " ".join(sys.argv[2].split()) in t else 1)' "$1" "$2" ||
    { echo "--- $1:"; cat "$1"; fail "expected \"$2\" in $1"; }
}
lacks() { if grep -qF -- "$2" "$1"; then fail "\"$2\" must not appear in $1"; fi; }
# The diagnostic titled $2 quotes the configuration line $3 (tofu prints the attribute's source).
diag_at() {
  python3 - "$@" <<'PY' || { cat "$1"; fail "no \"$2\" diagnostic quoting \"$3\""; }
import sys
text, summary, line = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
blocks = text.split("\n\n")
for i, block in enumerate(blocks):
    if summary in block and any(line in b for b in blocks[i:i + 3]):
        sys.exit(0)
sys.exit(1)
PY
}

psql_do() {
  PGPASSWORD=$WEIR_TEST_PG_PASSWORD "$WEIR_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WEIR_TEST_PG_HOST" \
    -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -c "$1"
}
psql_do "CREATE SCHEMA app;
  CREATE TABLE app.orders (id bigint PRIMARY KEY, updated_at timestamptz, note text, region text);
  CREATE TABLE app.events (id bigint, seen date);
  CREATE TABLE app.collide (id bigint PRIMARY KEY, updated_at timestamptz, val text, \"VAL\" text);"

source "$root/tests/lib/provider_mirror.sh"
provider_mirror "$work" "$provider_bin" "$root"

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
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TF_VAR_pg_password=$WEIR_TEST_PG_PASSWORD

cfg=$work/cfg
mkdir -p "$cfg"
cd "$cfg"
cat > base.tf <<HCL
terraform {
  required_providers {
    weir = { source = "weirdata/weir" }
  }
}
provider "weir" {}
variable "pg_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "weir_source_postgres" "app" {
  name                = "app"
  host                = "127.0.0.1"
  port                = $WEIR_TEST_PG_PORT
  database            = "$WEIR_TEST_PG_DB"
  user                = "$WEIR_TEST_PG_USER"
  password_wo         = var.pg_password
  password_wo_version = 1
  sslmode             = "disable"
}
resource "weir_source_postgres" "later" {
  name     = "later"
  host     = "127.0.0.1"
  port     = $closed
  database = "not_created_yet"
  user     = "weir"
  sslmode  = "disable"
}
resource "weir_destination_snowflake" "raw" {
  name            = "raw"
  account         = "MYORG-ANALYTICS"
  user            = "WEIR_LOADER"
  warehouse       = "LOAD_WH"
  database        = "RAW"
  schema          = "APP"
  private_key_ref = "env:SNOWFLAKE_PRIVATE_KEY"
}
HCL
tf() { "$tofu" "$@" -no-color; }
tf init -input=false > "$work/init.out" 2>&1 || { cat "$work/init.out"; fail "tofu init"; }

step "warnings: a key without a unique constraint, lookback 0s, an unreachable source; apply succeeds"
cat > good.tf <<'HCL'
resource "weir_pipeline" "good" {
  name        = "good"
  source      = weir_source_postgres.app.name
  destination = weir_destination_snowflake.raw.name
  table {
    name        = "app.orders"
    primary_key = ["id"]
    cursor      = "updated_at"
  }
  table {
    name        = "app.events"
    primary_key = ["id"] # events: no unique constraint
    cursor      = "seen"
    lookback    = "0s"
  }
}
resource "weir_pipeline" "later" {
  name        = "later"
  source      = weir_source_postgres.later.name
  destination = weir_destination_snowflake.raw.name
  table {
    name        = "app.orders"
    primary_key = ["id"]
    cursor      = "updated_at"
    target      = "ORDERS_LATER"
  }
}
HCL
tf apply -input=false -auto-approve > "$work/apply1.out" 2>&1 || { cat "$work/apply1.out"; fail "apply with warnings"; }
contains "$work/apply1.out" "Apply complete! Resources: 5 added, 0 changed, 0 destroyed."
diag_at "$work/apply1.out" "Warning: Primary key not unique at the source" 'primary_key = ["id"] # events: no unique constraint'
diag_at "$work/apply1.out" "Warning: No lookback" 'lookback    = "0s"'
diag_at "$work/apply1.out" "Warning: Source not checked" 'source      = weir_source_postgres.later.name'
says "$work/apply1.out" "Could not connect to source later"
lacks "$work/apply1.out" "$WEIR_TEST_PG_PASSWORD"

step "errors at their paths: missing table, missing primary-key column, text cursor; nothing stored"
cat > bad.tf <<'HCL'
resource "weir_pipeline" "bad" {
  name        = "bad"
  source      = weir_source_postgres.app.name
  destination = weir_destination_snowflake.raw.name
  table {
    name        = "app.missing_table"
    primary_key = ["id"]
    cursor      = "updated_at"
    target      = "BAD_MISSING"
  }
  table {
    name        = "app.orders"
    primary_key = ["id", "tenant_id"]
    cursor      = "note"
    target      = "BAD_ORDERS"
  }
}
HCL
set +e; tf apply -input=false -auto-approve > "$work/apply2.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] || { cat "$work/apply2.out"; fail "apply of a pipeline with a missing table succeeded"; }
diag_at "$work/apply2.out" "Error: Table not found" 'name        = "app.missing_table"'
says "$work/apply2.out" "Source app has no table app.missing_table"
diag_at "$work/apply2.out" "Error: Primary key column not found" 'primary_key = ["id", "tenant_id"]'
says "$work/apply2.out" 'Table app.orders has no column "tenant_id"'
diag_at "$work/apply2.out" "Error: Text cursor" 'cursor      = "note"'
contains "$work/apply2.out" "allow_text_cursor"
set +e; "$agent_bin" ctl get pipeline bad > /dev/null 2>&1; code=$?; set -e
[[ $code == 3 ]] || fail "a refused pipeline was stored (ctl get exit $code)"

step "a second writer of a target table is refused at its path"
cat > bad.tf <<'HCL'
resource "weir_pipeline" "bad" {
  name        = "bad"
  source      = weir_source_postgres.app.name
  destination = weir_destination_snowflake.raw.name
  table {
    name        = "app.orders"
    primary_key = ["id"]
    cursor      = "updated_at"
    target      = "ORDERS" # already written by pipeline good
  }
}
HCL
set +e; tf apply -input=false -auto-approve > "$work/apply3.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] || { cat "$work/apply3.out"; fail "a second writer was accepted"; }
diag_at "$work/apply3.out" "Error: Destination table already written" 'target      = "ORDERS" # already written by pipeline good'
says "$work/apply3.out" "which pipeline good already writes from table app.orders"

step "columns that would land under one name, and a column block naming no column, are refused at their paths"
cat > bad.tf <<'HCL'
resource "weir_pipeline" "bad" {
  name        = "bad"
  source      = weir_source_postgres.app.name
  destination = weir_destination_snowflake.raw.name
  table {
    name        = "app.collide" # val and "VAL"
    primary_key = ["id"]
    cursor      = "updated_at"
  }
  table {
    name        = "app.orders"
    primary_key = ["id"]
    cursor      = "updated_at"
    target      = "BAD_ORDERS"
    column {
      name    = "card_no" # no such column
      exclude = true
    }
  }
}
HCL
set +e; tf apply -input=false -auto-approve > "$work/apply4.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] || { cat "$work/apply4.out"; fail "a colliding pipeline was accepted"; }
diag_at "$work/apply4.out" "Error: Column not found" 'name    = "card_no" # no such column'
diag_at "$work/apply4.out" "Error: Column name collision" 'name        = "app.collide"'
says "$work/apply4.out" 'columns "val" and "VAL" of table app.collide would both land as "VAL"'

step "ctl check runs the same checks later: a dropped column is an error at its path"
"$agent_bin" ctl check good > "$work/check1.out" 2>&1 || { cat "$work/check1.out"; fail "ctl check good"; }
contains "$work/check1.out" "warning  table[1].primary_key: Primary key not unique at the source"
contains "$work/check1.out" "warning  table[1].lookback: No lookback"
psql_do "ALTER TABLE app.orders DROP COLUMN updated_at"
set +e; "$agent_bin" ctl check good > "$work/check2.out" 2>&1; code=$?; set -e
[[ $code == 1 ]] || { cat "$work/check2.out"; fail "ctl check with an error exit $code, want 1"; }
contains "$work/check2.out" 'error    table[0].cursor: Cursor column not found: Table app.orders has no column "updated_at"'
set +e; "$agent_bin" ctl check nosuch > "$work/check3.out" 2>&1; code=$?; set -e
[[ $code == 3 ]] || { cat "$work/check3.out"; fail "ctl check of a missing pipeline exit $code, want 3"; }

rm bad.tf
tf destroy -input=false -auto-approve > "$work/destroy.out" 2>&1 || { cat "$work/destroy.out"; fail "destroy"; }
lacks "$work/agent.log" "$WEIR_TEST_PG_PASSWORD"
echo
echo "e2e apply checks: all steps passed"
