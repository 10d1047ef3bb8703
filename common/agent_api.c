/* agent_api.c — packs requests, calls the agent, unpacks replies into owned structs. */
#include "agent_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rpc_server.h"
#include "weir/agent/v1/agent.pb-c.h"

void agent_object_clear(agent_object_t *object)
{
    free(object->kind);
    free(object->name);
    free(object->id);
    free(object->spec_json);
    free(object->status_json);
    free(object->created_at);
    free(object->updated_at);
    memset(object, 0, sizeof *object);
}

void agent_object_list_free(agent_object_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        agent_object_clear(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

weir_status_t agent_object_copy(const agent_object_t *from, agent_object_t *to)
{
    memset(to, 0, sizeof *to);
    const char *const sources[] = {from->kind,        from->name,       from->id,        from->spec_json,
                                   from->status_json, from->created_at, from->updated_at};
    char **targets[] = {&to->kind,        &to->name,       &to->id,        &to->spec_json,
                        &to->status_json, &to->created_at, &to->updated_at};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        *targets[i] = strdup(sources[i] ? sources[i] : "");
        if (!*targets[i]) {
            agent_object_clear(to);
            return WEIR_ERR_NOMEM;
        }
    }
    to->generation = from->generation;
    return WEIR_OK;
}

static weir_status_t copy_object(const Weir__Agent__V1__Object *from, agent_object_t *to)
{
    memset(to, 0, sizeof *to);
    if (!from)
        return WEIR_ERR_INTERNAL;
    agent_object_t view = {.kind = from->kind,
                           .name = from->name,
                           .id = from->id,
                           .spec_json = from->spec_json,
                           .status_json = from->status_json,
                           .created_at = from->created_at,
                           .updated_at = from->updated_at,
                           .generation = from->generation};
    return agent_object_copy(&view, to);
}

/* First pause before retrying a call the agent was too busy to take; doubling up to 32 times that. */
#define AGENT_API_BUSY_PAUSE_MS 50

static weir_status_t call(rpc_channel_t *channel, int timeout_ms, const char *method, const ProtobufCMessage *request,
                          weir_buf_t *response, rpc_error_t *error)
{
    size_t len = protobuf_c_message_get_packed_size(request);
    uint8_t *packed = malloc(len ? len : 1);
    if (!packed)
        return WEIR_ERR_NOMEM;
    protobuf_c_message_pack(request, packed);
    /* An agent with no free worker answers RESOURCE_EXHAUSTED before it reads the request (it
     * answers nothing else with that code), so the call never ran: try again after a short, growing,
     * jittered pause while the call's time lasts (tofu may run more calls at once than the agent
     * has workers). A request over the message cap would be refused the same way by gRPC itself,
     * so it is refused here without being sent. */
    weir_status_t result;
    if (len > RPC_MAX_MESSAGE_BYTES) {
        error->code = GRPC_STATUS_RESOURCE_EXHAUSTED;
        snprintf(error->message, sizeof error->message, "the request is %zu bytes; the agent takes at most %d", len,
                 RPC_MAX_MESSAGE_BYTES);
        free(packed);
        return WEIR_ERR_TOO_BIG;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long deadline_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
    unsigned jitter_seed = (unsigned)now.tv_nsec ^ ((unsigned)getpid() << 16);
    for (int attempt = 0;; attempt++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left_ms = deadline_ms - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
        result = rpc_call(channel, method, packed, len, response, (int)(left_ms > 1 ? left_ms : 1), error);
        if (result == WEIR_OK || error->code != GRPC_STATUS_RESOURCE_EXHAUSTED)
            break;
        long pause_ms =
            (AGENT_API_BUSY_PAUSE_MS << (attempt < 5 ? attempt : 5)) + rand_r(&jitter_seed) % AGENT_API_BUSY_PAUSE_MS;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + pause_ms >= deadline_ms)
            break;
        struct timespec pause = {.tv_sec = pause_ms / 1000, .tv_nsec = (pause_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
    }
    free(packed);
    if (result != WEIR_OK && error->code == GRPC_STATUS_NOT_FOUND)
        result = WEIR_ERR_NOT_FOUND;
    return result;
}

/* Replies from the agent are bounded by the gRPC message cap. */
#define REPLY_LIMIT (256u * 1024u * 1024u)

weir_status_t agent_api_put(rpc_channel_t *channel, int timeout_ms, const char *kind, const char *name,
                            const char *spec_json, const char *write_only_json, int64_t expected_generation,
                            agent_object_t *out, agent_diags_t *diags, rpc_error_t *error)
{
    Weir__Agent__V1__PutObjectRequest request = WEIR__AGENT__V1__PUT_OBJECT_REQUEST__INIT;
    if (diags)
        *diags = (agent_diags_t){0};
    request.structured_diagnostics = diags != NULL;
    request.kind = (char *)kind;
    request.name = (char *)name;
    request.spec_json = (char *)spec_json;
    request.write_only_json = (char *)(write_only_json ? write_only_json : "");
    request.expected_generation = expected_generation;
    weir_buf_t response;
    buf_init(&response, REPLY_LIMIT);
    weir_status_t result = call(channel, timeout_ms, AGENT_METHOD_PUT, &request.base, &response, error);
    if (result == WEIR_OK) {
        Weir__Agent__V1__PutObjectResponse *reply =
            weir__agent__v1__put_object_response__unpack(NULL, response.len, response.data);
        result = reply ? WEIR_OK : WEIR_ERR_INTERNAL;
        if (reply && diags)
            result = agent_diags_unpack(reply->diagnostics, reply->n_diagnostics, diags);
        if (result == WEIR_OK && diags && agent_diags_has_error(diags)) {
            /* Refused: the message repeats the diagnostics for callers that print one line. */
            error->code = GRPC_STATUS_INVALID_ARGUMENT;
            agent_diags_describe(diags, error->message, sizeof error->message);
            result = WEIR_ERR_INVALID;
        } else if (result == WEIR_OK) {
            result = copy_object(reply->object, out);
        }
        if (reply)
            weir__agent__v1__put_object_response__free_unpacked(reply, NULL);
    }
    buf_free(&response);
    return result;
}

weir_status_t agent_api_get(rpc_channel_t *channel, int timeout_ms, const char *kind, const char *name,
                            agent_object_t *out, rpc_error_t *error)
{
    Weir__Agent__V1__GetObjectRequest request = WEIR__AGENT__V1__GET_OBJECT_REQUEST__INIT;
    request.kind = (char *)kind;
    request.name = (char *)name;
    weir_buf_t response;
    buf_init(&response, REPLY_LIMIT);
    weir_status_t result = call(channel, timeout_ms, AGENT_METHOD_GET, &request.base, &response, error);
    if (result == WEIR_OK) {
        Weir__Agent__V1__GetObjectResponse *reply =
            weir__agent__v1__get_object_response__unpack(NULL, response.len, response.data);
        result = reply ? copy_object(reply->object, out) : WEIR_ERR_INTERNAL;
        if (reply)
            weir__agent__v1__get_object_response__free_unpacked(reply, NULL);
    }
    buf_free(&response);
    return result;
}

/* Objects per ListObjects page: large enough to keep round trips few, small enough that one page's
 * reply and its decoded form stay well under a megabyte each. */
#define LIST_PAGE_SIZE 500

weir_status_t agent_api_list(rpc_channel_t *channel, int timeout_ms, const char *kind, agent_object_list_t *out,
                             rpc_error_t *error)
{
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    char *token = strdup("");
    weir_status_t result = token ? WEIR_OK : WEIR_ERR_NOMEM;
    while (result == WEIR_OK) {
        Weir__Agent__V1__ListObjectsRequest request = WEIR__AGENT__V1__LIST_OBJECTS_REQUEST__INIT;
        request.kind = (char *)kind;
        request.page_size = LIST_PAGE_SIZE;
        request.page_token = token;
        weir_buf_t response;
        buf_init(&response, REPLY_LIMIT);
        result = call(channel, timeout_ms, AGENT_METHOD_LIST, &request.base, &response, error);
        Weir__Agent__V1__ListObjectsResponse *reply = result == WEIR_OK
            ? weir__agent__v1__list_objects_response__unpack(NULL, response.len, response.data)
            : NULL;
        buf_free(&response);
        if (result == WEIR_OK && !reply)
            result = WEIR_ERR_INTERNAL;
        if (result != WEIR_OK)
            break;
        if (out->count + reply->n_objects > cap) {
            size_t grown_cap = cap ? cap : 64;
            while (grown_cap < out->count + reply->n_objects)
                grown_cap *= 2;
            agent_object_t *grown = realloc(out->items, grown_cap * sizeof *grown);
            if (!grown)
                result = WEIR_ERR_NOMEM;
            else {
                out->items = grown;
                cap = grown_cap;
            }
        }
        for (size_t i = 0; result == WEIR_OK && i < reply->n_objects; i++) {
            result = copy_object(reply->objects[i], &out->items[out->count]);
            if (result == WEIR_OK)
                out->count++;
        }
        free(token);
        token = result == WEIR_OK ? strdup(reply->next_page_token) : NULL;
        if (result == WEIR_OK && !token)
            result = WEIR_ERR_NOMEM;
        weir__agent__v1__list_objects_response__free_unpacked(reply, NULL);
        if (result == WEIR_OK && token[0] == 0)
            break;
    }
    free(token);
    if (result == WEIR_OK && !out->items) {
        /* Callers sort and search the array; give them a valid one even when empty. */
        out->items = calloc(1, sizeof *out->items);
        if (!out->items)
            result = WEIR_ERR_NOMEM;
    }
    if (result != WEIR_OK)
        agent_object_list_free(out);
    return result;
}

weir_status_t agent_api_delete(rpc_channel_t *channel, int timeout_ms, const char *kind, const char *name,
                               int64_t expected_generation, rpc_error_t *error)
{
    Weir__Agent__V1__DeleteObjectRequest request = WEIR__AGENT__V1__DELETE_OBJECT_REQUEST__INIT;
    request.kind = (char *)kind;
    request.name = (char *)name;
    request.expected_generation = expected_generation;
    weir_buf_t response;
    buf_init(&response, REPLY_LIMIT);
    weir_status_t result = call(channel, timeout_ms, AGENT_METHOD_DELETE, &request.base, &response, error);
    buf_free(&response);
    return result;
}

weir_status_t agent_api_check_pipeline(rpc_channel_t *channel, int timeout_ms, const char *name, agent_diags_t *diags,
                                       rpc_error_t *error)
{
    Weir__Agent__V1__CheckPipelineRequest request = WEIR__AGENT__V1__CHECK_PIPELINE_REQUEST__INIT;
    request.pipeline = (char *)name;
    *diags = (agent_diags_t){0};
    weir_buf_t response;
    buf_init(&response, REPLY_LIMIT);
    weir_status_t result = call(channel, timeout_ms, AGENT_METHOD_CHECK_PIPELINE, &request.base, &response, error);
    if (result == WEIR_OK) {
        Weir__Agent__V1__CheckPipelineResponse *reply =
            weir__agent__v1__check_pipeline_response__unpack(NULL, response.len, response.data);
        result = reply ? agent_diags_unpack(reply->diagnostics, reply->n_diagnostics, diags) : WEIR_ERR_INTERNAL;
        if (reply)
            weir__agent__v1__check_pipeline_response__free_unpacked(reply, NULL);
    }
    buf_free(&response);
    return result;
}
