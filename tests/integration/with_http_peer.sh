#!/usr/bin/env bash
# Makes a throwaway self-signed certificate for 127.0.0.1, starts tests/integration/http_peer.py
# (plain and TLS listeners on free loopback ports), runs the command with WEIR_TEST_HTTP_URL,
# WEIR_TEST_HTTPS_URL and WEIR_TEST_HTTPS_CA set, then stops the server.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-http-peer.XXXXXX")
trap 'kill $peer 2>/dev/null || true; rm -rf "$work"' EXIT
peer=
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null
mkfifo "$work/ports"
python3 "$here/http_peer.py" "$work/cert.pem" "$work/key.pem" > "$work/ports" &
peer=$!
read -r -t 20 port tls_port < "$work/ports"
export WEIR_TEST_HTTP_URL=http://127.0.0.1:$port WEIR_TEST_HTTPS_URL=https://127.0.0.1:$tls_port
export WEIR_TEST_HTTPS_CA=$work/cert.pem
"$@"
