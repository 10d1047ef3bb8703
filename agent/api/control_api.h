/* control_api.h — the agent's gRPC control API (weir.agent.v1.Agent) over the store. */
#ifndef WEIR_CONTROL_API_H
#define WEIR_CONTROL_API_H

#include <stddef.h>

#include "rpc_server.h"
#include "store.h"

typedef struct {
    store_t *store;                 /* borrowed */
    unsigned char token_sha256[32]; /* the bearer token is compared by digest, in constant time */
} control_api_t;

/* Keeps only the token's digest. */
void control_api_init(control_api_t *api, store_t *store, const char *token);
/* The rpc_server authorize hook: runs on the call's headers before its message is read. */
bool control_api_authorize(void *ctx, const rpc_call_meta_t *call);

extern const rpc_method_t control_api_methods[];
extern const size_t control_api_method_count;

#endif
