/* agent_client.h — the provider's connection to the agent: configuration, a per-process snapshot
 * that serves refreshes from one ListObjects round trip, and writes that invalidate it. */
#ifndef WEIR_AGENT_CLIENT_H
#define WEIR_AGENT_CLIENT_H

#include "agent_api.h"
#include "status.h"

typedef struct agent_client agent_client_t;

agent_client_t *agent_client_new(void);
void agent_client_free(agent_client_t *client);

/* Connects lazily: creating the channel does no I/O. Copies its arguments. */
weir_status_t agent_client_configure(agent_client_t *client, const char *endpoint, const char *token,
                                     const char *ca_pem, weir_err_t *err) WEIR_MUSTCHECK;

/* Reads an object through the snapshot (listed once, on first use). WEIR_ERR_NOT_FOUND when absent.
 * `out` receives a copy. */
weir_status_t agent_client_read(agent_client_t *client, const char *kind, const char *name, agent_object_t *out,
                                weir_err_t *err) WEIR_MUSTCHECK;
/* Reads straight from the agent (import, data sources). */
weir_status_t agent_client_get(agent_client_t *client, const char *kind, const char *name, agent_object_t *out,
                               weir_err_t *err) WEIR_MUSTCHECK;
/* Stores an object. What the agent finds wrong with the spec (errors: not stored) or worth a
 * caution (warnings: stored) lands in *diags at attribute paths; free it with agent_diags_free
 * whatever the result. A refusal with diagnostics is WEIR_ERR_INVALID with err summarising them. */
weir_status_t agent_client_put(agent_client_t *client, const char *kind, const char *name, const char *spec_json,
                               const char *write_only_json, int64_t expected_generation, agent_object_t *out,
                               agent_diags_t *diags, weir_err_t *err) WEIR_MUSTCHECK;
/* Deleting an object that is already gone succeeds. */
weir_status_t agent_client_delete(agent_client_t *client, const char *kind, const char *name,
                                  weir_err_t *err) WEIR_MUSTCHECK;
void agent_client_cancel_all(agent_client_t *client);

#endif
