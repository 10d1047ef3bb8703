/* store_transforms.c — transform runs in SQLite and the publish state of pipeline tables. */
#include "store_transforms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define TRUN_COLUMNS                                                                                             \
    "id, transform, trigger, state, created_at, started_at, finished_at, since, consumed_json, rows, inserted, " \
    "updated, attempts, error"

static const char *const state_names[] = {[TRUN_QUEUED] = "queued",
                                          [TRUN_BUILDING] = "building",
                                          [TRUN_BUILT] = "built",
                                          [TRUN_SUCCEEDED] = "succeeded",
                                          [TRUN_FAILED] = "failed"};

const char *transform_run_state_name(transform_run_state_t state)
{
    return (size_t)state < sizeof state_names / sizeof state_names[0] ? state_names[state] : "unknown";
}

static void row_to_run(sqlite3_stmt *stmt, store_transform_run_t *out)
{
    memset(out, 0, sizeof *out);
    store__column_text(stmt, 0, out->id, sizeof out->id);
    store__column_text(stmt, 1, out->transform, sizeof out->transform);
    store__column_text(stmt, 2, out->trigger, sizeof out->trigger);
    char state[32];
    store__column_text(stmt, 3, state, sizeof state);
    out->state = TRUN_FAILED; /* a state a newer agent wrote is not one to resume */
    for (size_t k = 0; k < sizeof state_names / sizeof state_names[0]; k++)
        if (strcmp(state, state_names[k]) == 0)
            out->state = (transform_run_state_t)k;
    store__column_text(stmt, 4, out->created_at, sizeof out->created_at);
    store__column_text(stmt, 5, out->started_at, sizeof out->started_at);
    store__column_text(stmt, 6, out->finished_at, sizeof out->finished_at);
    store__column_text(stmt, 7, out->since, sizeof out->since);
    store__column_text(stmt, 8, out->consumed_json, sizeof out->consumed_json);
    out->rows = sqlite3_column_int64(stmt, 9);
    out->inserted = sqlite3_column_int64(stmt, 10);
    out->updated = sqlite3_column_int64(stmt, 11);
    out->attempts = sqlite3_column_int64(stmt, 12);
    store__column_text(stmt, 13, out->error, sizeof out->error);
}

static weir_status_t one_run(store_t *store, sqlite3_stmt *stmt, store_transform_run_t *out, weir_err_t *err)
{
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        row_to_run(stmt, out);
        return WEIR_OK;
    }
    if (step == SQLITE_DONE)
        return WEIR_ERR_NOT_FOUND;
    weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
    return WEIR_ERR_IO;
}

typedef struct {
    const char *transform, *trigger, *consumed_json;
    store_transform_run_t *out;
} enqueue_ctx_t;

static weir_status_t enqueue_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    enqueue_ctx_t *c = ctx;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT " TRUN_COLUMNS " FROM transform_runs WHERE transform = ?1 AND state IN ('queued', 'building', "
        "'built') LIMIT 1",
        "t", c->transform);
    if (result == WEIR_OK)
        result = one_run(store, stmt, c->out, err);
    sqlite3_finalize(stmt);
    if (result == WEIR_OK) {
        weir_err_set(err, "transform %s already has run %s %s", c->transform, c->out->id,
                     transform_run_state_name(c->out->state));
        return WEIR_ERR_EXISTS;
    }
    if (result != WEIR_ERR_NOT_FOUND)
        return result;
    char id[40], stamp[64];
    store__new_id(id, sizeof id);
    store__now(stamp, sizeof stamp);
    result = store__exec_bound(store, NULL, err,
                               "INSERT INTO transform_runs (id, transform, trigger, state, created_at, consumed_json) "
                               "VALUES (?1, ?2, ?3, 'queued', ?4, ?5)",
                               "ttttt", id, c->transform, c->trigger, stamp, c->consumed_json);
    /* The oldest source snapshot behind what this run reads: a load run's start (its extract
     * snapshot), or what a transform run read in turn. */
    if (result == WEIR_OK)
        result = store__exec_bound(
            store, NULL, err,
            "UPDATE transform_runs SET source_at = COALESCE((SELECT MIN(at) FROM ("
            "SELECT r.started_at AS at FROM runs r WHERE r.id IN (SELECT value FROM json_each(?2)) AND "
            "r.started_at <> '' UNION ALL SELECT t.source_at FROM transform_runs t WHERE t.id IN "
            "(SELECT value FROM json_each(?2)) AND t.source_at <> '')), '') WHERE id = ?1",
            "tt", id, c->consumed_json);
    if (result != WEIR_OK)
        return result;
    memset(c->out, 0, sizeof *c->out);
    snprintf(c->out->id, sizeof c->out->id, "%s", id);
    snprintf(c->out->transform, sizeof c->out->transform, "%s", c->transform);
    snprintf(c->out->trigger, sizeof c->out->trigger, "%s", c->trigger);
    snprintf(c->out->created_at, sizeof c->out->created_at, "%s", stamp);
    snprintf(c->out->consumed_json, sizeof c->out->consumed_json, "%s", c->consumed_json);
    c->out->state = TRUN_QUEUED;
    return WEIR_OK;
}

weir_status_t store_transform_run_enqueue(store_t *store, const char *transform, const char *trigger,
                                          const char *consumed_json, store_transform_run_t *out, weir_err_t *err)
{
    if (strlen(consumed_json) >= STORE_CONSUMED_SIZE) {
        weir_err_set(err, "transform %s: too many inputs to record (%zu bytes)", transform, strlen(consumed_json));
        return WEIR_ERR_TOO_BIG;
    }
    enqueue_ctx_t ctx = {transform, trigger, consumed_json, out};
    return store__transaction(store, enqueue_in_transaction, &ctx, err);
}

