/* run_columns.h — a table's column plan (column_plan.h) put to work in a run: at extraction it
 * gives the stage writer each field's rule, with the hash key resolved from its secret reference,
 * and names the staged columns for the manifest; at load it names the staged columns in the
 * destination. A plan that cannot be built (a collision, a missing column) fails the run with the
 * columns named, before anything is staged. */
#ifndef WEIR_RUN_COLUMNS_H
#define WEIR_RUN_COLUMNS_H

#include "column_plan.h"
#include "manifest.h"
#include "run_objects.h"
#include "stage_writer.h"

typedef struct {
    const run_objects_t *objects; /* borrowed */
    column_plan_t plan;           /* built when the source names its columns */
    char *hash_key;               /* resolved key, wiped on free; NULL when nothing is hashed */
    char **staged_names;          /* the kept columns, borrowed from `plan` */
    char **staged_types;
    char **staged_rules; /* static names of the rule each kept column was staged under */
    size_t staged_count;
} run_columns_t;

/* Installs the table's rules on `writer` (resolving the hash key if a column is hashed). */
weir_status_t run_columns_attach(run_columns_t *columns, const run_objects_t *objects, stage_writer_t *writer,
                                 weir_err_t *err) WEIR_MUSTCHECK;
/* After extraction: points `manifest` at the staged columns and their staged types (a hashed or
 * masked column is text whatever its source type). Borrowed from `columns`. */
weir_status_t run_columns_staged(run_columns_t *columns, stage_manifest_t *manifest, weir_err_t *err) WEIR_MUSTCHECK;
void run_columns_free(run_columns_t *columns);

/* The destination names of a staged batch's columns. WEIR_ERR_CONFLICT when a column's rule changed
 * since the batch was staged (an exclude or a transform added, removed or changed): the batch
 * must not be published as it is, and is extracted again under the current rules. */
typedef struct {
    column_plan_t plan;
    const char **targets; /* one per manifest column, borrowed from `plan` */
    const char **types;   /* overrides or NULL, one per manifest column */
} run_load_columns_t;

weir_status_t run_columns_for_load(const run_objects_t *objects, const stage_manifest_t *manifest,
                                   run_load_columns_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void run_load_columns_free(run_load_columns_t *columns);

#endif
