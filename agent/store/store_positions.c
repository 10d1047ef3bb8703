/* store_positions.c — a pipeline table's resume position (its watermark) lives only as long as it
 * measures what it did: deleting the pipeline, removing the table, or changing what the watermark
 * is a position in (source, destination, the table's cursor column or target table, compared as
 * resolved: table_position.h) drops it, in the transaction that stores the change, so the next
 * run of that table loads it from the start. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "table_position.h"

/* The tables whose position the kept list (?2, a JSON array of names) holds. */
#define KEPT_TABLES "WITH kept(table_name) AS (SELECT value FROM json_each(?2)) "

/* The names of the tables whose position `new_spec` keeps from `old_spec` (table_position.h), as
 * a JSON array text (new; NULL when out of memory). A delete (`new_spec` NULL) keeps none. */
static char *kept_tables(const char *old_spec, const char *new_spec)
{
    json_t *kept = json_array();
    json_t *old_pipeline = json_loads(old_spec, 0, NULL);
    json_t *new_pipeline = new_spec ? json_loads(new_spec, 0, NULL) : NULL;
    size_t i, j;
    json_t *table, *before;
    json_array_foreach(json_object_get(new_pipeline, "table"), i, table)
    {
        const char *name = json_string_value(json_object_get(table, "name"));
        json_array_foreach(json_object_get(old_pipeline, "table"), j, before)
        {
            const char *was = json_string_value(json_object_get(before, "name"));
            if (name && was && strcmp(name, was) == 0 &&
                table_position_kept(old_pipeline, before, new_pipeline, table)) {
                json_array_append_new(kept, json_string(name));
                break;
            }
        }
    }
    char *text = kept ? json_dumps(kept, JSON_COMPACT) : NULL;
    json_decref(kept);
    json_decref(old_pipeline);
    json_decref(new_pipeline);
    return text;
}

/* Refuses while a regular run of a table losing its position is in flight or quarantined: it
 * would commit a position of the old setup after the reset (and a quarantined batch waits for an
 * operator's decision). Backfill chunks keep no watermark and are left to their backfill. */
static weir_status_t refuse_in_flight(store_t *store, const char *pipeline, const char *kept, bool deleting,
                                      weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(
        store, &stmt, err,
        KEPT_TABLES "SELECT id, table_name, state FROM runs WHERE pipeline = ?1 AND backfill = '' "
                    "AND state IN ('extracting', 'staged', 'loading', 'published', 'quarantined') "
                    "AND table_name NOT IN (SELECT table_name FROM kept) ORDER BY created_at LIMIT 1",
        "tt", pipeline, kept);
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
                          : "this change drops its position (the table is removed, or the pipeline's source or "
                            "destination, or the table's cursor column or target table changes)");
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
    char *kept = kept_tables(old_spec, new_spec);
    if (!kept) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    weir_status_t result = refuse_in_flight(store, pipeline, kept, deleting, err);
    if (result != WEIR_OK) {
        free(kept);
        return result;
    }
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
                                   "tt", pipeline, kept);
    free(kept);
    /* An operator's pause belonged to the deleted pipeline, not to a new one of the same name. */
    if (result == WEIR_OK && deleting)
        result = store__exec_bound(store, NULL, err, "DELETE FROM paused_pipelines WHERE pipeline = ?1", "t", pipeline);
    return result;
}
