/* pipeline_checks.c — a pipeline's table blocks checked against its source at apply (and by
 * `weir-agent ctl check`), through the source's inspect op, within a bound on opening the source. */
#include "pipeline_checks.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "column_plan.h"
#include "reach_cache.h"
#include "specs.h"

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

/* How long opening the source may take, name lookup included. At apply the bound is short: each
 * pipeline's apply waits for it, and an unreachable source is only a warning. `ctl check` is
 * asked for by an operator who wants the answer, so it waits as long as a run would. */
#define APPLY_OPEN_MS 3000
#define CHECK_NOW_OPEN_MS 10000

/* One attempt to open the source a pipeline names, for inspecting. */
typedef struct {
    const source_ops_t *ops;   /* NULL: no source of a kind that inspects has that name (nothing to check) */
    source_session_t *session; /* NULL when not opened */
    int bound_ms;              /* the attempt's bound */
    bool skipped;              /* not tried: it failed within the last REACH_CACHE_WINDOW_S */
    bool remembered;           /* tried, failed slowly: applies within the window skip it */
    reach_miss_t miss;         /* when skipped */
    weir_err_t why;            /* when not opened */
} source_attempt_t;

/* Opens `source` (a stored object of ops' kind) within attempt->bound_ms, and keeps the reach
 * cache up to date: a slow unavailable failure is remembered, a success forgets an old failure. */
static void connect_source(store_t *store, const agent_object_t *source, source_attempt_t *attempt)
{
    const source_ops_t *ops = attempt->ops;
    char *write_only = NULL;
    int64_t started = reach_cache_now_ms();
    weir_status_t result = store_get_write_only(store, ops->kind, source->name, &write_only, &attempt->why);
    if (result == WEIR_OK)
        result = ops->open_inspect
            ? ops->open_inspect(source->spec_json, write_only, attempt->bound_ms, &attempt->session, &attempt->why)
            : ops->open(source->spec_json, write_only, &attempt->session, &attempt->why);
    if (write_only) {
        memset(write_only, 0, strlen(write_only));
        free(write_only);
    }
    int64_t now = reach_cache_now_ms();
    if (result == WEIR_OK) {
        reach_cache_forget(ops->kind, source->name, source->spec_json);
        return;
    }
    attempt->session = NULL;
    if (result == WEIR_ERR_UNAVAILABLE && now - started >= REACH_CACHE_SLOW_MS) {
        reach_cache_put(ops->kind, source->name, source->spec_json, now, attempt->why.msg);
        attempt->remembered = true;
    }
}

/* Finds the source named `name` and opens it for inspecting; at apply (`use_cache`), a source that
 * failed within the window is not tried again. */
static void open_named(store_t *store, const char *name, bool use_cache, source_attempt_t *attempt)
{
    memset(attempt, 0, sizeof *attempt);
    attempt->bound_ms = use_cache ? APPLY_OPEN_MS : CHECK_NOW_OPEN_MS;
    agent_object_t source = {0};
    for (size_t k = 0; k < source_backend_count && !attempt->ops; k++) {
        weir_err_t ignored;
        if (store_get(store, source_backends[k]->kind, name, &source, &ignored) == WEIR_OK)
            attempt->ops = source_backends[k];
    }
    if (!attempt->ops || !attempt->ops->inspect)
        attempt->ops = NULL;
    else if (use_cache &&
             reach_cache_get(attempt->ops->kind, name, source.spec_json, reach_cache_now_ms(), &attempt->miss))
        attempt->skipped = true;
    else
        connect_source(store, &source, attempt);
    agent_object_clear(&source);
}

/* Column blocks name columns the source has, and the columns land under distinct names. */
static void judge_columns(const pipeline_spec_t *pipeline, size_t index, const source_table_info_t *info,
                          spec_diags_t *diags)
{
    const table_spec_t *table = &pipeline->tables[index];
    bool declared_found = true;
    for (size_t c = 0; c < table->column_count; c++) {
        if (column_index(info, table->columns[c].source) >= 0)
            continue;
        declared_found = false;
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                              {.kind = PATH_INDEX, .index = (long)index},
                              {.kind = PATH_ATTR, .name = "column"},
                              {.kind = PATH_INDEX, .index = (long)c},
                              {.kind = PATH_ATTR, .name = "name"}};
        char columns[300];
        column_list(info, columns, sizeof columns);
        spec_diag_add(diags, true, path, 5, "Column not found", "Table %s has no column \"%s\". Its columns: %s.",
                      table->name, table->columns[c].source, columns);
    }
    if (!declared_found)
        return;
    column_plan_t plan;
    weir_err_t why = {{0}};
    if (column_plan_build(pipeline, table, PLAN_SOURCE, (const char *const *)info->columns.names,
                          (const char *const *)info->columns.types, info->columns.count, &plan, &why) == WEIR_OK) {
        column_plan_free(&plan);
        return;
    }
    /* Keys and cursor were judged above; what is left is a collision or a reserved name. */
    if (strstr(why.msg, "primary-key column") || strstr(why.msg, "cursor column"))
        return;
    table_path_t path = path_to(index, "name", -1);
    spec_diag_add(diags, true, path.steps, path.len, "Column name collision", "%s.", why.msg);
}

