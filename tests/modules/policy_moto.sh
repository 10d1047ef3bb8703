#!/usr/bin/env bash
# (b) Starts moto (signatures and IAM policies checked) on a loopback port, runs policy_moto.py
# with the policy_probe binary, stops moto. Usage: policy_moto.sh PATH/TO/policy_probe
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=$root/.tools
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-policy.XXXXXX")
pid=
cleanup() { [[ -n $pid ]] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tools/moto/bin/moto_server" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/" && break; sleep 0.1; done
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION
export AWS_REGION=eu-central-1 AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9
"$tools/moto/bin/python" "$root/tests/modules/policy_moto.py" "$1" "$work" || { tail -20 "$work/moto.log" >&2; exit 1; }
