#!/usr/bin/env bash
# Fails when docs/grafana-dashboard.json is not valid JSON, or one of its queries names a weir_*
# metric the agent does not expose (the names are taken from the agent's metric sources).
set -euo pipefail
root=$1
python3 - "$root" <<'PY'
import json, pathlib, re, sys
root = pathlib.Path(sys.argv[1])
dash = json.loads((root / "docs/grafana-dashboard.json").read_text())
source = "".join(p.read_text() for p in (root / "agent/store").glob("store_*metrics*.c"))
known = set(re.findall(r"\"(weir_[a-z_]+)", source)) | set(re.findall(r"TYPE (weir_[a-z_]+)", source)) | set(re.findall(r'\b(weir_[a-z_]+)\{', source))
exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
used = {m for e in exprs for m in re.findall(r"\b(weir_[a-z_]+)", e)}
# a histogram's series carry suffixes
unknown = sorted(m for m in used if m not in known and re.sub(r"_(bucket|sum|count)$", "", m) not in known)
if unknown:
    sys.exit(f"docs/grafana-dashboard.json uses metrics the agent does not expose: {', '.join(unknown)}")
ids = [p["id"] for p in dash["panels"]]
if len(ids) != len(set(ids)):
    sys.exit("docs/grafana-dashboard.json: panel ids repeat")
print(f"dashboard queries name {len(used)} known metrics")
PY
