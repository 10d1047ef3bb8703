/* store_backfill.c — backfill plans and chunk progress in the agent's SQLite store. */
#include "store_backfill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

weir_status_t store_backfill_planned(store_t *store, const char *name, char *object_id, size_t size, bool *found,
                                     weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *found = false;
    object_id[0] = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, "SELECT object_id FROM backfills WHERE name = ?1", "t", name);
    if (result == WEIR_OK) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            store__column_text(stmt, 0, object_id, size);
            *found = true;
        } else if (step != SQLITE_DONE) {
            weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
            result = WEIR_ERR_IO;
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

typedef struct {
    const char *name, *object_id, *pipeline, *table_name;
    char *const *bounds;
    size_t chunk_count;
} plan_ctx_t;

static weir_status_t plan_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    const plan_ctx_t *p = ctx;
    char stamp[64];
    store__now(stamp, sizeof stamp);
    weir_status_t result =
        store__exec_bound(store, NULL, err, "DELETE FROM backfill_chunks WHERE backfill = ?1", "t", p->name);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err, "DELETE FROM backfills WHERE name = ?1", "t", p->name);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err,
                                   "INSERT INTO backfills (name, object_id, pipeline, table_name, planned_at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)",
                                   "ttttt", p->name, p->object_id, p->pipeline, p->table_name, stamp);
    sqlite3_stmt *stmt = NULL;
    if (result == WEIR_OK)
        result = store__prepare(store,
                                "INSERT INTO backfill_chunks (backfill, seq, range_from, range_to) "
                                "VALUES (?1, ?2, ?3, ?4)",
                                &stmt, err);
    for (size_t i = 0; result == WEIR_OK && i < p->chunk_count; i++) {
        sqlite3_reset(stmt);
        result = store__bind(store, stmt, err, "tItt", p->name, (long long)i, p->bounds[i], p->bounds[i + 1]);
        if (result == WEIR_OK)
            result = store__step_done(store, stmt, err);
    }
    sqlite3_finalize(stmt);
    return result;
}

weir_status_t store_backfill_plan(store_t *store, const char *name, const char *object_id, const char *pipeline,
                                  const char *table_name, char *const *bounds, size_t chunk_count, weir_err_t *err)
{
    plan_ctx_t ctx = {name, object_id, pipeline, table_name, bounds, chunk_count};
    return store__transaction(store, plan_in_transaction, &ctx, err);
}

static weir_status_t forget_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    int *forgotten = ctx;
    char stamp[64];
    store__now(stamp, sizeof stamp);
    /* A replaced backfill (same name, new object) is re-planned by the caller; only vanished
     * names are forgotten here. */
    weir_status_t result =
        store__exec_bound(store, NULL, err,
                          "UPDATE runs SET state = 'failed', error = 'the backfill was deleted before this chunk "
                          "started', updated_at = ?1, finished_at = ?1 WHERE state = 'queued' AND backfill <> '' "
                          "AND backfill NOT IN (SELECT name FROM objects WHERE kind = 'backfill')",
                          "t", stamp);
    if (result == WEIR_OK)
        result = store__exec(store,
                             "DELETE FROM backfill_chunks WHERE backfill NOT IN "
                             "(SELECT name FROM objects WHERE kind = 'backfill')",
                             err);
    if (result == WEIR_OK) {
        result = store__exec(store,
                             "DELETE FROM backfills WHERE name NOT IN "
                             "(SELECT name FROM objects WHERE kind = 'backfill')",
                             err);
        *forgotten = sqlite3_changes(store->db);
    }
    return result;
}

weir_status_t store_backfill_forget_deleted(store_t *store, int *forgotten, weir_err_t *err)
{
    *forgotten = 0;
    weir_status_t result = store__transaction(store, forget_in_transaction, forgotten, err);
    if (result != WEIR_OK)
        *forgotten = 0;
    return result;
}

