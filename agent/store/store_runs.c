/* store_runs.c — run records and watermarks in the agent's SQLite store. */
#include "store_runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define RUN_COLUMNS                                                                                     \
    "id, pipeline, table_name, trigger, state, created_at, updated_at, started_at, finished_at, "       \
    "watermark_from, watermark_to, stage_dir, rows_extracted, rows_loaded, attempts, error, backfill, " \
    "range_from, range_to, skip_checks, extract_seconds, load_seconds, bytes_extracted, bytes_staged"

/* States in which a run holds a worker and a connection. */
#define ACTIVE_STATES "('extracting', 'staged', 'loading', 'published')"

static const char *const state_names[] = {
    [RUN_QUEUED] = "queued",   [RUN_EXTRACTING] = "extracting",   [RUN_STAGED] = "staged",
    [RUN_LOADING] = "loading", [RUN_PUBLISHED] = "published",     [RUN_COMMITTED] = "committed",
    [RUN_FAILED] = "failed",   [RUN_QUARANTINED] = "quarantined", [RUN_DISCARDED] = "discarded",
};

const char *run_state_name(run_state_t state)
{
    return (size_t)state < sizeof state_names / sizeof state_names[0] ? state_names[state] : "unknown";
}

bool run_state_parse(const char *name, run_state_t *out)
{
    for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
        if (strcmp(name, state_names[i]) == 0) {
            *out = (run_state_t)i;
            return true;
        }
    return false;
}

bool run_state_terminal(run_state_t state)
{
    return state == RUN_COMMITTED || state == RUN_FAILED || state == RUN_DISCARDED;
}

static void row_to_run(sqlite3_stmt *stmt, store_run_t *run)
{
    memset(run, 0, sizeof *run);
    store__column_text(stmt, 0, run->id, sizeof run->id);
    store__column_text(stmt, 1, run->pipeline, sizeof run->pipeline);
    store__column_text(stmt, 2, run->table_name, sizeof run->table_name);
    store__column_text(stmt, 3, run->trigger, sizeof run->trigger);
    char state[16];
    store__column_text(stmt, 4, state, sizeof state);
    /* A state this agent does not know fails the run rather than guessing at a step. */
    if (!run_state_parse(state, &run->state))
        run->state = RUN_FAILED;
    store__column_text(stmt, 5, run->created_at, sizeof run->created_at);
    store__column_text(stmt, 6, run->updated_at, sizeof run->updated_at);
    store__column_text(stmt, 7, run->started_at, sizeof run->started_at);
    store__column_text(stmt, 8, run->finished_at, sizeof run->finished_at);
    run->has_watermark_from = sqlite3_column_type(stmt, 9) != SQLITE_NULL;
    store__column_text(stmt, 9, run->watermark_from, sizeof run->watermark_from);
    run->has_watermark_to = sqlite3_column_type(stmt, 10) != SQLITE_NULL;
    store__column_text(stmt, 10, run->watermark_to, sizeof run->watermark_to);
    store__column_text(stmt, 11, run->stage_dir, sizeof run->stage_dir);
    run->rows_extracted = sqlite3_column_int64(stmt, 12);
    run->rows_loaded = sqlite3_column_int64(stmt, 13);
    run->attempts = sqlite3_column_int64(stmt, 14);
    store__column_text(stmt, 15, run->error, sizeof run->error);
    store__column_text(stmt, 16, run->backfill, sizeof run->backfill);
    store__column_text(stmt, 17, run->range_from, sizeof run->range_from);
    store__column_text(stmt, 18, run->range_to, sizeof run->range_to);
    run->skip_checks = sqlite3_column_int(stmt, 19) != 0;
    run->extract_seconds = sqlite3_column_double(stmt, 20);
    run->load_seconds = sqlite3_column_double(stmt, 21);
    run->bytes_extracted = sqlite3_column_int64(stmt, 22);
    run->bytes_staged = sqlite3_column_int64(stmt, 23);
}

/* Runs a query expected to return at most one run. Caller holds the lock. */
static weir_status_t one_run(store_t *store, sqlite3_stmt *stmt, store_run_t *out, weir_err_t *err)
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

