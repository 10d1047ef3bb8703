/* bench_http_extract.c — times one full listing of a JSON REST resource into zstd stage chunks with
 * the agent's own code (the source_http backend + stage_writer), as a full-refresh run extracts it,
 * and reports records/s and peak RSS. Driven by run.sh against a loopback static server.
 * Usage: bench_http_extract BASE_URL OUT_DIR */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "http_source.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_http_extract BASE_URL OUT_DIR\n");
        return 2;
    }
    /* The pages link to each other through "next"; the rate limit is lifted so only the work of
     * fetching, parsing and staging is measured. */
    char spec[1024];
    snprintf(spec, sizeof spec,
             "{\"name\":\"bench\",\"base_url\":\"%s\",\"requests_per_second\":100000,"
             "\"resource\":[{\"name\":\"charges\",\"path\":\"/pages/1.json\",\"primary_key\":[\"id\"],"
             "\"paginator\":{\"type\":\"next_url\",\"next_url\":\"/next\",\"max_pages\":1000000}}]}",
             argv[1]);
    weir_err_t err;
    source_session_t *session = NULL;
    stage_writer_t *writer = NULL;
    if (http_source_ops.open(spec, NULL, &session, &err) != WEIR_OK ||
        stage_writer_open(argv[2], 128u << 20, 1, &writer, &err) != WEIR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    source_window_t window = {.table = "charges"};
    source_extract_t result = {0};
    stage_stats_t stats;
    if (http_source_ops.extract(session, &window, writer, &result, &err) != WEIR_OK ||
        stage_writer_close(writer, &stats, &err) != WEIR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("rows=%llu seconds=%.3f rows_per_s=%.0f columns=%zu csv_mb=%.1f zstd_mb=%.1f chunks=%u peak_rss_mb=%.1f\n",
           (unsigned long long)result.rows, seconds, (double)result.rows / seconds, result.columns.count,
           (double)stats.raw_bytes / 1048576.0, (double)stats.compressed_bytes / 1048576.0, stats.chunks,
           (double)usage.ru_maxrss / 1024.0);
    source_extract_free(&result);
    http_source_ops.close(session);
    return 0;
}
