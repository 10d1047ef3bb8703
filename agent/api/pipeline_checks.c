/* pipeline_checks.c — a pipeline's table blocks checked against its source at apply (and by
 * `weir-agent ctl check`), through the source's inspect op. */
#include "pipeline_checks.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "spec_bind.h"

/* Only what the checks read: bound here rather than in specs/, whose runtime view has no use for
 * allow_text_cursor. */
typedef struct {
    char *name;
    char *source;
    pipeline_check_table_t *tables;
    size_t table_count;
} checked_pipeline_t;

static const bind_field_t checked_table_fields[] = {
    {"name", BIND_TEXT, offsetof(pipeline_check_table_t, name), 0, NULL},
    {"primary_key", BIND_TEXTS, offsetof(pipeline_check_table_t, primary_key),
     offsetof(pipeline_check_table_t, key_count), NULL},
    {"cursor", BIND_TEXT, offsetof(pipeline_check_table_t, cursor), 0, NULL},
    {"allow_text_cursor", BIND_BOOL, offsetof(pipeline_check_table_t, allow_text_cursor), 0, NULL},
};
static const bind_table_t checked_table_binding = {"table", BIND_FIELDS(pipeline_check_table_t, checked_table_fields)};
static const bind_field_t checked_pipeline_fields[] = {
    {"name", BIND_TEXT, offsetof(checked_pipeline_t, name), 0, NULL},
    {"source", BIND_TEXT, offsetof(checked_pipeline_t, source), 0, NULL},
    {"table", BIND_BLOCKS, offsetof(checked_pipeline_t, tables), offsetof(checked_pipeline_t, table_count),
     &checked_table_binding},
};
static const bind_table_t checked_pipeline_binding = {"pipeline",
                                                      BIND_FIELDS(checked_pipeline_t, checked_pipeline_fields)};

/* A path table[index].attr, or table[index].attr[element] when element >= 0. */
typedef struct {
    spec_step_t steps[4];
    int len;
} table_path_t;

static table_path_t path_to(size_t index, const char *attr, long element)
{
    table_path_t path = {.steps = {{.kind = PATH_ATTR, .name = "table"},
                                   {.kind = PATH_INDEX, .index = (long)index},
                                   {.kind = PATH_ATTR, .name = attr}},
                         .len = 3};
    if (element >= 0)
        path.steps[path.len++] = (spec_step_t){.kind = PATH_INDEX, .index = element};
    return path;
}

static long column_index(const source_table_info_t *info, const char *column)
{
    for (size_t i = 0; i < info->columns.count; i++)
        if (strcmp(info->columns.names[i], column) == 0)
            return (long)i;
    return -1;
}

/* "a, b, c" — the table's columns, ending in ", …" when they do not fit a diagnostic. */
static void column_list(const source_table_info_t *info, char *out, size_t size)
{
    static const char more[] = ", …";
    size_t room = size - sizeof more; /* always leaves room for the ellipsis */
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < info->columns.count; i++) {
        const char *name = info->columns.names[i];
        size_t need = strlen(name) + (i ? 2 : 0);
        if (used + need > room) {
            memcpy(out + used, more, sizeof more);
            return;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", name);
    }
}

static void judge_cursor(const pipeline_check_table_t *table, size_t index, const source_table_info_t *info,
                         const char *columns, spec_diags_t *diags)
{
    table_path_t path = path_to(index, "cursor", -1);
    long at = column_index(info, table->cursor);
    if (at < 0) {
        spec_diag_add(diags, true, path.steps, path.len, "Cursor column not found",
                      "Table %s has no column \"%s\" to use as the cursor. Its columns: %s.", table->name,
                      table->cursor, columns);
        return;
    }
    const char *type = info->columns.types[at];
    switch (info->cursor_classes[at]) {
    case SOURCE_CURSOR_TIME:
    case SOURCE_CURSOR_NUMBER:
        return;
    case SOURCE_CURSOR_TEXT:
        if (!table->allow_text_cursor)
            spec_diag_add(diags, true, path.steps, path.len, "Text cursor",
                          "Cursor \"%s\" of table %s is %s: text orders rows as they change only if the application "
                          "writes sortable values, and lookback does not apply to it. Use a timestamp, timestamptz, "
                          "date, integer or numeric column, or set allow_text_cursor = true in this table block.",
                          table->cursor, table->name, type);
        return;
    case SOURCE_CURSOR_UNORDERED:
        spec_diag_add(diags, true, path.steps, path.len, "Cursor type cannot order rows",
                      "Cursor \"%s\" of table %s is %s, which does not order rows as they change. Use a timestamp, "
                      "timestamptz, date, integer or numeric column.",
                      table->cursor, table->name, type);
        return;
    }
}

