/* test_tfplugin_service.c — the tfplugin6 handler frame: every method is served, an undecodable
 * request is an INVALID_ARGUMENT status (never a crash), diagnostics reach the packed response,
 * and response fields borrowed from the request survive until the reply is packed. Calls go
 * through the same rpc_method_t table the gRPC server uses; no agent is contacted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "spec.h"
#include "tfp_msgpack.h"
#include "tfplugin6.pb-c.h"
#include "tfplugin_service.h"

#define TFP(name) "/tfplugin6.Provider/" name

/* Truncated field 1 (says 5 bytes, carries 1): no protobuf message can be read from it. */
static const uint8_t undecodable[] = {0x0a, 0x05, 0x01};

typedef struct {
    tfp_provider_t provider;
    rpc_method_t *methods;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->provider.agent = agent_client_new();
    assert_non_null(f->provider.agent);
    f->methods = calloc(tfp_method_count, sizeof *f->methods);
    assert_non_null(f->methods);
    tfp_methods_fill(f->methods);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    agent_client_free(f->provider.agent);
    free(f->methods);
    free(f);
    return 0;
}

/* Runs `method` on `body` as the server would; the caller frees reply->body. */
static void call(fixture_t *f, const char *method, const uint8_t *body, size_t len, rpc_reply_t *reply)
{
    memset(reply, 0, sizeof *reply);
    reply->code = GRPC_STATUS_OK;
    buf_init(&reply->body, RPC_MAX_MESSAGE_BYTES);
    for (size_t i = 0; i < tfp_method_count; i++) {
        if (strcmp(f->methods[i].method, method) == 0) {
            rpc_request_t request = {.method = method, .body = body, .body_len = len};
            f->methods[i].handler(&f->provider, &request, reply);
            return;
        }
    }
    fail_msg("%s is not in the method table", method);
}

/* Packs `message` into a new buffer for a request body. */
static uint8_t *packed(const ProtobufCMessage *message, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(message);
    uint8_t *out = malloc(*len ? *len : 1);
    assert_non_null(out);
    protobuf_c_message_pack(message, out);
    return out;
}

/* Nested messages get no typed unpack function from protobuf-c; returns new, or NULL. */
static void *unpack_reply(const ProtobufCMessageDescriptor *descriptor, const rpc_reply_t *reply)
{
    return protobuf_c_message_unpack(descriptor, NULL, reply->body.len, reply->body.data);
}

/* msgpack bytes of `value` (taken). */
static weir_buf_t msgpack_of(wv_t *value)
{
    weir_buf_t buf;
    buf_init(&buf, 1 << 20);
    MUST(tfp_msgpack_encode(value, &buf));
    wv_free(value);
    return buf;
}

static void every_method_is_served(void **state)
{
    fixture_t *f = *state;
    static const char *const expected[] = {
        TFP("GetProviderSchema"),      TFP("ValidateProviderConfig"),
        TFP("ValidateResourceConfig"), TFP("ValidateDataResourceConfig"),
        TFP("UpgradeResourceState"),   TFP("ConfigureProvider"),
        TFP("ReadResource"),           TFP("PlanResourceChange"),
        TFP("ApplyResourceChange"),    TFP("ImportResourceState"),
        TFP("ReadDataSource"),         TFP("StopProvider"),
    };
    assert_int_equal(tfp_method_count, sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < tfp_method_count; i++) {
        assert_string_equal(f->methods[i].method, expected[i]);
        assert_non_null(f->methods[i].handler);
    }
}

/* Every method that reads its request refuses undecodable bytes with a status naming the method;
 * the two that read nothing from it (GetProviderSchema, StopProvider) answer normally. */
