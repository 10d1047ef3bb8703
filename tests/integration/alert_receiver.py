# Loopback receiver for alert deliveries in tests: records every POST (path, headers, body) as a
# JSON line and answers like the real endpoints (200; 202 for the PagerDuty path). The first request
# to a path listed in WEIR_TEST_FLAKY_PATHS gets a 503, to exercise retries.
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log_path = sys.argv[1]
flaky = set(filter(None, os.environ.get("WEIR_TEST_FLAKY_PATHS", "").split(",")))
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        with lock:
            if self.path in flaky:
                flaky.discard(self.path)
                status = 503
            else:
                status = 202 if self.path == "/pagerduty" else 200
                with open(log_path, "a") as out:
                    out.write(json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
