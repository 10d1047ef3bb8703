# sf_query.sh — sourced by test scripts run under tests/integration/with_snowflake.sh: sf STATEMENT
# runs one statement against the Snowflake SQL API at $WEIR_TEST_SF_URL and prints its data rows as
# JSON lines (an error answer exits with its message).
sf() {
  curl -s -X POST "$WEIR_TEST_SF_URL/api/v2/statements" -H "Authorization: Bearer test" \
    -H "X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT" -H "User-Agent: weir-test" \
    -H "Content-Type: application/json" -d "$(python3 -c 'import json,sys; print(json.dumps({"statement": sys.argv[1]}))' "$1")" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); [print(json.dumps(r)) for r in d.get("data", [])] if "data" in d else sys.exit(d.get("message"))'
}
