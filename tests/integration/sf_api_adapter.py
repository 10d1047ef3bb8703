# Hand-written adapter that serves Snowflake's SQL API v2 (POST /api/v2/statements) on 127.0.0.1 and
# executes each statement in fakesnow, a real Snowflake-dialect emulator from PyPI (sqlglot onto
# DuckDB) that only speaks the drivers' protocol. The adapter adds no SQL semantics of its own: it
# checks the headers the real API requires, runs the statement, and shapes the answer (200
# ResultSet or 422 error). Protocol behaviour the real service has and fakesnow cannot show (202,
# partitions, 401, 429/5xx) is covered by sf_fake.py instead, except that tests may queue throttling
# answers here (POST /weir-test/faults {"statuses": [429, 503]}) to see a whole run ride out a burst;
# GET /weir-test/faults tells how many are still queued. DuckDB cannot read S3 here (its httpfs
# extension is not obtainable), so when AWS_ENDPOINT_URL_S3 is set (MinIO) the adapter stands in
# for Snowflake's side of an external stage: CREATE STAGE … URL = 's3://…' gets a file:// mirror
# URL instead, and before each COPY INTO the adapter downloads the bucket's objects into that
# mirror with the same S3 credentials; fakesnow's own COPY INTO then reads those exact bytes.
#
# Declared Snowflake rules the adapter enforces because fakesnow (DuckDB) is lenient about them; each
# is a documented fact of Snowflake, checked on the statement text (or, for PARSE_JSON, on the values
# the statement parses) and answered with a 422 as Snowflake would. Nothing else is added.
#  1. NUMBER/DECIMAL/NUMERIC(p,s): 1 <= p <= 38 and 0 <= s <= 37, s <= p ("Numeric data types":
#     precision up to 38, scale 0 to 37). DuckDB takes NUMBER(38,38).
#  2. Date/time conversions name a format: CAST(… AS DATE|TIME|TIMESTAMP*) or ::DATE… of text, and
#     TO_DATE/TO_TIME/TO_TIMESTAMP* with one argument, depend on the account's *_INPUT_FORMAT
#     (AUTO by default, "Date and time input and output formats"). The adapter cannot tell an
#     operand's type from the text, so it refuses every such CAST and one-argument call.
#  3. TIME holds 00:00:00 to 23:59:59.999999999 ("Date & time data types"): DuckDB's CAST turns
#     '24:00:00' into 00:00:00; with rule 2 only formatted TO_TIME remains, whose parser refuses
#     hour 24.
#  4. NaN exists only in FLOAT: DuckDB already refuses 'NaN' for DECIMAL, so NUMBER casts of it fail
#     as in Snowflake.
#  5. PARSE_JSON(x) refuses an object with a duplicate key unless called with 'd' ("PARSE_JSON"):
#     DuckDB keeps both. The adapter reads the values a single-argument PARSE_JSON is about to
#     parse (string literals, or a quoted column of the statement's FROM table) and refuses
#     duplicates.
#  6. Quoted identifiers are case-sensitive ("Identifier resolution"): "raw"."payments" does not
#     name RAW.PAYMENTS. DuckDB resolves names case-insensitively, so every quoted
#     database.schema.object reference must exist under exactly that case (objects the statement
#     creates excepted). Column names are not checked.
#  7. The request body's "database" and "schema" fields name objects as SHOW returns them ("SQL API
#     reference": case must match; unquoted names are stored upper case), so "raw" does not find a
#     database created as RAW. A field naming an object that exists only under another case is
#     refused (a field naming no object at all is left to the statement, which may create it).
import datetime
import decimal
import json
import logging
import os
import re
import sys
import tempfile
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

warnings.simplefilter("ignore")
from fakesnow.instance import FakeSnow  # noqa: E402


class DropTransientWarning(logging.Filter):
    """fakesnow turns Snowflake's CREATE TRANSIENT TABLE into DuckDB SQL with sqlglot, whose
    generator logs "Unsupported property transientproperty" on the "sqlglot" logger each time:
    DuckDB has no transient tables, and losing that property is what an emulator should do. Only
    that message is dropped; sqlglot's other warnings still reach stderr."""

    def filter(self, record):
        return not record.getMessage().startswith("Unsupported property transientproperty")


logging.getLogger("sqlglot").addFilter(DropTransientWarning())

mirror_dir = tempfile.mkdtemp(prefix="weir-sf-s3-") if os.environ.get("AWS_ENDPOINT_URL_S3") else None


def mirror_s3(statement):
    """Rewrites s3:// stage URLs to the local mirror and refreshes it before COPY INTO."""
    if not mirror_dir:
        return statement
    if re.match(r"\s*COPY\s+INTO", statement, re.I):
        import boto3
        s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"], region_name="us-east-1")
        for bucket in (b["Name"] for b in s3.list_buckets()["Buckets"]):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    path = os.path.join(mirror_dir, bucket, item["Key"])
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    s3.download_file(bucket, item["Key"], path)
    return re.sub(r"'s3://", "'file://" + mirror_dir + "/", statement)


