/* tfplugin_service.c — tfplugin6.Provider: one frame decodes each request and encodes its reply;
 * each RPC handler below it holds only that RPC's own logic. */
#include "tfplugin_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "fileutil.h"
#include "log.h"
#include "resource.h"
#include "schema.h"
#include "tfp_msgpack.h"
#include "tls_cert.h"
#include "tfplugin6.pb-c.h"
#include "value_json.h"

/* ---- the frame's contract with each handler ---- */

/* What a handler gets besides its request and response: the provider, and the arena and
 * diagnostics list that live exactly as long as the call. */
typedef struct {
    tfp_provider_t *provider;
    arena_t *arena;
    diag_list_t *diags;
} tfp_call_t;

/* One RPC's own logic. `request` is the unpacked request, borrowed for the call (NULL for methods
 * whose request is not decoded); `response` is an initialised message of the method's response
 * type. The handler fills the response only with memory from the arena or borrowed from the
 * request, both of which outlive packing; records problems in call->diags (the frame attaches them);
 * sets call->arena->failed when out of memory; and frees everything else it allocated before
 * returning. It never packs, frees the request, or touches the reply. */
typedef void (*tfp_handler_fn)(tfp_call_t *call, const void *request, void *response);

typedef struct {
    const char *method;                        /* "/tfplugin6.Provider/Name" */
    const ProtobufCMessageDescriptor *request; /* NULL: nothing in it is read, so it is not decoded */
    const ProtobufCMessageDescriptor *response;
    tfp_handler_fn handler;
} tfp_rpc_t;

/* ---- helpers shared by the handlers ---- */

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

static void get_provider_schema(tfp_call_t *call, const void *request, void *out)
{
    (void)request;
    Tfplugin6__GetProviderSchema__Response *response = out;
    const Tfplugin6__GetProviderSchema__Response *schema = schema_provider_response(call->arena);
    /* NULL only when the arena ran out, which the frame reports. */
    if (schema)
        *response = *schema;
}

/* ---- provider configuration ---- */

