/* control_api.c — PutObject/GetObject/ListObjects/DeleteObject handlers and bearer-token auth. */
#include "control_api.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "alerts.h"
#include "backfill.h"
#include "log.h"
#include "object_status.h"
#include "agent_diags.h"
#include "objects.h"
#include "pipeline_checks.h"
#include "pipeline_targets.h"
#include "transform_graph.h"
#include "spec.h"
#include "specs.h"
#include "strutil.h"
#include "value_json.h"
#include "weir/agent/v1/agent.pb-c.h"

void control_api_init(control_api_t *api, store_t *store, const char *token)
{
    api->store = store;
    SHA256((const unsigned char *)token, strlen(token), api->token_sha256);
}

bool control_api_authorize(void *ctx, const rpc_call_meta_t *call)
{
    const control_api_t *api = ctx;
    const char *header = call->authorization;
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return false;
    unsigned char presented[32];
    SHA256((const unsigned char *)header + 7, strlen(header + 7), presented);
    return CRYPTO_memcmp(presented, api->token_sha256, sizeof presented) == 0;
}

#define LIST_DEFAULT_PAGE 500
#define LIST_MAX_PAGE 5000

static void fail(rpc_reply_t *reply, weir_status_t result, const weir_err_t *err)
{
    switch (result) {
    case WEIR_ERR_NOT_FOUND:
        reply->code = GRPC_STATUS_NOT_FOUND;
        break;
    case WEIR_ERR_EXISTS:
        reply->code = GRPC_STATUS_ALREADY_EXISTS;
        break;
    case WEIR_ERR_CONFLICT:
        reply->code = GRPC_STATUS_ABORTED;
        break;
    case WEIR_ERR_IN_USE:
        reply->code = GRPC_STATUS_FAILED_PRECONDITION;
        break;
    case WEIR_ERR_INVALID:
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        break;
    default:
        reply->code = GRPC_STATUS_INTERNAL;
        break;
    }
    snprintf(reply->message, sizeof reply->message, "%s", err->msg);
}

static void to_proto(const agent_object_t *from, Weir__Agent__V1__Object *to)
{
    weir__agent__v1__object__init(to);
    to->kind = from->kind;
    to->name = from->name;
    to->id = from->id;
    to->generation = from->generation;
    to->spec_json = from->spec_json;
    to->status_json = from->status_json;
    to->created_at = from->created_at;
    to->updated_at = from->updated_at;
}

static const spec_kind_t *known_kind(const char *kind, rpc_reply_t *reply)
{
    const spec_kind_t *spec = spec_kind_by_kind(kind);
    if (!spec) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "unknown kind \"%s\"", kind);
    }
    return spec;
}

/* A backfill names a pipeline table by text; the spec table cannot see other objects, so the
 * agent checks the table exists and has a cursor before accepting it. */
static weir_status_t check_backfill(store_t *store, const char *canonical, weir_err_t *err)
{
    backfill_spec_t spec;
    weir_status_t result = backfill_spec_parse(canonical, "(new)", &spec, err);
    if (result != WEIR_OK)
        return result;
    agent_object_t found = {0};
    if (spec.pipeline && spec.table && store_get(store, "pipeline", spec.pipeline, &found, err) == WEIR_OK)
        result = backfill_check_table(store, spec.pipeline, spec.table, err);
    /* A missing pipeline is reported by the store's reference check, in its usual words. */
    agent_object_clear(&found);
    backfill_spec_free(&spec);
    return result;
}

/* Validation and apply's checks for one put. Errors refuse the object; warnings travel with it.
 * Every problem is added to `found` at its attribute path (a problem without one, at none). */
