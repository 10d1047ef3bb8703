"""Per-hop scheduler latency of a DAG benchmark run, from the agent's store: for every succeeded
transform run, the commit of the newest input it consumed (the publish that made it ready) → the
run queued (the DAG scheduler noticed) and → the run started (a transform worker took it).
Usage: measure.py WEIR_DB"""
import json
import sqlite3
import sys
from datetime import datetime


def epoch(stamp):
    return datetime.strptime(stamp.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # nearest rank
    return ordered[int(rank) - 1]


db = sqlite3.connect(sys.argv[1])
queued, started = [], []
for created, started_at, consumed in db.execute(
        "SELECT created_at, started_at, consumed_json FROM transform_runs WHERE state = 'succeeded'"):
    ids = list(json.loads(consumed).values())
    marks = ",".join("?" * len(ids))
    (last_publish,) = db.execute(f"SELECT MAX(finished_at) FROM runs WHERE id IN ({marks})", ids).fetchone()
    if not last_publish:
        continue
    queued.append(epoch(created) - epoch(last_publish))
    started.append(epoch(started_at) - epoch(last_publish))
loads = db.execute("SELECT COUNT(*) FROM runs WHERE state = 'committed'").fetchone()[0]
print(f"{len(queued)} transform runs after {loads} committed loads")
for name, values in (("last input commit -> transform queued", queued), ("last input commit -> transform started", started)):
    print(f"{name}: median {percentile(values, 50):.3f} s, p99 {percentile(values, 99):.3f} s, max {max(values):.3f} s")
