#!/usr/bin/env bash
# Hand-written fake of weir-aws for the boot script test (d): no AWS here; the real helper is run
# against moto in policy_moto.sh (b). It records each call and serves local files.
set -euo pipefail
echo "$*" >> "$FAKE_AWS_LOG"
case $1 in
  attach-volume) [[ $2 == vol-* && $3 == /dev/* ]] ;;
  s3-get) cp "$FAKE_AWS_DEB" "$3" ;;
  ssm-get) printf '%s' "token-from-ssm-0123456789" > "$3" ;;
  ssm-put) cp "$3" "$FAKE_AWS_DIR/published-ca.pem" ;;
  *) echo "fake weir-aws: unexpected $1" >&2; exit 2 ;;
esac
