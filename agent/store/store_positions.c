/* store_positions.c — a pipeline table's resume position (its watermark) lives only as long as it
 * measures what it did: deleting the pipeline, removing the table, or changing what the watermark
 * is a position in (source, destination, naming; the table's cursor or target) drops it, in the
 * transaction that stores the change, so the next run of that table loads it from the start. */
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

/* The tables whose position `new` (?2) keeps from `old` (?3): same name, cursor and target, under
 * the same source, destination and naming. Anything else measured another table or column. */
#define KEPT_TABLES                                                                                         \
    "WITH kept(table_name) AS (SELECT json_extract(n.value, '$.name') FROM json_each(?2, '$.table') n "     \
    "JOIN json_each(?3, '$.table') o ON json_extract(o.value, '$.name') = json_extract(n.value, '$.name') " \
    "WHERE json_extract(n.value, '$.cursor') IS json_extract(o.value, '$.cursor') "                         \
    "AND json_extract(n.value, '$.target') IS json_extract(o.value, '$.target') "                           \
    "AND json_extract(?2, '$.source') IS json_extract(?3, '$.source') "                                     \
    "AND json_extract(?2, '$.destination') IS json_extract(?3, '$.destination') "                           \
    "AND json_extract(?2, '$.naming') IS json_extract(?3, '$.naming')) "

/* Refuses while a regular run of a table losing its position is in flight or quarantined: it
 * would commit a position of the old setup after the reset (and a quarantined batch waits for an
 * operator's decision). Backfill chunks keep no watermark and are left to their backfill. */
static weir_status_t refuse_in_flight(store_t *store, const char *pipeline, const char *new_spec, const char *old_spec,
                                      bool deleting, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        KEPT_TABLES "SELECT id, table_name, state FROM runs WHERE pipeline = ?1 AND backfill = '' "
                    "AND state IN ('extracting', 'staged', 'loading', 'published', 'quarantined') "
                    "AND table_name NOT IN (SELECT table_name FROM kept) ORDER BY created_at LIMIT 1",
        "ttt", pipeline, new_spec, old_spec);
    if (result != WEIR_OK)
        return result;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        char id[40], table[160], state[16], what[200], remedy[400];
        store__column_text(stmt, 0, id, sizeof id);
        store__column_text(stmt, 1, table, sizeof table);
        store__column_text(stmt, 2, state, sizeof state);
        snprintf(what, sizeof what, "%s",
                 deleting ? "deleting the pipeline drops its tables' positions"
                          : "this change drops its position (the table is removed, or the pipeline's source, "
                            "destination or naming, or the table's cursor or target changes)");
        if (strcmp(state, "quarantined") == 0)
            snprintf(remedy, sizeof remedy,
                     "decide the batch first (weir-agent ctl quarantine release|discard %s), then apply again", id);
        else
            snprintf(remedy, sizeof remedy,
                     "pause the pipeline (weir-agent ctl pause %s), wait until the run has ended (weir-agent ctl "
                     "run show %s), apply again, then resume it",
                     pipeline, id);
        weir_err_set(err, "pipeline \"%s\": table \"%s\" has run %s still %s, and %s; %s", pipeline, table, id, state,
                     what, remedy);
        result = WEIR_ERR_IN_USE;
    } else if (step != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        result = WEIR_ERR_IO;
    }
    sqlite3_finalize(stmt);
    return result;
}

weir_status_t store__pipeline_positions_reset(store_t *store, const char *pipeline, const char *old_spec,
                                              const char *new_spec, weir_err_t *err)
{
    bool deleting = new_spec == NULL;
    const char *kept_spec = deleting ? "{}" : new_spec; /* no tables: every position goes */
    weir_status_t result = refuse_in_flight(store, pipeline, kept_spec, old_spec, deleting, err);
    if (result != WEIR_OK)
        return result;
    char stamp[64];
    store__now(stamp, sizeof stamp);
    /* A queued run of a table that is gone would fail when claimed and raise an alert; it ends now,
     * kept in the history with the reason. Queued runs of kept tables start from the reset position. */
    result = store__exec_bound(store, NULL, err,
                               "UPDATE runs SET state = 'failed', error = ?3, updated_at = ?4, finished_at = ?4 "
                               "WHERE pipeline = ?1 AND backfill = '' AND state = 'queued' AND table_name NOT IN "
                               "(SELECT json_extract(value, '$.name') FROM json_each(?2, '$.table') "
                               "WHERE json_extract(value, '$.name') IS NOT NULL)",
                               "tttt", pipeline, kept_spec,
                               deleting ? "the pipeline was deleted before this run started"
                                        : "the table was removed from the pipeline before this run started",
                               stamp);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err,
                                   KEPT_TABLES "DELETE FROM watermarks WHERE pipeline = ?1 AND table_name NOT IN "
                                               "(SELECT table_name FROM kept)",
                                   "ttt", pipeline, kept_spec, old_spec);
    /* An operator's pause belonged to the deleted pipeline, not to a new one of the same name. */
    if (result == WEIR_OK && deleting)
        result = store__exec_bound(store, NULL, err, "DELETE FROM paused_pipelines WHERE pipeline = ?1", "t", pipeline);
    return result;
}