void pipeline_checks_judge(const pipeline_check_table_t *table, size_t index, const char *source,
                           weir_status_t inspected, const source_table_info_t *info, const char *why,
                           spec_diags_t *diags)
{
    table_path_t path = path_to(index, "name", -1);
    if (inspected == WEIR_ERR_NOT_FOUND) {
        spec_diag_add(diags, true, path.steps, path.len, "Table not found",
                      "Source %s has no table %s. Create it, or correct the name (schema.table).", source, table->name);
        return;
    }
    if (inspected != WEIR_OK) {
        spec_diag_add(diags, false, path.steps, path.len, "Table not checked",
                      "Could not inspect table %s in source %s: %s. Apply goes on; `weir-agent ctl check` runs the "
                      "checks again.",
                      table->name, source, why);
        return;
    }
    if (!info->readable)
        spec_diag_add(diags, false, path.steps, path.len, "Table not readable",
                      "The source's user has no SELECT privilege on %s in source %s: runs will fail until it is "
                      "granted.",
                      table->name, source);
    char columns[300];
    column_list(info, columns, sizeof columns);
    bool keys_found = true;
    for (size_t j = 0; j < table->key_count; j++) {
        if (column_index(info, table->primary_key[j]) >= 0)
            continue;
        keys_found = false;
        path = path_to(index, "primary_key", (long)j);
        spec_diag_add(diags, true, path.steps, path.len, "Primary key column not found",
                      "Table %s has no column \"%s\". Its columns: %s.", table->name, table->primary_key[j], columns);
    }
    if (keys_found && !info->key_unique) {
        path = path_to(index, "primary_key", -1);
        spec_diag_add(diags, false, path.steps, path.len, "Primary key not unique at the source",
                      "No primary key, unique constraint or unique index of %s lies within these columns, so the "
                      "source does not promise one row per key: rows sharing a key collapse into one in the "
                      "destination's MERGE. Add a unique constraint, or choose columns that have one.",
                      table->name);
    }
    if (table->cursor)
        judge_cursor(table, index, info, columns, diags);
}

/* A session on the source named `name` for inspecting. NULL with *ops NULL when no source kind has
 * that name or its kind cannot inspect (nothing to check); NULL with *ops set and `why` filled when
 * it cannot be opened. */
static source_session_t *open_named(store_t *store, const char *name, const source_ops_t **ops, weir_err_t *why)
{
    *ops = NULL;
    agent_object_t source = {0};
    for (size_t k = 0; k < source_backend_count && !*ops; k++) {
        weir_err_t ignored;
        if (store_get(store, source_backends[k]->kind, name, &source, &ignored) == WEIR_OK)
            *ops = source_backends[k];
    }
    if (!*ops || !(*ops)->inspect) {
        *ops = NULL;
        agent_object_clear(&source);
        return NULL;
    }
    char *write_only = NULL;
    source_session_t *session = NULL;
    if (store_get_write_only(store, (*ops)->kind, name, &write_only, why) == WEIR_OK &&
        (*ops)->open(source.spec_json, write_only, &session, why) != WEIR_OK)
        session = NULL;
    if (write_only) {
        memset(write_only, 0, strlen(write_only));
        free(write_only);
    }
    agent_object_clear(&source);
    return session;
}

static void check_tables(const source_ops_t *ops, source_session_t *session, const checked_pipeline_t *pipeline,
                         spec_diags_t *diags)
{
    for (size_t t = 0; t < pipeline->table_count; t++) {
        const pipeline_check_table_t *table = &pipeline->tables[t];
        source_table_info_t info = {0};
        weir_err_t why = {{0}};
        weir_status_t inspected = ops->inspect(session, table->name, table->primary_key, table->key_count, &info, &why);
        pipeline_checks_judge(table, t, pipeline->source, inspected, &info, why.msg, diags);
        source_table_info_free(&info);
    }
}