class Refused(Exception):
    """A declared Snowflake rule the statement breaks (see the top of this file)."""


NUMBER_TYPE = re.compile(r"\b(?:NUMBER|DECIMAL|NUMERIC)\s*\(\s*(-?\d+)\s*(?:,\s*(-?\d+)\s*)?\)", re.I)
TEMPORAL = r"(?:DATE|TIME|DATETIME|TIMESTAMP(?:_NTZ|_LTZ|_TZ)?)\b(?:\s*\(\s*\d+\s*\))?"
CAST_TEMPORAL = re.compile(r"(?:\bAS\s+|::\s*)" + TEMPORAL, re.I)
CONVERT_TEMPORAL = re.compile(r"\b(TO_DATE|TO_TIME|TO_TIMESTAMP(?:_NTZ|_LTZ|_TZ)?|TRY_TO_DATE|TRY_TO_TIME|"
                              r"TRY_TO_TIMESTAMP(?:_NTZ|_LTZ|_TZ)?)\s*\(", re.I)
QUOTED = r'"(?:[^"]|"")+"'
QUOTED_PATH = re.compile(r'(?<![@\w".])(' + QUOTED + r')\s*\.\s*(' + QUOTED + r')\s*\.\s*(' + QUOTED + r')')
CREATES = re.compile(r'^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TRANSIENT\s+|TEMPORARY\s+)?(?:TABLE|STAGE|VIEW)\s+'
                     r'(?:IF\s+NOT\s+EXISTS\s+)?(' + QUOTED + r'\s*\.\s*' + QUOTED + r'\s*\.\s*' + QUOTED + ')', re.I)


def strip_literals(statement):
    """The statement with string literals blanked, so rules look only at SQL."""
    return re.sub(r"'(?:[^']|'')*'", "''", statement)


def call_arguments(text, open_paren):
    """The top-level arguments of the call whose '(' is at open_paren, and the index after ')'."""
    depth, args, start, i, quote = 0, [], open_paren + 1, open_paren, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(text[start:i].strip())
                return args, i + 1
        elif ch == "," and depth == 1:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    return args, i


def unquote(name):
    return name[1:-1].replace('""', '"')


def no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise Refused("100069 (22P02): Error parsing JSON: duplicate object attribute \"%s\"" % k)
    return dict(pairs)


def check_json_values(cur, statement):
    sql = strip_literals(statement)
    for match in re.finditer(r"\bPARSE_JSON\s*\(", statement, re.I):
        args, _ = call_arguments(statement, match.end() - 1)
        if len(args) != 1:
            continue  # PARSE_JSON(x, 'd') allows duplicates
        values = []
        if args[0].startswith("'"):
            values = [args[0][1:-1].replace("''", "'")]
        elif re.fullmatch(QUOTED, args[0]):
            source = re.search(r"\bFROM\s+(" + QUOTED + r"\s*\.\s*" + QUOTED + r"\s*\.\s*" + QUOTED + ")", sql, re.I)
            if source:
                cur.execute("SELECT %s FROM %s" % (args[0], source.group(1)))
                values = [row[0] for row in cur.fetchall()]
        for value in values:
            if isinstance(value, str):
                try:
                    json.loads(value, object_pairs_hook=no_duplicate_keys)
                except ValueError:
                    pass  # not JSON at all: PARSE_JSON's own error follows


def existing(database, schema=None, name=None):
    """Exact-case lookup in DuckDB's own catalog (fakesnow maps Snowflake objects onto it)."""
    duck = conn._duck_conn
    if schema is None:
        rows = duck.execute("SELECT COUNT(*) FROM duckdb_databases() WHERE database_name = ?", [database])
    elif name is None:
        rows = duck.execute("SELECT COUNT(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?",
                            [database, schema])
    else:
        rows = duck.execute("SELECT (SELECT COUNT(*) FROM duckdb_tables() WHERE database_name = $1 AND "
                            "schema_name = $2 AND table_name = $3) + (SELECT COUNT(*) FROM duckdb_views() WHERE "
                            "database_name = $1 AND schema_name = $2 AND view_name = $3)", [database, schema, name])
    return rows.fetchall()[0][0] > 0


def other_case_only(database, schema=None):
    """True when the object exists, but only under another case."""
    duck = conn._duck_conn
    if schema is None:
        rows = duck.execute("SELECT COUNT(*) FILTER (WHERE database_name = ?), COUNT(*) FILTER (WHERE "
                            "lower(database_name) = lower(?)) FROM duckdb_databases()", [database, database])
    else:
        rows = duck.execute("SELECT COUNT(*) FILTER (WHERE database_name = ? AND schema_name = ?), COUNT(*) FILTER "
                            "(WHERE lower(database_name) = lower(?) AND lower(schema_name) = lower(?)) FROM "
                            "duckdb_schemas()", [database, schema, database, schema])
    exact, any_case = rows.fetchall()[0]
    return exact == 0 and any_case > 0


