/* store_dag_runs.c — DAG runs and their members in SQLite (store_dag_runs.h). */
#include "store_dag_runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Every member with its name, state and outcome. A quarantined load counts as failed: it did not
 * publish when its tick ran, whatever an operator decides later. A member whose run is gone
 * (deleted with its object) counts as failed too. */
#define MEMBERS_CTE                                                                                                  \
    "WITH m AS (SELECT mm.rowid AS seq, mm.dag_run, mm.kind, mm.run_id, "                                            \
    "  CASE mm.kind WHEN 'load' THEN r.pipeline || '/' || r.table_name ELSE t.transform END AS name, "               \
    "  COALESCE(r.state, t.state, 'gone') AS state, "                                                                \
    "  CASE COALESCE(r.state, t.state, 'gone') WHEN 'committed' THEN 'succeeded' WHEN 'succeeded' THEN 'succeeded' " \
    "    WHEN 'failed' THEN 'failed' WHEN 'quarantined' THEN 'failed' WHEN 'discarded' THEN 'failed' "               \
    "    WHEN 'gone' THEN 'failed' ELSE 'running' END AS outcome, "                                                  \
    "  COALESCE(NULLIF(r.finished_at, ''), r.updated_at, t.finished_at, '') AS finished_at, "                        \
    "  COALESCE(r.error, t.error, '') AS error "                                                                     \
    "  FROM dag_run_members mm LEFT JOIN runs r ON mm.kind = 'load' AND r.id = mm.run_id "                           \
    "  LEFT JOIN transform_runs t ON mm.kind = 'transform' AND t.id = mm.run_id) "

#define DAG_RUN_SELECT                                                                                      \
    MEMBERS_CTE "SELECT d.id, d.trigger, d.origin, d.state, d.created_at, d.finished_at, COUNT(m.run_id), " \
                "COALESCE(SUM(m.outcome = 'succeeded'), 0), COALESCE(SUM(m.outcome = 'failed'), 0), "       \
                "COALESCE(SUM(m.outcome = 'running'), 0) FROM dag_runs d LEFT JOIN m ON m.dag_run = d.id "

typedef struct {
    char *dag_run;
    const char *trigger, *origin, *kind, *run_id;
} join_ctx_t;

static weir_status_t open_and_join(store_t *store, join_ctx_t *c, weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    if (!c->dag_run[0]) {
        char stamp[64];
        store__new_id(c->dag_run, STORE_DAG_RUN_ID_SIZE);
        store__now(stamp, sizeof stamp);
        result = store__exec_bound(store, NULL, err,
                                   "INSERT INTO dag_runs (id, trigger, origin, created_at) VALUES (?1, ?2, ?3, ?4)",
                                   "tttt", c->dag_run, c->trigger, c->origin, stamp);
    }
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err,
                                   "INSERT OR IGNORE INTO dag_run_members (dag_run, kind, run_id) VALUES (?1, ?2, ?3)",
                                   "ttt", c->dag_run, c->kind, c->run_id);
    return result;
}

static weir_status_t join_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    return open_and_join(store, ctx, err);
}

weir_status_t store_dag_run_join(store_t *store, char dag_run[STORE_DAG_RUN_ID_SIZE], const char *trigger,
                                 const char *origin, const char *kind, const char *run_id, weir_err_t *err)
{
    join_ctx_t ctx = {dag_run, trigger, origin, kind, run_id};
    return store__transaction(store, join_in_transaction, &ctx, err);
}

typedef struct {
    join_ctx_t join;
    const char *consumed_json;
} join_transform_ctx_t;

static weir_status_t join_transform_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    join_transform_ctx_t *c = ctx;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT d.id FROM dag_runs d JOIN dag_run_members mm ON mm.dag_run = d.id WHERE d.state = 'running' AND "
        "mm.run_id IN (SELECT value FROM json_each(?1)) ORDER BY d.created_at DESC LIMIT 1",
        "t", c->consumed_json);
    int step = result == WEIR_OK ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (step == SQLITE_ROW)
        store__column_text(stmt, 0, c->join.dag_run, STORE_DAG_RUN_ID_SIZE);
    else if (result == WEIR_OK && step != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        result = WEIR_ERR_IO;
    }
    sqlite3_finalize(stmt);
    return result == WEIR_OK ? open_and_join(store, &c->join, err) : result;
}

weir_status_t store_dag_run_join_transform(store_t *store, const char *run_id, const char *trigger,
                                           const char *transform, const char *consumed_json, weir_err_t *err)
{
    char dag_run[STORE_DAG_RUN_ID_SIZE] = "", origin[200];
    snprintf(origin, sizeof origin, "transform %s", transform);
    join_transform_ctx_t ctx = {{dag_run, trigger, origin, "transform", run_id}, consumed_json};
    return store__transaction(store, join_transform_in_transaction, &ctx, err);
}

