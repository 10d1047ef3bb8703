#!/usr/bin/env bash
# Real schemas through the weir-agent binary: hostile identifiers (spaces, quotes, reserved words,
# mixed case, non-ASCII, case-only collisions) land value for value under both naming policies;
# a collision is refused at apply naming both columns (and fails the run when a later column
# causes it) until a column block renames one; and card data
# is hashed, masked or left out before anything is staged: the test greps the stage bucket (the
# chunks as Snowflake reads them; the local chunks are the same bytes sealed), every row and column
# of the warehouse and the agent log for the clear values; the excluded CVV is not even readable by
# the agent's database role.
# Run under with_postgres.sh, with_minio.sh and with_snowflake.sh. Usage: run_columns.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-columns.XXXXXX")
agent_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -20 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }

hash_key=weir-test-hash-key-0123456789abcdef0123
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
env PG_PASSWORD="$WEIR_TEST_PG_PASSWORD" HASH_KEY="$hash_key" CARDS_PASSWORD=weir-cards-reader \
  "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" >> "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    "$agent_bin" ctl list > /dev/null 2>&1 && break
  fi
  sleep 0.1
done
ctl() { "$agent_bin" ctl "$@"; }
json() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read())))'; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }

step "a source schema with names that need quoting, and card data"
pg "$(cat <<'SQL'
DROP SCHEMA IF EXISTS "Billing" CASCADE; CREATE SCHEMA "Billing";
CREATE TABLE "Billing"."Order Items" (
  "Id" bigint PRIMARY KEY, "select" text, "a ""quoted"" name" text, "Größe" integer,
  "UPDATED AT" timestamptz NOT NULL, val text, "VAL" text);
INSERT INTO "Billing"."Order Items"
  SELECT g, 'sel''' || g, 'q"' || g, g * 10, '2026-11-23 09:00:00+00'::timestamptz + g * interval '1 minute',
         'lower ' || g, 'UPPER ' || g
  FROM generate_series(1, 40) g;
DROP SCHEMA IF EXISTS pci CASCADE; CREATE SCHEMA pci;
CREATE TABLE pci.cards (id bigint PRIMARY KEY, card_number text NOT NULL, cvv text NOT NULL,
  pan_display text, holder text, updated_at timestamptz NOT NULL);
INSERT INTO pci.cards
  SELECT g, (4000000000000000 + g * 7919)::text, lpad((g * 37 % 1000)::text, 3, '0'),
         (4000000000000000 + g * 7919)::text, 'holder ' || g, '2026-11-23 09:00:00+00'
  FROM generate_series(1, 25) g;
SQL
)"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."BILLING"' > /dev/null
sf "CREATE STAGE \"RAW\".\"BILLING\".\"WEIR_STAGE\" URL = 's3://$WEIR_TEST_S3_BUCKET/pci/'" > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"

ctl apply source_postgres billing --spec "{\"name\":\"billing\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
# Lower-case names in the destination resolve as Snowflake resolves unquoted names: raw is RAW.
ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
  \"warehouse\":\"load_wh\",\"database\":\"raw\",\"schema\":\"billing\",\"private_key_ref\":\"file:$work/sf_key.p8\",
  \"api_url\":\"$WEIR_TEST_SF_URL\",\"stage\":{\"url\":\"s3://$WEIR_TEST_S3_BUCKET/pci/\",\"name\":\"raw.billing.weir_stage\",
  \"kms_key_id\":\"weir-stage-key\",\"region\":\"us-east-1\"}}" > /dev/null

step "upper naming: val and \"VAL\" would both land as VAL, so apply refuses the pipeline naming both"
items_pipeline() { # extra table members
  ctl apply pipeline items --spec "$(json <<JSON
{"name":"items","source":"billing","destination":"raw","schedule":"0 0 1 1 *",
 "table":[{"name":"\"Billing\".\"Order Items\"","primary_key":["\"Id\""],"cursor":"\"UPDATED AT\"","lookback":"0s"$1}]}
JSON
)"
}
if items_pipeline "" > "$work/collide.out" 2>&1; then fail "a colliding pipeline was applied"; fi
grep -qF 'table[0].name: Column name collision: columns "val" and "VAL"' "$work/collide.out" ||
  { cat "$work/collide.out"; fail "the collision is not named at its path"; }

