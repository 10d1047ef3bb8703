/* sf_load.h — loads a staged batch into a Snowflake table idempotently: create the target if
 * missing, evolve its columns by policy, fill a per-batch transient staging table, deduplicate by
 * primary key (latest cursor wins), and MERGE guarded by the cursor, stamping _WEIR_RUN_ID and
 * _WEIR_LOADED_AT. Repeating a batch changes nothing it already changed.
 *
 * Names: every name in a request is the exact Snowflake name (resolved by the runner's column plan
 * and the destination's spec, see ident.h), and every generated identifier is double-quoted. Types:
 * sf_types.h maps each source type and converts the staged text; values that would change fail. */
#ifndef WEIR_SF_LOAD_H
#define WEIR_SF_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "sealer.h"
#include "sf_sql.h"
#include "status.h"

typedef struct {
    const char *database; /* target database, schema and table as Snowflake names them */
    const char *schema;
    const char *table;
    const char *source_table; /* "schema.table" as the source names it, for error messages; may be NULL */
    size_t column_count;
    const char *const *columns;        /* destination column names */
    const char *const *source_columns; /* their source names, for messages; may be NULL */
    const char *const *pg_types;       /* their PostgreSQL types (format_type text) */
    const char *const *type_overrides; /* a Snowflake type per column, or NULL entries (or NULL) */
    size_t key_count;
    const char *const *primary_key; /* destination names */
    const char *cursor;             /* destination name; NULL: the newest staged row wins without a guard */
    bool add_columns;               /* schema evolution policy: add new source columns, or fail */
    bool replace_all;               /* full refresh: publish replaces the target's rows with the batch */
    const char *run_id;
    const char *stage_dir; /* chunk files 00000.csv.zst … */
    unsigned chunk_count;
    /* With an external stage the chunks were uploaded to <stage_name>/<stage_path>, and COPY INTO
     * fills the staging table; without one, multi-row INSERTs of at most 1 MB carry them inline. */
    const char *stage_name;       /* "DB.SCHEMA.STAGE" (unquoted parts), or NULL */
    const char *stage_path;       /* "<pipeline>/<table>/<run>/" */
    const sealer_t *stage_sealer; /* opens sealed chunk files; may be NULL */
} sf_load_request_t;

typedef struct {
    long long staged_rows;
    long long inserted;
    long long updated;
    long long deleted; /* full refresh: target rows whose key the batch no longer has */
    size_t columns_added;
    size_t columns_widened; /* NUMBER precision or VARCHAR length raised in place */
    bool created_table;
} sf_load_result_t;

/* Checks every staged value against its column's Snowflake type (sf_types.h) by reading the
 * chunks, for the S3 stage path (the inline path checks while it builds its INSERTs): a value that
 * would not land unchanged fails with WEIR_ERR_INVALID naming the column, table and row key. */
weir_status_t sf_load_check_chunks(const sf_load_request_t *request, weir_err_t *err) WEIR_MUSTCHECK;

/* Write-audit-publish in three steps. sf_load_stage creates or evolves the target, fills the
 * per-run staging table and builds the deduplicated batch table (sf_load_batch_table) that
 * quality checks read; sf_load_publish MERGEs it into the target (with replace_all, swaps the
 * target's rows for the batch's in one INSERT OVERWRITE, so readers see the old rows or the new,
 * never a mix, and rows deleted at the source disappear) and drops both scratch tables;
 * sf_load_drop drops them without publishing (a quarantined or failed batch). */
weir_status_t sf_load_stage(sf_client_t *client, const sf_load_request_t *request, sf_load_result_t *result,
                            weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t sf_load_publish(sf_client_t *client, const sf_load_request_t *request, sf_load_result_t *result,
                              weir_err_t *err) WEIR_MUSTCHECK;
void sf_load_drop(sf_client_t *client, const sf_load_request_t *request);
/* Stage then publish, for loads without checks. */
weir_status_t sf_load_batch(sf_client_t *client, const sf_load_request_t *request, sf_load_result_t *result,
                            weir_err_t *err) WEIR_MUSTCHECK;
/* Quoted names: the deduplicated batch of this request's run, and the target table. */
void sf_load_batch_table(const sf_load_request_t *request, char *out, size_t size);
void sf_load_target_table(const sf_load_request_t *request, char *out, size_t size);

#endif
