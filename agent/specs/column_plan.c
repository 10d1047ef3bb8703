/* column_plan.c — maps a table's source columns to destination names and per-column rules. */
#include "column_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Weir's metadata columns in every target table. */
static const char *const reserved_targets[] = {"_WEIR_RUN_ID", "_WEIR_LOADED_AT", NULL};

void column_plan_free(column_plan_t *plan)
{
    for (size_t i = 0; plan->entries && i < plan->count; i++) {
        free(plan->entries[i].source);
        free(plan->entries[i].source_type);
        free(plan->entries[i].target);
    }
    free(plan->entries);
    memset(plan, 0, sizeof *plan);
}

const column_plan_entry_t *column_plan_find(const column_plan_t *plan, const char *source)
{
    for (size_t i = 0; source && i < plan->count; i++)
        if (strcmp(plan->entries[i].source, source) == 0)
            return &plan->entries[i];
    return NULL;
}

static const column_spec_t *block_for(const table_spec_t *table, const char *source)
{
    for (size_t c = 0; c < table->column_count; c++)
        if (strcmp(table->columns[c].source, source) == 0)
            return &table->columns[c];
    return NULL;
}

static bool has_column(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Every name the table block relies on exists at the source. */
static weir_status_t check_declared(const table_spec_t *table, column_plan_of_t of, const char *const *names,
                                    size_t count, weir_err_t *err)
{
    for (size_t c = 0; c < table->column_count; c++)
        if (!(of == PLAN_STAGED && table->columns[c].exclude) && !has_column(names, count, table->columns[c].source)) {
            weir_err_set(err, "table %s has no column \"%s\" (named by a column block); fix the name or drop the block",
                         table->name, table->columns[c].source);
            return WEIR_ERR_INVALID;
        }
    for (size_t k = 0; k < table->key_count; k++)
        if (!has_column(names, count, table->primary_key[k])) {
            weir_err_set(err, "table %s has no primary-key column \"%s\"", table->name, table->primary_key[k]);
            return WEIR_ERR_INVALID;
        }
    if (table->cursor && !has_column(names, count, table->cursor)) {
        weir_err_set(err, "table %s has no cursor column \"%s\"", table->name, table->cursor);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

/* Two kept columns under one name, or one under a reserved name, is refused with the fix. */
static weir_status_t check_collisions(const pipeline_spec_t *pipeline, const table_spec_t *table,
                                      const column_plan_t *plan, weir_err_t *err)
{
    for (size_t i = 0; i < plan->count; i++) {
        const column_plan_entry_t *entry = &plan->entries[i];
        if (entry->exclude)
            continue;
        for (const char *const *reserved = reserved_targets; *reserved; reserved++)
            if (strcmp(entry->target, *reserved) == 0) {
                weir_err_set(err,
                             "column \"%s\" of table %s would land as %s, the column Weir keeps its load metadata "
                             "in: add a column block with another target (or exclude = true)",
                             entry->source, table->name, *reserved);
                return WEIR_ERR_INVALID;
            }
        for (size_t j = 0; j < i; j++) {
            const column_plan_entry_t *other = &plan->entries[j];
            if (other->exclude || strcmp(other->target, entry->target) != 0)
                continue;
            weir_err_set(err,
                         "columns \"%s\" and \"%s\" of table %s would both land as \"%s\" in the destination "
                         "(naming = \"%s\"): add a column block giving one of them another target%s",
                         other->source, entry->source, table->name, entry->target,
                         pipeline->naming == NAMING_PRESERVE ? "preserve" : "upper",
                         pipeline->naming == NAMING_UPPER ? ", or set naming = \"preserve\"" : "");
            return WEIR_ERR_INVALID;
        }
    }
    return WEIR_OK;
}

weir_status_t column_plan_build(const pipeline_spec_t *pipeline, const table_spec_t *table, column_plan_of_t of,
                                const char *const *names, const char *const *types, size_t count, column_plan_t *out,
                                weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    weir_status_t result = check_declared(table, of, names, count, err);
    if (result != WEIR_OK)
        return result;
    out->entries = calloc(count ? count : 1, sizeof *out->entries);
    if (!out->entries)
        return WEIR_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        column_plan_entry_t *entry = &out->entries[i];
        const column_spec_t *block = block_for(table, names[i]);
        char target[IDENT_SIZE];
        if (block)
            snprintf(target, sizeof target, "%s", block->target_name);
        else
            ident_target_name(pipeline->naming, names[i], target);
        *entry = (column_plan_entry_t){.source = strdup(names[i]),
                                       .source_type = types && types[i] ? strdup(types[i]) : NULL,
                                       .target = strdup(target),
                                       .type = block ? block->type : NULL,
                                       .exclude = block && block->exclude,
                                       .transform = block ? block->transform : TRANSFORM_NONE,
                                       .keep_last = block ? block->keep_last : 0};
        out->count++;
        if (!entry->source || !entry->target || (types && types[i] && !entry->source_type)) {
            column_plan_free(out);
            return WEIR_ERR_NOMEM;
        }
    }
    result = check_collisions(pipeline, table, out, err);
    if (result != WEIR_OK)
        column_plan_free(out);
    return result;
}