step "a column block renames one; every value lands under its mapped name"
items_pipeline ',"column":[{"name":"\"VAL\"","target":"VAL_UPPER"}]' > /dev/null
ctl run items --wait=60 > "$work/items.out" || { cat "$work/items.out"; fail "items run"; }
pg "$(cat <<'SQL'
COPY (SELECT "Id", "select", "a ""quoted"" name", "Größe", to_char("UPDATED AT" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'),
             val, "VAL" FROM "Billing"."Order Items" ORDER BY 1) TO STDOUT
SQL
)" > "$work/items.source"
sf 'SELECT "ID", "SELECT", "A__QUOTED__NAME", "GR__E", "UPDATED_AT", "VAL", "VAL_UPPER" FROM "RAW"."BILLING"."ORDER_ITEMS" ORDER BY 1' > "$work/items.target"
python3 - "$work/items.source" "$work/items.target" <<'PY' || fail "items differ"
import datetime, json, sys
source = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
target = [json.loads(line) for line in open(sys.argv[2])]
def ts(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (t.astimezone(datetime.timezone.utc).replace(tzinfo=None) if t.tzinfo else t).isoformat()
norm = lambda row: [row[0], row[1], row[2], str(int(row[3])), ts(row[4]), row[5], row[6]]
if [norm(r) for r in source] != [norm(r) for r in target] or len(source) != 40:
    sys.exit(f"source {source[:2]} target {target[:2]} ({len(source)} vs {len(target)} rows)")
print(f"  {len(source)} rows, every column equal under its upper-case name")
PY

step "a column added later that collides fails the run naming both, and publishes nothing"
pg 'ALTER TABLE "Billing"."Order Items" ADD COLUMN "Val" text; UPDATE "Billing"."Order Items" SET "UPDATED AT" = "UPDATED AT" + interval '"'1 day'"' WHERE "Id" = 1'
if ctl run items --wait=60 > "$work/late.out" 2>&1; then fail "a run with a colliding new column succeeded"; fi
grep -qF 'columns \"val\" and \"Val\"' "$work/agent.log" || { cat "$work/late.out"; fail "the late collision is not named"; }
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."BILLING"."ORDER_ITEMS" WHERE "UPDATED_AT" > '"'2026-11-24'") == '["0"]' ]] ||
  fail "a refused run published rows"
pg 'ALTER TABLE "Billing"."Order Items" DROP COLUMN "Val"'

step "preserve naming keeps the exact source names, quoted"
# Real Snowflake keeps "val" and "VAL" apart under preserve; DuckDB under fakesnow compares column
# names without case, so this pipeline leaves val out to stay within what the emulator can hold.
ctl apply pipeline items-exact --spec "$(json <<'JSON'
{"name":"items-exact","source":"billing","destination":"raw","schedule":"0 0 1 1 *","naming":"preserve",
 "table":[{"name":"\"Billing\".\"Order Items\"","primary_key":["\"Id\""],"cursor":"\"UPDATED AT\"","target":"\"Order Items (exact)\"",
            "column":[{"name":"val","exclude":true}]}]}
JSON
)" > /dev/null
ctl run items-exact --wait=60 > "$work/exact.out" || { cat "$work/exact.out"; fail "preserve run"; }
exact='SELECT COUNT(*), MAX("a ""quoted"" name"), CAST(SUM("Größe") AS INTEGER), COUNT(DISTINCT "VAL"), MIN("select") FROM "RAW"."BILLING"."Order Items (exact)"'
[[ $(sf "$exact") == '["40", "q\"9", "8200", "40", "sel'"'"'1"]' ]] || fail "preserved names: $(sf "$exact")"

