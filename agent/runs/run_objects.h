/* run_objects.h — what one run needs from the store, parsed once: the pipeline (typed), its table,
 * and the source and destination objects with the backends that serve their kinds. */
#ifndef WEIR_RUN_OBJECTS_H
#define WEIR_RUN_OBJECTS_H

#include "destination.h"
#include "source.h"
#include "specs.h"
#include "store.h"
#include "store_runs.h"

/* The backends a run may use, by kind: the registries by default, in-process test implementations
 * in the state machine's unit tests. */
typedef struct {
    const source_ops_t *const *sources;
    size_t source_count;
    const destination_ops_t *const *destinations;
    size_t destination_count;
} run_backends_t;

typedef struct {
    pipeline_spec_t pipeline;
    const table_spec_t *table; /* borrowed from `pipeline` */
    const source_ops_t *source;
    char *source_spec;       /* stored spec JSON (owned) */
    char *source_write_only; /* write-only values JSON or NULL (owned, wiped on free) */
    const destination_ops_t *destination;
    char *destination_spec;
} run_objects_t;

/* Loads the objects of `run` with `backends` (NULL: the registries): WEIR_ERR_NOT_FOUND naming what
 * is missing (a pipeline, table, source or destination deleted since the run was queued). */
weir_status_t run_objects_load(store_t *store, const store_run_t *run, const run_backends_t *backends,
                               run_objects_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void run_objects_free(run_objects_t *objects);

#endif
