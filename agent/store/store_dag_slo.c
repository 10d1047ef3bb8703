/* store_dag_slo.c — SLO figures from dag_runs and transform_runs (store_dag_slo.h). */
#include "store_dag_slo.h"

#include <stdlib.h>

#include "store_internal.h"

weir_status_t store_dag_runs_touching(store_t *store, const char *names_json, const char *since, long long *settled,
                                      long long *failed, weir_err_t *err)
{
    *settled = *failed = 0;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT COUNT(*), COALESCE(SUM(d.state = 'failed'), 0) FROM dag_runs d WHERE d.state <> 'running' AND "
        "d.finished_at >= ?2 AND EXISTS (SELECT 1 FROM dag_run_members mm LEFT JOIN runs r ON mm.kind = 'load' AND "
        "r.id = mm.run_id LEFT JOIN transform_runs t ON mm.kind = 'transform' AND t.id = mm.run_id WHERE "
        "mm.dag_run = d.id AND COALESCE(r.pipeline || '/' || r.table_name, t.transform) IN "
        "(SELECT value FROM json_each(?1)))",
        "tt", names_json, since);
    if (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        *settled = sqlite3_column_int64(stmt, 0);
        *failed = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_transform_latencies(store_t *store, const char *transform, const char *since, double **out,
                                        size_t *count, weir_err_t *err)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT (julianday(finished_at) - julianday(source_at)) * 86400 AS latency FROM transform_runs WHERE "
        "transform = ?1 AND state = 'succeeded' AND source_at <> '' AND finished_at >= ?2 ORDER BY latency",
        "tt", transform, since);
    int step = SQLITE_DONE;
    while (result == WEIR_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            double *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                result = WEIR_ERR_NOMEM;
                break;
            }
            *out = grown;
        }
        (*out)[(*count)++] = sqlite3_column_double(stmt, 0);
    }
    if (result == WEIR_OK && step != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        result = WEIR_ERR_IO;
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result != WEIR_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return result;
}

void store_transform_latest_latency(store_t *store, const char *transform, double *out)
{
    *out = 0;
    sqlite3_stmt *stmt = NULL;
    weir_err_t ignored;
    pthread_mutex_lock(&store->lock);
    if (store__prepare_bound(store, &stmt, &ignored,
                             "SELECT (julianday(finished_at) - julianday(source_at)) * 86400 FROM transform_runs "
                             "WHERE transform = ?1 AND state = 'succeeded' AND source_at <> '' "
                             "ORDER BY finished_at DESC LIMIT 1",
                             "t", transform) == WEIR_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        *out = sqlite3_column_double(stmt, 0);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
}
