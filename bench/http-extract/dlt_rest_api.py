"""dlt's rest_api source over the benchmark's pages (run.sh) into local files through the filesystem
destination (jsonl, dlt's default there): extract, normalize and load, as `pipeline.run` does.
Prints rows, seconds and this process's peak RSS. Usage: dlt_rest_api.py BASE_URL OUT_DIR"""
import resource
import sys
import time

import dlt
from dlt.sources.rest_api import rest_api_source

base, out = sys.argv[1], sys.argv[2]
source = rest_api_source({
    "client": {"base_url": base + "/", "paginator": {"type": "json_link", "next_url_path": "next"}},
    "resources": [{"name": "charges", "endpoint": {"path": "pages/1.json", "data_selector": "data"}}],
})
pipeline = dlt.pipeline(pipeline_name="bench_http", pipelines_dir=out + "/pipelines",
                        destination=dlt.destinations.filesystem(bucket_url="file://" + out + "/files"),
                        dataset_name="bench")
start = time.monotonic()
info = pipeline.run(source)
seconds = time.monotonic() - start
rows = pipeline.last_trace.last_normalize_info.row_counts.get("charges", 0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"rows={rows} seconds={seconds:.3f} rows_per_s={rows / seconds:.0f} peak_rss_mb={rss:.1f}")