static void validate_provider_config(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ValidateProviderConfig__Request *req = request;
    (void)out;
    wv_t *config = decode_dynamic(req->config, call->diags, "provider configuration");
    if (config) {
        spec_diags_t found;
        spec_diags_init(&found);
        spec_validate(&spec_provider_config, config, &found);
        diag_add_spec(call->diags, &found);
        spec_diags_free(&found);
    }
    wv_free(config);
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

/* Points the agent client at the configured endpoint; problems become diagnostics. */
static void configure_agent(tfp_call_t *call, const wv_t *config)
{
    diag_list_t *diags = call->diags;
    bool unknown = false;
    const char *endpoint = setting(config, "endpoint", "WEIR_ENDPOINT", &unknown);
    const char *token = setting(config, "token", "WEIR_TOKEN", &unknown);
    const char *ca = setting(config, "ca_cert", "WEIR_CA_CERT", &unknown);
    char *ca_from_file = NULL;
    weir_err_t err = {{0}};
    if (unknown) {
        diag_add(diags, true, "Provider configuration not yet known",
                 "endpoint, token and ca_cert must be known at plan time; pass them from "
                 "variables or the environment rather than from resources created in the same run.",
                 NULL, 0);
        return;
    }
    if (!endpoint) {
        spec_step_t path = {.kind = PATH_ATTR, .name = "endpoint"};
        diag_add(diags, true, "Missing agent endpoint",
                 "Set endpoint in the provider block or the WEIR_ENDPOINT environment variable to "
                 "the agent's host:port.",
                 &path, 1);
        return;
    }
    if (ca && strncmp(ca, "-----BEGIN", 10) != 0) {
        /* WEIR_CA_CERT may name a file instead of holding the PEM itself. */
        ca_from_file = file_read_all(ca, 1024 * 1024, &err);
        if (!ca_from_file)
            add_err(diags, "Cannot read the CA certificate", &err, "ca_cert");
        ca = ca_from_file;
    }
    if (ca && !diag_has_error(diags) && tls_cert_check_pem(ca, &err) != WEIR_OK)
        add_err(diags, "Invalid CA certificate", &err, "ca_cert");
    if (!diag_has_error(diags) && agent_client_configure(call->provider->agent, endpoint, token, ca, &err) != WEIR_OK)
        add_err(diags, "Cannot configure the agent connection", &err, "endpoint");
    else if (!diag_has_error(diags))
        log_info("provider", "configured for agent at %s (token %s)", endpoint, token ? "set" : "not set");
    free(ca_from_file);
}

static void configure_provider(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ConfigureProvider__Request *req = request;
    (void)out;
    wv_t *config = decode_dynamic(req->config, call->diags, "provider configuration");
    if (config)
        configure_agent(call, config);
    wv_free(config);
}

/* ---- validation ---- */

static void validate_resource_config(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ValidateResourceConfig__Request *req = request;
    (void)out;
    wv_t *config = NULL;
    const spec_kind_t *kind = resource_kind(req->type_name, call->diags);
    if (kind)
        config = decode_dynamic(req->config, call->diags, "configuration");
    if (kind && config) {
        spec_diags_t found;
        spec_diags_init(&found);
        res_validate_config(kind, config, &found);
        diag_add_spec(call->diags, &found);
        spec_diags_free(&found);
    }
    wv_free(config);
}

static void validate_data_resource_config(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ValidateDataResourceConfig__Request *req = request;
    (void)out;
    if (!schema_data_source_kind(req->type_name))
        diag_add(call->diags, true, "Unknown data source", "This provider's only data source is weir_pipeline.", NULL,
                 0);
}

/* ---- state upgrade ---- */

static void upgrade_resource_state(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__UpgradeResourceState__Request *req = request;
    Tfplugin6__UpgradeResourceState__Response *response = out;
    diag_list_t *diags = call->diags;
    wv_t *raw = NULL, *state = NULL;
    weir_err_t err = {{0}};
    const spec_kind_t *kind = resource_kind(req->type_name, diags);
    if (!kind) {
        /* the diagnostic says why */
    } else if (!req->raw_state || req->raw_state->json.len == 0) {
        diag_add(diags, true, "Unsupported state format",
                 "Only JSON state is supported; this state was written in the legacy flatmap form.", NULL, 0);
    } else if (!(raw = wv_from_json((const char *)req->raw_state->json.data, req->raw_state->json.len, &err)) ||
               !(state = spec_conform(&kind->block, raw, &err))) {
        add_err(diags, "Cannot read the stored state", &err, NULL);
    } else {
        for (size_t i = 0; i < kind->block.count; i++)
            if ((kind->block.attrs[i].flags & SA_WRITE_ONLY) &&
                wv_map_set(state, kind->block.attrs[i].name, wv_null()) != WEIR_OK)
                call->arena->failed = 1;
        response->upgraded_state = encode_dynamic(call->arena, state, diags);
    }
    wv_free(raw);
    wv_free(state);
}

/* ---- refresh ---- */

static uint8_t *private_bytes(arena_t *arena, int64_t generation, size_t *len)
{
    char text[64];
    res_private_format(generation, text, sizeof text);
    *len = strlen(text);
    return (uint8_t *)arena_strdup(arena, text);
}

static void read_resource(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ReadResource__Request *req = request;
    Tfplugin6__ReadResource__Response *response = out;
    diag_list_t *diags = call->diags;
    wv_t *current = NULL, *state = NULL;
    agent_object_t object = {0};
    const spec_kind_t *kind = resource_kind(req->type_name, diags);
    if (kind)
        current = decode_dynamic(req->current_state, diags, "current state");
    const char *name = current ? name_of(current) : NULL;
    if (kind && current && !name) {
        /* Nothing to look up: keep what tofu has. */
        response->new_state = req->current_state;
    } else if (kind && current) {
        weir_err_t err = {{0}};
        weir_status_t result = agent_client_read(call->provider->agent, kind->kind, name, &object, &err);
        if (result == WEIR_ERR_NOT_FOUND) {
            log_info("provider", "%s %s no longer exists on the agent", kind->type_name, name);
            wv_t *null_value = wv_null();
            response->new_state = encode_dynamic(call->arena, null_value, diags);
            wv_free(null_value);
        } else if (result != WEIR_OK) {
            add_err(diags, "Cannot refresh from the Weir agent", &err, NULL);
        } else if (!(state = res_state_from_object(kind, &object, &err))) {
            add_err(diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            response->new_state = encode_dynamic(call->arena, state, diags);
            response->private_.data = private_bytes(call->arena, object.generation, &response->private_.len);
        }
    }
    agent_object_clear(&object);
    wv_free(current);
    wv_free(state);
}

/* ---- plan ---- */

/* Fills the planned state and the attribute paths that force replacement; false when no plan
 * could be made (the diagnostics say why). */
static bool plan_update(tfp_call_t *call, const spec_kind_t *kind, const wv_t *prior, const wv_t *proposed,
                        const wv_t *config, Tfplugin6__PlanResourceChange__Response *response)
{
    arena_t *arena = call->arena;
    res_paths_t *replace = malloc(sizeof *replace);
    wv_t *planned = NULL;
    bool made = false;
    spec_diags_t found;
    spec_diags_init(&found);
    if (!replace) {
        arena->failed = 1;
        goto out;
    }
    planned = res_plan(kind, prior, proposed, config, replace, &found);
    diag_add_spec(call->diags, &found);
    if (!planned)
        goto out;
    response->planned_state = encode_dynamic(arena, planned, call->diags);
    response->requires_replace = ARENA_ARRAY(arena, Tfplugin6__AttributePath *, replace->count);
    for (size_t i = 0; response->requires_replace && i < replace->count; i++) {
        diag_list_t paths;
        diag_list_init(&paths, arena);
        diag_add(&paths, true, "", "", replace->items[i].steps, replace->items[i].len);
        if (paths.count)
            response->requires_replace[response->n_requires_replace++] = paths.items[0]->attribute;
    }
    made = true;
out:
    spec_diags_free(&found);
    wv_free(planned);
    free(replace);
    return made;
}

static void plan_resource_change(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__PlanResourceChange__Request *req = request;
    Tfplugin6__PlanResourceChange__Response *response = out;
    diag_list_t *diags = call->diags;
    wv_t *prior = NULL, *proposed = NULL, *config = NULL;
    const spec_kind_t *kind = resource_kind(req->type_name, diags);
    if (kind) {
        prior = decode_dynamic(req->prior_state, diags, "prior state");
        proposed = decode_dynamic(req->proposed_new_state, diags, "proposed state");
        config = decode_dynamic(req->config, diags, "configuration");
    }
    if (kind && prior && proposed && config) {
        if (wv_is_null(proposed)) {
            /* Destroy: nothing to shape. */
            response->planned_state = req->proposed_new_state;
        } else {
            if (plan_update(call, kind, prior, proposed, config, response))
                response->planned_private = req->prior_private;
        }
    }
    wv_free(prior);
    wv_free(proposed);
    wv_free(config);
}

/* ---- apply ---- */

/* The agent deletes the object; on failure tofu keeps the prior state. */
static void apply_delete(tfp_call_t *call, const spec_kind_t *kind, const Tfplugin6__ApplyResourceChange__Request *req,
                         const wv_t *prior, const wv_t *planned, Tfplugin6__ApplyResourceChange__Response *response)
{
    weir_err_t err = {{0}};
    const char *name = name_of(prior);
    if (name && agent_client_delete(call->provider->agent, kind->kind, name, &err) != WEIR_OK) {
        add_err(call->diags, "Cannot delete", &err, NULL);
        response->new_state = req->prior_state;
    } else {
        response->new_state = encode_dynamic(call->arena, planned, call->diags);
        log_info("provider", "deleted %s %s", kind->type_name, name ? name : "?");
    }
}

/* The agent stores the planned object (create or update) and the new state is what it returns. */
static void apply_put(tfp_call_t *call, const spec_kind_t *kind, const Tfplugin6__ApplyResourceChange__Request *req,
                      const wv_t *prior, const wv_t *planned, const wv_t *config,
                      Tfplugin6__ApplyResourceChange__Response *response)
{
    diag_list_t *diags = call->diags;
    char *spec_json = NULL, *write_only_json = NULL;
    agent_object_t object = {0};
    agent_diags_t found = {0};
    wv_t *state = NULL;
    weir_err_t err = {{0}};
    if (res_agent_payload(kind, planned, config, &spec_json, &write_only_json, &err) != WEIR_OK) {
        add_err(diags, "Cannot prepare the object", &err, NULL);
        goto out;
    }
    const char *name = name_of(planned);
    int64_t expected =
        wv_is_null(prior) ? 0 : res_private_generation(req->planned_private.data, req->planned_private.len);
    weir_status_t result = agent_client_put(call->provider->agent, kind->kind, name ? name : "", spec_json,
                                            write_only_json, expected, &object, &found, &err);
    /* The agent's own findings (errors that refused the object, warnings about a stored one) go
     * to tofu at their attribute paths; other failures are one diagnostic about the object. */
    for (size_t i = 0; i < found.count; i++)
        diag_add(diags, found.items[i].is_error, found.items[i].summary, found.items[i].detail, found.items[i].path,
                 found.items[i].path_len);
    if (result != WEIR_OK) {
        if (!agent_diags_has_error(&found))
            add_err(diags, wv_is_null(prior) ? "Cannot create" : "Cannot update", &err, NULL);
        /* On a failed update tofu keeps the prior state; on a failed create there is none. */
        response->new_state = wv_is_null(prior) ? encode_dynamic(call->arena, prior, diags) : req->prior_state;
    } else if (!(state = res_state_from_object(kind, &object, &err))) {
        add_err(diags, "The agent returned an unreadable object", &err, NULL);
    } else {
        response->new_state = encode_dynamic(call->arena, state, diags);
        response->private_.data = private_bytes(call->arena, object.generation, &response->private_.len);
        log_info("provider", "stored %s %s at generation %lld", kind->type_name, object.name,
                 (long long)object.generation);
    }
out:
    /* The write-only values are secrets: wipe them before the memory goes back. */
    if (write_only_json)
        memset(write_only_json, 0, strlen(write_only_json));
    free(spec_json);
    free(write_only_json);
    agent_object_clear(&object);
    agent_diags_free(&found);
    wv_free(state);
}

static void apply_resource_change(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ApplyResourceChange__Request *req = request;
    Tfplugin6__ApplyResourceChange__Response *response = out;
    diag_list_t *diags = call->diags;
    wv_t *prior = NULL, *planned = NULL, *config = NULL;
    const spec_kind_t *kind = resource_kind(req->type_name, diags);
    if (kind) {
        prior = decode_dynamic(req->prior_state, diags, "prior state");
        planned = decode_dynamic(req->planned_state, diags, "planned state");
        config = decode_dynamic(req->config, diags, "configuration");
    }
    if (!kind || !prior || !planned || !config) {
        /* diagnostics already say why */
    } else if (wv_is_null(planned)) {
        apply_delete(call, kind, req, prior, planned, response);
    } else {
        apply_put(call, kind, req, prior, planned, config, response);
    }
    wv_free(prior);
    wv_free(planned);
    wv_free(config);
}

/* ---- import ---- */

static void import_resource_state(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ImportResourceState__Request *req = request;
    Tfplugin6__ImportResourceState__Response *response = out;
    diag_list_t *diags = call->diags;
    arena_t *arena = call->arena;
    agent_object_t object = {0};
    wv_t *state = NULL;
    weir_err_t err = {{0}};
    const spec_kind_t *kind = resource_kind(req->type_name, diags);
    if (kind) {
        weir_status_t result = agent_client_get(call->provider->agent, kind->kind, req->id, &object, &err);
        if (result == WEIR_ERR_NOT_FOUND) {
            char detail[512];
            snprintf(detail, sizeof detail,
                     "The agent has no %s named \"%s\". Import takes the object's name; `weir-agent ctl "
                     "list %s` shows the names.",
                     kind->type_name, req->id, kind->kind);
            diag_add(diags, true, "Object not found", detail, NULL, 0);
        } else if (result != WEIR_OK) {
            add_err(diags, "Cannot import", &err, NULL);
        } else if (!(state = res_state_from_object(kind, &object, &err))) {
            add_err(diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            Tfplugin6__ImportResourceState__ImportedResource *imported = arena_alloc(arena, sizeof *imported);
            response->imported_resources = ARENA_ARRAY(arena, Tfplugin6__ImportResourceState__ImportedResource *, 1);
            if (imported && response->imported_resources) {
                tfplugin6__import_resource_state__imported_resource__init(imported);
                imported->type_name = req->type_name;
                imported->state = encode_dynamic(arena, state, diags);
                imported->private_.data = private_bytes(arena, object.generation, &imported->private_.len);
                response->imported_resources[0] = imported;
                response->n_imported_resources = 1;
            }
        }
    }
    agent_object_clear(&object);
    wv_free(state);
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

static void read_data_source(tfp_call_t *call, const void *request, void *out)
{
    const Tfplugin6__ReadDataSource__Request *req = request;
    Tfplugin6__ReadDataSource__Response *response = out;
    diag_list_t *diags = call->diags;
    agent_object_t object = {0};
    wv_t *config = NULL, *state = NULL;
    weir_err_t err = {{0}};
    spec_step_t name_path = {.kind = PATH_ATTR, .name = "name"};
    const spec_kind_t *kind = schema_data_source_kind(req->type_name);
    if (!kind)
        diag_add(diags, true, "Unknown data source", "This provider's only data source is weir_pipeline.", NULL, 0);
    else
        config = decode_dynamic(req->config, diags, "configuration");
    const char *name = config ? name_of(config) : NULL;
    if (kind && config && name) {
        weir_status_t result = agent_client_get(call->provider->agent, kind->kind, name, &object, &err);
        if (result == WEIR_ERR_NOT_FOUND) {
            char detail[300];
            snprintf(detail, sizeof detail, "The agent has no pipeline named \"%s\".", name);
            diag_add(diags, true, "Pipeline not found", detail, &name_path, 1);
        } else if (result != WEIR_OK) {
            add_err(diags, "Cannot read the pipeline", &err, NULL);
        } else if (!(state = data_source_state(kind, &object, &err))) {
            add_err(diags, "The agent returned an unreadable object", &err, NULL);
        } else {
            response->state = encode_dynamic(call->arena, state, diags);
        }
    } else if (kind && config) {
        diag_add(diags, true, "Missing pipeline name", "Set name to the pipeline to read.", &name_path, 1);
    }
    agent_object_clear(&object);
    wv_free(config);
    wv_free(state);
}

/* ---- stop ---- */

static void stop_provider(tfp_call_t *call, const void *request, void *out)
{
    (void)request;
    (void)out;
    log_info("provider", "StopProvider: cancelling calls in flight to the agent");
    agent_client_cancel_all(call->provider->agent);
}

/* ---- the table ---- */

#define TFP(name) "/tfplugin6.Provider/" name
/* Each handler is named after its method's messages: ReadResource → read_resource, which also
 * names tfplugin6__read_resource__request__descriptor and its response twin. */
#define TFP_RPC(Name, name)                                                                                    \
    {                                                                                                          \
        TFP(Name), &tfplugin6__##name##__request__descriptor, &tfplugin6__##name##__response__descriptor, name \
    }
/* For a method whose request carries nothing the handler reads: the frame does not decode it. */
#define TFP_RPC_NO_REQUEST(Name, name)                                    \
    {                                                                     \
        TFP(Name), NULL, &tfplugin6__##name##__response__descriptor, name \
    }

static const tfp_rpc_t tfp_rpcs[] = {
    TFP_RPC_NO_REQUEST("GetProviderSchema", get_provider_schema),
    TFP_RPC("ValidateProviderConfig", validate_provider_config),
    TFP_RPC("ValidateResourceConfig", validate_resource_config),
    TFP_RPC("ValidateDataResourceConfig", validate_data_resource_config),
    TFP_RPC("UpgradeResourceState", upgrade_resource_state),
    TFP_RPC("ConfigureProvider", configure_provider),
    TFP_RPC("ReadResource", read_resource),
    TFP_RPC("PlanResourceChange", plan_resource_change),
    TFP_RPC("ApplyResourceChange", apply_resource_change),
    TFP_RPC("ImportResourceState", import_resource_state),
    TFP_RPC("ReadDataSource", read_data_source),
    TFP_RPC_NO_REQUEST("StopProvider", stop_provider),
};
const size_t tfp_method_count = sizeof tfp_rpcs / sizeof tfp_rpcs[0];

/* ---- the frame: unpack → handler → diagnostics → pack → free, once for every RPC ---- */

static const tfp_rpc_t *rpc_for(const char *method)
{
    for (size_t i = 0; method && i < tfp_method_count; i++)
        if (strcmp(tfp_rpcs[i].method, method) == 0)
            return &tfp_rpcs[i];
    return NULL;
}

/* "/tfplugin6.Provider/Name" → "Name", for status texts. */
static const char *short_name(const char *method)
{
    const char *slash = strrchr(method, '/');
    return slash ? slash + 1 : method;
}

/* Hands the call's diagnostics to the response's `repeated Diagnostic diagnostics` field, found
 * through the descriptor so the table need not name each response's fields. StopProvider's
 * response has none. */
static void attach_diagnostics(ProtobufCMessage *response, const diag_list_t *diags)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(response->descriptor, "diagnostics");
    if (!field || field->label != PROTOBUF_C_LABEL_REPEATED || field->descriptor != &tfplugin6__diagnostic__descriptor)
        return;
    char *base = (char *)response;
    memcpy(base + field->quantifier_offset, &diags->count, sizeof diags->count);
    memcpy(base + field->offset, &diags->items, sizeof diags->items);
}

static void tfp_serve(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    const tfp_rpc_t *rpc = rpc_for(request->method);
    ProtobufCMessage *req = NULL;
    ProtobufCMessage *response = NULL;
    arena_t arena;
    diag_list_t diags;
    arena_init(&arena);
    diag_list_init(&diags, &arena);

    if (!rpc) {
        /* Only reachable when the server's method table and ours disagree. */
        reply->code = GRPC_STATUS_UNIMPLEMENTED;
        snprintf(reply->message, sizeof reply->message, "%s is not a tfplugin6 method",
                 request->method ? request->method : "(no method)");
        goto out;
    }
    if (rpc->request) {
        req = protobuf_c_message_unpack(rpc->request, NULL, request->body_len, request->body);
        if (!req) {
            reply->code = GRPC_STATUS_INVALID_ARGUMENT;
            snprintf(reply->message, sizeof reply->message, "cannot decode the %s request", short_name(rpc->method));
            goto out;
        }
    }
    response = arena_alloc(&arena, rpc->response->sizeof_message);
    if (response) {
        protobuf_c_message_init(rpc->response, response);
        tfp_call_t call = {.provider = ctx, .arena = &arena, .diags = &diags};
        rpc->handler(&call, req, response);
        attach_diagnostics(response, &diags);
    }
    if (arena.failed) {
        reply->code = GRPC_STATUS_RESOURCE_EXHAUSTED;
        snprintf(reply->message, sizeof reply->message, "out of memory building the response");
        goto out;
    }
    rpc_reply_pack(reply, response);
out:
    if (req)
        protobuf_c_message_free_unpacked(req, NULL);
    arena_free(&arena);
}

void tfp_methods_fill(rpc_method_t *out)
{
    for (size_t i = 0; i < tfp_method_count; i++)
        out[i] = (rpc_method_t){.method = tfp_rpcs[i].method, .handler = tfp_serve};
}
