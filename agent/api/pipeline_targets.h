/* pipeline_targets.h — one writer per target table: at apply, a pipeline whose table blocks would
 * write a destination table that another block already writes (in the same pipeline or another)
 * is refused with both named, because two writers would overwrite each other's rows and watermarks
 * would no longer describe the table. */
#ifndef WEIR_PIPELINE_TARGETS_H
#define WEIR_PIPELINE_TARGETS_H

#include "spec.h"
#include "status.h"
#include "store.h"

/* Checks pipeline `name` with canonical spec JSON `spec_json` against itself and every other stored
 * pipeline. WEIR_ERR_INVALID naming the table block, the table and the other writer, also added to
 * `diags` (may be NULL) at the block's target (or name). A destination that does not exist yet is
 * left to the store's reference check. */
weir_status_t pipeline_check_targets(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                     weir_err_t *err) WEIR_MUSTCHECK;

#endif
