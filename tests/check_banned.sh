#!/usr/bin/env bash
# Fails when C sources call functions STYLE.md bans (unbounded copies and unchecked conversions).
set -euo pipefail
root=$1
if grep -rnE '(^|[^_[:alnum:]])(strcpy|strcat|sprintf|vsprintf|atoi|atol|atoll|strtok|gets)\(' \
     --include='*.c' --include='*.h' "$root/common" "$root/provider" "$root/agent" "$root/review" "$root/tests" "$root/docs"; then
  echo "use snprintf, strtol/strtoll with checks, or strtok_r instead" >&2
  exit 1
fi
echo "no banned calls"
