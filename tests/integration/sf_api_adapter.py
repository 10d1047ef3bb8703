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
