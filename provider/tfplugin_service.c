/* tfplugin_service.c — tfplugin6.Provider: decode requests, run the generic resource logic, encode replies. */
#include "tfplugin_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "fileutil.h"
#include "log.h"
#include "tfp_msgpack.h"
#include "resource.h"
#include "schema.h"
#include "tfplugin6.pb-c.h"
#include "value_json.h"

/* Nested messages get no typed unpack function from protobuf-c; this is the generic one. */
static void *unpack_request(const ProtobufCMessageDescriptor *descriptor, const rpc_request_t *request)
{
    return protobuf_c_message_unpack(descriptor, NULL, request->body_len, request->body);
}

/* Packs `message` into the reply, or turns a failure into an INTERNAL status. */
static void pack_reply(rpc_reply_t *reply, const ProtobufCMessage *message, const arena_t *arena)
{
    if (arena->failed) {
        reply->code = GRPC_STATUS_RESOURCE_EXHAUSTED;
        snprintf(reply->message, sizeof reply->message, "out of memory building the response");
        return;
    }
    rpc_reply_pack(reply, message);
}

static void bad_request(rpc_reply_t *reply, const char *method)
{
    reply->code = GRPC_STATUS_INVALID_ARGUMENT;
    snprintf(reply->message, sizeof reply->message, "cannot decode the %s request", method);
}

/* Decodes a DynamicValue (msgpack preferred, JSON accepted). NULL value → null. */
static wv_t *decode_dynamic(const Tfplugin6__DynamicValue *value, diag_list_t *diags, const char *what)
{
    weir_err_t err = {{0}};
    wv_t *decoded = NULL;
    if (!value || (value->msgpack.len == 0 && value->json.len == 0))
        return wv_null();
    if (value->msgpack.len)
        decoded = tfp_msgpack_decode(value->msgpack.data, value->msgpack.len, &err);
    else
        decoded = wv_from_json((const char *)value->json.data, value->json.len, &err);
    if (!decoded) {
        char detail[1200];
        snprintf(detail, sizeof detail, "The %s sent by OpenTofu could not be decoded: %s", what, err.msg);
        diag_add(diags, true, "Malformed value", detail, NULL, 0);
    }
    return decoded;
}

static Tfplugin6__DynamicValue *encode_dynamic(arena_t *arena, const wv_t *value, diag_list_t *diags)
{
    Tfplugin6__DynamicValue *out = arena_alloc(arena, sizeof *out);
    if (!out)
        return NULL;
    tfplugin6__dynamic_value__init(out);
    weir_buf_t buf;
    buf_init(&buf, RPC_MAX_MESSAGE_BYTES);
    if (tfp_msgpack_encode(value, &buf) != WEIR_OK) {
        diag_add(diags, true, "Value too large", "The provider could not encode a value.", NULL, 0);
        buf_free(&buf);
        return out;
    }
    out->msgpack.data = (uint8_t *)arena_strndup(arena, (const char *)buf.data, buf.len);
    out->msgpack.len = buf.len;
    buf_free(&buf);
    return out;
}

static const spec_kind_t *resource_kind(const char *type_name, diag_list_t *diags)
{
    const spec_kind_t *kind = spec_kind_by_type(type_name);
    if (!kind) {
        char detail[300];
        snprintf(detail, sizeof detail, "This provider has no resource type \"%s\".", type_name);
        diag_add(diags, true, "Unknown resource type", detail, NULL, 0);
    }
    return kind;
}

static void add_err(diag_list_t *diags, const char *summary, const weir_err_t *err, const char *attr)
{
    spec_step_t path = {.kind = PATH_ATTR, .name = attr};
    diag_add(diags, true, summary, err->msg, attr ? &path : NULL, attr ? 1 : 0);
}

static const char *name_of(const wv_t *object)
{
    const wv_t *name = wv_map_get(object, "name");
    return name && name->kind == WV_STRING ? name->text : NULL;
}

/* ---- GetProviderSchema ---- */

