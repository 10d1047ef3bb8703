/* control_dag_runs.h — DAG run RPCs (ListDagRuns, GetDagRun); same context as control_api. */
#ifndef WEIR_CONTROL_DAG_RUNS_H
#define WEIR_CONTROL_DAG_RUNS_H

#include <stddef.h>

#include "control_api.h"

extern const rpc_method_t control_dag_runs_methods[];
extern const size_t control_dag_runs_method_count;

#endif
