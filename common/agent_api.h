/* agent_api.h — client side of the agent's control API (weir.agent.v1.Agent), shared by the
 * provider and `weir-agent ctl`. */
#ifndef WEIR_AGENT_API_H
#define WEIR_AGENT_API_H

#include <stdint.h>

#include "agent_diags.h"
#include "rpc_client.h"
#include "status.h"

#define AGENT_METHOD_PUT "/weir.agent.v1.Agent/PutObject"
#define AGENT_METHOD_GET "/weir.agent.v1.Agent/GetObject"
#define AGENT_METHOD_LIST "/weir.agent.v1.Agent/ListObjects"
#define AGENT_METHOD_DELETE "/weir.agent.v1.Agent/DeleteObject"
#define AGENT_METHOD_TRIGGER_RUN "/weir.agent.v1.Agent/TriggerRun"
#define AGENT_METHOD_GET_RUN "/weir.agent.v1.Agent/GetRun"
#define AGENT_METHOD_LIST_RUNS "/weir.agent.v1.Agent/ListRuns"
#define AGENT_METHOD_RETRY_BACKFILL "/weir.agent.v1.Agent/RetryBackfill"
#define AGENT_METHOD_QUARANTINE "/weir.agent.v1.Agent/Quarantine"
#define AGENT_METHOD_SET_PIPELINE_PAUSED "/weir.agent.v1.Agent/SetPipelinePaused"
#define AGENT_METHOD_LIST_CHECK_RESULTS "/weir.agent.v1.Agent/ListCheckResults"
#define AGENT_METHOD_CHECK_PIPELINE "/weir.agent.v1.Agent/CheckPipeline"
#define AGENT_METHOD_TRIGGER_TRANSFORM "/weir.agent.v1.Agent/TriggerTransform"
#define AGENT_METHOD_RETRY_TRANSFORM_RUN "/weir.agent.v1.Agent/RetryTransformRun"
#define AGENT_METHOD_LIST_TRANSFORMS "/weir.agent.v1.Agent/ListTransforms"
#define AGENT_METHOD_LIST_TRANSFORM_RUNS "/weir.agent.v1.Agent/ListTransformRuns"
#define AGENT_METHOD_LIST_DAG_RUNS "/weir.agent.v1.Agent/ListDagRuns"
#define AGENT_METHOD_GET_DAG_RUN "/weir.agent.v1.Agent/GetDagRun"
#define AGENT_METHOD_LIST_RETENTION "/weir.agent.v1.Agent/ListRetention"
#define AGENT_METHOD_RUN_RETENTION "/weir.agent.v1.Agent/RunRetention"

/* expected_generation for a write that ignores the stored generation. */
#define AGENT_ANY_GENERATION (-1)

/* Every string is owned by the object. */
typedef struct {
    char *kind;
    char *name;
    char *id;
    char *spec_json;
    char *status_json;
    char *created_at;
    char *updated_at;
    int64_t generation;
} agent_object_t;

typedef struct {
    agent_object_t *items;
    size_t count;
} agent_object_list_t;

void agent_object_clear(agent_object_t *object);
/* Deep copy into `to` (overwritten). */
weir_status_t agent_object_copy(const agent_object_t *from, agent_object_t *to) WEIR_MUSTCHECK;
void agent_object_list_free(agent_object_list_t *list);

/* Each returns WEIR_OK, or a status with the gRPC code and message in `error`:
 * NOT_FOUND → WEIR_ERR_NOT_FOUND, UNAVAILABLE/DEADLINE_EXCEEDED → WEIR_ERR_UNAVAILABLE, others
 * WEIR_ERR_INVALID. `timeout_ms` bounds each call. */
/* agent_api_put: with `diags` (may be NULL) the agent answers problems with the spec as
 * diagnostics at attribute paths, which land in *diags (free with agent_diags_free, whatever the
 * result): errors make the result WEIR_ERR_INVALID (code INVALID_ARGUMENT, message listing them),
 * warnings come with a stored object. Without it, refusals arrive as one status message. */
weir_status_t agent_api_put(rpc_channel_t *channel, int timeout_ms, const char *kind, const char *name,
                            const char *spec_json, const char *write_only_json, int64_t expected_generation,
                            agent_object_t *out, agent_diags_t *diags, rpc_error_t *error) WEIR_MUSTCHECK;
weir_status_t agent_api_get(rpc_channel_t *channel, int timeout_ms, const char *kind, const char *name,
                            agent_object_t *out, rpc_error_t *error) WEIR_MUSTCHECK;
/* `kind` may be "" for every kind. */
weir_status_t agent_api_list(rpc_channel_t *channel, int timeout_ms, const char *kind, agent_object_list_t *out,
                             rpc_error_t *error) WEIR_MUSTCHECK;
weir_status_t agent_api_delete(rpc_channel_t *channel, int timeout_ms, const char *kind, const char *name,
                               int64_t expected_generation, rpc_error_t *error) WEIR_MUSTCHECK;
/* Runs apply's checks on the stored pipeline `name`; what they find lands in *diags (free with
 * agent_diags_free). WEIR_OK means the checks ran, whatever they found. */
weir_status_t agent_api_check_pipeline(rpc_channel_t *channel, int timeout_ms, const char *name, agent_diags_t *diags,
                                       rpc_error_t *error) WEIR_MUSTCHECK;

#endif
