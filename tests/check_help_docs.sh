#!/usr/bin/env bash
# Fails when docs/agent.md does not contain the current `serve --help` and `ctl --help` text verbatim.
set -euo pipefail
agent=$1
doc=$2
python3 - "$doc" <("$agent" serve --help) <("$agent" ctl --help) <<'PY'
import sys
doc = open(sys.argv[1]).read()
for path, what in ((sys.argv[2], "serve --help"), (sys.argv[3], "ctl --help")):
    text = open(path).read().rstrip("\n")
    if text not in doc:
        sys.exit(f"docs/agent.md is missing the current `weir-agent {what}` output; paste it in")
print("agent docs match --help")
PY