weir_status_t store_dag_run_settle(store_t *store, const char *quiet_before, int *settled, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__exec_bound(
        store, settled, err,
        MEMBERS_CTE "UPDATE dag_runs SET "
                    "state = CASE WHEN EXISTS (SELECT 1 FROM m WHERE m.dag_run = dag_runs.id AND m.outcome = 'failed') "
                    "THEN 'failed' ELSE 'succeeded' END, "
                    "finished_at = (SELECT MAX(m.finished_at) FROM m WHERE m.dag_run = dag_runs.id) "
                    "WHERE state = 'running' AND NOT EXISTS (SELECT 1 FROM m WHERE m.dag_run = dag_runs.id AND "
                    "m.outcome = 'running') AND (SELECT MAX(m.finished_at) FROM m WHERE m.dag_run = dag_runs.id) < ?1",
        "t", quiet_before);
    pthread_mutex_unlock(&store->lock);
    return result;
}

static void row_to_dag_run(sqlite3_stmt *stmt, store_dag_run_t *out)
{
    memset(out, 0, sizeof *out);
    store__column_text(stmt, 0, out->id, sizeof out->id);
    store__column_text(stmt, 1, out->trigger, sizeof out->trigger);
    store__column_text(stmt, 2, out->origin, sizeof out->origin);
    store__column_text(stmt, 3, out->state, sizeof out->state);
    store__column_text(stmt, 4, out->created_at, sizeof out->created_at);
    store__column_text(stmt, 5, out->finished_at, sizeof out->finished_at);
    out->members = sqlite3_column_int64(stmt, 6);
    out->succeeded = sqlite3_column_int64(stmt, 7);
    out->failed = sqlite3_column_int64(stmt, 8);
    out->running = sqlite3_column_int64(stmt, 9);
}

/* Steps `stmt` into `cap` rows of `size` bytes at *out (grown as needed) with `fill`. */
static weir_status_t collect(store_t *store, sqlite3_stmt *stmt, void **out, size_t size, size_t *count,
                             void (*fill)(sqlite3_stmt *, void *), weir_err_t *err)
{
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc(*out, cap * size);
            if (!grown)
                return WEIR_ERR_NOMEM;
            *out = grown;
        }
        fill(stmt, (char *)*out + *count * size);
        (*count)++;
    }
    if (step == SQLITE_DONE)
        return WEIR_OK;
    weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
    return WEIR_ERR_IO;
}

static void fill_dag_run(sqlite3_stmt *stmt, void *out)
{
    row_to_dag_run(stmt, out);
}

static void fill_member(sqlite3_stmt *stmt, void *slot)
{
    store_dag_member_t *out = slot;
    memset(out, 0, sizeof *out);
    store__column_text(stmt, 0, out->kind, sizeof out->kind);
    store__column_text(stmt, 1, out->run_id, sizeof out->run_id);
    store__column_text(stmt, 2, out->name, sizeof out->name);
    store__column_text(stmt, 3, out->state, sizeof out->state);
    store__column_text(stmt, 4, out->outcome, sizeof out->outcome);
    store__column_text(stmt, 5, out->finished_at, sizeof out->finished_at);
    store__column_text(stmt, 6, out->error, sizeof out->error);
}

weir_status_t store_dag_run_list(store_t *store, size_t limit, store_dag_run_t **out, size_t *count, weir_err_t *err)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, DAG_RUN_SELECT "GROUP BY d.id ORDER BY d.created_at DESC LIMIT ?1", "I",
                             (long long)(limit ? limit : 50));
    if (result == WEIR_OK)
        result = collect(store, stmt, (void **)out, sizeof **out, count, fill_dag_run, err);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result != WEIR_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return result;
}

weir_status_t store_dag_run_get(store_t *store, const char *id, store_dag_run_t *out, store_dag_member_t **members,
                                size_t *count, weir_err_t *err)
{
    *members = NULL;
    *count = 0;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, DAG_RUN_SELECT "WHERE d.id = ?1 GROUP BY d.id", "t", id);
    int step = result == WEIR_OK ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (step == SQLITE_ROW) {
        row_to_dag_run(stmt, out);
    } else if (result == WEIR_OK) {
        weir_err_set(err, step == SQLITE_DONE ? "no DAG run %s" : "store: %s",
                     step == SQLITE_DONE ? id : sqlite3_errmsg(store->db));
        result = step == SQLITE_DONE ? WEIR_ERR_NOT_FOUND : WEIR_ERR_IO;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (result == WEIR_OK)
        result = store__prepare_bound(store, &stmt, err,
                                      MEMBERS_CTE "SELECT kind, run_id, COALESCE(name, ''), state, outcome, "
                                                  "finished_at, error FROM m WHERE dag_run = ?1 ORDER BY seq",
                                      "t", id);
    if (result == WEIR_OK)
        result = collect(store, stmt, (void **)members, sizeof **members, count, fill_member, err);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result != WEIR_OK) {
        free(*members);
        *members = NULL;
        *count = 0;
    }
    return result;
}

weir_status_t store_dag_run_counts(store_t *store, const char *since, long long *succeeded, long long *failed,
                                   weir_err_t *err)
{
    *succeeded = *failed = 0;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT COALESCE(SUM(state = 'succeeded'), 0), COALESCE(SUM(state = 'failed'), 0) FROM dag_runs "
        "WHERE state <> 'running' AND finished_at >= ?1",
        "t", since);
    if (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        *succeeded = sqlite3_column_int64(stmt, 0);
        *failed = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}
