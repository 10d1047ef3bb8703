/* store_retention.c — retention passes in SQLite (store_retention.h). */
#include "store_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

weir_status_t store_retention_record(store_t *store, const store_retention_run_t *run, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__exec_bound(
        store, NULL, err,
        "INSERT INTO retention_runs (object_kind, object, target, cutoff, state, rows_deleted, batches, started_at, "
        "finished_at, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        "tttttIIttt", run->object_kind, run->object, run->target, run->cutoff, run->state, run->rows_deleted,
        run->batches, run->started_at, run->finished_at, run->detail);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_retention_last_start(store_t *store, const char *object_kind, const char *object, char *out,
                                         size_t size, weir_err_t *err)
{
    out[0] = '\0';
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err, "SELECT MAX(started_at) FROM retention_runs WHERE object_kind = ?1 AND object = ?2", "tt",
        object_kind, object);
    if (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW)
        store__column_text(stmt, 0, out, size);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_retention_latest(store_t *store, store_retention_run_t **out, size_t *count, weir_err_t *err)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare(
        store,
        "SELECT object_kind, object, target, cutoff, state, rows_deleted, batches, started_at, finished_at, detail, "
        "(SELECT SUM(a.rows_deleted) FROM retention_runs a WHERE a.object_kind = r.object_kind AND a.object = "
        "r.object) FROM retention_runs r WHERE id IN (SELECT MAX(id) FROM retention_runs GROUP BY object_kind, "
        "object) ORDER BY object_kind, object",
        &stmt, err);
    int step = SQLITE_DONE;
    while (result == WEIR_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            store_retention_run_t *grown = realloc(*out, cap * sizeof *grown);
            if (!grown) {
                result = WEIR_ERR_NOMEM;
                break;
            }
            *out = grown;
        }
        store_retention_run_t *run = &(*out)[(*count)++];
        memset(run, 0, sizeof *run);
        store__column_text(stmt, 0, run->object_kind, sizeof run->object_kind);
        store__column_text(stmt, 1, run->object, sizeof run->object);
        store__column_text(stmt, 2, run->target, sizeof run->target);
        store__column_text(stmt, 3, run->cutoff, sizeof run->cutoff);
        store__column_text(stmt, 4, run->state, sizeof run->state);
        run->rows_deleted = sqlite3_column_int64(stmt, 5);
        run->batches = sqlite3_column_int64(stmt, 6);
        store__column_text(stmt, 7, run->started_at, sizeof run->started_at);
        store__column_text(stmt, 8, run->finished_at, sizeof run->finished_at);
        store__column_text(stmt, 9, run->detail, sizeof run->detail);
        run->total_deleted = sqlite3_column_int64(stmt, 10);
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
