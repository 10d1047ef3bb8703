/* store_metrics.c — Prometheus metric families from SQL aggregates over runs, watermarks, checks
 * and backfills. */
#include "store_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "timestamp.h"

/* A label value with \, " and newline escaped as the exposition format wants. */
weir_status_t store__metric_label(weir_buf_t *out, const char *name, const unsigned char *value, bool first)
{
    weir_status_t result = buf_printf(out, "%s%s=\"", first ? "" : ",", name);
    for (const unsigned char *p = value ? value : (const unsigned char *)""; result == WEIR_OK && *p; p++)
        result = *p == '\\' ? buf_puts(out, "\\\\")
            : *p == '"'     ? buf_puts(out, "\\\"")
            : *p == '\n'    ? buf_puts(out, "\\n")
                            : buf_putc(out, *p);
    return result == WEIR_OK ? buf_putc(out, '"') : result;
}

typedef struct {
    const char *name, *type, *help;
    const char *sql;           /* label columns first, the value last */
    const char *const *labels; /* names of the label columns */
    int label_count;
} family_t;

static const char *const by_table[] = {"pipeline", "table"};
static const char *const by_table_state[] = {"pipeline", "table", "state"};
static const char *const by_check[] = {"check", "pipeline", "table", "kind", "severity", "stage"};
static const char *const by_backfill[] = {"backfill", "pipeline", "table", "state"};
static const char *const by_step[] = {"pipeline", "table", "step"};
static const char *const by_pipeline[] = {"pipeline"};

/* The newest committed regular run of each table. */
#define NEWEST_COMMITTED                                                                            \
    "state = 'committed' AND backfill = '' AND finished_at = (SELECT MAX(finished_at) FROM runs n " \
    "WHERE n.pipeline = r.pipeline AND n.table_name = r.table_name AND n.state = 'committed' AND n.backfill = '')"

static const family_t families[] = {
    {"weir_runs", "gauge", "Runs by pipeline table and state (history included).",
     "SELECT pipeline, table_name, state, COUNT(*) FROM runs GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", by_table_state, 3},
    {"weir_rows_extracted_total", "counter", "Rows extracted by committed runs.",
     "SELECT pipeline, table_name, SUM(rows_extracted) FROM runs WHERE state = 'committed' GROUP BY 1, 2 ORDER BY 1, 2",
     by_table, 2},
    {"weir_rows_loaded_total", "counter", "Rows loaded (staged and merged) by committed runs.",
     "SELECT pipeline, table_name, SUM(rows_loaded) FROM runs WHERE state = 'committed' GROUP BY 1, 2 ORDER BY 1, 2",
     by_table, 2},
    {"weir_bytes_extracted_total", "counter", "CSV bytes extracted by committed runs (before compression).",
     "SELECT pipeline, table_name, SUM(bytes_extracted) FROM runs WHERE state = 'committed' GROUP BY 1, 2 ORDER BY 1, "
     "2",
     by_table, 2},
    {"weir_bytes_loaded_total", "counter", "Compressed chunk bytes loaded into the warehouse by committed runs.",
     "SELECT pipeline, table_name, SUM(bytes_staged) FROM runs WHERE state = 'committed' GROUP BY 1, 2 ORDER BY 1, 2",
     by_table, 2},
    {"weir_last_run_duration_seconds", "gauge", "Start to commit of the newest committed regular run.",
     "SELECT pipeline, table_name, (julianday(finished_at) - julianday(started_at)) * 86400 FROM runs r "
     "WHERE " NEWEST_COMMITTED " GROUP BY 1, 2 ORDER BY 1, 2",
     by_table, 2},
    {"weir_step_duration_seconds", "gauge", "Time the newest committed regular run spent per step.",
     "SELECT pipeline, table_name, 'extract', extract_seconds FROM runs r WHERE " NEWEST_COMMITTED
     " UNION ALL SELECT pipeline, table_name, 'load', load_seconds FROM runs r WHERE " NEWEST_COMMITTED
     " ORDER BY 1, 2, 3",
     by_step, 3},
    {"weir_pipeline_paused", "gauge", "Pipelines an operator paused (1 while paused).",
     "SELECT pipeline, 1 FROM paused_pipelines ORDER BY 1", by_pipeline, 1},
    {"weir_last_success_timestamp_seconds", "gauge", "When the newest regular run of the table committed.",
     "SELECT pipeline, table_name, MAX((julianday(finished_at) - 2440587.5) * 86400) FROM runs WHERE state = "
     "'committed' "
     "AND backfill = '' GROUP BY 1, 2 ORDER BY 1, 2",
     by_table, 2},
    {"weir_check_passed", "gauge", "Latest result of each quality check: 1 passed, 0 failed.",
     "SELECT check_name, pipeline, table_name, kind, severity, stage, passed FROM check_results WHERE id IN "
     "(SELECT MAX(id) FROM check_results GROUP BY check_name) ORDER BY 1",
     by_check, 6},
    {"weir_check_failures_total", "counter", "Failed check results, all runs.",
     "SELECT check_name, pipeline, table_name, kind, severity, stage, SUM(passed = 0) FROM check_results "
     "GROUP BY 1 ORDER BY 1",
     by_check, 6},
    {"weir_backfill_chunks", "gauge", "Backfill chunks by state.",
     "SELECT b.name, b.pipeline, b.table_name, c.state, COUNT(*) FROM backfills b JOIN backfill_chunks c "
     "ON c.backfill = b.name GROUP BY 1, 2, 3, 4 ORDER BY 1, 4",
     by_backfill, 4},
    {"weir_quarantined_runs", "gauge", "Runs held in quarantine, waiting for release or discard.",
     "SELECT COUNT(*) FROM runs WHERE state = 'quarantined'", NULL, 0},
    {"weir_active_runs", "gauge", "Runs holding a worker now.",
     "SELECT COUNT(*) FROM runs WHERE state IN ('extracting', 'staged', 'loading', 'published')", NULL, 0},
    {"weir_queued_runs", "gauge", "Runs waiting for a worker, a start time or a concurrency slot.",
     "SELECT COUNT(*) FROM runs WHERE state = 'queued'", NULL, 0},
};

