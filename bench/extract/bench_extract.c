/* bench_extract.c — times one full extraction of a PostgreSQL table into zstd stage chunks with the
 * agent's own code (pg_extract + stage_writer) and reports rows/s and peak RSS. Driven by run.sh.
 * Usage: bench_extract TABLE OUT_DIR   (connection from WEIR_TEST_PG_* as the harness sets it;
 * WEIR_BENCH_SEAL_KEY_FILE seals the chunks as an agent with a key does) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "pg_extract.h"
#include "sealer.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_extract TABLE OUT_DIR\n");
        return 2;
    }
    pg_source_t source = {.host = getenv("WEIR_TEST_PG_HOST"),
                          .port = (int)strtol(getenv("WEIR_TEST_PG_PORT"), NULL, 10),
                          .database = getenv("WEIR_TEST_PG_DB"),
                          .user = getenv("WEIR_TEST_PG_USER"),
                          .password = getenv("WEIR_TEST_PG_PASSWORD"),
                          .sslmode = "disable"};
    weir_err_t err;
    PGconn *conn = pg_source_connect(&source, &err);
    stage_writer_t *writer = NULL;
    sealer_t *sealer = NULL;
    const char *key_file = getenv("WEIR_BENCH_SEAL_KEY_FILE");
    if (!conn || stage_writer_open(argv[2], 128u << 20, 1, &writer, &err) != WEIR_OK ||
        (key_file && sealer_from_new_key_file(key_file, &sealer, &err) != WEIR_OK)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (sealer)
        stage_writer_seal(writer, sealer);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pg_extract_request_t request = {.table = argv[1]};
    pg_extract_result_t result;
    stage_stats_t stats;
    if (pg_extract_table(conn, &request, writer, &result, &err) != WEIR_OK ||
        stage_writer_close(writer, &stats, &err) != WEIR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("rows=%llu seconds=%.3f rows_per_s=%.0f csv_mb=%.1f zstd_mb=%.1f chunks=%u peak_rss_mb=%.1f\n",
           (unsigned long long)result.rows, seconds, (double)result.rows / seconds, (double)stats.raw_bytes / 1048576.0,
           (double)stats.compressed_bytes / 1048576.0, stats.chunks, (double)usage.ru_maxrss / 1024.0);
    pg_extract_result_free(&result);
    PQfinish(conn);
    sealer_free(sealer);
    return 0;
}