static void check_tables(const source_ops_t *ops, source_session_t *session, const pipeline_spec_t *pipeline,
                         spec_diags_t *diags)
{
    for (size_t t = 0; t < pipeline->table_count; t++) {
        const table_spec_t *spec = &pipeline->tables[t];
        const pipeline_check_table_t table = {.name = spec->name,
                                              .primary_key = spec->primary_key,
                                              .key_count = spec->key_count,
                                              .cursor = spec->cursor,
                                              .allow_text_cursor = spec->allow_text_cursor};
        source_table_info_t info = {0};
        weir_err_t why = {{0}};
        weir_status_t inspected = ops->inspect(session, table.name, table.primary_key, table.key_count, &info, &why);
        pipeline_checks_judge(&table, t, pipeline->source, inspected, &info, why.msg, diags);
        if (inspected == WEIR_OK)
            judge_columns(pipeline, t, &info, diags);
        source_table_info_free(&info);
    }
}

/* The warning at `source` when the pipeline's tables could not be checked, saying why. */
static void warn_not_checked(const char *name, const char *source, const source_attempt_t *attempt, spec_diags_t *diags)
{
    spec_step_t path[] = {{.kind = PATH_ATTR, .name = "source"}};
    if (attempt->skipped) {
        struct tm until;
        char clock[16];
        gmtime_r(&attempt->miss.retry_at, &until);
        strftime(clock, sizeof clock, "%H:%M:%S", &until);
        spec_diag_add(diags, false, path, 1, "Source not checked",
                      "Checks of this pipeline's tables were skipped: source %s was unreachable %lld s ago (%s), "
                      "and apply does not try it again until %s UTC (in %lld s). Apply goes on, since the database "
                      "may be created later in the same plan; `weir-agent ctl check %s` runs the checks now.",
                      source, attempt->miss.age_s, attempt->miss.reason, clock, attempt->miss.left_s, name);
        log_info("pipeline_checks", "pipeline %s: source %s not checked: unreachable %lld s ago", name, source,
                 attempt->miss.age_s);
        return;
    }
    spec_diag_add(diags, false, path, 1, "Source not checked",
                  "Could not connect to source %s, so the checks of this pipeline's tables were skipped: %s. Apply "
                  "goes on, since the database may be created later in the same plan; %s`weir-agent ctl check %s` "
                  "runs the checks once it can be reached.",
                  source, attempt->why.msg,
                  attempt->remembered ? "applies in the next minute skip this source's checks without waiting; " : "",
                  name);
    log_info("pipeline_checks", "pipeline %s: source %s not checked: %s", name, source, attempt->why.msg);
}

/* pipeline_check_source and pipeline_check_source_now: `use_cache` at apply only. */
static weir_status_t check_source(store_t *store, const char *name, const char *spec_json, bool use_cache,
                                  spec_diags_t *diags, weir_err_t *err)
{
    pipeline_spec_t pipeline;
    weir_status_t result = pipeline_spec_parse(spec_json, name, &pipeline, err);
    if (result == WEIR_OK && pipeline.table_count > 0) {
        source_attempt_t attempt;
        open_named(store, pipeline.source, use_cache, &attempt);
        if (attempt.session) {
            check_tables(attempt.ops, attempt.session, &pipeline, diags);
            attempt.ops->close(attempt.session);
        } else if (attempt.ops) {
            warn_not_checked(name, pipeline.source, &attempt, diags);
        }
    }
    if (result == WEIR_OK)
        pipeline_spec_free(&pipeline);
    if (result == WEIR_OK && diags->oom) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    return result;
}

weir_status_t pipeline_check_source(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err)
{
    return check_source(store, name, spec_json, true, diags, err);
}

weir_status_t pipeline_check_source_now(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                        weir_err_t *err)
{
    return check_source(store, name, spec_json, false, diags, err);
}

static void judge_quality_columns(const check_spec_t *check, const source_table_info_t *info, spec_diags_t *diags)
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
    check_spec_t check;
    pipeline_spec_t pipeline = {0};
    agent_object_t stored = {0};
    weir_err_t ignored;
    weir_status_t result = check_spec_parse(spec_json, name, &check, err);
    if (result != WEIR_OK)
        return result;
    /* Nothing to check without columns; a missing pipeline is the store's reference check's to report;
     * an unreachable source or a missing table is reported on the pipeline. A transform's result
     * columns exist once it has run: a missing one fails the check at run time, naming it. */
    if ((!check.column && check.column_count == 0) || !check.pipeline ||
        store_get(store, "pipeline", check.pipeline, &stored, &ignored) != WEIR_OK ||
        pipeline_spec_parse(stored.spec_json, stored.name, &pipeline, &ignored) != WEIR_OK)
        goto out;
    source_attempt_t attempt;
    open_named(store, pipeline.source, true, &attempt);
    if (!attempt.session)
        goto out;
    source_table_info_t info = {0};
    if (attempt.ops->inspect(attempt.session, check.table, NULL, 0, &info, &ignored) == WEIR_OK)
        judge_quality_columns(&check, &info, diags);
    source_table_info_free(&info);
    attempt.ops->close(attempt.session);
out:
    pipeline_spec_free(&pipeline);
    agent_object_clear(&stored);
    check_spec_free(&check);
    if (diags->oom) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    return result;
}