static void undecodable_request_is_invalid_argument(void **state)
{
    fixture_t *f = *state;
    for (size_t i = 0; i < tfp_method_count; i++) {
        const char *method = f->methods[i].method;
        const char *name = strrchr(method, '/') + 1;
        rpc_reply_t reply;
        call(f, method, undecodable, sizeof undecodable, &reply);
        if (strcmp(name, "GetProviderSchema") == 0 || strcmp(name, "StopProvider") == 0) {
            assert_int_equal(reply.code, GRPC_STATUS_OK);
        } else {
            char text[200];
            snprintf(text, sizeof text, "cannot decode the %s request", name);
            assert_int_equal(reply.code, GRPC_STATUS_INVALID_ARGUMENT);
            assert_string_equal(reply.message, text);
            assert_int_equal(reply.body.len, 0);
        }
        buf_free(&reply.body);
    }
}

static void unknown_method_is_unimplemented(void **state)
{
    fixture_t *f = *state;
    rpc_reply_t reply = {.code = GRPC_STATUS_OK};
    buf_init(&reply.body, RPC_MAX_MESSAGE_BYTES);
    rpc_request_t request = {.method = TFP("NoSuchMethod")};
    /* Every entry runs the same frame; it looks the method up again and refuses strangers. */
    f->methods[0].handler(&f->provider, &request, &reply);
    assert_int_equal(reply.code, GRPC_STATUS_UNIMPLEMENTED);
    assert_non_null(strstr(reply.message, "NoSuchMethod"));
    assert_int_equal(reply.body.len, 0);
    buf_free(&reply.body);
}

static void get_provider_schema_lists_every_kind(void **state)
{
    fixture_t *f = *state;
    rpc_reply_t reply;
    call(f, TFP("GetProviderSchema"), NULL, 0, &reply);
    assert_int_equal(reply.code, GRPC_STATUS_OK);
    Tfplugin6__GetProviderSchema__Response *response =
        unpack_reply(&tfplugin6__get_provider_schema__response__descriptor, &reply);
    assert_non_null(response);
    assert_int_equal(response->n_resource_schemas, spec_kind_count);
    assert_int_equal(response->n_data_source_schemas, 1);
    assert_int_equal(response->n_diagnostics, 0);
    protobuf_c_message_free_unpacked(&response->base, NULL);
    buf_free(&reply.body);
}

/* Unpacks a ValidateResourceConfig-shaped reply and checks its only diagnostic. */
static void expect_one_error(const rpc_reply_t *reply, const ProtobufCMessageDescriptor *descriptor,
                             const char *summary, const char *attribute)
{
    assert_int_equal(reply->code, GRPC_STATUS_OK);
    ProtobufCMessage *message = protobuf_c_message_unpack(descriptor, NULL, reply->body.len, reply->body.data);
    assert_non_null(message);
    const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field_by_name(descriptor, "diagnostics");
    assert_non_null(field);
    size_t count;
    Tfplugin6__Diagnostic **items;
    memcpy(&count, (char *)message + field->quantifier_offset, sizeof count);
    memcpy(&items, (char *)message + field->offset, sizeof items);
    assert_int_equal(count, 1);
    assert_int_equal(items[0]->severity, TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR);
    assert_string_equal(items[0]->summary, summary);
    if (attribute) {
        assert_non_null(items[0]->attribute);
        assert_int_equal(items[0]->attribute->n_steps, 1);
        assert_string_equal(items[0]->attribute->steps[0]->attribute_name, attribute);
    }
    protobuf_c_message_free_unpacked(message, NULL);
}

static void unknown_resource_type_is_a_diagnostic(void **state)
{
    fixture_t *f = *state;
    Tfplugin6__ValidateResourceConfig__Request req = TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__REQUEST__INIT;
    req.type_name = "weir_no_such_thing";
    size_t len;
    uint8_t *body = packed(&req.base, &len);
    rpc_reply_t reply;
    call(f, TFP("ValidateResourceConfig"), body, len, &reply);
    expect_one_error(&reply, &tfplugin6__validate_resource_config__response__descriptor, "Unknown resource type", NULL);
    buf_free(&reply.body);
    free(body);
}

