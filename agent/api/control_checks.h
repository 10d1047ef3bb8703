/* control_checks.h — quality RPCs (Quarantine, ListCheckResults); same context as control_api. */
#ifndef WEIR_CONTROL_CHECKS_H
#define WEIR_CONTROL_CHECKS_H

#include <stddef.h>

#include "control_api.h"
#include "store_checks.h"
#include "weir/agent/v1/agent.pb-c.h"

extern const rpc_method_t control_checks_methods[];
extern const size_t control_checks_method_count;

/* Points `out` at `from`'s fields (borrowed). */
void control_check_to_proto(const store_check_result_t *from, Weir__Agent__V1__CheckResult *out);

#endif