weir_status_t store__insert_run(store_t *store, const store_run_request_t *request, const char *backfill,
                                const char *range_from, const char *range_to, store_run_t *out, weir_err_t *err)
{
    char id[40], stamp[64];
    store__new_id(id, sizeof id);
    store__now(stamp, sizeof stamp);
    weir_status_t result =
        store__exec_bound(store, NULL, err,
                          "INSERT INTO runs (id, pipeline, table_name, trigger, state, created_at, updated_at, "
                          "source, destination, not_before, backfill, range_from, range_to) "
                          "VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                          "ttttttttttt", id, request->pipeline, request->table_name, request->trigger, stamp,
                          request->source ? request->source : "", request->destination ? request->destination : "",
                          request->not_before ? request->not_before : "", backfill, range_from, range_to);
    if (result != WEIR_OK)
        return result;
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->pipeline, sizeof out->pipeline, "%s", request->pipeline);
    snprintf(out->table_name, sizeof out->table_name, "%s", request->table_name);
    snprintf(out->trigger, sizeof out->trigger, "%s", request->trigger);
    out->state = RUN_QUEUED;
    snprintf(out->created_at, sizeof out->created_at, "%s", stamp);
    snprintf(out->updated_at, sizeof out->updated_at, "%s", stamp);
    snprintf(out->backfill, sizeof out->backfill, "%s", backfill);
    snprintf(out->range_from, sizeof out->range_from, "%s", range_from);
    snprintf(out->range_to, sizeof out->range_to, "%s", range_to);
    return WEIR_OK;
}

typedef struct {
    const store_run_request_t *request;
    store_run_t *out;     /* the run still active, when there is one */
    store_run_t inserted; /* the new run, handed out once committed */
} enqueue_ctx_t;

static weir_status_t enqueue_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    enqueue_ctx_t *e = ctx;
    const char *pipeline = e->request->pipeline, *table_name = e->request->table_name;
    sqlite3_stmt *stmt = NULL;
    store_run_t active;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT " RUN_COLUMNS " FROM runs WHERE pipeline = ?1 AND table_name = ?2 AND backfill = '' "
        "AND state NOT IN ('committed', 'failed', 'discarded') ORDER BY created_at LIMIT 1",
        "tt", pipeline, table_name);
    if (result == WEIR_OK)
        result = one_run(store, stmt, &active, err);
    sqlite3_finalize(stmt);
    if (result == WEIR_OK) {
        *e->out = active;
        weir_err_set(err, "run %s of %s %s is still %s", active.id, pipeline, table_name, run_state_name(active.state));
        return WEIR_ERR_EXISTS;
    }
    if (result != WEIR_ERR_NOT_FOUND)
        return result;
    return store__insert_run(store, e->request, "", "", "", &e->inserted, err);
}

weir_status_t store_run_enqueue(store_t *store, const store_run_request_t *request, store_run_t *out, weir_err_t *err)
{
    enqueue_ctx_t ctx = {.request = request, .out = out};
    weir_status_t result = store__transaction(store, enqueue_in_transaction, &ctx, err);
    if (result == WEIR_OK)
        *out = ctx.inserted;
    return result;
}

typedef struct {
    const char *owner;
    store_run_t *out;
    char stamp[64]; /* when it was claimed */
} claim_ctx_t;

static weir_status_t claim_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    claim_ctx_t *c = ctx;
    store_run_t *out = c->out;
    sqlite3_stmt *stmt = NULL;
    char now[64];
    store__now(now, sizeof now);
    /* Interrupted runs resume first (they already hold their place); queued runs start in order
     * when their time has come and their source and destination have room (limits default to 4)
     * and their pipeline has fewer than max_parallel_tables tables in flight (default 2; backfill
     * chunks have their own parallelism). */
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT " RUN_COLUMNS " FROM runs WHERE state NOT IN ('committed', 'failed', 'discarded', "
        "'quarantined') AND ("
        "  (state <> 'queued' AND owner <> ?1) OR"
        "  (state = 'queued' AND (not_before = '' OR not_before <= ?2)"
        "   AND pipeline NOT IN (SELECT pipeline FROM paused_pipelines)"
        "   AND (SELECT COUNT(*) FROM runs a WHERE a.source = runs.source"
        "        AND a.state IN " ACTIVE_STATES ")"
        "     < COALESCE((SELECT json_extract(spec_json, '$.max_connections') FROM objects"
        "                 WHERE kind LIKE 'source\\_%' ESCAPE '\\' AND name = runs.source), 4)"
        "   AND (SELECT COUNT(*) FROM runs b WHERE b.destination = runs.destination"
        "        AND b.state IN " ACTIVE_STATES ")"
        "     < COALESCE((SELECT json_extract(spec_json, '$.max_concurrent_loads') FROM objects"
        "                 WHERE kind LIKE 'destination\\_%' ESCAPE '\\' AND name = runs.destination), 4)"
        "   AND (runs.backfill <> '' OR (SELECT COUNT(*) FROM runs c WHERE c.pipeline = runs.pipeline"
        "        AND c.backfill = '' AND c.state IN " ACTIVE_STATES ")"
        "     < COALESCE((SELECT json_extract(spec_json, '$.max_parallel_tables') FROM objects"
        "                 WHERE kind = 'pipeline' AND name = runs.pipeline), 2))))"
        " ORDER BY state = 'queued', created_at LIMIT 1",
        "tt", c->owner, now);
    if (result == WEIR_OK)
        result = one_run(store, stmt, out, err);
    sqlite3_finalize(stmt);
    if (result != WEIR_OK)
        return result;
    store__now(c->stamp, sizeof c->stamp);
    return store__exec_bound(store, NULL, err,
                             "UPDATE runs SET attempts = attempts + 1, updated_at = ?2, owner = ?3, "
                             "started_at = CASE WHEN started_at = '' THEN ?2 ELSE started_at END, "
                             "state = CASE WHEN state = 'queued' THEN 'extracting' ELSE state END WHERE id = ?1",
                             "ttt", out->id, c->stamp, c->owner);
}

