/* control_retention.h — retention RPCs (ListRetention, RunRetention); same context as control_api. */
#ifndef WEIR_CONTROL_RETENTION_H
#define WEIR_CONTROL_RETENTION_H

#include <stddef.h>

#include "control_api.h"

extern const rpc_method_t control_retention_methods[];
extern const size_t control_retention_method_count;

#endif
