# Hand-written fake of Snowflake's SQL API v2, for the protocol behaviour no runnable peer offers
# here: 202 + polling, result partitions (gzip), 401 token renewal, 429/503 bursts with resubmission
# by the same requestId and retry=true, 422 errors. It executes no SQL: each scenario is chosen by
# the statement text. Binds 127.0.0.1 only and exits when its parent test harness stops it.
import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

state = {"lock": threading.Lock(), "seen": {}, "polls": {}}


def result_set(rows, partitions=1, handle="h-sync"):
    info = [{"rowCount": len(rows)}] + [{"rowCount": 1}] * (partitions - 1)
    return {
        "code": "090001", "sqlState": "00000", "message": "Statement executed successfully.",
        "statementHandle": handle, "statementStatusUrl": f"/api/v2/statements/{handle}",
        "resultSetMetaData": {"numRows": len(rows) + partitions - 1, "format": "jsonv2",
                              "rowType": [{"name": "V", "type": "text"}], "partitionInfo": info},
        "data": rows,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, gzipped=False):
        data = json.dumps(body).encode()
        if gzipped:
            data = gzip.compress(data)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def check_headers(self):
        auth = self.headers.get("Authorization", "")
        kind = self.headers.get("X-Snowflake-Authorization-Token-Type", "")
        if not auth.startswith("Bearer ") or kind not in ("KEYPAIR_JWT", "OAUTH", "PROGRAMMATIC_ACCESS_TOKEN") \
                or not self.headers.get("User-Agent"):
            self.reply(400, {"code": "390000", "message": "missing authorization or token-type header"})
            return False
        return True

    def do_POST(self):
        if not self.check_headers():
            return
        url = urlparse(self.path)
        query = parse_qs(url.query)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        statement = body.get("statement", "")
        request_id = query.get("requestId", [""])[0]
        with state["lock"]:
            count = state["seen"].get(statement, 0)
            state["seen"][statement] = count + 1
            first_id = state["seen"].setdefault(statement + "#id", request_id)
        if count and (request_id != first_id or query.get("retry") != ["true"]):
            return self.reply(400, {"code": "000000", "message": "resubmission must reuse requestId with retry=true"})
        if "'busy'" in statement:
            if count == 0:
                return self.reply(429, {"code": "000000", "message": "too many requests"})
            if count == 1:
                return self.reply(503, {"code": "000000", "message": "service unavailable"})
            return self.reply(200, result_set([["after retries"]]))
        if "'flaky'" in statement:
            if count == 0:
                return self.reply(500, {"code": "000000", "message": "internal error"})
            if count == 1:
                return self.reply(502, {"code": "000000", "message": "bad gateway"})
            return self.reply(200, result_set([["after server errors"]]))
        if "'expired'" in statement:
            if count == 0:
                return self.reply(401, {"code": "390318", "message": "JWT token is expired"})
            return self.reply(200, result_set([["renewed"]]))
        if "'async'" in statement:
            return self.reply(202, {"code": "333334", "message": "Asynchronous execution in progress.",
                                    "statementHandle": "h-async", "statementStatusUrl": "/api/v2/statements/h-async"})
        if "'partitions'" in statement:
            return self.reply(200, result_set([["p0-a"], ["p0-b"]], partitions=3, handle="h-parts"))
        if "'broken'" in statement:
            return self.reply(422, {"code": "002003", "sqlState": "42S02", "statementHandle": "h-bad",
                                    "message": "SQL compilation error: Object 'NOPE' does not exist."})
        if "'forbidden'" in statement:
            return self.reply(403, {"code": "390102", "message": "role WEIR_LOADER may not use warehouse LOAD_WH"})
        if "'down'" in statement:
            return self.reply(503, {"code": "000000", "message": "service unavailable"})
        return self.reply(200, result_set([[statement]]))

    def do_GET(self):
        if not self.check_headers():
            return
        url = urlparse(self.path)
        handle = url.path.rsplit("/", 1)[-1]
        partition = parse_qs(url.query).get("partition", [None])[0]
        if handle == "h-async":
            with state["lock"]:
                polls = state["polls"].get(handle, 0)
                state["polls"][handle] = polls + 1
            if polls < 2:
                return self.reply(202, {"code": "333334", "statementHandle": handle,
                                        "message": "Asynchronous execution in progress."})
            return self.reply(200, result_set([["done"], [None]], handle=handle))
        if handle == "h-parts" and partition in ("1", "2"):
            return self.reply(200, {"data": [[f"p{partition}"]]}, gzipped=True)
        return self.reply(404, {"code": "000000", "message": "no such statement"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