weir_status_t store_run_claim(store_t *store, const char *owner, store_run_t *out, weir_err_t *err)
{
    claim_ctx_t ctx = {.owner = owner, .out = out};
    weir_status_t result = store__transaction(store, claim_in_transaction, &ctx, err);
    if (result != WEIR_OK)
        return result;
    out->attempts++;
    if (!out->started_at[0])
        snprintf(out->started_at, sizeof out->started_at, "%s", ctx.stamp);
    if (out->state == RUN_QUEUED)
        out->state = RUN_EXTRACTING;
    return WEIR_OK;
}

static weir_status_t save_locked(store_t *store, store_run_t *run, weir_err_t *err)
{
    store__now(run->updated_at, sizeof run->updated_at);
    if (run_state_terminal(run->state) && !run->finished_at[0])
        snprintf(run->finished_at, sizeof run->finished_at, "%s", run->updated_at);
    int changes = 0;
    weir_status_t result = store__exec_bound(
        store, &changes, err,
        "UPDATE runs SET state = ?2, updated_at = ?3, finished_at = ?4, watermark_from = ?5, "
        "watermark_to = ?6, stage_dir = ?7, rows_extracted = ?8, rows_loaded = ?9, error = ?10, "
        "extract_seconds = ?11, load_seconds = ?12, bytes_extracted = ?13, bytes_staged = ?14 WHERE id = ?1",
        "tttttttIItddII", run->id, run_state_name(run->state), run->updated_at, run->finished_at,
        run->has_watermark_from ? run->watermark_from : NULL, run->has_watermark_to ? run->watermark_to : NULL,
        run->stage_dir, (long long)run->rows_extracted, (long long)run->rows_loaded, run->error, run->extract_seconds,
        run->load_seconds, (long long)run->bytes_extracted, (long long)run->bytes_staged);
    if (result == WEIR_OK && changes != 1) {
        weir_err_set(err, "store: run %s does not exist", run->id);
        result = WEIR_ERR_NOT_FOUND;
    }
    return result;
}

weir_status_t store_run_save(store_t *store, store_run_t *run, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = save_locked(store, run, err);
    pthread_mutex_unlock(&store->lock);
    return result;
}

static weir_status_t commit_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    store_run_t *run = ctx;
    if (run->has_watermark_to) {
        char stamp[64];
        store__now(stamp, sizeof stamp);
        weir_status_t result =
            store__exec_bound(store, NULL, err,
                              "INSERT INTO watermarks (pipeline, table_name, value, run_id, updated_at) "
                              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (pipeline, table_name) DO UPDATE SET "
                              "value = excluded.value, run_id = excluded.run_id, updated_at = excluded.updated_at",
                              "ttttt", run->pipeline, run->table_name, run->watermark_to, run->id, stamp);
        if (result != WEIR_OK)
            return result;
    }
    run->state = RUN_COMMITTED;
    return save_locked(store, run, err);
}

weir_status_t store_run_commit(store_t *store, store_run_t *run, weir_err_t *err)
{
    /* The caller's run turns committed only once the transaction has: a failed COMMIT leaves it
     * published, so the runner tries the commit again instead of believing it done. */
    store_run_t committed = *run;
    weir_status_t result = store__transaction(store, commit_in_transaction, &committed, err);
    if (result == WEIR_OK)
        *run = committed;
    return result;
}