typedef struct {
    const char *owner;
    store_transform_run_t *out;
} claim_ctx_t;

static weir_status_t claim_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    claim_ctx_t *c = ctx;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT " TRUN_COLUMNS " FROM transform_runs WHERE state = 'queued' OR "
        "(state IN ('building', 'built') AND owner <> ?1) ORDER BY state = 'queued', created_at LIMIT 1",
        "t", c->owner);
    if (result == WEIR_OK)
        result = one_run(store, stmt, c->out, err);
    sqlite3_finalize(stmt);
    if (result != WEIR_OK)
        return result;
    char now[64];
    store__now(now, sizeof now);
    if (c->out->state == TRUN_QUEUED) {
        c->out->state = TRUN_BUILDING;
        snprintf(c->out->started_at, sizeof c->out->started_at, "%s", now);
    }
    c->out->attempts++;
    return store__exec_bound(store, NULL, err,
                             "UPDATE transform_runs SET state = ?2, started_at = ?3, attempts = ?4, owner = ?5 "
                             "WHERE id = ?1",
                             "tttIt", c->out->id, transform_run_state_name(c->out->state), c->out->started_at,
                             c->out->attempts, c->owner);
}

weir_status_t store_transform_run_claim(store_t *store, const char *owner, store_transform_run_t *out, weir_err_t *err)
{
    claim_ctx_t ctx = {owner, out};
    return store__transaction(store, claim_in_transaction, &ctx, err);
}

weir_status_t store_transform_run_save(store_t *store, store_transform_run_t *run, weir_err_t *err)
{
    if ((run->state == TRUN_SUCCEEDED || run->state == TRUN_FAILED) && !run->finished_at[0])
        store__now(run->finished_at, sizeof run->finished_at);
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__exec_bound(
        store, NULL, err,
        "UPDATE transform_runs SET state = ?2, since = ?3, rows = ?4, inserted = ?5, updated = ?6, error = ?7, "
        "finished_at = ?8 WHERE id = ?1",
        "tttIIItt", run->id, transform_run_state_name(run->state), run->since, run->rows, run->inserted, run->updated,
        run->error, run->finished_at);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_transform_run_list(store_t *store, const char *transform, size_t limit, store_transform_run_t **out,
                                       size_t *count, weir_err_t *err)
{
    *out = NULL;
    *count = 0;
    size_t cap = limit ? limit : 50;
    store_transform_run_t *runs = calloc(cap, sizeof *runs);
    if (!runs)
        return WEIR_ERR_NOMEM;
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(store, &stmt, err,
                                                "SELECT " TRUN_COLUMNS " FROM transform_runs WHERE ?1 = '' OR "
                                                "transform = ?1 ORDER BY created_at DESC LIMIT ?2",
                                                "tI", transform, (long long)cap);
    while (result == WEIR_OK && *count < cap && (result = one_run(store, stmt, &runs[*count], err)) == WEIR_OK)
        (*count)++;
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result == WEIR_ERR_NOT_FOUND || result == WEIR_OK) {
        *out = runs;
        return WEIR_OK;
    }
    free(runs);
    *count = 0;
    return result;
}

weir_status_t store_transform_run_get(store_t *store, const char *id, store_transform_run_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, "SELECT " TRUN_COLUMNS " FROM transform_runs WHERE id = ?1", "t", id);
    if (result == WEIR_OK)
        result = one_run(store, stmt, out, err);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result == WEIR_ERR_NOT_FOUND)
        weir_err_set(err, "no transform run %s", id);
    return result;
}

weir_status_t store_transform_run_newest(store_t *store, const char *transform, bool succeeded_only,
                                         store_transform_run_t *out, bool *found, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *found = false;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT " TRUN_COLUMNS " FROM transform_runs WHERE transform = ?1 AND (?2 = 0 OR state = 'succeeded') "
        "ORDER BY created_at DESC LIMIT 1",
        "ti", transform, succeeded_only ? 1 : 0);
    if (result == WEIR_OK)
        result = one_run(store, stmt, out, err);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    *found = result == WEIR_OK;
    return result == WEIR_ERR_NOT_FOUND ? WEIR_OK : result;
}

/* The first column of the first row as text into `out` ("" without a row). */
static weir_status_t first_text(store_t *store, sqlite3_stmt *stmt, char *out, size_t size, weir_err_t *err)
{
    out[0] = '\0';
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        store__column_text(stmt, 0, out, size);
    else if (step != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        return WEIR_ERR_IO;
    }
    return WEIR_OK;
}

weir_status_t store_table_publish_state(store_t *store, const char *pipeline, const char *table_name, char *token,
                                        size_t token_size, bool *failed, char *state, size_t state_size,
                                        weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *failed = false;
    pthread_mutex_lock(&store->lock);
    /* Backfill chunks change the table too, so their commits count as publishes. */
    weir_status_t result =
        store__prepare_bound(store, &stmt, err,
                             "SELECT id FROM runs WHERE pipeline = ?1 AND table_name = ?2 AND "
                             "state = 'committed' ORDER BY finished_at DESC, updated_at DESC LIMIT 1",
                             "tt", pipeline, table_name);
    if (result == WEIR_OK)
        result = first_text(store, stmt, token, token_size, err);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (result == WEIR_OK)
        result = store__prepare_bound(store, &stmt, err,
                                      "SELECT state FROM runs WHERE pipeline = ?1 AND table_name = ?2 AND "
                                      "backfill = '' ORDER BY created_at DESC LIMIT 1",
                                      "tt", pipeline, table_name);
    if (result == WEIR_OK)
        result = first_text(store, stmt, state, state_size, err);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    *failed = result == WEIR_OK && (strcmp(state, "failed") == 0 || strcmp(state, "quarantined") == 0);
    return result;
}
