#!/usr/bin/env bash
# Fails when a C source differs from what clang-format (.clang-format, the project's pinned style)
# makes of it. Fix with: git ls-files '*.c' '*.h' | xargs clang-format -i
set -euo pipefail
root=$1
cd "$root"
if ! command -v clang-format > /dev/null; then
  echo "clang-format is not installed; run scripts/bootstrap" >&2
  exit 1
fi
# Only tracked files, so build trees and generated code are never judged.
git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run --Werror
echo "C sources match .clang-format"
