/* run_columns.c — column rules for the stage writer and destination names for the load. */
#include "run_columns.h"

#include <stdlib.h>
#include <string.h>

#include "secrets.h"

static bool hashes_a_column(const table_spec_t *table)
{
    for (size_t c = 0; c < table->column_count; c++)
        if (!table->columns[c].exclude && table->columns[c].transform == TRANSFORM_HASH)
            return true;
    return false;
}

static field_rule_t rule_of(const column_plan_entry_t *entry)
{
    if (entry->exclude)
        return (field_rule_t){.kind = FIELD_DROP};
    switch (entry->transform) {
    case TRANSFORM_HASH:
        return (field_rule_t){.kind = FIELD_HMAC};
    case TRANSFORM_MASK:
        return (field_rule_t){.kind = FIELD_MASK, .keep_last = entry->keep_last > 0 ? (unsigned)entry->keep_last : 0};
    case TRANSFORM_NULL:
        return (field_rule_t){.kind = FIELD_NULL};
    case TRANSFORM_NONE:
        break;
    }
    return (field_rule_t){.kind = FIELD_KEEP};
}

/* stage_plan_fn: plans the columns the source just named. */
static weir_status_t plan_fields(void *ctx, const char *const *names, const char *const *types, size_t count,
                                 field_rule_t *rules, weir_err_t *err)
{
    run_columns_t *columns = ctx;
    column_plan_free(&columns->plan);
    weir_status_t result = column_plan_build(&columns->objects->pipeline, columns->objects->table, PLAN_SOURCE, names,
                                             types, count, &columns->plan, err);
    for (size_t i = 0; result == WEIR_OK && i < count; i++)
        rules[i] = rule_of(&columns->plan.entries[i]);
    return result;
}

weir_status_t run_columns_attach(run_columns_t *columns, const run_objects_t *objects, stage_writer_t *writer,
                                 weir_err_t *err)
{
    memset(columns, 0, sizeof *columns);
    columns->objects = objects;
    if (hashes_a_column(objects->table)) {
        if (!objects->pipeline.hash_key_ref) {
            weir_err_set(err, "table %s hashes a column but pipeline %s has no hash_key_ref", objects->table->name,
                         objects->pipeline.name);
            return WEIR_ERR_INVALID;
        }
        columns->hash_key = secret_resolve(objects->pipeline.hash_key_ref, err);
        if (!columns->hash_key)
            return WEIR_ERR_AUTH;
        if (strlen(columns->hash_key) < FIELD_HMAC_MIN_KEY) {
            weir_err_set(err, "the hash key of pipeline %s (hash_key_ref) is shorter than %d bytes",
                         objects->pipeline.name, FIELD_HMAC_MIN_KEY);
            return WEIR_ERR_INVALID;
        }
    }
    stage_writer_set_rules(writer, plan_fields, columns, (const unsigned char *)columns->hash_key,
                           columns->hash_key ? strlen(columns->hash_key) : 0);
    return WEIR_OK;
}

weir_status_t run_columns_staged(run_columns_t *columns, stage_manifest_t *manifest, weir_err_t *err)
{
    const column_plan_t *plan = &columns->plan;
    columns->staged_names = calloc(plan->count + 1, sizeof *columns->staged_names);
    columns->staged_types = calloc(plan->count + 1, sizeof *columns->staged_types);
    columns->staged_rules = calloc(plan->count + 1, sizeof *columns->staged_rules);
    if (!columns->staged_names || !columns->staged_types || !columns->staged_rules) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    static char text_type[] = "text"; /* what a hash or a mask leaves, whatever the source type */
    for (size_t i = 0; i < plan->count; i++) {
        const column_plan_entry_t *entry = &plan->entries[i];
        if (entry->exclude)
            continue;
        bool rewritten = entry->transform == TRANSFORM_HASH || entry->transform == TRANSFORM_MASK;
        columns->staged_names[columns->staged_count] = entry->source;
        columns->staged_types[columns->staged_count] = rewritten ? text_type : entry->source_type;
        columns->staged_rules[columns->staged_count] = (char *)column_transform_name(entry->transform);
        columns->staged_count++;
    }
    manifest->column_count = columns->staged_count;
    manifest->columns = columns->staged_names;
    manifest->types = columns->staged_types;
    manifest->rules = columns->staged_rules;
    return WEIR_OK;
}

void run_columns_free(run_columns_t *columns)
{
    column_plan_free(&columns->plan);
    secret_free(columns->hash_key);
    free(columns->staged_names);
    free(columns->staged_types);
    free(columns->staged_rules);
    memset(columns, 0, sizeof *columns);
}

weir_status_t run_columns_for_load(const run_objects_t *objects, const stage_manifest_t *manifest,
                                   run_load_columns_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    weir_status_t result =
        column_plan_build(&objects->pipeline, objects->table, PLAN_STAGED, (const char *const *)manifest->columns,
                          (const char *const *)manifest->types, manifest->column_count, &out->plan, err);
    if (result != WEIR_OK)
        return result;
    /* Values staged under one rule must never be published under another: a column excluded,
     * hashed or masked since it was staged would otherwise land as it was read. */
    for (size_t i = 0; i < manifest->column_count; i++) {
        const column_plan_entry_t *entry = &out->plan.entries[i];
        const char *staged = manifest->rules ? manifest->rules[i] : "none";
        const char *now = entry->exclude ? "exclude" : column_transform_name(entry->transform);
        if (strcmp(staged, now) != 0) {
            weir_err_set(err,
                         "column %s of %s was staged under rule \"%s\" but the pipeline now says \"%s\"; the batch "
                         "is extracted again under the current rules",
                         entry->source, objects->table->name, staged, now);
            column_plan_free(&out->plan);
            return WEIR_ERR_CONFLICT;
        }
    }
    out->targets = calloc(manifest->column_count + 1, sizeof *out->targets);
    out->types = calloc(manifest->column_count + 1, sizeof *out->types);
    if (!out->targets || !out->types) {
        run_load_columns_free(out);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    for (size_t i = 0; i < manifest->column_count; i++) {
        out->targets[i] = out->plan.entries[i].target;
        out->types[i] = out->plan.entries[i].type;
    }
    return WEIR_OK;
}

void run_load_columns_free(run_load_columns_t *columns)
{
    column_plan_free(&columns->plan);
    free(columns->targets);
    free(columns->types);
    memset(columns, 0, sizeof *columns);
}