static void malformed_value_is_a_diagnostic(void **state)
{
    fixture_t *f = *state;
    uint8_t never_used = 0xc1; /* the one byte msgpack reserves and never assigns */
    Tfplugin6__DynamicValue config = TFPLUGIN6__DYNAMIC_VALUE__INIT;
    config.msgpack.data = &never_used;
    config.msgpack.len = 1;
    Tfplugin6__ValidateProviderConfig__Request req = TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__REQUEST__INIT;
    req.config = &config;
    size_t len;
    uint8_t *body = packed(&req.base, &len);
    rpc_reply_t reply;
    call(f, TFP("ValidateProviderConfig"), body, len, &reply);
    expect_one_error(&reply, &tfplugin6__validate_provider_config__response__descriptor, "Malformed value", NULL);
    buf_free(&reply.body);
    free(body);
}

/* ConfigureProvider with `config` (taken); WEIR_* variables are cleared so only the config counts. */
static void configure(fixture_t *f, wv_t *config, rpc_reply_t *reply)
{
    unsetenv("WEIR_ENDPOINT");
    unsetenv("WEIR_TOKEN");
    unsetenv("WEIR_CA_CERT");
    weir_buf_t bytes = msgpack_of(config);
    Tfplugin6__DynamicValue value = TFPLUGIN6__DYNAMIC_VALUE__INIT;
    value.msgpack.data = bytes.data;
    value.msgpack.len = bytes.len;
    Tfplugin6__ConfigureProvider__Request req = TFPLUGIN6__CONFIGURE_PROVIDER__REQUEST__INIT;
    req.config = &value;
    size_t len;
    uint8_t *body = packed(&req.base, &len);
    call(f, TFP("ConfigureProvider"), body, len, reply);
    free(body);
    buf_free(&bytes);
}

