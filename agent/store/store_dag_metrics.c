/* store_dag_metrics.c — the DAG's Prometheus families, computed from the store at scrape time:
 * DAG runs by result, transform runs by state, the source-to-analytics-ready latency histogram,
 * the declared objectives, and what the retention step deleted. */
#include <stdio.h>
#include <string.h>

#include "spec.h"
#include "store_internal.h"

/* One gauge or counter family: label columns first, the value last. */
static weir_status_t family(store_t *store, weir_buf_t *out, const char *name, const char *type, const char *help,
                            const char *sql, const char *const *labels, int label_count, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    if (result == WEIR_OK)
        result = store__prepare(store, sql, &stmt, err);
    int step = SQLITE_DONE;
    while (result == WEIR_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        result = buf_puts(out, name);
        for (int i = 0; result == WEIR_OK && i < label_count; i++)
            result = (i == 0 ? buf_putc(out, '{') : WEIR_OK) == WEIR_OK
                ? store__metric_label(out, labels[i], sqlite3_column_text(stmt, i), i == 0)
                : WEIR_ERR_NOMEM;
        if (result == WEIR_OK)
            result = buf_printf(out, "%s %.17g\n", label_count ? "}" : "", sqlite3_column_double(stmt, label_count));
    }
    if (result == WEIR_OK && step != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        result = WEIR_ERR_IO;
    }
    sqlite3_finalize(stmt);
    return result;
}

/* Upper bounds of the latency buckets, seconds: a minute to a day, dense around 30 minutes. */
static const double latency_buckets[] = {60, 300, 600, 900, 1200, 1800, 2700, 3600, 7200, 14400, 43200, 86400};

#define LATENCY "(julianday(finished_at) - julianday(source_at)) * 86400"

/* weir_ready_latency_seconds: a histogram per transform over every succeeded run whose source
 * snapshot is known (cumulative since the store began, as Prometheus counters are). */
static weir_status_t latency_histogram(store_t *store, weir_buf_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = buf_puts(out,
                                    "# HELP weir_ready_latency_seconds Source-to-analytics-ready latency of "
                                    "transform runs: publish minus the oldest extract snapshot consumed.\n"
                                    "# TYPE weir_ready_latency_seconds histogram\n");
    char sql[1600];
    size_t used = (size_t)snprintf(sql, sizeof sql, "SELECT transform");
    for (size_t b = 0; b < sizeof latency_buckets / sizeof latency_buckets[0]; b++)
        used += (size_t)snprintf(sql + used, sizeof sql - used, ", SUM(" LATENCY " <= %g)", latency_buckets[b]);
    snprintf(sql + used, sizeof sql - used,
             ", COUNT(*), SUM(" LATENCY ") FROM transform_runs WHERE state = 'succeeded' AND source_at <> '' "
             "GROUP BY transform ORDER BY transform");
    if (result == WEIR_OK)
        result = store__prepare(store, sql, &stmt, err);
    size_t buckets = sizeof latency_buckets / sizeof latency_buckets[0];
    while (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *transform = sqlite3_column_text(stmt, 0);
        for (size_t b = 0; result == WEIR_OK && b <= buckets; b++) {
            char le[32];
            snprintf(le, sizeof le, b < buckets ? "%g" : "+Inf", b < buckets ? latency_buckets[b] : 0.0);
            result = buf_puts(out, "weir_ready_latency_seconds_bucket{");
            if (result == WEIR_OK)
                result = store__metric_label(out, "transform", transform, true);
            if (result == WEIR_OK)
                result = store__metric_label(out, "le", (const unsigned char *)le, false);
            if (result == WEIR_OK)
                result = buf_printf(out, "} %lld\n", (long long)sqlite3_column_int64(stmt, (int)b + 1));
        }
        for (int part = 0; result == WEIR_OK && part < 2; part++) {
            result = buf_puts(out, part ? "weir_ready_latency_seconds_sum{" : "weir_ready_latency_seconds_count{");
            if (result == WEIR_OK)
                result = store__metric_label(out, "transform", transform, true);
            if (result == WEIR_OK)
                result = buf_printf(out, "} %.17g\n", sqlite3_column_double(stmt, (int)buckets + 1 + part));
        }
    }
    sqlite3_finalize(stmt);
    return result;
}

