/* tfplugin_service.h — the tfplugin6.Provider methods OpenTofu calls. */
#ifndef WEIR_TFPLUGIN_SERVICE_H
#define WEIR_TFPLUGIN_SERVICE_H

#include <stddef.h>

#include "agent_client.h"
#include "rpc_server.h"

typedef struct {
    agent_client_t *agent;
} tfp_provider_t;

/* Method table; handlers expect a tfp_provider_t as the server context. */
extern const rpc_method_t tfp_methods[];
extern const size_t tfp_method_count;

#endif
