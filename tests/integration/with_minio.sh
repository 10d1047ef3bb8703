#!/usr/bin/env bash
# Starts MinIO (built from the Go module proxy) on a loopback port with a static KMS key, creates the
# stage bucket, runs the command with the agent's AWS environment pointing at it, then stops it.
# Usage: with_minio.sh COMMAND [ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/weir-minio.XXXXXX")
pid=""
cleanup() {
  [[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user=weir-test-root
password=$(openssl rand -hex 16)
MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$password MINIO_UPDATE=off MINIO_BROWSER=off \
  MINIO_KMS_SECRET_KEY="weir-stage-key:$(openssl rand -base64 32)" \
  "$root/.tools/bin/minio" server --quiet --address "127.0.0.1:$port" "$work/data" > "$work/minio.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/minio/health/ready" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/minio/health/ready" || { cat "$work/minio.log" >&2; exit 1; }
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$user:$password" -X PUT "http://127.0.0.1:$port/weir-stage" ||
  { echo "with_minio: cannot create the bucket" >&2; cat "$work/minio.log" >&2; exit 1; }
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=$user AWS_SECRET_ACCESS_KEY=$password AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$port WEIR_TEST_S3_BUCKET=weir-stage
"$@"
