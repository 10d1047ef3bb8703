/* destination.h — what the run state machine asks of a destination, whatever its kind: open a
 * session from the stored spec, move a staged batch where the load reads it, stage it beside the
 * target (creating or evolving the target), measure quality checks on the staged batch or the
 * target, and publish or discard the batch. Each kind lives in its own folder (snowflake/) behind a
 * destination_ops_t; destination_registry.c lists them. Failures come back classified by code:
 * WEIR_ERR_UNAVAILABLE and WEIR_ERR_IO are worth a retry, WEIR_ERR_AUTH and WEIR_ERR_INVALID not. */
#ifndef WEIR_DESTINATION_H
#define WEIR_DESTINATION_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sealer.h"
#include "specs.h"
#include "status.h"

typedef struct destination_session destination_session_t; /* a backend's open client */

/* One run's staged batch and how it lands. */
typedef struct {
    const char *run_id;
    const char *pipeline;
    const char *table;  /* source table as the pipeline names it */
    const char *target; /* exact destination table name (ident.h: already resolved, always quoted) */
    size_t column_count;
    const char *const *columns;      /* exact source column names, in staged field order */
    const char *const *source_types; /* their source types as staged (a hashed column is text) */
    const char *const *targets;      /* exact destination column names, one per column */
    const char *const *target_types; /* a column block's type override, or NULL, one per column */
    size_t key_count;
    const char *const *primary_key; /* source column names; see destination_batch_target_of */
    const char *cursor;             /* the newest version of a key wins by it; NULL: the last staged */
    const char *table_cursor;       /* the table's cursor column whatever the mode (freshness), or NULL */
    bool add_columns;               /* schema evolution: add new source columns, or fail */
    bool full_refresh;              /* the target ends up holding exactly this batch's rows */
    const char *stage_dir;          /* local chunk files 00000.csv.zst … */
    unsigned chunk_count;
    long long raw_bytes;    /* CSV bytes staged (before compression) */
    const sealer_t *sealer; /* opens sealed chunks; may be NULL */
} destination_batch_t;

/* The destination name of source column `source` in `batch`, or NULL when it was not staged. */
static inline const char *destination_batch_target_of(const destination_batch_t *batch, const char *source)
{
    for (size_t i = 0; source && i < batch->column_count; i++)
        if (strcmp(batch->columns[i], source) == 0)
            return batch->targets[i];
    return NULL;
}

typedef struct {
    long long staged_rows; /* rows in the deduplicated batch */
    long long inserted, updated, deleted;
    size_t columns_added, columns_widened;
    bool created_table;
} destination_load_t;

/* A check's raw measurement; the quality gate judges it. */
typedef struct {
    double value; /* row_count: rows; null_spike: NULL rows; freshness: age in seconds; others: failing rows */
    double total; /* null_spike: all rows */
    bool is_null; /* freshness: no row has a cursor value */
} destination_measure_t;

/* One run of a weir_transform: its SELECT and how its result lands in `target`. */
typedef struct {
    const char *run_id;
    const char *transform;
    const char *target; /* exact destination name (ident.h), in the destination's database and schema */
    materialization_t materialization;
    const char *sql;   /* as the user wrote it, with the {{since}} placeholder */
    const char *since; /* RFC 3339 UTC instant {{since}} stands for (incremental) */
    size_t key_count;
    const char *const *unique_key; /* exact result column names (incremental) */
} destination_transform_t;

typedef struct {
    long long rows;              /* rows the SELECT returned into the scratch table */
    long long inserted, updated; /* incremental: what the MERGE did */
} destination_transform_result_t;

/* One pass of the retention step over a table the agent writes. */
typedef struct {
    const char *target;   /* exact destination table name, in the destination's database and schema */
    const char *column;   /* exact name of the timestamp column rows are aged by */
    const char *cutoff;   /* RFC 3339 UTC: rows whose column is older go */
    long long batch_rows; /* rows one DELETE removes at most (ties at the batch's edge excepted) */
    int max_batches;      /* statements one pass runs at most; the next pass goes on */
} destination_retention_t;

