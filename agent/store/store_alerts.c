/* store_alerts.c — incidents and alert deliveries in the agent's SQLite store. */
#include "store_alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define INCIDENT_COLUMNS \
    "id, incident_key, pipeline, table_name, kind, severity, summary, run_id, opened_at, resolved_at"

static void row_to_incident(sqlite3_stmt *stmt, int first, store_incident_t *out)
{
    store__column_text(stmt, first + 0, out->id, sizeof out->id);
    store__column_text(stmt, first + 1, out->key, sizeof out->key);
    store__column_text(stmt, first + 2, out->pipeline, sizeof out->pipeline);
    store__column_text(stmt, first + 3, out->table_name, sizeof out->table_name);
    store__column_text(stmt, first + 4, out->kind, sizeof out->kind);
    store__column_text(stmt, first + 5, out->severity, sizeof out->severity);
    store__column_text(stmt, first + 6, out->summary, sizeof out->summary);
    store__column_text(stmt, first + 7, out->run_id, sizeof out->run_id);
    store__column_text(stmt, first + 8, out->opened_at, sizeof out->opened_at);
    store__column_text(stmt, first + 9, out->resolved_at, sizeof out->resolved_at);
}

typedef struct {
    store_incident_t *incident;
    char *const *channels;
    size_t channel_count;
    bool opened;
} open_ctx_t;

static weir_status_t open_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    open_ctx_t *o = ctx;
    store_incident_t *incident = o->incident;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err, "SELECT id, opened_at FROM incidents WHERE incident_key = ?1 AND resolved_at = ''", "t",
        incident->key);
    if (result != WEIR_OK)
        return result;
    bool exists = sqlite3_step(stmt) == SQLITE_ROW;
    if (exists) {
        store__column_text(stmt, 0, incident->id, sizeof incident->id);
        store__column_text(stmt, 1, incident->opened_at, sizeof incident->opened_at);
    }
    sqlite3_finalize(stmt);
    if (exists)
        return store__exec_bound(store, NULL, err, "UPDATE incidents SET summary = ?2, run_id = ?3 WHERE id = ?1",
                                 "ttt", incident->id, incident->summary, incident->run_id);
    store__new_id(incident->id, sizeof incident->id);
    store__now(incident->opened_at, sizeof incident->opened_at);
    incident->resolved_at[0] = 0;
    result =
        store__exec_bound(store, NULL, err,
                          "INSERT INTO incidents (" INCIDENT_COLUMNS ") VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '')",
                          "ttttttttt", incident->id, incident->key, incident->pipeline, incident->table_name,
                          incident->kind, incident->severity, incident->summary, incident->run_id, incident->opened_at);
    for (size_t c = 0; result == WEIR_OK && c < o->channel_count; c++)
        result = store__exec_bound(store, NULL, err,
                                   "INSERT INTO alert_deliveries (incident_id, channel, event) "
                                   "VALUES (?1, ?2, 'trigger')",
                                   "tt", incident->id, o->channels[c]);
    o->opened = result == WEIR_OK;
    return result;
}

weir_status_t store_incident_open(store_t *store, store_incident_t *incident, char *const *channels,
                                  size_t channel_count, bool *opened, weir_err_t *err)
{
    open_ctx_t ctx = {incident, channels, channel_count, false};
    weir_status_t result = store__transaction(store, open_in_transaction, &ctx, err);
    *opened = result == WEIR_OK && ctx.opened;
    return result;
}

typedef struct {
    const char *key;
    bool resolved;
} resolve_ctx_t;

static weir_status_t resolve_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    resolve_ctx_t *r = ctx;
    sqlite3_stmt *stmt = NULL;
    char stamp[64], id[40] = "";
    store__now(stamp, sizeof stamp);
    weir_status_t result = store__prepare_bound(
        store, &stmt, err, "SELECT id FROM incidents WHERE incident_key = ?1 AND resolved_at = ''", "t", r->key);
    if (result != WEIR_OK)
        return result;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        store__column_text(stmt, 0, id, sizeof id);
    sqlite3_finalize(stmt);
    if (!id[0])
        return WEIR_OK; /* nothing open under this key */
    result =
        store__exec_bound(store, NULL, err, "UPDATE incidents SET resolved_at = ?2 WHERE id = ?1", "tt", id, stamp);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err,
                                   "INSERT INTO alert_deliveries (incident_id, channel, event) SELECT ?1, channel, "
                                   "'resolve' FROM alert_deliveries WHERE incident_id = ?1 AND event = 'trigger' "
                                   "AND state <> 'failed'",
                                   "t", id);
    r->resolved = result == WEIR_OK;
    return result;
}

weir_status_t store_incident_resolve(store_t *store, const char *key, bool *resolved, weir_err_t *err)
{
    resolve_ctx_t ctx = {key, false};
    weir_status_t result = store__transaction(store, resolve_in_transaction, &ctx, err);
    *resolved = result == WEIR_OK && ctx.resolved;
    return result;
}

weir_status_t store_delivery_next(store_t *store, long long now_epoch, store_delivery_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    pthread_mutex_lock(&store->lock);
    /* A resolve never overtakes its own trigger: it waits while the trigger is still pending. */
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        "SELECT d.id, d.channel, d.event, d.attempts, i.id, i.incident_key, i.pipeline, i.table_name, i.kind, "
        "i.severity, i.summary, i.run_id, i.opened_at, i.resolved_at FROM alert_deliveries d "
        "JOIN incidents i ON i.id = d.incident_id WHERE d.state = 'pending' AND d.next_attempt_epoch <= ?1 "
        "AND NOT (d.event = 'resolve' AND EXISTS (SELECT 1 FROM alert_deliveries t WHERE t.incident_id = d.incident_id "
        "AND t.channel = d.channel AND t.event = 'trigger' AND t.state = 'pending')) ORDER BY d.id LIMIT 1",
        "I", now_epoch);
    if (result == WEIR_OK) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            memset(out, 0, sizeof *out);
            out->id = sqlite3_column_int64(stmt, 0);
            store__column_text(stmt, 1, out->channel, sizeof out->channel);
            store__column_text(stmt, 2, out->event, sizeof out->event);
            out->attempts = sqlite3_column_int64(stmt, 3);
            row_to_incident(stmt, 4, &out->incident);
        } else if (step == SQLITE_DONE) {
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

weir_status_t store_delivery_attempted(store_t *store, long long id, const char *state, long long retry_epoch,
                                       const char *error, weir_err_t *err)
{
    char stamp[64];
    store__now(stamp, sizeof stamp);
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__exec_bound(store, NULL, err,
                                             "UPDATE alert_deliveries SET state = ?2, attempts = attempts + 1, "
                                             "next_attempt_epoch = ?3, last_error = ?4, "
                                             "sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END WHERE id = ?1",
                                             "ItItt", id, state, retry_epoch, error ? error : "", stamp);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_incidents_open(store_t *store, store_incident_t **out, size_t *count, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    store_incident_t *items = NULL;
    size_t used = 0, cap = 0;
    *out = NULL;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__prepare(store,
                                          "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE resolved_at = '' "
                                          "ORDER BY opened_at DESC",
                                          &stmt, err);
    while (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        if (used == cap) {
            size_t grown = cap ? cap * 2 : 8;
            store_incident_t *bigger = realloc(items, grown * sizeof *items);
            if (!bigger) {
                result = WEIR_ERR_NOMEM;
                break;
            }
            items = bigger;
            cap = grown;
        }
        row_to_incident(stmt, 0, &items[used++]);
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
