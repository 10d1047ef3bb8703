/* column_plan.h — what happens to each column a source reports for a table block: the exact
 * destination name it lands as (column block target, else the pipeline's naming), a type
 * override, and whether it is left out or transformed before staging. Built the same way at
 * extraction (to transform values), at load (to name the staged columns) and at apply (to refuse
 * collisions early), so the three never disagree. */
#ifndef WEIR_COLUMN_PLAN_H
#define WEIR_COLUMN_PLAN_H

#include <stddef.h>

#include "specs.h"
#include "status.h"

typedef struct {
    char *source;      /* exact source name */
    char *source_type; /* may be NULL */
    char *target;      /* exact destination name */
    const char *type;  /* destination type override from the column block, or NULL */
    bool exclude;
    column_transform_t transform;
    long long keep_last;
} column_plan_entry_t;

typedef struct {
    column_plan_entry_t *entries; /* one per source column, in the source's order; owns its strings */
    size_t count;
} column_plan_t;

typedef enum {
    PLAN_SOURCE, /* every column the source has */
    PLAN_STAGED, /* the columns a batch staged: excluded ones are absent */
} column_plan_of_t;

/* Plans `count` columns for `table` of `pipeline`. Refused with WEIR_ERR_INVALID, naming the
 * columns and the fix: a column block naming a column the source does not have, two kept columns
 * landing under one name, a column landing as Weir's own metadata column, a key or cursor column
 * the source does not have. */
weir_status_t column_plan_build(const pipeline_spec_t *pipeline, const table_spec_t *table, column_plan_of_t of,
                                const char *const *names, const char *const *types, size_t count, column_plan_t *out,
                                weir_err_t *err) WEIR_MUSTCHECK;
void column_plan_free(column_plan_t *plan);

/* The entry of source column `source`, or NULL. */
const column_plan_entry_t *column_plan_find(const column_plan_t *plan, const char *source);

#endif