weir_status_t store_backfill_settle(store_t *store, const char *name, long long max_attempts, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__exec_bound(
        store, NULL, err,
        "UPDATE backfill_chunks SET "
        "  state = CASE WHEN r.state = 'committed' THEN 'done' WHEN backfill_chunks.attempts >= ?2 THEN 'failed' "
        "               ELSE 'pending' END,"
        "  rows = CASE WHEN r.state = 'committed' THEN r.rows_loaded ELSE backfill_chunks.rows END,"
        "  error = CASE WHEN r.state = 'committed' THEN '' ELSE r.error END "
        "FROM runs r WHERE r.id = backfill_chunks.run_id AND backfill_chunks.backfill = ?1 "
        "AND backfill_chunks.state = 'queued' AND r.state IN ('committed', 'failed', 'discarded')",
        "tI", name, max_attempts);
    pthread_mutex_unlock(&store->lock);
    return result;
}

typedef struct {
    const char *name;
    const store_run_request_t *request;
    long long parallelism, throttle_s, now_epoch;
    bool started;
    store_run_t *run;
} start_ctx_t;

static weir_status_t start_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    start_ctx_t *c = ctx;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT c.seq, c.range_from, c.range_to FROM backfill_chunks c JOIN backfills b "
        "ON b.name = c.backfill WHERE c.backfill = ?1 AND c.state = 'pending' "
        "AND (SELECT COUNT(*) FROM backfill_chunks q WHERE q.backfill = ?1 AND q.state = 'queued') < ?2 "
        "AND (b.last_start_epoch = 0 OR ?4 - b.last_start_epoch >= ?3) ORDER BY c.seq LIMIT 1",
        "tIII", c->name, c->parallelism, c->throttle_s, c->now_epoch);
    if (result != WEIR_OK)
        return result;
    int step = sqlite3_step(stmt);
    if (step != SQLITE_ROW) {
        if (step != SQLITE_DONE) {
            weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
            result = WEIR_ERR_IO;
        }
        sqlite3_finalize(stmt);
        return result; /* no chunk may start now: commit the empty transaction */
    }
    long long seq = sqlite3_column_int64(stmt, 0);
    char range_from[128], range_to[128];
    store__column_text(stmt, 1, range_from, sizeof range_from);
    store__column_text(stmt, 2, range_to, sizeof range_to);
    sqlite3_finalize(stmt);
    result = store__insert_run(store, c->request, c->name, range_from, range_to, c->run, err);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err,
                                   "UPDATE backfill_chunks SET state = 'queued', run_id = ?3, attempts = attempts + 1 "
                                   "WHERE backfill = ?1 AND seq = ?2",
                                   "tIt", c->name, seq, c->run->id);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err, "UPDATE backfills SET last_start_epoch = ?2 WHERE name = ?1", "tI",
                                   c->name, c->now_epoch);
    c->started = result == WEIR_OK;
    return result;
}

weir_status_t store_backfill_start_next(store_t *store, const char *name, const store_run_request_t *request,
                                        long long parallelism, long long throttle_s, long long now_epoch, bool *started,
                                        store_run_t *run, weir_err_t *err)
{
    start_ctx_t ctx = {name, request, parallelism, throttle_s, now_epoch, false, run};
    weir_status_t result = store__transaction(store, start_in_transaction, &ctx, err);
    *started = result == WEIR_OK && ctx.started;
    return result;
}

#define PROGRESS_SQL                                                                                          \
    "SELECT b.name, b.pipeline, b.table_name, COUNT(c.seq), "                                                 \
    "  COALESCE(SUM(c.state = 'pending'), 0), COALESCE(SUM(c.state = 'queued'), 0), "                         \
    "  COALESCE(SUM(c.state = 'done'), 0), COALESCE(SUM(c.state = 'failed'), 0), "                            \
    "  COALESCE(SUM(c.rows), 0), "                                                                            \
    "  COALESCE((SELECT range_from FROM backfill_chunks u WHERE u.backfill = b.name AND u.state <> 'done' "   \
    "            ORDER BY u.seq LIMIT 1), (SELECT range_to FROM backfill_chunks u WHERE u.backfill = b.name " \
    "            ORDER BY u.seq DESC LIMIT 1), ''), "                                                         \
    "  COALESCE((SELECT error FROM backfill_chunks e WHERE e.backfill = b.name AND e.error <> '' "            \
    "            ORDER BY e.seq LIMIT 1), '') "                                                               \
    "FROM backfills b LEFT JOIN backfill_chunks c ON c.backfill = b.name "