step "card data: card_number hashed with the pipeline's key, cvv never read, pan masked"
# The cards source logs in as a role that may not read cvv at all: an excluded column is left out
# of the source query, so the run works without that privilege.
pg "DROP ROLE IF EXISTS weir_cards; CREATE ROLE weir_cards LOGIN PASSWORD 'weir-cards-reader';
    GRANT USAGE ON SCHEMA pci TO weir_cards;
    GRANT SELECT (id, card_number, pan_display, holder, updated_at) ON pci.cards TO weir_cards"
ctl apply source_postgres cards --spec "{\"name\":\"cards\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"weir_cards\",\"password_ref\":\"env:CARDS_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
ctl apply pipeline cards --spec "$(json <<'JSON'
{"name":"cards","source":"cards","destination":"raw","schedule":"0 0 1 1 *","hash_key_ref":"env:HASH_KEY",
 "table":[{"name":"pci.cards","primary_key":["id"],"cursor":"updated_at","column":[
   {"name":"card_number","transform":"hash"},{"name":"cvv","exclude":true},
   {"name":"pan_display","transform":"mask","keep_last":4}]}]}
JSON
)" > /dev/null
ctl run cards --wait=60 > "$work/cards.out" || { cat "$work/cards.out"; fail "cards run"; }
pg 'COPY (SELECT id, card_number, cvv FROM pci.cards ORDER BY id) TO STDOUT' > "$work/cards.source"
sf 'SELECT "ID", "CARD_NUMBER", "PAN_DISPLAY", "HOLDER" FROM "RAW"."BILLING"."CARDS" ORDER BY 1' > "$work/cards.target"
[[ $(sf "SELECT COUNT(*) FROM RAW.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'CARDS' AND COLUMN_NAME = 'CVV'") == '["0"]' ]] ||
  fail "the excluded cvv column exists in the target"
HASH_KEY=$hash_key python3 - "$work/cards.source" "$work/cards.target" <<'PY' || fail "card columns"
import hashlib, hmac, json, os, sys
key = os.environ["HASH_KEY"].encode()
source = {int(i): (card, cvv) for i, card, cvv in (l.rstrip("\n").split("\t") for l in open(sys.argv[1]))}
target = [json.loads(line) for line in open(sys.argv[2])]
assert len(target) == len(source) == 25, (len(target), len(source))
for id_, card_hash, pan, holder in target:
    card = source[int(id_)][0]
    assert card_hash == hmac.new(key, card.encode(), hashlib.sha256).hexdigest(), (id_, card_hash)
    assert pan == "*" * (len(card) - 4) + card[-4:], (id_, pan)
print("  25 cards: HMAC-SHA-256 under the pipeline's key (joinable), masks keep the last 4")
PY
cut -f2,3 "$work/cards.source" | tr '\t' '\n' | sort -u > "$work/clear.values"
"$root/.tools/fakesnow/bin/python" - "$work/bucket" <<'PY' || fail "cannot read the stage bucket"
import boto3, os, sys
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"], region_name="us-east-1")
bucket = os.environ["WEIR_TEST_S3_BUCKET"]
count = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="pci/cards/"):
    for item in page.get("Contents", []):
        path = os.path.join(sys.argv[1], item["Key"].replace("/", "_"))
        os.makedirs(sys.argv[1], exist_ok=True)
        s3.download_file(bucket, item["Key"], path)
        count += 1
if count == 0:
    sys.exit("no chunk of pipeline cards in the bucket")
print(f"  {count} staged chunk(s) of pipeline cards in the bucket")
PY
for chunk in "$work"/bucket/*; do zstd -qdc "$chunk"; done > "$work/staged.csv"
grep -c . "$work/staged.csv" | grep -qx 25 || fail "the staged chunks do not hold the 25 rows"
sf 'SELECT * FROM "RAW"."BILLING"."CARDS"' > "$work/warehouse.rows"
for where in staged.csv warehouse.rows agent.log; do
  if grep -Fwf "$work/clear.values" "$work/$where" > "$work/leak"; then
    fail "a clear card number or CVV is in $where: $(head -c 200 "$work/leak")"
  fi
done
echo "  no clear card number or CVV in the staged chunks, the warehouse or the agent log"
echo "OK"