def check_context(request):
    """Rule 7: the session's database and schema fields, case-sensitive."""
    database, schema = request.get("database"), request.get("schema")
    if database and other_case_only(database):
        raise Exception("002043 (02000): SQL compilation error: Object does not exist, or operation cannot be "
                        "performed: database %s (the database field is case-sensitive)." % database)
    if database and schema and other_case_only(database, schema):
        raise Exception("002043 (02000): SQL compilation error: Object does not exist, or operation cannot be "
                        "performed: schema %s.%s (the schema field is case-sensitive)." % (database, schema))


def check_rules(cur, statement):
    sql = strip_literals(statement)
    for match in NUMBER_TYPE.finditer(sql):
        precision, scale = int(match.group(1)), int(match.group(2) or 0)
        if not (1 <= precision <= 38 and 0 <= scale <= 37 and scale <= precision):
            raise Refused("002011 (42601): SQL compilation error: %s: precision must be 1 to 38 and scale 0 to 37 "
                          "and not above the precision" % match.group(0))
    if CAST_TEMPORAL.search(sql):
        raise Refused("100040 (22007): a date/time CAST depends on the account's *_INPUT_FORMAT (AUTO): "
                      "use TO_DATE/TO_TIME/TO_TIMESTAMP_* with a format")
    for match in CONVERT_TEMPORAL.finditer(statement):
        args, _ = call_arguments(statement, match.end() - 1)
        if len(args) < 2:
            raise Refused("100040 (22007): %s without a format depends on the account's *_INPUT_FORMAT (AUTO)"
                          % match.group(1))
    created = CREATES.match(sql)
    created = re.sub(r"\s", "", created.group(1)) if created else None
    database_ddl = re.match(r"\s*(CREATE|DROP)\s+(DATABASE|SCHEMA)\b", sql, re.I)
    for match in QUOTED_PATH.finditer(sql):
        database, schema, name = (unquote(match.group(i)) for i in (1, 2, 3))
        whole = re.sub(r"\s", "", match.group(0))
        if database_ddl:
            continue
        if not existing(database):
            raise Refused('002003 (02000): SQL compilation error: Database \'"%s"\' does not exist or not '
                          'authorized.' % database)
        if not existing(database, schema):
            raise Refused('002003 (02000): SQL compilation error: Schema \'"%s"."%s"\' does not exist or not '
                          'authorized.' % (database, schema))
        if whole != created and not re.match(r"\s*DROP\s", sql, re.I) and not existing(database, schema, name) \
                and not re.search(r"\bIF\s+NOT\s+EXISTS\b", sql, re.I):
            raise Refused('002003 (42S02): SQL compilation error: Object \'"%s"."%s"."%s"\' does not exist or not '
                          'authorized.' % (database, schema, name))
    check_json_values(cur, statement)


lock = threading.Lock()
faults = []  # statuses the next statement requests get instead of running
fake = FakeSnow(db_path=sys.argv[1] if len(sys.argv) > 1 else None)
conn = fake.connect(None, None)


def as_text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/weir-test/faults":
            with lock:
                return self.reply(200, {"queued": len(faults)})
        return self.reply(404, {"code": "000000", "message": "not found"})

    def do_POST(self):
        if self.path == "/weir-test/faults":
            queued = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))["statuses"]
            with lock:
                faults.extend(int(status) for status in queued)
            return self.reply(200, {"queued": len(faults)})
        if not self.path.startswith("/api/v2/statements"):
            return self.reply(404, {"code": "000000", "message": "not found"})
        if not self.headers.get("Authorization", "").startswith("Bearer ") or \
                not self.headers.get("X-Snowflake-Authorization-Token-Type") or not self.headers.get("User-Agent"):
            return self.reply(401, {"code": "390101", "message": "missing authorization headers"})
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        statement = request.get("statement", "")
        with lock:
            fault = faults.pop(0) if faults else None
        if fault:
            return self.reply(fault, {"code": "000000", "message": "throttled by the test (%d)" % fault})
        with lock:
            cur = conn.cursor()
            try:
                check_context(request)
                check_rules(cur, statement)
                cur.execute(mirror_s3(statement))
                rows = cur.fetchall() if cur.description else []
                description = cur.description or []
            except Exception as error:  # every failure is reported to the client as Snowflake would
                text = str(error)
                code = text.split(" ", 1)[0] if text[:6].isdigit() else "000904"
                return self.reply(422, {"code": code, "sqlState": "42000", "message": text,
                                        "statementHandle": "adapter"})
        row_type = [{"name": d[0], "type": "text", "nullable": True} for d in description]
        self.reply(200, {
            "code": "090001", "sqlState": "00000", "message": "Statement executed successfully.",
            "statementHandle": "adapter", "statementStatusUrl": "/api/v2/statements/adapter",
            "resultSetMetaData": {"numRows": len(rows), "format": "jsonv2", "rowType": row_type,
                                  "partitionInfo": [{"rowCount": len(rows)}]},
            "data": [[as_text(v) for v in row] for row in rows],
        })


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
