/* pipeline_checks.h — apply's checks of a pipeline against its source: every table block's table,
 * primary-key columns and cursor column exist, the cursor's type orders rows, the key is backed by
 * a unique constraint. Problems become diagnostics at the block's attribute paths. A source that
 * cannot be reached is one warning, not a refusal: the database may be created later in the same
 * plan, and `weir-agent ctl check` runs the same checks once it exists. Apply waits for the source
 * a short, fixed time, and not at all for one that failed a moment ago (reach_cache.h). */
#ifndef WEIR_PIPELINE_CHECKS_H
#define WEIR_PIPELINE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"
#include "spec.h"
#include "status.h"
#include "store.h"

/* What the checks read of one table block. */
typedef struct {
    char *name;
    char **primary_key;
    size_t key_count;
    char *cursor; /* NULL without one */
    bool allow_text_cursor;
} pipeline_check_table_t;

/* Judges table block `index` from what the source answered: `inspected` is the inspect op's
 * result, `info` its findings when WEIR_OK, `why` its error text otherwise. Adds to `diags`
 * (paths borrow static names only). No I/O. */
void pipeline_checks_judge(const pipeline_check_table_t *table, size_t index, const char *source,
                           weir_status_t inspected, const source_table_info_t *info, const char *why,
                           spec_diags_t *diags);

/* Apply's check: finds the source of pipeline `name` (canonical spec JSON `spec_json`) in the
 * store, connects to it within 3 s (name lookup included) and judges every table block into
 * `diags`. A source missing from the store adds nothing (the store's reference check reports it);
 * one that cannot be opened adds one warning at `source` saying why. A source that failed slowly
 * within the last minute (reach_cache.h) is not tried again: the warning says when it failed and
 * why. Returns WEIR_OK unless the checks themselves could not run (out of memory, unreadable spec). */
weir_status_t pipeline_check_source(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err) WEIR_MUSTCHECK;

/* pipeline_check_source for `weir-agent ctl check`: always tries the source, within runs' 10 s, and
 * updates the remembered failure (a reached source is forgotten, so applies check it again). */
weir_status_t pipeline_check_source_now(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                        weir_err_t *err) WEIR_MUSTCHECK;

/* A weir_quality_check's `column` and `columns[j]` checked against its pipeline's source table:
 * a missing column is an error at its path. Adds nothing when the check names no column, or when
 * the pipeline, the source or the table cannot be found or reached (the pipeline's own checks
 * report those). Returns WEIR_OK unless the checks themselves could not run. */
weir_status_t quality_check_columns(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err) WEIR_MUSTCHECK;

#endif
