# A hand-written fake of a Stripe-like list API, because the real peer (localstripe) cannot fault on demand nor serve a paging loop; plus a declared fault proxy in front of it.
# Both are Python http.server on loopback. Prints "API_PORT PROXY_PORT" on one line, then serves until killed.
#
# API (stateful, newest first like Stripe):
#   GET  /v1/charges?limit&starting_after&created[gte]&created[lt]   {"object":"list","data":[…],"has_more":…}
#        needs "Authorization: Bearer <key given on the command line>", else 401 with a Stripe error body
#   GET  /v1/loop       a list whose has_more never ends and whose last id never changes
#   GET  /v1/linked?limit&page_info   the charges by id, {"data":[…]}, paged GitHub/Shopify-style by a
#        Link header: <…page_info=T>; rel="previous", <…page_info=T>; rel="next", where T is an opaque
#        token of about 1.5 KiB (the header over 3 KiB); a cut or altered token answers 400
#   GET  /v1/<other>    404 {"error":{"message":"Unrecognized request URL (GET: /v1/<other>)"}}
#   POST /admin/charges  body: a JSON array of charge objects to add or replace (by id)
#   GET  /admin/log      every query string /v1/charges received, one per line
# Proxy (forwards everything to the API), faults declared by POST /_faults with a JSON array consumed
# in order, one per forwarded request: {"status":429,"retry_after":"1"}, {"status":503},
# {"status":500,"should_retry":"false"}, {"truncate":true} (cut the body, close the connection),
# {"delay":2.5} (answer late). GET /_faults says how many remain and how many were served.
import base64
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = sys.argv[1]
charges = {}
queries = []
lock = threading.Lock()
faults = []
served = {"faults": 0, "forwarded": 0}


class Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, extra=()):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the agent gave up on a delayed answer (its timeout), as the test intends

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class Api(Base):
    def do_POST(self):
        if self.path == "/admin/charges":
            with lock:
                for charge in json.loads(self.body()):
                    charges[charge["id"]] = charge
            return self.answer(200, {"count": len(charges)})
        self.answer(404, {"error": {"message": "no such admin path"}})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/admin/log":
            with lock:
                return self.answer(200, "\n".join(queries).encode())
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self.answer(401, {"error": {"type": "invalid_request_error",
                                               "message": "Invalid API Key provided: sk_****"}})
        if url.path == "/v1/linked":
            return self.linked(params)
        if url.path == "/v1/loop":
            return self.answer(200, {"object": "list", "data": [{"id": "same", "created": 1}], "has_more": True})
        if url.path != "/v1/charges":
            return self.answer(404, {"error": {"type": "invalid_request_error",
                                               "message": f"Unrecognized request URL (GET: {url.path})"}})
        with lock:
            queries.append(url.query)
            rows = sorted(charges.values(), key=lambda c: (c["created"], c["id"]), reverse=True)
        if "created[gte]" in params:
            rows = [c for c in rows if c["created"] >= int(params["created[gte]"])]
        if "created[lt]" in params:
            rows = [c for c in rows if c["created"] < int(params["created[lt]"])]
        if "starting_after" in params:
            ids = [c["id"] for c in rows]
            if params["starting_after"] not in ids:
                return self.answer(400, {"error": {"message": "No such charge: " + params["starting_after"]}})
            rows = rows[ids.index(params["starting_after"]) + 1:]
        limit = int(params.get("limit", 10))
        self.answer(200, {"object": "list", "url": "/v1/charges", "data": rows[:limit], "has_more": len(rows) > limit})


    def linked(self, params):
        with lock:
            rows = sorted(charges.values(), key=lambda c: c["id"])
        after = ""
        if "page_info" in params:
            try:
                position = json.loads(base64.urlsafe_b64decode(params["page_info"]))
                assert position["pad"] == PAD
                after = position["after"]
            except Exception:
                return self.answer(400, {"error": {"message": "invalid page_info"}})
        rows = [c for c in rows if c["id"] > after]
        limit = int(params.get("limit", 10))
        page, more = rows[:limit], len(rows) > limit

        def link(position, rel):
            token = base64.urlsafe_b64encode(json.dumps({"after": position, "pad": PAD}).encode()).decode()
            return f'<http://{self.headers["Host"]}/v1/linked?limit={limit}&page_info={token}>; rel="{rel}"'

        links = ([link(after, "previous")] if after else []) + ([link(page[-1]["id"], "next")] if more else [])
        self.answer(200, {"data": page}, [("Link", ", ".join(links))] if links else [])


PAD = "p" * 1100  # makes each page_info token about 1.5 KiB, as long cursor tokens are


class Proxy(Base):
    def do_POST(self):
        global faults
        if self.path == "/_faults":
            with lock:
                faults = json.loads(self.body())
            return self.answer(200, {"queued": len(faults)})
        self.answer(404, {"error": {"message": "the proxy forwards GET only"}})

    def do_GET(self):
        if self.path == "/_faults":
            with lock:
                return self.answer(200, {"remaining": len(faults), **served})
        with lock:
            fault = faults.pop(0) if faults else None
            served["faults" if fault else "forwarded"] += 1
        if fault and "status" in fault:
            extra = [("Retry-After", fault["retry_after"])] if "retry_after" in fault else []
            if "should_retry" in fault:
                extra.append(("Stripe-Should-Retry", fault["should_retry"]))
            return self.answer(fault["status"], {"error": {"message": "injected fault"}}, extra)
        if fault and "delay" in fault:
            time.sleep(fault["delay"])
        request = urllib.request.Request(API + self.path, headers={"Authorization": self.headers.get("Authorization", "")})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        if fault and fault.get("truncate"):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.answer(status, data)


api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
API = f"http://127.0.0.1:{api.server_address[1]}"
for server in (api, proxy):
    threading.Thread(target=server.serve_forever, daemon=True).start()
print(api.server_address[1], proxy.server_address[1], flush=True)
threading.Event().wait()
