#!/usr/bin/env bash
# Fails when docs/ (index, resources, data-sources) differ from what weir-docgen generates from the spec tables.
set -euo pipefail
docgen=$1
docs=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$docgen" "$out"
if ! diff -ru "$out/resources" "$docs/resources" || ! diff -ru "$out/data-sources" "$docs/data-sources" ||
   ! diff -u "$out/index.md" "$docs/index.md"; then
  echo "docs are stale: run 'build/weir-docgen docs' and commit the result" >&2
  exit 1
fi
echo "docs match the spec tables"