static weir_status_t write_family(store_t *store, const family_t *family, weir_buf_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result =
        buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", family->name, family->help, family->name, family->type);
    if (result == WEIR_OK)
        result = store__prepare(store, family->sql, &stmt, err);
    int step;
    while (result == WEIR_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        result = buf_puts(out, family->name);
        if (result == WEIR_OK && family->label_count)
            result = buf_putc(out, '{');
        for (int i = 0; result == WEIR_OK && i < family->label_count; i++)
            result = store__metric_label(out, family->labels[i], sqlite3_column_text(stmt, i), i == 0);
        if (result == WEIR_OK && family->label_count)
            result = buf_putc(out, '}');
        if (result == WEIR_OK)
            result = buf_printf(out, " %.17g\n", sqlite3_column_double(stmt, family->label_count));
    }
    if (result == WEIR_OK && step != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        result = WEIR_ERR_IO;
    }
    sqlite3_finalize(stmt);
    return result;
}

/* Lag of each time-typed watermark behind `now`. */
static weir_status_t write_lag(store_t *store, time_t now, weir_buf_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result =
        buf_puts(out,
                 "# HELP weir_watermark_lag_seconds How far the committed watermark (a time cursor) is "
                 "behind now.\n# TYPE weir_watermark_lag_seconds gauge\n");
    if (result == WEIR_OK)
        result = store__prepare(store,
                                "SELECT pipeline, table_name, value FROM watermarks WHERE value IS NOT NULL "
                                "ORDER BY 1, 2",
                                &stmt, err);
    while (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        double epoch;
        if (!timestamp_parse((const char *)sqlite3_column_text(stmt, 2), &epoch))
            continue;
        result = buf_puts(out, "weir_watermark_lag_seconds{");
        if (result == WEIR_OK)
            result = store__metric_label(out, "pipeline", sqlite3_column_text(stmt, 0), true);
        if (result == WEIR_OK)
            result = store__metric_label(out, "table", sqlite3_column_text(stmt, 1), false);
        if (result == WEIR_OK)
            result = buf_printf(out, "} %.3f\n", (double)now - epoch);
    }
    sqlite3_finalize(stmt);
    return result;
}

weir_status_t store_metrics_write(store_t *store, time_t now, weir_buf_t *out, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; result == WEIR_OK && i < sizeof families / sizeof families[0]; i++)
        result = write_family(store, &families[i], out, err);
    if (result == WEIR_OK)
        result = write_lag(store, now, out, err);
    if (result == WEIR_OK)
        result = store__dag_metrics_write(store, out, err);
    pthread_mutex_unlock(&store->lock);
    weir_status_t up = buf_printf(out,
                                  "# HELP weir_store_up Whether the store answered this scrape.\n"
                                  "# TYPE weir_store_up gauge\nweir_store_up %d\n",
                                  result == WEIR_OK);
    return result == WEIR_OK ? up : result;
}
