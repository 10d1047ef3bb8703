/* dag_state.h — what one transform's inputs have published and whether it can run: read from the
 * store without side effects, shared by the DAG scheduler's tick and the operator's RPCs (status,
 * `ctl run`, `ctl retry`), so both judge a hold the same way. */
#ifndef WEIR_DAG_STATE_H
#define WEIR_DAG_STATE_H

#include <jansson.h>
#include <stdbool.h>

#include "dag.h"
#include "specs.h"
#include "store.h"
#include "store_transforms.h"

typedef struct {
    dag_readiness_t readiness;
    size_t held_by;       /* DAG_HELD: index of the input that holds it in spec->inputs */
    char why[1024];       /* DAG_HELD: why that input cannot be built from */
    json_t *consumed_now; /* owned: input → token of its newest publish (inputs that published) */
    bool has_run;         /* `newest` holds the transform's newest run */
    store_transform_run_t newest;
} dag_state_t;

/* Fills `out` (cleared first; release with dag_state_clear, whatever the result). */
weir_status_t dag_state_read(store_t *store, const transform_spec_t *spec, dag_state_t *out,
                             weir_err_t *err) WEIR_MUSTCHECK;
void dag_state_clear(dag_state_t *state);

/* "queued", "building" or "built" for an unfinished newest run, else "held", "ready" or "waiting". */
const char *dag_state_name(const dag_state_t *state);

#endif