/* weir_slo_latency_objective_seconds: the stored specs hold durations as written ("30m"). */
static weir_status_t latency_objectives(store_t *store, weir_buf_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = buf_puts(out,
                                    "# HELP weir_slo_latency_objective_seconds A transform's declared "
                                    "slo_latency, in seconds.\n# TYPE weir_slo_latency_objective_seconds gauge\n");
    if (result == WEIR_OK)
        result = store__prepare(store,
                                "SELECT name, json_extract(spec_json, '$.slo_latency') FROM objects WHERE kind = "
                                "'transform' AND json_type(spec_json, '$.slo_latency') = 'text' ORDER BY 1",
                                &stmt, err);
    while (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        long long seconds;
        if (!spec_duration_seconds((const char *)sqlite3_column_text(stmt, 1), &seconds))
            continue; /* validated at apply: never expected */
        result = buf_puts(out, "weir_slo_latency_objective_seconds{");
        if (result == WEIR_OK)
            result = store__metric_label(out, "transform", sqlite3_column_text(stmt, 0), true);
        if (result == WEIR_OK)
            result = buf_printf(out, "} %lld\n", seconds);
    }
    sqlite3_finalize(stmt);
    return result;
}

static const char *const by_result[] = {"result"};
static const char *const by_transform[] = {"transform"};
static const char *const by_transform_state[] = {"transform", "state"};
static const char *const by_object[] = {"kind", "object"};
static const char *const by_object_state[] = {"kind", "object", "state"};

weir_status_t store__dag_metrics_write(store_t *store, weir_buf_t *out, weir_err_t *err)
{
    weir_status_t result = family(store, out, "weir_dag_runs_total", "counter",
                                  "Settled DAG runs by result (succeeded only when every member did).",
                                  "SELECT r.result, (SELECT COUNT(*) FROM dag_runs d WHERE d.state = r.result) FROM "
                                  "(SELECT 'succeeded' AS result UNION ALL SELECT 'failed') r ORDER BY 1",
                                  by_result, 1, err);
    if (result == WEIR_OK)
        result = family(store, out, "weir_dag_runs_running", "gauge", "DAG runs with a member still running.",
                        "SELECT COUNT(*) FROM dag_runs WHERE state = 'running'", NULL, 0, err);
    if (result == WEIR_OK)
        result = family(store, out, "weir_transform_runs", "gauge", "Transform runs by state (history included).",
                        "SELECT transform, state, COUNT(*) FROM transform_runs GROUP BY 1, 2 ORDER BY 1, 2",
                        by_transform_state, 2, err);
    if (result == WEIR_OK)
        result = latency_histogram(store, out, err);
    if (result == WEIR_OK)
        result =
            family(store, out, "weir_slo_success_ratio_objective", "gauge", "A transform's declared slo_success_ratio.",
                   "SELECT name, json_extract(spec_json, '$.slo_success_ratio') FROM objects WHERE kind = "
                   "'transform' AND json_type(spec_json, '$.slo_success_ratio') IN ('real', 'integer') ORDER BY 1",
                   by_transform, 1, err);
    if (result == WEIR_OK)
        result = latency_objectives(store, out, err);
    if (result == WEIR_OK)
        result = family(store, out, "weir_retention_rows_deleted_total", "counter",
                        "Rows the retention step deleted, by pipeline table or transform.",
                        "SELECT object_kind, object, SUM(rows_deleted) FROM retention_runs GROUP BY 1, 2 ORDER BY 1, 2",
                        by_object, 2, err);
    if (result == WEIR_OK)
        result = family(store, out, "weir_retention_last_run_timestamp_seconds", "gauge",
                        "When the retention step last ran on a pipeline table or transform, by its outcome.",
                        "SELECT object_kind, object, state, MAX((julianday(started_at) - 2440587.5) * 86400) "
                        "FROM retention_runs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                        by_object_state, 3, err);
    return result;
}
