#!/usr/bin/env bash
# Type fidelity end to end (docs/types.md), through the weir-agent binary: a PostgreSQL table with
# every type of the table (domains, an enum, a composite, arrays, ranges, json with edge values) is
# landed in Snowflake SQL (fakesnow behind the stricter adapter) and compared value for value; then
# values Snowflake would refuse or change (NaN numeric, more than 38 digits, infinity date, 24:00,
# duplicate json keys) fail their run naming column and key and publish nothing, inline and
# through the S3 stage (checked before upload).
# Run under with_postgres.sh, with_minio.sh and with_snowflake.sh. Usage: run_types.sh AGENT_BINARY
set -euo pipefail
agent_bin=$(realpath "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-types.XXXXXX")
agent_pid=""
cleanup() {
  [[ -n $agent_pid ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- agent log:"; tail -20 "$work/agent.log" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export WEIR_ENDPOINT=127.0.0.1:$port WEIR_CA_CERT=$work/agent/dev/ca.pem
PG_PASSWORD="$WEIR_TEST_PG_PASSWORD" "$agent_bin" serve --dev --data-dir "$work/agent" --listen "127.0.0.1:$port" \
  >> "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
  if [[ -f $work/agent/dev/token ]]; then
    export WEIR_TOKEN=$(cat "$work/agent/dev/token")
    "$agent_bin" ctl list > /dev/null 2>&1 && break
  fi
  sleep 0.1
done
ctl() { "$agent_bin" ctl "$@"; }
# shellcheck source=../lib/sf_query.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sf_query.sh" # sf STATEMENT
pg() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" -d "$WEIR_TEST_PG_DB" -qAt -c "$1"; }

step "a table with every type of docs/types.md"
pg "DROP SCHEMA IF EXISTS typ CASCADE; CREATE SCHEMA typ;
    CREATE TYPE typ.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TYPE typ.address AS (street text, number int);
    CREATE DOMAIN typ.amount AS numeric(12,2) CHECK (VALUE >= 0);
    CREATE DOMAIN typ.small_amount AS typ.amount;
    CREATE TABLE typ.every (id integer PRIMARY KEY, i2 smallint, i8 bigint, n numeric, n18 numeric(18,4),
      n3838 numeric(38,38), n50 numeric(50,10), nneg numeric(5,-2), nbig numeric(3,5), m money, r real,
      d double precision, b boolean, dt date, t time, t3 time(3), ttz timetz, ts timestamp, ts3 timestamp(3),
      tstz timestamptz, iv interval, u uuid, j json, jb jsonb, ai integer[], an numeric(10,2)[],
      atz timestamptz[], at text[], a2 integer[][], by bytea, tx text, vc varchar(20), ch char(3), bt bit(4),
      vb varbit(8), ip inet, cd cidr, rg int4range, tr tstzrange, en typ.mood, co typ.address,
      dm typ.amount, dm2 typ.small_amount, xm xml);
    INSERT INTO typ.every VALUES
     (1, -32768, 9223372036854775807, 12345678901234567890.123456789, 12345678901234.5678,
      0.12345678901234567890123456789012345670, 123456789012345678901234567.1234567890, 1234500, 0.00123,
      '-1234.56', 'Infinity', 'NaN', true, '2026-11-23', '23:59:59.999999', '10:11:12.5', '10:11:12+02',
      '2026-11-23 10:11:12', '2026-11-23 10:11:12.345', '2026-11-23 10:11:12.123456+00', '1 year 2 mons 3 days 04:05:06',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2.5, \"x\"], \"n\": null}', '{\"b\": {\"c\": true}}',
      '{1,NULL,3}', '{1.50,-2.25}', '{\"2026-11-23 10:00:00+00\"}', '{\"a b\",\"q\\\"uote\",NULL,\"{}\"}',
      '{{1,2},{3,4}}', '\\x00ff10', 'tab\there ünï ✓', 'varchar', 'ab', '1010', '101', '10.0.0.1/32',
      '10.0.0.0/8', '[1,10)', '[2026-01-01 00:00:00+00,2026-02-01 00:00:00+00)', 'happy', '(\"Main St\",42)',
      1234.50, 7.25, '<a>x</a>'),
     (2, 0, -1, -0.000000001, -0.0001, 0, 0, 0, 0, '0', '-Infinity', '-1.5e-300', false, '0001-01-01', '00:00:00',
      '00:00:00', '00:00:00-05:30', '1900-01-01 00:00:00', '2200-12-31 23:59:59.999', '1970-01-01 00:00:00+00',
      '-1 days', '00000000-0000-0000-0000-000000000000', '[]', '{}', '{}', '{}', '{}', '{}', '{}', '\\x', '', '',
      '   ', '0000', '', '::1', '::/0', 'empty', 'empty', 'sad', '(,)', 0, 0, ''),
     (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
sf 'CREATE DATABASE IF NOT EXISTS "RAW"' > /dev/null
sf 'CREATE SCHEMA IF NOT EXISTS "RAW"."TYP"' > /dev/null
cp "$WEIR_VECTORS/snowflake/test_rsa_key.p8" "$work/sf_key.p8"
ctl apply source_postgres src --spec "{\"name\":\"src\",\"host\":\"$WEIR_TEST_PG_HOST\",\"port\":$WEIR_TEST_PG_PORT,
  \"database\":\"$WEIR_TEST_PG_DB\",\"user\":\"$WEIR_TEST_PG_USER\",\"password_ref\":\"env:PG_PASSWORD\",\"sslmode\":\"disable\"}" > /dev/null
destination() { # extra JSON members
  ctl apply destination_snowflake raw --spec "{\"name\":\"raw\",\"account\":\"MYORG-ANALYTICS\",\"user\":\"WEIR_LOADER\",
    \"warehouse\":\"LOAD_WH\",\"database\":\"RAW\",\"schema\":\"TYP\",\"private_key_ref\":\"file:$work/sf_key.p8\",
    \"api_url\":\"$WEIR_TEST_SF_URL\"$1}" > /dev/null
}
destination ""
pipeline() { # name table
  ctl apply pipeline "$1" --spec "{\"name\":\"$1\",\"source\":\"src\",\"destination\":\"raw\",\"schedule\":\"0 0 1 1 *\",
    \"table\":[{\"name\":\"$2\",\"primary_key\":[\"id\"],\"mode\":\"full_refresh\"}]}" > /dev/null
}
pipeline every typ.every
ctl run every --wait=120 > "$work/every.out" || { cat "$work/every.out"; fail "the run of every type"; }

step "column types as docs/types.md says"
sf "SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE FROM \"RAW\".INFORMATION_SCHEMA.COLUMNS
    WHERE TABLE_SCHEMA = 'TYP' AND TABLE_NAME = 'EVERY'" > "$work/columns.json"
python3 - "$work/columns.json" <<'PY' || fail "column types"
import json, sys
got = {}
for line in open(sys.argv[1]):
    name, kind, precision, scale = json.loads(line)
    got[name] = kind + (f"({precision},{scale})" if kind == "NUMBER" else "")
want = {"ID": "NUMBER(38,0)", "I2": "NUMBER(38,0)", "I8": "NUMBER(38,0)", "N": "NUMBER(38,9)", "N18": "NUMBER(18,4)",
        "N3838": "NUMBER(37,37)", "N50": "NUMBER(38,10)", "NNEG": "NUMBER(7,0)", "NBIG": "NUMBER(5,5)",
        "M": "NUMBER(19,2)", "R": "FLOAT", "D": "FLOAT", "B": "BOOLEAN", "DT": "DATE", "T": "TIME", "T3": "TIME",
        "TTZ": "TEXT", "TS": "TIMESTAMP_NTZ", "TS3": "TIMESTAMP_NTZ", "TSTZ": "TIMESTAMP_TZ", "IV": "TEXT",
        "U": "TEXT", "J": "VARIANT", "JB": "VARIANT", "BY": "BINARY", "TX": "TEXT", "VC": "TEXT", "CH": "TEXT",
        "BT": "TEXT", "VB": "TEXT", "IP": "TEXT", "CD": "TEXT", "RG": "TEXT", "TR": "TEXT", "EN": "TEXT",
        "CO": "TEXT", "DM": "NUMBER(12,2)", "DM2": "NUMBER(12,2)", "XM": "TEXT"}
for name in ("AI", "AN", "ATZ", "AT", "A2"):  # ARRAY; fakesnow reports it as VARIANT
    want[name] = got.get(name) if got.get(name) in ("ARRAY", "VARIANT") else "ARRAY"
for name, kind in want.items():
    assert got.get(name) == kind, f"{name}: {got.get(name)} in Snowflake, {kind} in docs/types.md"
print(f"  {len(want)} columns typed as documented")
PY

step "every value, compared with the source"
# PostgreSQL side: each value as the text the destination should hold, in the agent's session settings.
PGOPTIONS="-c client_min_messages=warning -c IntervalStyle=iso_8601 -c TimeZone=UTC -c extra_float_digits=3" \
  PGPASSWORD=$WEIR_TEST_PG_PASSWORD psql -h "$WEIR_TEST_PG_HOST" -p "$WEIR_TEST_PG_PORT" -U "$WEIR_TEST_PG_USER" \
  -d "$WEIR_TEST_PG_DB" -qAt -c "COPY (SELECT id, i2, i8, n, n18, n3838, n50, nneg, nbig, m::numeric, r, d, b, dt, t, t3, ttz::text,
      to_char(ts, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), to_char(ts3, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),
      to_char(tstz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), iv::text, u::text, j::text, jb::text,
      to_json(ai), to_json(an), to_json(atz), to_json(\"at\"), to_json(a2), encode(by, 'hex'), tx, vc, ch, bt::text,
      vb::text, ip, cd, rg::text, tr::text, en::text, co::text, dm, dm2, xm::text
      FROM typ.every ORDER BY id) TO STDOUT WITH (FORMAT csv, NULL '<null>')" > "$work/source.csv"
columns='"ID","I2","I8","N","N18","N3838","N50","NNEG","NBIG","M","R","D","B","DT","T","T3","TTZ","TS","TS3","TSTZ","IV","U",
  TO_JSON("J"),TO_JSON("JB"),TO_JSON("AI"),TO_JSON("AN"),TO_JSON("ATZ"),TO_JSON("AT"),TO_JSON("A2"),HEX_ENCODE("BY"),"TX","VC","CH","BT",
  "VB","IP","CD","RG","TR","EN","CO","DM","DM2","XM"'
sf "SELECT $columns FROM \"RAW\".\"TYP\".\"EVERY\" ORDER BY \"ID\"" > "$work/target.json"
python3 - "$work/source.csv" "$work/target.json" <<'PY' || fail "values differ"
import csv, datetime, decimal, json, math, sys
names = ["id", "i2", "i8", "n", "n18", "n3838", "n50", "nneg", "nbig", "m", "r", "d", "b", "dt", "t", "t3", "ttz", "ts",
         "ts3", "tstz", "iv", "u", "j", "jb", "ai", "an", "atz", "at", "a2", "by", "tx", "vc", "ch", "bt", "vb", "ip",
         "cd", "rg", "tr", "en", "co", "dm", "dm2", "xm"]
numbers = {"id", "i2", "i8", "n", "n18", "n3838", "n50", "nneg", "nbig", "m", "dm", "dm2"}
jsons = {"j", "jb", "ai", "an", "atz", "at", "a2"}
def canon(name, value):
    if value is None or value == "<null>":
        return None
    if name in numbers:
        return decimal.Decimal(value).normalize()
    if name in ("r", "d"):
        v = float(value)
        return "nan" if math.isnan(v) else v
    if name == "b":
        return value.lower() in ("t", "true")
    if name in ("t", "t3"):
        return datetime.time.fromisoformat(value)
    if name in ("ts", "ts3", "tstz"):
        t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return t.astimezone(datetime.timezone.utc).replace(tzinfo=None) if t.tzinfo else t
    if name == "dt":
        return datetime.date.fromisoformat(value)
    if name in jsons:
        return json.loads(value, parse_float=decimal.Decimal)
    if name == "by":
        return value.lower()
    return value
source = [[canon(n, v) for n, v in zip(names, row)] for row in csv.reader(open(sys.argv[1]))]
target = [[canon(n, v) for n, v in zip(names, json.loads(line))] for line in open(sys.argv[2])]
assert len(source) == len(target) == 3, (len(source), len(target))
compared = 0
for s_row, t_row in zip(source, target):
    for name, s, t in zip(names, s_row, t_row):
        assert s == t, f"row {s_row[0]} column {name}: source {s!r}, Snowflake {t!r}"
        compared += 1
print(f"  {compared} values equal ({len(names)} columns x {len(source)} rows)")
PY

step "values Snowflake would refuse or change fail the run, naming column and key, and publish nothing"
# table | column definition | bad value | expected message
while IFS='|' read -r table definition value expect; do
  pg "CREATE TABLE typ.$table (id integer PRIMARY KEY, v $definition);
      INSERT INTO typ.$table VALUES (1, NULL), (42, $value);"
  pipeline "$table" "typ.$table"
  set +e; ctl run "$table" --wait=120 > "$work/$table.out" 2>&1; code=$?; set -e
  [[ $code != 0 ]] || fail "$table: the run succeeded"
  grep -F "column \"v\" of typ.$table: value $expect" "$work/$table.out" | grep -qF "(key id=42)" ||
    { cat "$work/$table.out"; fail "$table: the failure does not name column and key"; }
  [[ $(sf "SELECT COUNT(*) FROM \"RAW\".\"TYP\".\"${table^^}\"") == '["0"]' ]] || fail "$table: rows were published"
  echo "  $table: refused as documented"
done <<'CASES'
bad_nan|numeric|'NaN'|NaN is not a number NUMBER(38,9) can hold (NaN and infinity exist only in FLOAT)
bad_digits|numeric|123456789012345678901234567890123456789012.5|123456789012345678901234567890123456789012.5 does not fit NUMBER(38,9)
bad_infinity|date|'infinity'|infinity is PostgreSQL's infinity, which no Snowflake date or timestamp can hold
bad_bc|timestamptz|'0044-03-15 12:00:00+00 BC'|0044-03-15 12:00:00+00 BC is a BC date; Snowflake's dates start at year 1
bad_year|date|'12026-01-01'|12026-01-01 has a year above 9999, beyond Snowflake's date range
bad_time|time|'24:00:00'|24:00:00 is 24:00:00, PostgreSQL's end of day; Snowflake's TIME ends at 23:59:59.999999999
bad_json|json|'{"a": 1, "a": 2}'|{"a": 1, "a": 2} is json Snowflake's PARSE_JSON refuses
CASES

step "through the S3 stage, the check runs before the upload"
sf "CREATE STAGE \"RAW\".\"TYP\".\"WEIR_STAGE\" URL = 's3://$WEIR_TEST_S3_BUCKET/types/'" > /dev/null
destination ",\"stage\":{\"url\":\"s3://$WEIR_TEST_S3_BUCKET/types/\",\"name\":\"RAW.TYP.WEIR_STAGE\",\"kms_key_id\":\"weir-stage-key\",\"region\":\"us-east-1\"}"
set +e; ctl run bad_nan --wait=120 > "$work/staged.out" 2>&1; code=$?; set -e
[[ $code != 0 ]] && grep -qF 'column "v" of typ.bad_nan: value NaN is not a number NUMBER(38,9) can hold' "$work/staged.out" ||
  { cat "$work/staged.out"; fail "the staged run was not refused"; }
listing=$(curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  "$AWS_ENDPOINT_URL_S3/$WEIR_TEST_S3_BUCKET/") || fail "cannot list the stage bucket"
grep -q "<ListBucketResult" <<< "$listing" || fail "not a bucket listing: $listing"
if grep -q "<Key>types/bad_nan/" <<< "$listing"; then fail "a refused batch was uploaded: $listing"; fi
ctl run every --wait=120 > "$work/every2.out" || { cat "$work/every2.out"; fail "every type through the stage"; }
[[ $(sf 'SELECT COUNT(*) FROM "RAW"."TYP"."EVERY"') == '["3"]' ]] || fail "every type through the stage"
echo "  refused before upload; the good table loads through the stage"
echo
echo "run_types: all steps passed"
