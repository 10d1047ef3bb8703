#!/usr/bin/env python3
"""Serves a directory over HTTPS on loopback: the provider network mirror for the release test.

Usage: https_mirror.py ROOT CERT KEY PORT_FILE [SECONDS]
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE once listening, logs each request
to stderr, and exits by itself after SECONDS (default 300) so a failed test leaves nothing behind.
"""
import functools
import http.server
import os
import ssl
import sys
import threading


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    root, cert, key, port_file = sys.argv[1:5]
    seconds = float(sys.argv[5]) if len(sys.argv) == 6 else 300.0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Timer(seconds, server.shutdown).start()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, port_file)
    server.serve_forever()
    os._exit(0)  # the timer thread may still be waiting when killed early


if __name__ == "__main__":
    main()
