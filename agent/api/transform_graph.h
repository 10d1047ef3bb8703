/* transform_graph.h — at apply, a transform whose inputs would close a circle through the
 * transforms already on the agent is refused with the cycle named ("a -> b -> a"): such
 * transforms could never all have fresh inputs, so none of them would ever run. */
#ifndef WEIR_TRANSFORM_GRAPH_H
#define WEIR_TRANSFORM_GRAPH_H

#include "spec.h"
#include "status.h"
#include "store.h"

/* Checks transform `name` with canonical spec JSON `spec_json` against every stored transform
 * (its stored version replaced by this one). WEIR_ERR_INVALID naming the cycle, also added to
 * `diags` (may be NULL) at `inputs`. */
weir_status_t transform_check_graph(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err) WEIR_MUSTCHECK;

#endif