static weir_status_t check_put(control_api_t *api, const Weir__Agent__V1__PutObjectRequest *req,
                               const spec_kind_t *kind, char **canonical, char **write_only, spec_diags_t *found,
                               weir_err_t *err)
{
    weir_status_t result = objects_normalise_diags(kind, req->name, req->spec_json, req->write_only_json, canonical,
                                                   write_only, found, err);
    if (result == WEIR_OK && strcmp(req->kind, "backfill") == 0 &&
        (result = check_backfill(api->store, *canonical, err)) == WEIR_ERR_INVALID) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"}};
        spec_diag_add(found, true, path, 1, "Table cannot be backfilled", "%s", err->msg);
    }
    if (result == WEIR_OK && strcmp(req->kind, "pipeline") == 0) {
        result = pipeline_check_targets(api->store, req->name, *canonical, found, err);
        /* The source is checked even when a target is refused, so one apply shows every problem. */
        weir_err_t check_err = {{0}};
        weir_status_t checked = result == WEIR_OK || result == WEIR_ERR_INVALID
            ? pipeline_check_source(api->store, req->name, *canonical, found, &check_err)
            : WEIR_OK;
        if (checked != WEIR_OK) {
            *err = check_err;
            result = checked;
        } else if (result == WEIR_OK && spec_diags_has_error(found)) {
            objects_describe(found, err);
            result = WEIR_ERR_INVALID;
        }
    }
    if (result == WEIR_OK && strcmp(req->kind, "quality_check") == 0) {
        result = quality_check_columns(api->store, req->name, *canonical, found, err);
        if (result == WEIR_OK && spec_diags_has_error(found)) {
            objects_describe(found, err);
            result = WEIR_ERR_INVALID;
        }
    }
    if (result == WEIR_OK && strcmp(req->kind, "transform") == 0)
        result = transform_check_graph(api->store, req->name, *canonical, found, err);
    if (result == WEIR_ERR_INVALID && !spec_diags_has_error(found))
        spec_diag_add(found, true, NULL, 0, "Invalid object", "%s", err->msg);
    return result;
}

/* Answers a put: the stored object with any warnings, or (for callers that asked for structured
 * diagnostics) the errors that refused it, or a status. */
static void reply_put(const Weir__Agent__V1__PutObjectRequest *req, weir_status_t result, const agent_object_t *stored,
                      const spec_diags_t *found, const weir_err_t *err, rpc_reply_t *reply)
{
    bool structured = result == WEIR_ERR_INVALID && req->structured_diagnostics && spec_diags_has_error(found);
    if (result != WEIR_OK && !structured) {
        weir_err_t full;
        weir_err_set(&full, "%s \"%s\": %s", req->kind, req->name, err->msg);
        fail(reply, result, &full);
        log_info("control_api", "rejected %s %s: %s", req->kind, req->name, err->msg);
        return;
    }
    Weir__Agent__V1__PutObjectResponse response = WEIR__AGENT__V1__PUT_OBJECT_RESPONSE__INIT;
    Weir__Agent__V1__Object object;
    if (result == WEIR_OK) {
        to_proto(stored, &object);
        response.object = &object;
    }
    Weir__Agent__V1__Diagnostic **diags = NULL;
    size_t count = 0;
    if (agent_diags_pack(found, structured, true, &diags, &count) != WEIR_OK) {
        reply->code = GRPC_STATUS_INTERNAL;
        snprintf(reply->message, sizeof reply->message, "out of memory");
    } else {
        response.diagnostics = diags;
        response.n_diagnostics = count;
        rpc_reply_pack(reply, &response.base);
    }
    agent_diags_pack_free(diags, count);
    if (result == WEIR_OK)
        log_info("control_api", "stored %s %s generation %lld with %zu warning(s)", stored->kind, stored->name,
                 (long long)stored->generation, count);
    else
        log_info("control_api", "rejected %s %s: %s", req->kind, req->name, err->msg);
}

static void put_object(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__PutObjectRequest *req =
        weir__agent__v1__put_object_request__unpack(NULL, request->body_len, request->body);
    if (!req) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "cannot decode PutObjectRequest");
        return;
    }
    char *canonical = NULL, *write_only = NULL;
    agent_object_t stored = {0};
    spec_diags_t found;
    spec_diags_init(&found);
    weir_err_t err = {{0}};
    const spec_kind_t *kind = known_kind(req->kind, reply);
    if (kind) {
        weir_status_t result = check_put(api, req, kind, &canonical, &write_only, &found, &err);
        if (result == WEIR_OK)
            result = store_put(api->store, req->kind, req->name, canonical, write_only, req->expected_generation,
                               &stored, &err);
        reply_put(req, result, &stored, &found, &err, reply);
    }
    if (write_only)
        memset(write_only, 0, strlen(write_only));
    free(canonical);
    free(write_only);
    agent_object_clear(&stored);
    spec_diags_free(&found);
    weir__agent__v1__put_object_request__free_unpacked(req, NULL);
}

