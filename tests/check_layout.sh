#!/usr/bin/env bash
# Fails when the agent's layout rules (docs/architecture.md) are broken in a way the per-folder
# include paths cannot catch: a header reached by a relative path, the run state machine naming a
# backend, or a function longer than a reader can hold in mind.
set -euo pipefail
root=$1
status=0

# Headers are included by name; each folder's CMake library decides which names it can see.
if grep -rnE '#include "[^"]*/[^"]*"' --include='*.c' --include='*.h' "$root/agent" | grep -v 'weir/agent/v1/agent.pb-c.h'; then
  echo "include headers by name, not by path: a folder sees only the libraries it links" >&2
  status=1
fi

# runs/ reaches sources and destinations only through sources/source.h and destinations/destination.h.
if grep -rnE '\b(pg_[a-z_]+|PQ[a-zA-Z]+|sf_[a-z_]+|[Ss]nowflake|[Pp]ostgre(s|SQL))' "$root/agent/runs"; then
  echo "agent/runs must not name a source or destination backend: go through the interfaces" >&2
  status=1
fi

# No function in agent/ over 120 lines (body between a line "{" and the next line "}").
long=$(find "$root/agent" -name '*.c' -print0 | xargs -0 awk '
  /^\{/ { start = FNR; name = previous }
  /^\}/ { if (start && FNR - start > 120) printf "%s:%d: %d lines: %s\n", FILENAME, start, FNR - start, name; start = 0 }
  { previous = $0 }')
if [[ -n $long ]]; then
  echo "$long"
  echo "split functions over 120 lines into named steps" >&2
  status=1
fi

(( status == 0 )) && echo "agent layout rules hold"
exit $status