static void row_to_progress(sqlite3_stmt *stmt, store_backfill_progress_t *out)
{
    memset(out, 0, sizeof *out);
    store__column_text(stmt, 0, out->name, sizeof out->name);
    store__column_text(stmt, 1, out->pipeline, sizeof out->pipeline);
    store__column_text(stmt, 2, out->table_name, sizeof out->table_name);
    out->chunks_total = sqlite3_column_int64(stmt, 3);
    out->chunks_pending = sqlite3_column_int64(stmt, 4);
    out->chunks_queued = sqlite3_column_int64(stmt, 5);
    out->chunks_done = sqlite3_column_int64(stmt, 6);
    out->chunks_failed = sqlite3_column_int64(stmt, 7);
    out->rows_loaded = sqlite3_column_int64(stmt, 8);
    store__column_text(stmt, 9, out->done_until, sizeof out->done_until);
    store__column_text(stmt, 10, out->last_error, sizeof out->last_error);
    const char *state = "running";
    if (out->chunks_done == out->chunks_total)
        state = "completed";
    else if (out->chunks_failed > 0 && out->chunks_pending == 0 && out->chunks_queued == 0)
        state = "failed";
    snprintf(out->state, sizeof out->state, "%s", state);
}

weir_status_t store_backfill_progress(store_t *store, const char *name, store_backfill_progress_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, PROGRESS_SQL "WHERE b.name = ?1 GROUP BY b.name", "t", name);
    if (result == WEIR_OK) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            row_to_progress(stmt, out);
        } else if (step == SQLITE_DONE) {
            weir_err_set(err, "backfill %s has no plan yet", name);
            result = WEIR_ERR_NOT_FOUND;
        } else {
            weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
            result = WEIR_ERR_IO;
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_backfill_list(store_t *store, const char *pipeline, store_backfill_progress_t **out, size_t *count,
                                  weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    store_backfill_progress_t *items = NULL;
    size_t used = 0, cap = 0;
    *out = NULL;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err, PROGRESS_SQL "WHERE ?1 = '' OR b.pipeline = ?1 GROUP BY b.name ORDER BY b.name", "t",
        pipeline);
    if (result == WEIR_OK) {
        int step;
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            if (used == cap) {
                size_t grown = cap ? cap * 2 : 8;
                store_backfill_progress_t *bigger = realloc(items, grown * sizeof *items);
                if (!bigger) {
                    result = WEIR_ERR_NOMEM;
                    break;
                }
                items = bigger;
                cap = grown;
            }
            row_to_progress(stmt, &items[used++]);
        }
        if (result == WEIR_OK && step != SQLITE_DONE) {
            weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
            result = WEIR_ERR_IO;
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result != WEIR_OK) {
        free(items);
        return result;
    }
    *out = items;
    *count = used;
    return WEIR_OK;
}

weir_status_t store_backfill_retry(store_t *store, const char *name, long long *restarted, weir_err_t *err)
{
    *restarted = 0;
    pthread_mutex_lock(&store->lock);
    int changes = 0;
    weir_status_t result = store__exec_bound(store, &changes, err,
                                             "UPDATE backfill_chunks SET state = 'pending', attempts = 0 "
                                             "WHERE backfill = ?1 AND state = 'failed'",
                                             "t", name);
    if (result == WEIR_OK)
        *restarted = changes;
    pthread_mutex_unlock(&store->lock);
    return result;
}