/* The stored spec judged again by its table: errors cannot be there, but warnings (lookback) may. */
static void validate_stored(const char *spec_json, spec_diags_t *found)
{
    weir_err_t ignored;
    const spec_kind_t *kind = spec_kind_by_kind("pipeline");
    wv_t *raw = wv_from_json(spec_json, strlen(spec_json), &ignored);
    wv_t *spec = raw ? spec_conform(&kind->block, raw, &ignored) : NULL;
    if (spec)
        spec_validate(kind, spec, found);
    wv_free(spec);
    wv_free(raw);
}

static void check_pipeline(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__CheckPipelineRequest *req =
        weir__agent__v1__check_pipeline_request__unpack(NULL, request->body_len, request->body);
    if (!req) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "cannot decode CheckPipelineRequest");
        return;
    }
    agent_object_t stored = {0};
    spec_diags_t found;
    spec_diags_init(&found);
    weir_err_t err = {{0}};
    weir_status_t result = store_get(api->store, "pipeline", req->pipeline, &stored, &err);
    if (result == WEIR_OK) {
        validate_stored(stored.spec_json, &found);
        result = pipeline_check_targets(api->store, stored.name, stored.spec_json, &found, &err);
        if (result == WEIR_OK || result == WEIR_ERR_INVALID)
            result = pipeline_check_source_now(api->store, stored.name, stored.spec_json, &found, &err);
    }
    Weir__Agent__V1__Diagnostic **diags = NULL;
    size_t count = 0;
    if (result == WEIR_OK)
        result = agent_diags_pack(&found, true, true, &diags, &count);
    if (result != WEIR_OK) {
        fail(reply, result, &err);
    } else {
        Weir__Agent__V1__CheckPipelineResponse response = WEIR__AGENT__V1__CHECK_PIPELINE_RESPONSE__INIT;
        response.diagnostics = diags;
        response.n_diagnostics = count;
        rpc_reply_pack(reply, &response.base);
    }
    agent_diags_pack_free(diags, count);
    agent_object_clear(&stored);
    spec_diags_free(&found);
    weir__agent__v1__check_pipeline_request__free_unpacked(req, NULL);
}

static void get_object(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__GetObjectRequest *req =
        weir__agent__v1__get_object_request__unpack(NULL, request->body_len, request->body);
    if (!req) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "cannot decode GetObjectRequest");
        return;
    }
    agent_object_t stored = {0};
    weir_err_t err = {{0}};
    if (known_kind(req->kind, reply)) {
        weir_status_t result = store_get(api->store, req->kind, req->name, &stored, &err);
        if (result != WEIR_OK) {
            fail(reply, result, &err);
        } else {
            object_status_fill(api->store, &stored);
            Weir__Agent__V1__Object object;
            to_proto(&stored, &object);
            Weir__Agent__V1__GetObjectResponse response = WEIR__AGENT__V1__GET_OBJECT_RESPONSE__INIT;
            response.object = &object;
            rpc_reply_pack(reply, &response.base);
        }
    }
    agent_object_clear(&stored);
    weir__agent__v1__get_object_request__free_unpacked(req, NULL);
}

