"""Extracts the benchmark table with dlt's sql_table source (pyarrow backend, its fastest) into local
parquet files, and prints the elapsed seconds. Connection from the WEIR_TEST_PG_* variables."""
import os
import sys
import time

os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
import dlt  # noqa: E402
from dlt.sources.sql_database import sql_table  # noqa: E402

table, out_dir = sys.argv[1], sys.argv[2]
credentials = "postgresql+psycopg2://{}:{}@{}:{}/{}".format(
    os.environ["WEIR_TEST_PG_USER"], os.environ["WEIR_TEST_PG_PASSWORD"], os.environ["WEIR_TEST_PG_HOST"],
    os.environ["WEIR_TEST_PG_PORT"], os.environ["WEIR_TEST_PG_DB"])
pipeline = dlt.pipeline(pipeline_name="bench", pipelines_dir=os.path.join(out_dir, "state"),
                        destination=dlt.destinations.filesystem(bucket_url=os.path.join(out_dir, "files")),
                        dataset_name="bench")
start = time.perf_counter()
info = pipeline.run(sql_table(credentials=credentials, table=table, backend="pyarrow"), loader_file_format="parquet")
elapsed = time.perf_counter() - start
print(f"seconds={elapsed:.3f}")
