/* specs.c — field tables binding the generic runtime objects to their spec kinds. */
#include "specs.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"
#include "spec_bind.h"

#define TEXT(type, attr, field)                         \
    {                                                   \
        attr, BIND_TEXT, offsetof(type, field), 0, NULL \
    }
#define DURATION(type, attr, field)                                                       \
    {                                                                                     \
        attr, BIND_DURATION, offsetof(type, field), offsetof(type, field##_seconds), NULL \
    }
#define INT(type, attr, field)                         \
    {                                                  \
        attr, BIND_INT, offsetof(type, field), 0, NULL \
    }
#define NUMBER(type, attr, field)                                                   \
    {                                                                               \
        attr, BIND_NUMBER, offsetof(type, field), offsetof(type, has_##field), NULL \
    }
#define BOOL(type, attr, field)                         \
    {                                                   \
        attr, BIND_BOOL, offsetof(type, field), 0, NULL \
    }
#define TEXTS(type, attr, field, count)                                      \
    {                                                                        \
        attr, BIND_TEXTS, offsetof(type, field), offsetof(type, count), NULL \
    }

static const bind_field_t column_fields[] = {
    TEXT(column_spec_t, "name", name),
    TEXT(column_spec_t, "target", target),
    TEXT(column_spec_t, "type", type),
    BOOL(column_spec_t, "exclude", exclude),
    TEXT(column_spec_t, "transform", transform_text),
    INT(column_spec_t, "keep_last", keep_last),
};
static const bind_table_t column_binding = {"column", BIND_FIELDS(column_spec_t, column_fields)};

static const bind_field_t table_fields[] = {
    TEXT(table_spec_t, "name", name),
    TEXTS(table_spec_t, "primary_key", primary_key, key_count),
    TEXT(table_spec_t, "cursor", cursor),
    DURATION(table_spec_t, "lookback", lookback),
    TEXT(table_spec_t, "target", target),
    TEXT(table_spec_t, "mode", mode_text),
    TEXT(table_spec_t, "retention", retention),
    BOOL(table_spec_t, "allow_text_cursor", allow_text_cursor),
    {"column", BIND_BLOCKS, offsetof(table_spec_t, columns), offsetof(table_spec_t, column_count), &column_binding},
};
static const bind_table_t table_binding = {"table", BIND_FIELDS(table_spec_t, table_fields)};

static const bind_field_t pipeline_fields[] = {
    TEXT(pipeline_spec_t, "name", name),
    TEXT(pipeline_spec_t, "source", source),
    TEXT(pipeline_spec_t, "destination", destination),
    TEXT(pipeline_spec_t, "schedule", schedule),
    BOOL(pipeline_spec_t, "enabled", enabled),
    DURATION(pipeline_spec_t, "jitter", jitter),
    TEXT(pipeline_spec_t, "schema_evolution", schema_evolution),
    INT(pipeline_spec_t, "max_parallel_tables", max_parallel_tables),
    TEXT(pipeline_spec_t, "naming", naming_text),
    TEXT(pipeline_spec_t, "hash_key_ref", hash_key_ref),
    TEXT(pipeline_spec_t, "description", description),
    {"table", BIND_BLOCKS, offsetof(pipeline_spec_t, tables), offsetof(pipeline_spec_t, table_count), &table_binding},
};
static const bind_table_t pipeline_binding = {"pipeline", BIND_FIELDS(pipeline_spec_t, pipeline_fields)};

static const bind_field_t check_fields[] = {
    TEXT(check_spec_t, "name", name),
    TEXT(check_spec_t, "pipeline", pipeline),
    TEXT(check_spec_t, "table", table),
    TEXT(check_spec_t, "transform", transform),
    TEXT(check_spec_t, "kind", kind_text),
    TEXT(check_spec_t, "severity", severity),
    BOOL(check_spec_t, "enabled", enabled),
    DURATION(check_spec_t, "max_age", max_age),
    TEXT(check_spec_t, "column", column),
    TEXTS(check_spec_t, "columns", columns, column_count),
    NUMBER(check_spec_t, "min_rows", min_rows),
    NUMBER(check_spec_t, "max_rows", max_rows),
    NUMBER(check_spec_t, "anomaly_threshold", anomaly_threshold),
    NUMBER(check_spec_t, "min_history", min_history),
    TEXT(check_spec_t, "seasonality", seasonality),
    NUMBER(check_spec_t, "max_null_fraction", max_null_fraction),
    NUMBER(check_spec_t, "max_null_increase", max_null_increase),
    TEXTS(check_spec_t, "values", values, value_count),
    TEXT(check_spec_t, "references", references),
    TEXT(check_spec_t, "sql", sql),
};
static const bind_table_t check_binding = {"quality_check", BIND_FIELDS(check_spec_t, check_fields)};

static const bind_field_t backfill_fields[] = {
    TEXT(backfill_spec_t, "name", name),
    TEXT(backfill_spec_t, "pipeline", pipeline),
    TEXT(backfill_spec_t, "table", table),
    TEXT(backfill_spec_t, "from", from),
    TEXT(backfill_spec_t, "to", to),
    TEXT(backfill_spec_t, "chunk", chunk),
    INT(backfill_spec_t, "parallelism", parallelism),
    DURATION(backfill_spec_t, "throttle", throttle),
    INT(backfill_spec_t, "max_attempts", max_attempts),
};
static const bind_table_t backfill_binding = {"backfill", BIND_FIELDS(backfill_spec_t, backfill_fields)};

static const bind_field_t channel_fields[] = {
    TEXT(channel_spec_t, "name", name),
    TEXT(channel_spec_t, "kind", kind),
    TEXT(channel_spec_t, "url_ref", url_ref),
    TEXT(channel_spec_t, "routing_key_ref", routing_key_ref),
    TEXT(channel_spec_t, "min_severity", min_severity),
    TEXTS(channel_spec_t, "pipelines", pipelines, pipeline_count),
};
static const bind_table_t channel_binding = {"alert_channel", BIND_FIELDS(channel_spec_t, channel_fields)};

static const bind_field_t transform_fields[] = {
    TEXT(transform_spec_t, "name", name),
    TEXT(transform_spec_t, "destination", destination),
    TEXT(transform_spec_t, "sql", sql),
    TEXT(transform_spec_t, "target", target),
    TEXT(transform_spec_t, "materialization", materialization_text),
    TEXTS(transform_spec_t, "unique_key", unique_key, key_count),
    DURATION(transform_spec_t, "lookback", lookback),
    TEXTS(transform_spec_t, "inputs", inputs, input_count),
    TEXT(transform_spec_t, "schedule", schedule),
    BOOL(transform_spec_t, "enabled", enabled),
    TEXT(transform_spec_t, "description", description),
    NUMBER(transform_spec_t, "slo_success_ratio", slo_success_ratio),
    DURATION(transform_spec_t, "slo_latency", slo_latency),
    TEXT(transform_spec_t, "retention", retention),
    TEXT(transform_spec_t, "retention_column", retention_column),
};
static const bind_table_t transform_binding = {"transform", BIND_FIELDS(transform_spec_t, transform_fields)};

/* Parses `json_text` and binds it into `out`, whose first member is its arena. */
static weir_status_t parse(const bind_table_t *binding, const char *kind, const char *json_text, const char *name,
                           void *out, weir_err_t *err)
{
    const spec_kind_t *spec_kind = spec_kind_by_kind(kind);
    char label[200];
    snprintf(label, sizeof label, "%s %s", kind, name);
    json_error_t parse_error;
    json_t *object = json_loads(json_text, 0, &parse_error);
    if (!object) {
        weir_err_set(err, "%s: the stored spec is not JSON (%s)", label, parse_error.text);
        return WEIR_ERR_INVALID;
    }
    arena_t arena;
    arena_init(&arena);
    weir_status_t result = spec_bind(binding, &spec_kind->block, object, &arena, out, label, err);
    json_decref(object);
    if (result != WEIR_OK) {
        arena_free(&arena);
        memset(out, 0, binding->struct_size);
        return result;
    }
    *(arena_t *)out = arena;
    return WEIR_OK;
}

/* A column name resolved in place: what the user wrote becomes the exact source name. */
static weir_status_t resolve_column(arena_t *arena, char **column, const char *what, weir_err_t *err)
{
    char exact[IDENT_PG_MAX + 1], why[256];
    if (!ident_pg_parse(*column, exact, why, sizeof why)) {
        weir_err_set(err, "%s: \"%s\" is not a column name: %s", what, *column, why);
        return WEIR_ERR_INVALID;
    }
    *column = arena_strdup(arena, exact);
    return *column ? WEIR_OK : WEIR_ERR_NOMEM;
}

static weir_status_t resolve_result_column(arena_t *arena, char **column, const char *what, weir_err_t *err)
{
    char exact[IDENT_SIZE], why[256];
    if (!ident_sf_parse(*column, exact, why, sizeof why)) {
        weir_err_set(err, "%s: \"%s\" is not a column name: %s", what, *column, why);
        return WEIR_ERR_INVALID;
    }
    *column = arena_strdup(arena, exact);
    return *column ? WEIR_OK : WEIR_ERR_NOMEM;
}

static const char *const transform_names[] = {
    [TRANSFORM_NONE] = "none", [TRANSFORM_HASH] = "hash", [TRANSFORM_MASK] = "mask", [TRANSFORM_NULL] = "null"};

static weir_status_t resolve_column_block(arena_t *arena, naming_policy_t naming, column_spec_t *column,
                                          const char *label, weir_err_t *err)
{
    column->source = column->name;
    weir_status_t result = resolve_column(arena, &column->source, label, err);
    if (result != WEIR_OK)
        return result;
    char exact[IDENT_SIZE], why[256];
    if (column->target && !ident_sf_parse(column->target, exact, why, sizeof why)) {
        weir_err_set(err, "%s: target \"%s\": %s", label, column->target, why);
        return WEIR_ERR_INVALID;
    }
    if (!column->target)
        ident_target_name(naming, column->source, exact);
    column->target_name = arena_strdup(arena, exact);
    column->transform = TRANSFORM_NONE;
    for (size_t k = 0; column->transform_text && k < sizeof transform_names / sizeof transform_names[0]; k++)
        if (strcmp(column->transform_text, transform_names[k]) == 0)
            column->transform = (column_transform_t)k;
    return column->target_name ? WEIR_OK : WEIR_ERR_NOMEM;
}

/* Resolves a table block's names by PostgreSQL's and Snowflake's quoting rules. */
static weir_status_t resolve_table(arena_t *arena, const pipeline_spec_t *pipeline, table_spec_t *table,
                                   weir_err_t *err)
{
    char label[300], why[256];
    snprintf(label, sizeof label, "pipeline %s, table %s", pipeline->name, table->name ? table->name : "?");
    pg_table_name_t source;
    if (!table->name || !ident_pg_parse_table(table->name, &source, why, sizeof why)) {
        weir_err_set(err, "%s: not a table name: %s", label, table->name ? why : "missing");
        return WEIR_ERR_INVALID;
    }
    table->source_schema = arena_strdup(arena, source.schema);
    table->source_table = arena_strdup(arena, source.name);
    char target[IDENT_SIZE];
    if (table->target && !ident_sf_parse(table->target, target, why, sizeof why)) {
        weir_err_set(err, "%s: target \"%s\": %s", label, table->target, why);
        return WEIR_ERR_INVALID;
    }
    if (!table->target)
        ident_target_name(pipeline->naming, source.name, target);
    table->target_name = arena_strdup(arena, target);
    if (!table->source_schema || !table->source_table || !table->target_name)
        return WEIR_ERR_NOMEM;
    weir_status_t result = WEIR_OK;
    for (size_t k = 0; result == WEIR_OK && k < table->key_count; k++)
        result = resolve_column(arena, &table->primary_key[k], label, err);
    if (result == WEIR_OK && table->cursor)
        result = resolve_column(arena, &table->cursor, label, err);
    for (size_t c = 0; result == WEIR_OK && c < table->column_count; c++)
        result = resolve_column_block(arena, pipeline->naming, &table->columns[c], label, err);
    table->mode =
        table->mode_text && strcmp(table->mode_text, "full_refresh") == 0 ? TABLE_FULL_REFRESH : TABLE_INCREMENTAL;
    return result;
}

weir_status_t pipeline_spec_parse(const char *json_text, const char *name, pipeline_spec_t *out, weir_err_t *err)
{
    weir_status_t result = parse(&pipeline_binding, "pipeline", json_text, name, out, err);
    if (result != WEIR_OK)
        return result;
    out->add_columns = !out->schema_evolution || strcmp(out->schema_evolution, "add_columns") == 0;
    if (!naming_policy_parse(out->naming_text, &out->naming)) {
        weir_err_set(err, "pipeline %s: naming \"%s\" is not upper or preserve", name, out->naming_text);
        result = WEIR_ERR_INVALID;
    }
    for (size_t i = 0; result == WEIR_OK && i < out->table_count; i++)
        result = resolve_table(&out->arena, out, &out->tables[i], err);
    if (result != WEIR_OK)
        pipeline_spec_free(out);
    return result;
}

static const char *const check_kind_names[] = {
    [CHECK_FRESHNESS] = "freshness",   [CHECK_ROW_COUNT] = "row_count",
    [CHECK_NULL_SPIKE] = "null_spike", [CHECK_REFERENTIAL_INTEGRITY] = "referential_integrity",
    [CHECK_UNIQUE] = "unique",         [CHECK_ACCEPTED_VALUES] = "accepted_values",
    [CHECK_CUSTOM_SQL] = "custom_sql",
};

weir_status_t check_spec_parse(const char *json_text, const char *name, check_spec_t *out, weir_err_t *err)
{
    weir_status_t result = parse(&check_binding, "quality_check", json_text, name, out, err);
    if (result != WEIR_OK)
        return result;
    size_t kinds = sizeof check_kind_names / sizeof check_kind_names[0], which = kinds;
    for (size_t k = 0; out->kind_text && k < kinds; k++)
        if (strcmp(check_kind_names[k], out->kind_text) == 0)
            which = k;
    if (which == kinds) {
        weir_err_set(err, "quality_check %s: unknown kind %s", name, out->kind_text ? out->kind_text : "(none)");
        check_spec_free(out);
        return WEIR_ERR_INVALID;
    }
    out->kind = (check_kind_t)which;
    out->is_error = !out->severity || strcmp(out->severity, "error") == 0;
    char label[300];
    snprintf(label, sizeof label, "quality_check %s", name);
    if (!out->pipeline == !out->transform || (out->pipeline && !out->table)) {
        weir_err_set(err, "%s: a check guards either pipeline and table or transform", label);
        result = WEIR_ERR_INVALID;
    }
    /* A pipeline check names source (PostgreSQL) columns, a transform check its result's
     * (Snowflake) columns. */
    weir_status_t (*resolve)(arena_t *, char **, const char *, weir_err_t *) =
        out->transform ? resolve_result_column : resolve_column;
    if (result == WEIR_OK && out->column)
        result = resolve(&out->arena, &out->column, label, err);
    for (size_t k = 0; result == WEIR_OK && k < out->column_count; k++)
        result = resolve(&out->arena, &out->columns[k], label, err);
    if (result != WEIR_OK)
        check_spec_free(out);
    return result;
}

weir_status_t backfill_spec_parse(const char *json_text, const char *name, backfill_spec_t *out, weir_err_t *err)
{
    return parse(&backfill_binding, "backfill", json_text, name, out, err);
}

weir_status_t channel_spec_parse(const char *json_text, const char *name, channel_spec_t *out, weir_err_t *err)
{
    return parse(&channel_binding, "alert_channel", json_text, name, out, err);
}

static const char *const materialization_names[] = {
    [MATERIALIZE_TABLE] = "table", [MATERIALIZE_INCREMENTAL] = "incremental", [MATERIALIZE_VIEW] = "view"};

/* Resolves the names a transform's SQL is wrapped with and parses its inputs. */
static weir_status_t resolve_transform(transform_spec_t *out, const char *name, weir_err_t *err)
{
    size_t count = sizeof materialization_names / sizeof materialization_names[0], which = count;
    for (size_t k = 0; out->materialization_text && k < count; k++)
        if (strcmp(materialization_names[k], out->materialization_text) == 0)
            which = k;
    if (which == count) {
        weir_err_set(err, "transform %s: materialization \"%s\" is not table, incremental or view", name,
                     out->materialization_text ? out->materialization_text : "");
        return WEIR_ERR_INVALID;
    }
    out->materialization = (materialization_t)which;
    char exact[IDENT_SIZE], why[400];
    if (!out->target || !ident_sf_parse(out->target, exact, why, sizeof why)) {
        weir_err_set(err, "transform %s: target \"%s\": %s", name, out->target ? out->target : "",
                     out->target ? why : "missing");
        return WEIR_ERR_INVALID;
    }
    if (!(out->target_name = arena_strdup(&out->arena, exact)))
        return WEIR_ERR_NOMEM;
    for (size_t k = 0; k < out->key_count; k++) {
        if (!ident_sf_parse(out->unique_key[k], exact, why, sizeof why)) {
            weir_err_set(err, "transform %s: unique_key \"%s\": %s", name, out->unique_key[k], why);
            return WEIR_ERR_INVALID;
        }
        if (!(out->unique_key[k] = arena_strdup(&out->arena, exact)))
            return WEIR_ERR_NOMEM;
    }
    out->input_refs = arena_alloc(&out->arena, (out->input_count ? out->input_count : 1) * sizeof *out->input_refs);
    if (!out->input_refs)
        return WEIR_ERR_NOMEM;
    for (size_t k = 0; k < out->input_count; k++)
        if (!transform_input_parse(out->inputs[k], &out->input_refs[k], why, sizeof why)) {
            weir_err_set(err, "transform %s: inputs: %s", name, why);
            return WEIR_ERR_INVALID;
        }
    return WEIR_OK;
}

weir_status_t transform_spec_parse(const char *json_text, const char *name, transform_spec_t *out, weir_err_t *err)
{
    weir_status_t result = parse(&transform_binding, "transform", json_text, name, out, err);
    if (result != WEIR_OK)
        return result;
    result = resolve_transform(out, name, err);
    if (result != WEIR_OK)
        transform_spec_free(out);
    return result;
}

void transform_spec_free(transform_spec_t *spec)
{
    arena_free(&spec->arena);
    memset(spec, 0, sizeof *spec);
}

void pipeline_spec_free(pipeline_spec_t *spec)
{
    arena_free(&spec->arena);
    memset(spec, 0, sizeof *spec);
}

void check_spec_free(check_spec_t *spec)
{
    arena_free(&spec->arena);
    memset(spec, 0, sizeof *spec);
}

void backfill_spec_free(backfill_spec_t *spec)
{
    arena_free(&spec->arena);
    memset(spec, 0, sizeof *spec);
}

void channel_spec_free(channel_spec_t *spec)
{
    arena_free(&spec->arena);
    memset(spec, 0, sizeof *spec);
}

const char *column_transform_name(column_transform_t transform)
{
    return transform_names[transform];
}

const table_spec_t *pipeline_spec_table(const pipeline_spec_t *pipeline, const char *table)
{
    for (size_t i = 0; i < pipeline->table_count; i++)
        if (pipeline->tables[i].name && strcmp(pipeline->tables[i].name, table) == 0)
            return &pipeline->tables[i];
    pg_table_name_t wanted;
    char why[256];
    if (!ident_pg_parse_table(table, &wanted, why, sizeof why))
        return NULL;
    for (size_t i = 0; i < pipeline->table_count; i++)
        if (strcmp(pipeline->tables[i].source_schema, wanted.schema) == 0 &&
            strcmp(pipeline->tables[i].source_table, wanted.name) == 0)
            return &pipeline->tables[i];
    return NULL;
}

weir_status_t specs_check_bindings(weir_err_t *err)
{
    static const struct {
        const bind_table_t *binding;
        const char *kind;
    } all[] = {{&pipeline_binding, "pipeline"},
               {&check_binding, "quality_check"},
               {&backfill_binding, "backfill"},
               {&channel_binding, "alert_channel"},
               {&transform_binding, "transform"}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const spec_kind_t *kind = spec_kind_by_kind(all[i].kind);
        weir_status_t result = kind ? spec_bind_check(all[i].binding, &kind->block, err) : WEIR_ERR_INTERNAL;
        if (result != WEIR_OK)
            return result;
    }
    return WEIR_OK;
}
