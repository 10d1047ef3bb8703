# A real HTTP/1.1 server (Python's http.server) on loopback for the agent's HTTP client tests: one
# plain listener and one TLS listener using the certificate given on the command line. Prints the two
# ports on one line, then serves until killed. Paths:
#   /echo        answers 200 with "METHOD length=N header=X-Weir-Test-value body=BODY", Retry-After: 7
#   /status/NNN  answers NNN with a short body
#   /header/N    answers 200 with an X-Long header of N bytes (its last byte "z")
#   /big         answers 200 with 4096 bytes
#   /slow        waits 3 s before answering
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, extra=()):
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/echo":
            text = "%s length=%s header=%s body=" % (
                self.command, self.headers.get("Content-Length", "none"), self.headers.get("X-Weir-Test", "none"))
            self.answer(200, text.encode() + body, [("Retry-After", "7"), ("X-Long", "v" * 400)])
        elif self.path.startswith("/status/"):
            self.answer(int(self.path[8:]), b"status body", [("Retry-After", "30")])
        elif self.path.startswith("/header/"):
            self.answer(200, b"long header", [("X-Long", "v" * (int(self.path[8:]) - 1) + "z")])
        elif self.path == "/big":
            self.answer(200, b"x" * 4096)
        elif self.path == "/slow":
            time.sleep(3)
            self.answer(200, b"late")
        else:
            self.answer(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def serve(server):
    server.serve_forever()


plain = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
secure = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
secure.socket = context.wrap_socket(secure.socket, server_side=True)
for server in (plain, secure):
    server.daemon_threads = True
    threading.Thread(target=serve, args=(server,), daemon=True).start()
print(plain.server_address[1], secure.server_address[1], flush=True)
threading.Event().wait()