weir_status_t store_run_get(store_t *store, const char *id, store_run_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1", "t", id);
    if (result == WEIR_OK) {
        result = one_run(store, stmt, out, err);
        if (result == WEIR_ERR_NOT_FOUND)
            weir_err_set(err, "no run %s", id);
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_run_list(store_t *store, const char *pipeline, size_t limit, store_run_t **out, size_t *count,
                             weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *out = NULL;
    *count = 0;
    store_run_t *runs = calloc(limit ? limit : 1, sizeof *runs);
    if (!runs)
        return WEIR_ERR_NOMEM;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(store, &stmt, err,
                                                "SELECT " RUN_COLUMNS " FROM runs WHERE ?1 = '' OR pipeline = ?1 "
                                                "ORDER BY created_at DESC LIMIT ?2",
                                                "tI", pipeline, (long long)limit);
    if (result == WEIR_OK) {
        while (*count < limit && sqlite3_step(stmt) == SQLITE_ROW)
            row_to_run(stmt, &runs[(*count)++]);
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result != WEIR_OK) {
        free(runs);
        *count = 0;
        return result;
    }
    *out = runs;
    return WEIR_OK;
}

weir_status_t store_watermark_get(store_t *store, const char *pipeline, const char *table_name, char *value,
                                  size_t size, bool *found, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *found = false;
    value[0] = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t result =
        store__prepare_bound(store, &stmt, err, "SELECT value FROM watermarks WHERE pipeline = ?1 AND table_name = ?2",
                             "tt", pipeline, table_name);
    if (result == WEIR_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
            store__column_text(stmt, 0, value, size);
            *found = true;
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

/* Moves a quarantined run to `state` (skip_checks set for a release). */
static weir_status_t decide(store_t *store, const char *id, run_state_t decision, store_run_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    char stamp[64];
    store__now(stamp, sizeof stamp);
    pthread_mutex_lock(&store->lock);
    int changes = 0;
    weir_status_t result = store__exec_bound(
        store, &changes, err,
        "UPDATE runs SET state = ?2, updated_at = ?3, owner = '', skip_checks = (?2 = 'staged'), "
        "finished_at = CASE WHEN ?2 = 'discarded' THEN ?3 ELSE finished_at END WHERE id = ?1 AND state = 'quarantined'",
        "ttt", id, run_state_name(decision), stamp);
    if (result == WEIR_OK && changes != 1)
        result = WEIR_ERR_CONFLICT;
    if (result == WEIR_OK || result == WEIR_ERR_CONFLICT) {
        weir_status_t found =
            store__prepare_bound(store, &stmt, err, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1", "t", id);
        if (found == WEIR_OK)
            found = one_run(store, stmt, out, err);
        if (found == WEIR_ERR_NOT_FOUND) {
            weir_err_set(err, "no run %s", id);
            result = WEIR_ERR_NOT_FOUND;
        } else if (result == WEIR_ERR_CONFLICT) {
            weir_err_set(err, "run %s is %s, not quarantined", id, run_state_name(out->state));
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_run_release(store_t *store, const char *id, store_run_t *out, weir_err_t *err)
{
    return decide(store, id, RUN_STAGED, out, err);
}

weir_status_t store_run_discard(store_t *store, const char *id, store_run_t *out, weir_err_t *err)
{
    return decide(store, id, RUN_DISCARDED, out, err);
}

weir_status_t store_pipeline_pause(store_t *store, const char *pipeline, const char *reason, bool paused,
                                   weir_err_t *err)
{
    char stamp[64];
    store__now(stamp, sizeof stamp);
    pthread_mutex_lock(&store->lock);
    weir_status_t result = paused
        ? store__exec_bound(store, NULL, err,
                            "INSERT INTO paused_pipelines (pipeline, paused_at, reason) VALUES (?1, ?2, ?3) "
                            "ON CONFLICT (pipeline) DO UPDATE SET reason = excluded.reason",
                            "ttt", pipeline, stamp, reason ? reason : "")
        : store__exec_bound(store, NULL, err, "DELETE FROM paused_pipelines WHERE pipeline = ?1", "t", pipeline);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_pipeline_paused(store_t *store, const char *pipeline, bool *paused, char *reason,
                                    size_t reason_size, char *since, size_t since_size, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *paused = false;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err, "SELECT reason, paused_at FROM paused_pipelines WHERE pipeline = ?1", "t", pipeline);
    if (result == WEIR_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            *paused = true;
            if (reason)
                store__column_text(stmt, 0, reason, reason_size);
            if (since)
                store__column_text(stmt, 1, since, since_size);
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_run_list_table(store_t *store, const char *pipeline, const char *table_name, store_run_t **out,
                                   size_t *count, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *out = NULL;
    *count = 0;
    store_run_t *run = calloc(1, sizeof *run);
    if (!run)
        return WEIR_ERR_NOMEM;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare_bound(store, &stmt, err,
                                                "SELECT " RUN_COLUMNS " FROM runs WHERE pipeline = ?1 AND "
                                                "table_name = ?2 AND backfill = '' ORDER BY created_at DESC LIMIT 1",
                                                "tt", pipeline, table_name);
    if (result == WEIR_OK) {
        result = one_run(store, stmt, run, err);
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (result == WEIR_ERR_NOT_FOUND) {
        free(run);
        return WEIR_OK;
    }
    if (result != WEIR_OK) {
        free(run);
        return result;
    }
    *out = run;
    *count = 1;
    return WEIR_OK;
}
