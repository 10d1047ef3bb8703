/* metrics_http.c — /metrics, /healthz and /readyz over libmicrohttpd's internal thread. */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "store_metrics.h"
#include "strutil.h"

struct metrics_http {
    struct MHD_Daemon *daemon;
    store_t *store;
    atomic_int draining;
};

static enum MHD_Result reply(struct MHD_Connection *connection, unsigned status, const char *type, const void *body,
                             size_t len)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return queued;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **state)
{
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)state;
    metrics_http_t *http = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
    if (strcmp(url, "/healthz") == 0)
        return reply(connection, MHD_HTTP_OK, "text/plain", "ok\n", 3);
    weir_buf_t body;
    buf_init(&body, 64u << 20);
    weir_err_t err = {{0}};
    weir_status_t result = store_metrics_write(http->store, time(NULL), &body, &err);
    enum MHD_Result answered;
    if (strcmp(url, "/readyz") == 0) {
        bool ready = result == WEIR_OK && !atomic_load(&http->draining);
        const char *why = atomic_load(&http->draining) ? "shutting down\n"
            : result != WEIR_OK                        ? "store unavailable\n"
                                                       : "ready\n";
        answered =
            reply(connection, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", why, strlen(why));
    } else if (strcmp(url, "/metrics") == 0) {
        if (result != WEIR_OK)
            log_error("metrics", "scrape incomplete: %s", err.msg);
        answered =
            reply(connection, result == WEIR_OK ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR,
                  "text/plain; version=0.0.4; charset=utf-8", body.data ? body.data : (const uint8_t *)"", body.len);
    } else {
        answered =
            reply(connection, MHD_HTTP_NOT_FOUND, "text/plain", "not found: try /metrics, /healthz or /readyz\n", 45);
    }
    buf_free(&body);
    return answered;
}

weir_status_t metrics_http_start(const char *address, store_t *store, metrics_http_t **out, weir_err_t *err)
{
    *out = NULL;
    const char *colon = strrchr(address, ':');
    char host[64]; /* an IPv4 address or "localhost"; anything longer is refused below */
    struct sockaddr_in sin = {.sin_family = AF_INET};
    long port = colon ? strtol(colon + 1, NULL, 10) : 0;
    bool host_fits =
        str_format(host, sizeof host, NULL, "host", "%.*s", colon ? (int)(colon - address) : 0, address) == WEIR_OK;
    if (host_fits && strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (!colon || !host_fits || port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        weir_err_set(err, "--metrics-addr %s: expected IPV4:PORT, e.g. 127.0.0.1:9464", address);
        return WEIR_ERR_INVALID;
    }
    sin.sin_port = htons((uint16_t)port);
    metrics_http_t *http = calloc(1, sizeof *http);
    if (!http)
        return WEIR_ERR_NOMEM;
    http->store = store;
    http->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, handle, http,
                                    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin, MHD_OPTION_CONNECTION_LIMIT,
                                    (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!http->daemon) {
        free(http);
        weir_err_set(err, "cannot listen for metrics on %s (in use?)", address);
        return WEIR_ERR_IO;
    }
    log_info("metrics", "serving /metrics, /healthz and /readyz on http://%s", address);
    *out = http;
    return WEIR_OK;
}

void metrics_http_draining(metrics_http_t *http)
{
    if (http)
        atomic_store(&http->draining, 1);
}

void metrics_http_stop(metrics_http_t *http)
{
    if (!http)
        return;
    MHD_stop_daemon(http->daemon);
    free(http);
}
