/* tfplugin_service.h — the tfplugin6.Provider methods OpenTofu calls. */
#ifndef WEIR_TFPLUGIN_SERVICE_H
#define WEIR_TFPLUGIN_SERVICE_H

#include <stddef.h>

#include "agent_client.h"
#include "rpc_server.h"

typedef struct {
    agent_client_t *agent;
} tfp_provider_t;

/* How many tfplugin6.Provider methods there are. */
extern const size_t tfp_method_count;

/* Writes the tfplugin6.Provider methods into out[0 .. tfp_method_count). Every handler expects a
 * tfp_provider_t as the server context and runs one frame: decode the request (an undecodable one
 * is answered INVALID_ARGUMENT), run the method's logic, attach its diagnostics, pack the reply
 * (RESOURCE_EXHAUSTED when out of memory), free the request. */
void tfp_methods_fill(rpc_method_t *out);

#endif
