/* http_client.c — one libcurl exchange with the agent's fixed policy: http and https only, no
 * redirects, no signals, TLS peer and host verification on. */
#include "http_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_client {
    CURL *curl;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe everywhere; curl_easy_init would call it implicitly, from
 * whichever thread comes first. Once, here, instead. */
static void global_init(void)
{
    global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static CURL *new_handle(void)
{
    pthread_once(&global_once, global_init);
    return global_result == CURLE_OK ? curl_easy_init() : NULL;
}

weir_status_t http_client_new(http_client_t **out)
{
    *out = NULL;
    http_client_t *client = calloc(1, sizeof *client);
    if (!client || !(client->curl = new_handle())) {
        free(client);
        return WEIR_ERR_NOMEM;
    }
    *out = client;
    return WEIR_OK;
}

void http_client_free(http_client_t *client)
{
    if (!client)
        return;
    curl_easy_cleanup(client->curl);
    free(client);
}

typedef struct {
    const http_request_t *request;
    http_response_t *response;
    const char *too_long; /* the captured header whose value did not fit, if one did not */
} header_ctx_t;

static size_t on_header(char *data, size_t size, size_t count, void *userdata)
{
    header_ctx_t *ctx = userdata;
    size_t len = size * count;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after 100 Continue): only the final one's headers count. */
        memset(ctx->response->captured, 0, sizeof ctx->response->captured);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    size_t name_len = (size_t)(colon - data);
    for (size_t i = 0; i < ctx->request->capture_count && i < HTTP_CAPTURE_MAX; i++) {
        const char *want = ctx->request->capture[i];
        if (strlen(want) != name_len || strncasecmp(want, data, name_len) != 0)
            continue;
        const char *value = colon + 1, *end = data + len;
        while (value < end && (*value == ' ' || *value == '\t'))
            value++;
        while (end > value && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t value_len = (size_t)(end - value);
        if (value_len > HTTP_CAPTURE_VALUE_MAX) {
            ctx->too_long = want;
            return 0; /* curl abandons the transfer: a cut value must never be acted on */
        }
        memcpy(ctx->response->captured[i], value, value_len);
        ctx->response->captured[i][value_len] = 0;
    }
    return len;
}

static size_t discard(char *data, size_t size, size_t count, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * count;
}

typedef struct {
    const unsigned char *data;
    size_t len, pos;
} upload_t;

static size_t on_read(char *out, size_t size, size_t count, void *userdata)
{
    upload_t *upload = userdata;
    size_t room = size * count, left = upload->len - upload->pos;
    size_t n = left < room ? left : room;
    memcpy(out, upload->data + upload->pos, n);
    upload->pos += n;
    return n;
}

static void set_options(CURL *h, const http_request_t *req, struct curl_slist *headers, weir_buf_t *body,
                        header_ctx_t *header_ctx, upload_t *upload)
{
    const char *method = req->method ? req->method : req->body ? "POST" : "GET";
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
    if (req->timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    if (req->connect_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    if (req->user_agent)
        curl_easy_setopt(h, CURLOPT_USERAGENT, req->user_agent);
    if (req->accept_encoding)
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (body) {
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, buf_write_callback);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    } else {
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    }
    if (req->capture_count) {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, header_ctx);
    }
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    } else if (strcmp(method, "PUT") == 0 && req->body) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, upload);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
}

weir_status_t http_request(http_client_t *client, const http_request_t *req, weir_buf_t *body,
                           http_response_t *response)
{
    memset(response, 0, sizeof *response);
    CURL *h = client ? client->curl : new_handle();
    if (!h) {
        snprintf(response->error, sizeof response->error, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    if (client)
        curl_easy_reset(h); /* keeps the connection, drops the previous request's options */
    struct curl_slist *headers = NULL;
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; i < req->header_count && result == WEIR_OK; i++) {
        struct curl_slist *grown = curl_slist_append(headers, req->headers[i]);
        if (grown)
            headers = grown;
        else
            result = WEIR_ERR_NOMEM;
    }
    if (result != WEIR_OK) {
        snprintf(response->error, sizeof response->error, "out of memory");
    } else {
        if (body)
            buf_reset(body);
        header_ctx_t header_ctx = {req, response, NULL};
        upload_t upload = {req->body, req->body_len, 0};
        set_options(h, req, headers, body, &header_ctx, &upload);
        CURLcode code = curl_easy_perform(h);
        if (code == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response->status);
        } else {
            response->status = 0;
            memset(response->captured, 0, sizeof response->captured);
            if (header_ctx.too_long)
                snprintf(response->error, sizeof response->error, "the response header %.100s is longer than %d bytes",
                         header_ctx.too_long, HTTP_CAPTURE_VALUE_MAX);
            else if (code == CURLE_WRITE_ERROR && body)
                snprintf(response->error, sizeof response->error, "response larger than %zu bytes", body->limit);
            else
                snprintf(response->error, sizeof response->error, "%s", curl_easy_strerror(code));
            result = header_ctx.too_long ? WEIR_ERR_INVALID : WEIR_ERR_UNAVAILABLE;
        }
        /* Headers may carry credentials: drop them from curl's copy now, not at the next reset. */
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    }
    curl_slist_free_all(headers);
    if (!client)
        curl_easy_cleanup(h);
    return result;
}
