#!/usr/bin/env bash
# Starts moto (Secrets Manager, SSM and IAM from PyPI, with signature and policy checks on) and the
# EC2 instance metadata mock (IMDSv2 only) on loopback ports, seeds them, runs the command with the
# agent's AWS environment pointing at them, then stops both. Usage: with_aws.sh COMMAND [ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=$root/.tools
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-aws.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url
  for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "with_aws: $1 did not come up" >&2; cat "$work"/*.log >&2; exit 1
}

moto_port=$(free_port)
"$tools/moto/bin/moto_server" -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$moto_port/moto-api/"
region=eu-central-1
seed=$("$tools/moto/bin/python" "$root/tests/integration/aws_seed.py" "http://127.0.0.1:$moto_port" "$region")
# From here on every call must be signed by a known key and allowed by its policy.
curl -sf -X POST "http://127.0.0.1:$moto_port/moto-api/reset-auth" -H "Content-Type: text/plain" --data-binary 0 > /dev/null

imds_port=$(free_port)
expires=$(date -u -d '+6 hours' +%Y-%m-%dT%H:%M:%SZ)
python3 - "$seed" "$expires" > "$work/imds.json" <<'PY'
import json, sys
seed = json.loads(sys.argv[1])
print(json.dumps({"metadata": {"values": {
    "iam-security-credentials-role": "weir-agent-instance",
    "iam-security-credentials": {"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": "2026-01-01T00:00:00Z",
                                 "AccessKeyId": seed["role_key_id"], "SecretAccessKey": seed["role_secret_key"],
                                 "Token": seed["role_token"], "Expiration": sys.argv[2]},
    "placement-region": "eu-central-1"}}}))
PY
(cd "$work" && HOME=$work "$tools/bin/ec2-metadata-mock" -n 127.0.0.1 -p "$imds_port" -I -c "$work/imds.json" > "$work/imds.log" 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$imds_port/"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$imds_port
export AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
export WEIR_TEST_AWS_SECRET_ARN=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["arn"])' "$seed")
export WEIR_TEST_KMS_KEY_ARN=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["kms_key_arn"])' "$seed")
export WEIR_TEST_AWS_ACCESS_KEY_ID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["access_key_id"])' "$seed")
"$@"