typedef struct {
    long long deleted;
    int batches;
    bool finished; /* no row older than the cutoff is left */
} destination_retention_result_t;

typedef struct {
    const char *kind; /* the object kind it serves, e.g. "destination_snowflake" */
    weir_status_t (*open)(const char *spec_json, const char *write_only_json, destination_session_t **out,
                          weir_err_t *err);
    /* Puts the staged chunks where `stage` reads them (an external stage); repeating it is harmless. */
    weir_status_t (*upload)(destination_session_t *session, const destination_batch_t *batch, weir_err_t *err);
    /* Creates or evolves the target and fills a scratch table with the deduplicated batch. */
    weir_status_t (*stage)(destination_session_t *session, const destination_batch_t *batch, destination_load_t *out,
                           weir_err_t *err);
    /* Measures `check` on the staged batch (batch checks) or on the target (freshness). A check that
     * cannot be measured (bad SQL, missing column) is an error with the reason in err. */
    weir_status_t (*measure)(destination_session_t *session, const destination_batch_t *batch,
                             const check_spec_t *check, destination_measure_t *out, weir_err_t *err);
    /* Publishes the staged batch (a MERGE by key; for a full refresh an exact replacement in one
     * statement) and drops the scratch tables. Repeating a publish changes nothing more. */
    weir_status_t (*publish)(destination_session_t *session, const destination_batch_t *batch, destination_load_t *out,
                             weir_err_t *err);
    /* The table a pipeline's table block writes, named so that two blocks writing the same table
     * get the same text (e.g. "MYORG-ACCOUNT/RAW.PAYMENTS.ORDERS"): `target` is the exact
     * destination table name (table_spec_t target_name). Needs no connection. */
    weir_status_t (*target_identity)(const char *spec_json, const char *target, char *out, size_t size,
                                     weir_err_t *err);
    /* Drops the scratch tables without publishing (a quarantined or failed batch). */
    void (*discard)(destination_session_t *session, const destination_batch_t *batch);
    void (*close)(destination_session_t *session);
    /* Transforms. transform_build runs the SELECT into a scratch table named after the run
     * (a view builds nothing); repeating it rebuilds. transform_publish makes the built result the
     * target in one statement (table: replaced whole; incremental: MERGEd by unique_key; view:
     * replaced) and drops the scratch table; WEIR_ERR_NOT_FOUND when the scratch table is gone (a
     * publish that had already finished before a crash: build again). transform_discard drops the
     * scratch table. NULL in a backend that runs no transforms. */
    weir_status_t (*transform_build)(destination_session_t *session, const destination_transform_t *transform,
                                     destination_transform_result_t *out, weir_err_t *err);
    weir_status_t (*transform_publish)(destination_session_t *session, const destination_transform_t *transform,
                                       destination_transform_result_t *out, weir_err_t *err);
    /* WEIR_ERR_NOT_FOUND when the run's built result is gone (its publish had finished before a
     * crash): the run builds again rather than judging nothing. */
    weir_status_t (*transform_built)(destination_session_t *session, const destination_transform_t *transform,
                                     weir_err_t *err);
    /* Measures `check` on the built result before it is published (the scratch table, or a view's
     * SELECT) or, for freshness, on the target: like `measure` for a transform. */
    weir_status_t (*transform_measure)(destination_session_t *session, const destination_transform_t *transform,
                                       const check_spec_t *check, destination_measure_t *out, weir_err_t *err);
    void (*transform_discard)(destination_session_t *session, const destination_transform_t *transform);
    /* Deletes the rows of `request->target` older than its cutoff in batches (each one statement);
     * WEIR_ERR_NOT_FOUND when the table does not exist yet. NULL in a backend without retention. */
    weir_status_t (*retention_delete)(destination_session_t *session, const destination_retention_t *request,
                                      destination_retention_result_t *out, weir_err_t *err);
} destination_ops_t;

/* The backend serving object kind `kind`, or NULL. */
const destination_ops_t *destination_for_kind(const char *kind);
extern const destination_ops_t *const destination_backends[];
extern const size_t destination_backend_count;

#endif
