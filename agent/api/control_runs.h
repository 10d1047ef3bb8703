/* control_runs.h — run RPCs (TriggerRun, GetRun, ListRuns, RetryBackfill, SetPipelinePaused); same
 * context as control_api. */
#ifndef WEIR_CONTROL_RUNS_H
#define WEIR_CONTROL_RUNS_H

#include <stddef.h>

#include "control_api.h"
#include "store_runs.h"
#include "weir/agent/v1/agent.pb-c.h"

extern const rpc_method_t control_runs_methods[];
extern const size_t control_runs_method_count;

/* Points `out` at `run`'s fields (borrowed). */
void control_run_to_proto(const store_run_t *run, Weir__Agent__V1__Run *out);

#endif
