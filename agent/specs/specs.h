/* specs.h — the runtime's typed view of the objects OpenTofu applies: pipelines with their tables,
 * quality checks, backfills and alert channels, parsed once from stored spec JSON (spec_bind.h) so
 * the runtime never looks values up by string key. Sources and destinations bind their own kind's
 * spec in their backend folder. Each parsed object owns an arena: free it with the matching _free. */
#ifndef WEIR_SPECS_H
#define WEIR_SPECS_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ident.h"
#include "status.h"
#include "transform_input.h"

typedef enum { TABLE_INCREMENTAL, TABLE_FULL_REFRESH } table_mode_t;

typedef enum { TRANSFORM_NONE, TRANSFORM_HASH, TRANSFORM_MASK, TRANSFORM_NULL } column_transform_t;

/* A column block. Names are resolved by the parser: `source` is the exact source column name,
 * `target_name` the exact destination name (NULL: the pipeline's naming decides). */
typedef struct {
    char *name; /* as written */
    char *target;
    char *type; /* destination type override, or NULL */
    bool exclude;
    char *transform_text;
    column_transform_t transform;
    long long keep_last;
    char *source;
    char *target_name;
} column_spec_t;

/* A table block. The parser resolves names by the systems' quoting rules: `primary_key` and
 * `cursor` hold exact source column names, `source_schema`/`source_table` the exact table name
 * ("" schema when unqualified), `target_name` the exact destination table name. */
typedef struct {
    char *name; /* source table as the pipeline names it (its identity in runs and checks) */
    char **primary_key;
    size_t key_count;
    char *cursor; /* NULL without one */
    char *lookback;
    long long lookback_seconds;
    char *target; /* as written, or NULL */
    char *mode_text;
    table_mode_t mode;
    bool allow_text_cursor;
    column_spec_t *columns;
    size_t column_count;
    char *source_schema;
    char *source_table;
    char *target_name;
    char *retention; /* NULL: rows are kept forever */
} table_spec_t;

typedef struct {
    arena_t arena;
    char *name;
    char *source; /* object names; their kinds are found through the registries */
    char *destination;
    char *schedule;
    bool enabled;
    char *jitter;
    long long jitter_seconds;
    char *schema_evolution;
    bool add_columns; /* schema_evolution = "add_columns" */
    long long max_parallel_tables;
    char *naming_text;
    naming_policy_t naming;
    char *hash_key_ref; /* key of TRANSFORM_HASH columns, or NULL */
    char *description;
    table_spec_t *tables;
    size_t table_count;
} pipeline_spec_t;

typedef enum {
    CHECK_FRESHNESS,
    CHECK_ROW_COUNT,
    CHECK_NULL_SPIKE,
    CHECK_REFERENTIAL_INTEGRITY,
    CHECK_UNIQUE,
    CHECK_ACCEPTED_VALUES,
    CHECK_CUSTOM_SQL,
} check_kind_t;

typedef struct {
    arena_t arena;
    char *name;
    char *pipeline; /* with table: guards a pipeline's table… */
    char *table;
    char *transform; /* …or this transform's result */
    char *kind_text;
    check_kind_t kind;
    char *severity;
    bool is_error; /* severity = "error" */
    bool enabled;
    char *max_age;
    long long max_age_seconds;
    char *column;
    char **columns;
    size_t column_count;
    double min_rows, max_rows;
    bool has_min_rows, has_max_rows;
    double anomaly_threshold;
    bool has_anomaly_threshold;
    double min_history;
    bool has_min_history;
    char *seasonality;
    double max_null_fraction, max_null_increase;
    bool has_max_null_fraction, has_max_null_increase;
    char **values;
    size_t value_count;
    char *references;
    char *sql;
} check_spec_t;

typedef struct {
    arena_t arena;
    char *name;
    char *pipeline;
    char *table;
    char *from, *to, *chunk;
    long long parallelism;
    char *throttle;
    long long throttle_seconds;
    long long max_attempts;
} backfill_spec_t;

typedef struct {
    arena_t arena;
    char *name;
    char *kind; /* webhook | slack | pagerduty */
    char *url_ref;
    char *routing_key_ref;
    char *min_severity;
    char **pipelines;
    size_t pipeline_count;
} channel_spec_t;

typedef enum { MATERIALIZE_TABLE, MATERIALIZE_INCREMENTAL, MATERIALIZE_VIEW } materialization_t;

/* A weir_transform. `target_name` and `unique_key` hold exact Snowflake names (ident.h), `input_refs`
 * the parsed `inputs` (transform_input.h), in the set's sorted order. */
typedef struct {
    arena_t arena;
    char *name;
    char *destination;
    char *sql;
    char *target;
    char *materialization_text;
    materialization_t materialization;
    char **unique_key;
    size_t key_count;
    char *lookback;
    long long lookback_seconds;
    char **inputs;
    size_t input_count;
    char *schedule; /* NULL: run when the inputs publish */
    bool enabled;
    char *description;
    char *target_name;
    transform_input_t *input_refs;
    double slo_success_ratio; /* with has_slo_success_ratio */
    bool has_slo_success_ratio;
    char *slo_latency; /* NULL without an objective */
    long long slo_latency_seconds;
    char *retention; /* NULL: rows are kept forever */
    char *retention_column;
} transform_spec_t;

/* Parse stored spec JSON text; `name` labels errors. On failure the struct holds nothing to free. */
weir_status_t pipeline_spec_parse(const char *json_text, const char *name, pipeline_spec_t *out,
                                  weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t check_spec_parse(const char *json_text, const char *name, check_spec_t *out,
                               weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t backfill_spec_parse(const char *json_text, const char *name, backfill_spec_t *out,
                                  weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t channel_spec_parse(const char *json_text, const char *name, channel_spec_t *out,
                                 weir_err_t *err) WEIR_MUSTCHECK;
/* Also resolves the target and key names and parses the inputs: WEIR_ERR_INVALID naming the attribute. */
weir_status_t transform_spec_parse(const char *json_text, const char *name, transform_spec_t *out,
                                   weir_err_t *err) WEIR_MUSTCHECK;
void pipeline_spec_free(pipeline_spec_t *spec);
void transform_spec_free(transform_spec_t *spec);
void check_spec_free(check_spec_t *spec);
void backfill_spec_free(backfill_spec_t *spec);
void channel_spec_free(channel_spec_t *spec);

/* The pipeline's table named `table` (compared by PostgreSQL's rules: `Orders` is `orders`), or
 * NULL. Borrowed from `pipeline`. */
const table_spec_t *pipeline_spec_table(const pipeline_spec_t *pipeline, const char *table);

/* "none", "hash", "mask" or "null": the transform as the spec writes it. */
const char *column_transform_name(column_transform_t transform);

/* Every binding table agrees with the shared spec tables (for tests; the parsers check too). */
weir_status_t specs_check_bindings(weir_err_t *err) WEIR_MUSTCHECK;

#endif