static void configure_provider_reports_each_problem(void **state)
{
    fixture_t *f = *state;
    rpc_reply_t reply;
    const ProtobufCMessageDescriptor *response = &tfplugin6__configure_provider__response__descriptor;

    wv_t *config = wv_map();
    MUST(wv_map_set(config, "endpoint", wv_unknown()));
    configure(f, config, &reply);
    expect_one_error(&reply, response, "Provider configuration not yet known", NULL);
    buf_free(&reply.body);

    configure(f, wv_map(), &reply);
    expect_one_error(&reply, response, "Missing agent endpoint", "endpoint");
    buf_free(&reply.body);

    config = wv_map();
    MUST(wv_map_set(config, "endpoint", wv_string("127.0.0.1:1")));
    MUST(wv_map_set(config, "ca_cert", wv_string("/nonexistent/weir-ca.pem")));
    configure(f, config, &reply);
    expect_one_error(&reply, response, "Cannot read the CA certificate", "ca_cert");
    buf_free(&reply.body);

    /* PEM that is not a certificate, inline or from a file, is named as such at ca_cert. */
    const char *not_certificates[] = {
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIB\n"};
    for (size_t i = 0; i < sizeof not_certificates / sizeof not_certificates[0]; i++) {
        config = wv_map();
        MUST(wv_map_set(config, "endpoint", wv_string("127.0.0.1:1")));
        MUST(wv_map_set(config, "ca_cert", wv_string(not_certificates[i])));
        configure(f, config, &reply);
        expect_one_error(&reply, response, "Invalid CA certificate", "ca_cert");
        buf_free(&reply.body);
    }
}

static void configure_provider_accepts_an_endpoint(void **state)
{
    fixture_t *f = *state;
    rpc_reply_t reply;
    wv_t *config = wv_map();
    /* Configuring connects lazily, so nothing needs to listen on this port. */
    MUST(wv_map_set(config, "endpoint", wv_string("127.0.0.1:1")));
    configure(f, config, &reply);
    assert_int_equal(reply.code, GRPC_STATUS_OK);
    Tfplugin6__ConfigureProvider__Response *response =
        unpack_reply(&tfplugin6__configure_provider__response__descriptor, &reply);
    assert_non_null(response);
    assert_int_equal(response->n_diagnostics, 0);
    protobuf_c_message_free_unpacked(&response->base, NULL);
    buf_free(&reply.body);
}

/* A nameless state has nothing to look up: ReadResource hands back the request's own bytes, which
 * the frame must keep alive until the reply is packed (ASan checks the order). */
static void read_resource_borrows_from_the_request(void **state)
{
    fixture_t *f = *state;
    weir_buf_t bytes = msgpack_of(wv_map());
    Tfplugin6__DynamicValue current = TFPLUGIN6__DYNAMIC_VALUE__INIT;
    current.msgpack.data = bytes.data;
    current.msgpack.len = bytes.len;
    Tfplugin6__ReadResource__Request req = TFPLUGIN6__READ_RESOURCE__REQUEST__INIT;
    req.type_name = (char *)spec_kinds[0]->type_name;
    req.current_state = &current;
    size_t len;
    uint8_t *body = packed(&req.base, &len);
    rpc_reply_t reply;
    call(f, TFP("ReadResource"), body, len, &reply);
    assert_int_equal(reply.code, GRPC_STATUS_OK);
    Tfplugin6__ReadResource__Response *response = unpack_reply(&tfplugin6__read_resource__response__descriptor, &reply);
    assert_non_null(response);
    assert_int_equal(response->n_diagnostics, 0);
    assert_non_null(response->new_state);
    assert_memory_equal(response->new_state->msgpack.data, bytes.data, bytes.len);
    assert_int_equal(response->new_state->msgpack.len, bytes.len);
    protobuf_c_message_free_unpacked(&response->base, NULL);
    buf_free(&reply.body);
    free(body);
    buf_free(&bytes);
}

static void flatmap_state_is_a_diagnostic(void **state)
{
    fixture_t *f = *state;
    Tfplugin6__RawState raw = TFPLUGIN6__RAW_STATE__INIT;
    Tfplugin6__UpgradeResourceState__Request req = TFPLUGIN6__UPGRADE_RESOURCE_STATE__REQUEST__INIT;
    req.type_name = (char *)spec_kinds[0]->type_name;
    req.raw_state = &raw;
    size_t len;
    uint8_t *body = packed(&req.base, &len);
    rpc_reply_t reply;
    call(f, TFP("UpgradeResourceState"), body, len, &reply);
    expect_one_error(&reply, &tfplugin6__upgrade_resource_state__response__descriptor, "Unsupported state format",
                     NULL);
    buf_free(&reply.body);
    free(body);
}

static void stop_provider_answers(void **state)
{
    fixture_t *f = *state;
    rpc_reply_t reply;
    call(f, TFP("StopProvider"), NULL, 0, &reply);
    assert_int_equal(reply.code, GRPC_STATUS_OK);
    Tfplugin6__StopProvider__Response *response = unpack_reply(&tfplugin6__stop_provider__response__descriptor, &reply);
    assert_non_null(response);
    assert_string_equal(response->error, "");
    protobuf_c_message_free_unpacked(&response->base, NULL);
    buf_free(&reply.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_method_is_served, setup, teardown),
        cmocka_unit_test_setup_teardown(undecodable_request_is_invalid_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_method_is_unimplemented, setup, teardown),
        cmocka_unit_test_setup_teardown(get_provider_schema_lists_every_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_resource_type_is_a_diagnostic, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_value_is_a_diagnostic, setup, teardown),
        cmocka_unit_test_setup_teardown(configure_provider_reports_each_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(configure_provider_accepts_an_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(read_resource_borrows_from_the_request, setup, teardown),
        cmocka_unit_test_setup_teardown(flatmap_state_is_a_diagnostic, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_provider_answers, setup, teardown),
    };
    /* ConfigureProvider creates a gRPC channel (without connecting), as it does under main(). */
    grpc_init();
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    grpc_shutdown();
    return failed;
}