static void get_provider_schema(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    (void)request;
    arena_t arena;
    arena_init(&arena);
    Tfplugin6__GetProviderSchema__Response *response = schema_provider_response(&arena);
    if (response)
        pack_reply(reply, &response->base, &arena);
    else
        bad_request(reply, "GetProviderSchema");
    arena_free(&arena);
}

/* ---- provider configuration ---- */

static void validate_provider_config(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    Tfplugin6__ValidateProviderConfig__Request *req =
        unpack_request(&tfplugin6__validate_provider_config__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ValidateProviderConfig");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    wv_t *config = decode_dynamic(req->config, &diags, "provider configuration");
    if (config) {
        spec_diags_t found;
        spec_diags_init(&found);
        spec_validate(&spec_provider_config, config, &found);
        diag_add_spec(&diags, &found);
        spec_diags_free(&found);
    }
    Tfplugin6__ValidateProviderConfig__Response response = TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__RESPONSE__INIT;
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    wv_free(config);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* A configured string, else the environment variable, else NULL; *unknown when tofu does not know it yet. */
static const char *setting(const wv_t *config, const char *attr, const char *env, bool *unknown)
{
    const wv_t *value = wv_map_get(config, attr);
    if (value && value->kind == WV_UNKNOWN)
        *unknown = true;
    if (value && value->kind == WV_STRING && value->text[0])
        return value->text;
    const char *from_env = getenv(env);
    return from_env && *from_env ? from_env : NULL;
}

static void configure_provider(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    tfp_provider_t *provider = ctx;
    Tfplugin6__ConfigureProvider__Request *req =
        unpack_request(&tfplugin6__configure_provider__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ConfigureProvider");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    char *ca_from_file = NULL;
    wv_t *config = decode_dynamic(req->config, &diags, "provider configuration");
    if (config) {
        bool unknown = false;
        const char *endpoint = setting(config, "endpoint", "WEIR_ENDPOINT", &unknown);
        const char *token = setting(config, "token", "WEIR_TOKEN", &unknown);
        const char *ca = setting(config, "ca_cert", "WEIR_CA_CERT", &unknown);
        weir_err_t err = {{0}};
        if (unknown) {
            diag_add(&diags, true, "Provider configuration not yet known",
                     "endpoint, token and ca_cert must be known at plan time; pass them from "
                     "variables or the environment rather than from resources created in the same run.",
                     NULL, 0);
        } else if (!endpoint) {
            spec_step_t path = {.kind = PATH_ATTR, .name = "endpoint"};
            diag_add(&diags, true, "Missing agent endpoint",
                     "Set endpoint in the provider block or the WEIR_ENDPOINT environment variable to "
                     "the agent's host:port.", &path, 1);
        } else {
            if (ca && strncmp(ca, "-----BEGIN", 10) != 0) {
                /* WEIR_CA_CERT may name a file instead of holding the PEM itself. */
                ca_from_file = file_read_all(ca, 1024 * 1024, &err);
                if (!ca_from_file)
                    add_err(&diags, "Cannot read the CA certificate", &err, "ca_cert");
                ca = ca_from_file;
            }
            if (!diag_has_error(&diags) &&
                agent_client_configure(provider->agent, endpoint, token, ca, &err) != WEIR_OK)
                add_err(&diags, "Cannot configure the agent connection", &err, "endpoint");
            else if (!diag_has_error(&diags))
                log_info("provider", "configured for agent at %s (token %s)", endpoint,
                         token ? "set" : "not set");
        }
    }
    Tfplugin6__ConfigureProvider__Response response = TFPLUGIN6__CONFIGURE_PROVIDER__RESPONSE__INIT;
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    free(ca_from_file);
    wv_free(config);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- validation ---- */

static void validate_resource_config(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    Tfplugin6__ValidateResourceConfig__Request *req =
        unpack_request(&tfplugin6__validate_resource_config__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ValidateResourceConfig");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    wv_t *config = NULL;
    const spec_kind_t *kind = resource_kind(req->type_name, &diags);
    if (kind)
        config = decode_dynamic(req->config, &diags, "configuration");
    if (kind && config) {
        spec_diags_t found;
        spec_diags_init(&found);
        res_validate_config(kind, config, &found);
        diag_add_spec(&diags, &found);
        spec_diags_free(&found);
    }
    Tfplugin6__ValidateResourceConfig__Response response = TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__RESPONSE__INIT;
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    wv_free(config);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

static void validate_data_resource_config(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    Tfplugin6__ValidateDataResourceConfig__Request *req =
        unpack_request(&tfplugin6__validate_data_resource_config__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ValidateDataResourceConfig");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    if (!schema_data_source_kind(req->type_name))
        diag_add(&diags, true, "Unknown data source", "This provider's only data source is weir_pipeline.",
                 NULL, 0);
    Tfplugin6__ValidateDataResourceConfig__Response response =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__RESPONSE__INIT;
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- state upgrade ---- */

static void upgrade_resource_state(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    Tfplugin6__UpgradeResourceState__Request *req =
        unpack_request(&tfplugin6__upgrade_resource_state__request__descriptor, request);
    if (!req)
        return bad_request(reply, "UpgradeResourceState");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    Tfplugin6__UpgradeResourceState__Response response = TFPLUGIN6__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    wv_t *raw = NULL, *state = NULL;
    const spec_kind_t *kind = resource_kind(req->type_name, &diags);
    if (kind) {
        weir_err_t err = {{0}};
        if (!req->raw_state || req->raw_state->json.len == 0) {
            diag_add(&diags, true, "Unsupported state format",
                     "Only JSON state is supported; this state was written in the legacy flatmap form.",
                     NULL, 0);
        } else if (!(raw = wv_from_json((const char *)req->raw_state->json.data, req->raw_state->json.len, &err)) ||
                   !(state = spec_conform(&kind->block, raw, &err))) {
            add_err(&diags, "Cannot read the stored state", &err, NULL);
        } else {
            for (size_t i = 0; i < kind->block.count; i++)
                if ((kind->block.attrs[i].flags & SA_WRITE_ONLY) &&
                    wv_map_set(state, kind->block.attrs[i].name, wv_null()) != WEIR_OK)
                    arena.failed = 1;
            response.upgraded_state = encode_dynamic(&arena, state, &diags);
        }
    }
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    wv_free(raw);
    wv_free(state);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- refresh ---- */

static uint8_t *private_bytes(arena_t *arena, int64_t generation, size_t *len)
{
    char text[64];
    res_private_format(generation, text, sizeof text);
    *len = strlen(text);
    return (uint8_t *)arena_strdup(arena, text);
}

static void read_resource(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    tfp_provider_t *provider = ctx;
    Tfplugin6__ReadResource__Request *req =
        unpack_request(&tfplugin6__read_resource__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ReadResource");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    Tfplugin6__ReadResource__Response response = TFPLUGIN6__READ_RESOURCE__RESPONSE__INIT;
    wv_t *current = NULL, *state = NULL;
    agent_object_t object = {0};
    const spec_kind_t *kind = resource_kind(req->type_name, &diags);
    if (kind)
        current = decode_dynamic(req->current_state, &diags, "current state");
    const char *name = current ? name_of(current) : NULL;
    if (kind && current && !name) {
        /* Nothing to look up: keep what tofu has. */
        response.new_state = req->current_state;
    } else if (kind && current) {
        weir_err_t err = {{0}};
        weir_status_t result = agent_client_read(provider->agent, kind->kind, name, &object, &err);
        if (result == WEIR_ERR_NOT_FOUND) {
            log_info("provider", "%s %s no longer exists on the agent", kind->type_name, name);
            wv_t *null_value = wv_null();
            response.new_state = encode_dynamic(&arena, null_value, &diags);
            wv_free(null_value);
        } else if (result != WEIR_OK) {
            add_err(&diags, "Cannot refresh from the Weir agent", &err, NULL);
        } else if (!(state = res_state_from_object(kind, &object, &err))) {
            add_err(&diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            response.new_state = encode_dynamic(&arena, state, &diags);
            response.private_.data = private_bytes(&arena, object.generation, &response.private_.len);
        }
    }
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    agent_object_clear(&object);
    wv_free(current);
    wv_free(state);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- plan ---- */

static void plan_resource_change(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    Tfplugin6__PlanResourceChange__Request *req =
        unpack_request(&tfplugin6__plan_resource_change__request__descriptor, request);
    if (!req)
        return bad_request(reply, "PlanResourceChange");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    Tfplugin6__PlanResourceChange__Response response = TFPLUGIN6__PLAN_RESOURCE_CHANGE__RESPONSE__INIT;
    wv_t *prior = NULL, *proposed = NULL, *config = NULL, *planned = NULL;
    const spec_kind_t *kind = resource_kind(req->type_name, &diags);
    if (kind) {
        prior = decode_dynamic(req->prior_state, &diags, "prior state");
        proposed = decode_dynamic(req->proposed_new_state, &diags, "proposed state");
        config = decode_dynamic(req->config, &diags, "configuration");
    }
    if (kind && prior && proposed && config) {
        if (wv_is_null(proposed)) {
            /* Destroy: nothing to shape. */
            response.planned_state = req->proposed_new_state;
        } else {
            res_paths_t *replace = malloc(sizeof *replace);
            spec_diags_t found;
            spec_diags_init(&found);
            planned = replace ? res_plan(kind, prior, proposed, config, replace, &found) : NULL;
            diag_add_spec(&diags, &found);
            spec_diags_free(&found);
            if (planned) {
                response.planned_state = encode_dynamic(&arena, planned, &diags);
                response.requires_replace = ARENA_ARRAY(&arena, Tfplugin6__AttributePath *, replace->count);
                for (size_t i = 0; response.requires_replace && i < replace->count; i++) {
                    diag_list_t paths;
                    diag_list_init(&paths, &arena);
                    diag_add(&paths, true, "", "", replace->items[i].steps, replace->items[i].len);
                    if (paths.count)
                        response.requires_replace[response.n_requires_replace++] = paths.items[0]->attribute;
                }
                response.planned_private = req->prior_private;
            } else if (!replace) {
                arena.failed = 1;
            }
            free(replace);
        }
    }
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    wv_free(prior);
    wv_free(proposed);
    wv_free(config);
    wv_free(planned);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- apply ---- */

static void apply_resource_change(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    tfp_provider_t *provider = ctx;
    Tfplugin6__ApplyResourceChange__Request *req =
        unpack_request(&tfplugin6__apply_resource_change__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ApplyResourceChange");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    Tfplugin6__ApplyResourceChange__Response response = TFPLUGIN6__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    wv_t *prior = NULL, *planned = NULL, *config = NULL, *state = NULL;
    char *spec_json = NULL, *write_only_json = NULL;
    agent_object_t object = {0};
    weir_err_t err = {{0}};
    const spec_kind_t *kind = resource_kind(req->type_name, &diags);
    if (kind) {
        prior = decode_dynamic(req->prior_state, &diags, "prior state");
        planned = decode_dynamic(req->planned_state, &diags, "planned state");
        config = decode_dynamic(req->config, &diags, "configuration");
    }
    if (!kind || !prior || !planned || !config) {
        /* diagnostics already say why */
    } else if (wv_is_null(planned)) {
        const char *name = name_of(prior);
        if (name && agent_client_delete(provider->agent, kind->kind, name, &err) != WEIR_OK) {
            add_err(&diags, "Cannot delete", &err, NULL);
            response.new_state = req->prior_state;
        } else {
            response.new_state = encode_dynamic(&arena, planned, &diags);
            log_info("provider", "deleted %s %s", kind->type_name, name ? name : "?");
        }
    } else if (res_agent_payload(kind, planned, config, &spec_json, &write_only_json, &err) != WEIR_OK) {
        add_err(&diags, "Cannot prepare the object", &err, NULL);
    } else {
        const char *name = name_of(planned);
        int64_t expected = wv_is_null(prior) ? 0
                                             : res_private_generation(req->planned_private.data,
                                                                      req->planned_private.len);
        weir_status_t result = agent_client_put(provider->agent, kind->kind, name ? name : "", spec_json,
                                                write_only_json, expected, &object, &err);
        if (result != WEIR_OK) {
            add_err(&diags, wv_is_null(prior) ? "Cannot create" : "Cannot update", &err, NULL);
            /* On a failed update tofu keeps the prior state; on a failed create there is none. */
            response.new_state = wv_is_null(prior) ? encode_dynamic(&arena, prior, &diags) : req->prior_state;
        } else if (!(state = res_state_from_object(kind, &object, &err))) {
            add_err(&diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            response.new_state = encode_dynamic(&arena, state, &diags);
            response.private_.data = private_bytes(&arena, object.generation, &response.private_.len);
            log_info("provider", "stored %s %s at generation %lld", kind->type_name, object.name,
                     (long long)object.generation);
        }
    }
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    if (write_only_json)
        memset(write_only_json, 0, strlen(write_only_json));
    free(spec_json);
    free(write_only_json);
    agent_object_clear(&object);
    wv_free(prior);
    wv_free(planned);
    wv_free(config);
    wv_free(state);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- import ---- */

static void import_resource_state(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    tfp_provider_t *provider = ctx;
    Tfplugin6__ImportResourceState__Request *req =
        unpack_request(&tfplugin6__import_resource_state__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ImportResourceState");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    Tfplugin6__ImportResourceState__Response response = TFPLUGIN6__IMPORT_RESOURCE_STATE__RESPONSE__INIT;
    agent_object_t object = {0};
    wv_t *state = NULL;
    weir_err_t err = {{0}};
    const spec_kind_t *kind = resource_kind(req->type_name, &diags);
    if (kind) {
        weir_status_t result = agent_client_get(provider->agent, kind->kind, req->id, &object, &err);
        if (result == WEIR_ERR_NOT_FOUND) {
            char detail[512];
            snprintf(detail, sizeof detail,
                     "The agent has no %s named \"%s\". Import takes the object's name; `weir-agent ctl "
                     "list %s` shows the names.", kind->type_name, req->id, kind->kind);
            diag_add(&diags, true, "Object not found", detail, NULL, 0);
        } else if (result != WEIR_OK) {
            add_err(&diags, "Cannot import", &err, NULL);
        } else if (!(state = res_state_from_object(kind, &object, &err))) {
            add_err(&diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            Tfplugin6__ImportResourceState__ImportedResource *imported = arena_alloc(&arena, sizeof *imported);
            response.imported_resources = ARENA_ARRAY(&arena, Tfplugin6__ImportResourceState__ImportedResource *, 1);
            if (imported && response.imported_resources) {
                tfplugin6__import_resource_state__imported_resource__init(imported);
                imported->type_name = req->type_name;
                imported->state = encode_dynamic(&arena, state, &diags);
                imported->private_.data = private_bytes(&arena, object.generation, &imported->private_.len);
                response.imported_resources[0] = imported;
                response.n_imported_resources = 1;
            }
        }
    }
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    agent_object_clear(&object);
    wv_free(state);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- data source ---- */

static wv_t *data_source_state(const spec_kind_t *kind, const agent_object_t *object, weir_err_t *err)
{
    wv_t *state = res_state_from_object(kind, object, err);
    if (!state)
        return NULL;
    for (size_t i = 0; i < kind->block.count; i++)
        if (kind->block.attrs[i].flags & SA_WRITE_ONLY)
            wv_map_del(state, kind->block.attrs[i].name);
    if (wv_map_set(state, SCHEMA_DS_GENERATION, wv_number_i64(object->generation)) != WEIR_OK ||
        wv_map_set(state, SCHEMA_DS_STATUS, wv_string(object->status_json)) != WEIR_OK) {
        wv_free(state);
        weir_err_set(err, "out of memory");
        return NULL;
    }
    return state;
}

static void read_data_source(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    tfp_provider_t *provider = ctx;
    Tfplugin6__ReadDataSource__Request *req =
        unpack_request(&tfplugin6__read_data_source__request__descriptor, request);
    if (!req)
        return bad_request(reply, "ReadDataSource");
    arena_t arena;
    arena_init(&arena);
    diag_list_t diags;
    diag_list_init(&diags, &arena);
    Tfplugin6__ReadDataSource__Response response = TFPLUGIN6__READ_DATA_SOURCE__RESPONSE__INIT;
    agent_object_t object = {0};
    wv_t *config = NULL, *state = NULL;
    weir_err_t err = {{0}};
    const spec_kind_t *kind = schema_data_source_kind(req->type_name);
    if (!kind)
        diag_add(&diags, true, "Unknown data source", "This provider's only data source is weir_pipeline.",
                 NULL, 0);
    else
        config = decode_dynamic(req->config, &diags, "configuration");
    const char *name = config ? name_of(config) : NULL;
    if (kind && config && name) {
        weir_status_t result = agent_client_get(provider->agent, kind->kind, name, &object, &err);
        spec_step_t path = {.kind = PATH_ATTR, .name = "name"};
        if (result == WEIR_ERR_NOT_FOUND) {
            char detail[300];
            snprintf(detail, sizeof detail, "The agent has no pipeline named \"%s\".", name);
            diag_add(&diags, true, "Pipeline not found", detail, &path, 1);
        } else if (result != WEIR_OK) {
            add_err(&diags, "Cannot read the pipeline", &err, NULL);
        } else if (!(state = data_source_state(kind, &object, &err))) {
            add_err(&diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            response.state = encode_dynamic(&arena, state, &diags);
        }
    } else if (kind && config) {
        spec_step_t path = {.kind = PATH_ATTR, .name = "name"};
        diag_add(&diags, true, "Missing pipeline name", "Set name to the pipeline to read.", &path, 1);
    }
    response.n_diagnostics = diags.count;
    response.diagnostics = diags.items;
    pack_reply(reply, &response.base, &arena);
    agent_object_clear(&object);
    wv_free(config);
    wv_free(state);
    arena_free(&arena);
    protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- stop ---- */

static void stop_provider(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    tfp_provider_t *provider = ctx;
    (void)request;
    log_info("provider", "StopProvider: cancelling calls in flight to the agent");
    agent_client_cancel_all(provider->agent);
    Tfplugin6__StopProvider__Response response = TFPLUGIN6__STOP_PROVIDER__RESPONSE__INIT;
    arena_t arena;
    arena_init(&arena);
    pack_reply(reply, &response.base, &arena);
    arena_free(&arena);
}

#define TFP(name) "/tfplugin6.Provider/" name

const rpc_method_t tfp_methods[] = {
    {TFP("GetProviderSchema"), get_provider_schema},
    {TFP("ValidateProviderConfig"), validate_provider_config},
    {TFP("ValidateResourceConfig"), validate_resource_config},
    {TFP("ValidateDataResourceConfig"), validate_data_resource_config},
    {TFP("UpgradeResourceState"), upgrade_resource_state},
    {TFP("ConfigureProvider"), configure_provider},
    {TFP("ReadResource"), read_resource},
    {TFP("PlanResourceChange"), plan_resource_change},
    {TFP("ApplyResourceChange"), apply_resource_change},
    {TFP("ImportResourceState"), import_resource_state},
    {TFP("ReadDataSource"), read_data_source},
    {TFP("StopProvider"), stop_provider},
};
const size_t tfp_method_count = sizeof tfp_methods / sizeof tfp_methods[0];