/* Binds `spec_json` of kind `kind` with `binding` into `out`; err says why not. */
static weir_status_t bind_spec(const bind_table_t *binding, const char *kind_name, const char *name,
                               const char *spec_json, arena_t *arena, void *out, weir_err_t *err)
{
    json_t *object = json_loads(spec_json, 0, NULL);
    if (!object) {
        weir_err_set(err, "%s %s: spec is not JSON", kind_name, name);
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = spec_bind(binding, &spec_kind_by_kind(kind_name)->block, object, arena, out, name, err);
    json_decref(object);
    return result;
}

weir_status_t pipeline_check_source(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err)
{
    arena_t arena;
    arena_init(&arena);
    checked_pipeline_t pipeline;
    weir_status_t result = bind_spec(&checked_pipeline_binding, "pipeline", name, spec_json, &arena, &pipeline, err);
    if (result == WEIR_OK && pipeline.table_count > 0) {
        const source_ops_t *ops = NULL;
        weir_err_t why = {{0}};
        source_session_t *session = open_named(store, pipeline.source, &ops, &why);
        if (session) {
            check_tables(ops, session, &pipeline, diags);
            ops->close(session);
        } else if (ops) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "source"}};
            spec_diag_add(diags, false, path, 1, "Source not checked",
                          "Could not connect to source %s to check this pipeline's tables: %s. Apply goes on, since "
                          "the database may be created later in the same plan; `weir-agent ctl check %s` runs the "
                          "checks once it can be reached.",
                          pipeline.source, why.msg, name);
            log_info("pipeline_checks", "pipeline %s: source %s not checked: %s", name, pipeline.source, why.msg);
        }
    }
    arena_free(&arena);
    if (result == WEIR_OK && diags->oom) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    return result;
}

/* What the column check reads of a quality check. */
typedef struct {
    char *pipeline;
    char *table;
    char *column;
    char **columns;
    size_t column_count;
} checked_quality_t;

static const bind_field_t checked_quality_fields[] = {
    {"pipeline", BIND_TEXT, offsetof(checked_quality_t, pipeline), 0, NULL},
    {"table", BIND_TEXT, offsetof(checked_quality_t, table), 0, NULL},
    {"column", BIND_TEXT, offsetof(checked_quality_t, column), 0, NULL},
    {"columns", BIND_TEXTS, offsetof(checked_quality_t, columns), offsetof(checked_quality_t, column_count), NULL},
};
static const bind_table_t checked_quality_binding = {"quality_check",
                                                     BIND_FIELDS(checked_quality_t, checked_quality_fields)};

static void judge_quality_columns(const checked_quality_t *check, const source_table_info_t *info, spec_diags_t *diags)
{
    char columns[300];
    column_list(info, columns, sizeof columns);
    if (check->column && column_index(info, check->column) < 0) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "column"}};
        spec_diag_add(diags, true, path, 1, "Column not found", "Table %s has no column \"%s\". Its columns: %s.",
                      check->table, check->column, columns);
    }
    for (size_t j = 0; j < check->column_count; j++) {
        if (column_index(info, check->columns[j]) >= 0)
            continue;
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "columns"}, {.kind = PATH_INDEX, .index = (long)j}};
        spec_diag_add(diags, true, path, 2, "Column not found", "Table %s has no column \"%s\". Its columns: %s.",
                      check->table, check->columns[j], columns);
    }
}

weir_status_t quality_check_columns(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err)
{
    arena_t arena;
    arena_init(&arena);
    checked_quality_t check;
    checked_pipeline_t pipeline;
    agent_object_t stored = {0};
    weir_err_t ignored;
    weir_status_t result = bind_spec(&checked_quality_binding, "quality_check", name, spec_json, &arena, &check, err);
    /* Nothing to check without columns; a missing pipeline is the store's reference check's to report;
     * an unreachable source or a missing table is reported on the pipeline. */
    if (result != WEIR_OK || (!check.column && check.column_count == 0) ||
        store_get(store, "pipeline", check.pipeline, &stored, &ignored) != WEIR_OK ||
        bind_spec(&checked_pipeline_binding, "pipeline", stored.name, stored.spec_json, &arena, &pipeline, &ignored) !=
            WEIR_OK)
        goto out;
    const source_ops_t *ops = NULL;
    source_session_t *session = open_named(store, pipeline.source, &ops, &ignored);
    if (!session)
        goto out;
    source_table_info_t info = {0};
    if (ops->inspect(session, check.table, NULL, 0, &info, &ignored) == WEIR_OK)
        judge_quality_columns(&check, &info, diags);
    source_table_info_free(&info);
    ops->close(session);
out:
    agent_object_clear(&stored);
    arena_free(&arena);
    if (result == WEIR_OK && diags->oom) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    return result;
}
