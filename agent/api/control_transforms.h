/* control_transforms.h — the DAG's operator RPCs (TriggerTransform, RetryTransformRun,
 * ListTransforms, ListTransformRuns); same context as control_api. */
#ifndef WEIR_CONTROL_TRANSFORMS_H
#define WEIR_CONTROL_TRANSFORMS_H

#include <stddef.h>

#include "control_api.h"

extern const rpc_method_t control_transforms_methods[];
extern const size_t control_transforms_method_count;

#endif
