/* plugin_server.c — go-plugin handshake and side services around the tfplugin6 service. */
#include "plugin_server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.pb-c.h"
#include "log.h"
#include "plugin.pb-c.h"
#include "tls_cert.h"

static volatile sig_atomic_t terminate_requested;
static rpc_server_t *running_server;

static void on_terminate(int signo)
{
    (void)signo;
    terminate_requested = 1;
}

static void pack_into(rpc_reply_t *reply, const ProtobufCMessage *message)
{
    uint8_t packed[64]; /* health and empty messages are a few bytes */
    size_t len = protobuf_c_message_pack(message, packed);
    if (buf_append(&reply->body, packed, len) != WEIR_OK)
        reply->code = GRPC_STATUS_INTERNAL;
}

static void health_check(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    Grpc__Health__V1__HealthCheckRequest *req =
        grpc__health__v1__health_check_request__unpack(NULL, request->body_len, request->body);
    Grpc__Health__V1__HealthCheckResponse response = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    bool known = req && (req->service[0] == 0 || strcmp(req->service, "plugin") == 0);
    response.status = known ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                            : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
    if (req)
        grpc__health__v1__health_check_request__free_unpacked(req, NULL);
    pack_into(reply, &response.base);
}

static void controller_shutdown(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    (void)request;
    Plugin__Empty response = PLUGIN__EMPTY__INIT;
    pack_into(reply, &response.base);
    log_debug("provider", "Shutdown requested by OpenTofu");
    rpc_server_stop(running_server);
}

static const rpc_method_t plugin_methods[] = {
    {"/grpc.health.v1.Health/Check", health_check}, {"/plugin.GRPCController/Shutdown", controller_shutdown},
    /* /plugin.GRPCStdio/StreamStdio is deliberately absent: our stderr already reaches tofu's log,
     * and go-plugin accepts UNIMPLEMENTED. Holding that stream open beside the first calls
     * coincided with rare stalls in gRPC C core 1.51 where a new call was never delivered. */
};

static rpc_method_t *all_methods(size_t *count)
{
    size_t plugin_count = sizeof plugin_methods / sizeof plugin_methods[0];
    *count = plugin_count + tfp_method_count;
    rpc_method_t *methods = calloc(*count, sizeof *methods);
    if (!methods)
        return NULL;
    memcpy(methods, plugin_methods, sizeof plugin_methods);
    tfp_methods_fill(methods + plugin_count);
    return methods;
}

static bool offers_protocol_6(void)
{
    const char *versions = getenv("PLUGIN_PROTOCOL_VERSIONS");
    if (!versions)
        return true; /* older hosts do not say; 6 is all we speak */
    char copy[128];
    snprintf(copy, sizeof copy, "%s", versions);
    char *save = NULL;
    for (char *v = strtok_r(copy, ",", &save); v; v = strtok_r(NULL, ",", &save))
        if (strcmp(v, "6") == 0)
            return true;
    return false;
}

int plugin_server_run(tfp_provider_t *provider)
{
    int exit_code = 1;
    char socket_dir[4096] = "";
    char socket_path[4200] = "";
    tls_cert_t cert = {0};
    rpc_server_t *server = NULL;
    size_t method_count = 0;
    rpc_method_t *methods = NULL;
    weir_err_t err = {{0}};

    if (!offers_protocol_6()) {
        fprintf(stderr, "terraform-provider-weir speaks plugin protocol 6 only; this host offers %s\n",
                getenv("PLUGIN_PROTOCOL_VERSIONS"));
        return 1;
    }

    /* Ctrl-C reaches the whole process group; OpenTofu decides how to stop us. */
    signal(SIGINT, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_terminate};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *dir = getenv("PLUGIN_UNIX_SOCKET_DIR");
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(socket_dir, sizeof socket_dir, "%s/weir-plugin-XXXXXX", dir);
    if (!mkdtemp(socket_dir)) {
        fprintf(stderr, "cannot create a socket directory under %s: %s\n", dir, strerror(errno));
        socket_dir[0] = 0;
        goto out;
    }
    snprintf(socket_path, sizeof socket_path, "%s/plugin.sock", socket_dir);

    methods = all_methods(&method_count);
    server = methods ? rpc_server_new(methods, method_count, provider, NULL) : NULL;
    if (!server)
        goto out;
    running_server = server;

    const char *client_cert = getenv("PLUGIN_CLIENT_CERT");
    grpc_server_credentials *creds;
    if (client_cert && *client_cert) {
        if (tls_cert_generate("localhost", "localhost", NULL, 365, &cert, &err) != WEIR_OK) {
            fprintf(stderr, "cannot create the plugin's TLS certificate: %s\n", err.msg);
            goto out;
        }
        grpc_ssl_pem_key_cert_pair pair = {.private_key = cert.key_pem, .cert_chain = cert.cert_pem};
        /* AutoMTLS: trust exactly the certificate the host put in our environment. */
        creds = grpc_ssl_server_credentials_create_ex(client_cert, &pair, 1,
                                                      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
    } else {
        creds = grpc_insecure_server_credentials_create();
    }
    char addr[4300];
    snprintf(addr, sizeof addr, "unix:%s", socket_path);
    if (rpc_server_listen(server, addr, creds, &err) != WEIR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }

    /* The handshake line must be the first thing on stdout, flushed at once. */
    printf("1|6|unix|%s|grpc|%s\n", socket_path, cert.cert_der_b64 ? cert.cert_der_b64 : "");
    fflush(stdout);
    log_debug("provider", "serving on %s", socket_path);

    if (rpc_server_run(server, &terminate_requested, 1000) == WEIR_OK)
        exit_code = 0;
out:
    rpc_server_free(server);
    running_server = NULL;
    free(methods);
    tls_cert_free(&cert);
    if (socket_path[0])
        unlink(socket_path);
    if (socket_dir[0])
        rmdir(socket_dir);
    return exit_code;
}