static void list_objects(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__ListObjectsRequest *req =
        weir__agent__v1__list_objects_request__unpack(NULL, request->body_len, request->body);
    if (!req) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "cannot decode ListObjectsRequest");
        return;
    }
    agent_object_list_t list = {0};
    weir_err_t err = {{0}};
    /* Pages bound the memory both ends need for one reply; the token is the last key sent. */
    int page_size = req->page_size <= 0  ? LIST_DEFAULT_PAGE
        : req->page_size > LIST_MAX_PAGE ? LIST_MAX_PAGE
                                         : req->page_size;
    /* Kinds and names are at most 63 characters (spec validation); a token holding more was not
     * made by this agent, and cutting it would resume the listing from the wrong place. */
    char after_kind[128] = "", after_name[256] = "";
    const char *tab = strchr(req->page_token, '\t');
    bool token_ok = !req->page_token[0] ||
        (tab && (size_t)(tab - req->page_token) < sizeof after_kind &&
         str_format(after_kind, sizeof after_kind, NULL, "page_token", "%.*s", (int)(tab - req->page_token),
                    req->page_token) == WEIR_OK &&
         str_copy(after_name, sizeof after_name, tab + 1, "page_token", NULL) == WEIR_OK);
    if (!token_ok) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "malformed page_token");
    } else if (req->kind[0] == 0 || known_kind(req->kind, reply)) {
        weir_status_t result = store_list(api->store, req->kind, after_kind, after_name, page_size + 1, &list, &err);
        bool more = result == WEIR_OK && list.count > (size_t)page_size;
        char next[400] = "";
        if (more) {
            list.count--;
            agent_object_clear(&list.items[list.count]);
            if (str_format(next, sizeof next, &err, "the next page token", "%s\t%s", list.items[list.count - 1].kind,
                           list.items[list.count - 1].name) != WEIR_OK)
                result = WEIR_ERR_INTERNAL; /* stored names are validated far shorter: never expected */
        }
        Weir__Agent__V1__Object *objects = calloc(list.count ? list.count : 1, sizeof *objects);
        Weir__Agent__V1__Object **pointers = calloc(list.count ? list.count : 1, sizeof *pointers);
        if (result != WEIR_OK) {
            fail(reply, result, &err);
        } else if (!objects || !pointers) {
            reply->code = GRPC_STATUS_INTERNAL;
            snprintf(reply->message, sizeof reply->message, "out of memory");
        } else {
            for (size_t i = 0; i < list.count; i++) {
                object_status_fill(api->store, &list.items[i]);
                to_proto(&list.items[i], &objects[i]);
                pointers[i] = &objects[i];
            }
            Weir__Agent__V1__ListObjectsResponse response = WEIR__AGENT__V1__LIST_OBJECTS_RESPONSE__INIT;
            response.n_objects = list.count;
            response.objects = pointers;
            response.next_page_token = next;
            rpc_reply_pack(reply, &response.base);
        }
        free(objects);
        free(pointers);
    }
    agent_object_list_free(&list);
    weir__agent__v1__list_objects_request__free_unpacked(req, NULL);
}

static void delete_object(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__DeleteObjectRequest *req =
        weir__agent__v1__delete_object_request__unpack(NULL, request->body_len, request->body);
    if (!req) {
        reply->code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply->message, sizeof reply->message, "cannot decode DeleteObjectRequest");
        return;
    }
    weir_err_t err = {{0}};
    if (known_kind(req->kind, reply)) {
        weir_status_t result = store_delete(api->store, req->kind, req->name, req->expected_generation, &err);
        if (result != WEIR_OK) {
            fail(reply, result, &err);
        } else {
            Weir__Agent__V1__DeleteObjectResponse response = WEIR__AGENT__V1__DELETE_OBJECT_RESPONSE__INIT;
            rpc_reply_pack(reply, &response.base);
            log_info("control_api", "deleted %s %s", req->kind, req->name);
            if (strcmp(req->kind, "quality_check") == 0) { /* a deleted check's incident is over */
                char key[200];
                alerts_check_key(req->name, key, sizeof key);
                alerts_clear(api->store, key);
            }
        }
    }
    weir__agent__v1__delete_object_request__free_unpacked(req, NULL);
}

const rpc_method_t control_api_methods[] = {
    {AGENT_METHOD_PUT, put_object},
    {AGENT_METHOD_GET, get_object},
    {AGENT_METHOD_LIST, list_objects},
    {AGENT_METHOD_DELETE, delete_object},
    {AGENT_METHOD_CHECK_PIPELINE, check_pipeline},
};
const size_t control_api_method_count = sizeof control_api_methods / sizeof control_api_methods[0];
