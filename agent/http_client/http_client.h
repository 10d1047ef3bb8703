/* http_client.h — the agent's one libcurl request: method, URL, headers, body, a capped response
 * buffer, timeouts, TLS verification always on (optionally against a custom CA bundle), and the
 * status, body and selected response headers back. Callers keep their own retry policies: this
 * makes exactly one exchange. Callers never include <curl/curl.h>. */
#ifndef WEIR_HTTP_CLIENT_H
#define WEIR_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "status.h"

/* Response headers a caller may ask for, and the room for each value. Most worth acting on
 * (Retry-After, an ETag, a request id) are short, but a Link header of a cursor-paged API carries
 * whole URLs with opaque tokens (1-2 KiB at GitHub or Shopify): 8 KiB leaves room for those. A
 * longer value is never cut (a cut URL would be followed): the request fails naming the header. */
#define HTTP_CAPTURE_MAX 4
#define HTTP_CAPTURE_VALUE_MAX 8192
#define HTTP_CAPTURE_VALUE (HTTP_CAPTURE_VALUE_MAX + 1)

/* A reusable connection (keep-alive across requests to the same host); one thread at a time. */
typedef struct http_client http_client_t;

typedef struct {
    const char *method; /* "GET", "POST", "PUT"; NULL: GET, or POST when there is a body */
    const char *url;
    const char *const *headers; /* "Name: value" lines; "Name:" removes one curl would add */
    size_t header_count;
    const void *body; /* sent as is; NULL sends none (a PUT without a body is empty) */
    size_t body_len;
    long timeout_ms;            /* whole exchange; 0: no limit */
    long connect_timeout_ms;    /* 0: curl's default */
    const char *ca_file;        /* PEM bundle to verify the server against; NULL: the system's */
    const char *user_agent;     /* NULL: none */
    bool accept_encoding;       /* offer every encoding curl decodes (gzip, ...) */
    const char *const *capture; /* response header names to return (case-insensitive) */
    size_t capture_count;       /* at most HTTP_CAPTURE_MAX */
} http_request_t;

typedef struct {
    long status;                                         /* 0 when no response arrived */
    char captured[HTTP_CAPTURE_MAX][HTTP_CAPTURE_VALUE]; /* values of request.capture, "" if absent */
    char error[256];                                     /* why there was no response: curl's one-line reason */
} http_response_t;

/* Returns a new client in *out; the caller frees it with http_client_free. */
weir_status_t http_client_new(http_client_t **out) WEIR_MUSTCHECK;
void http_client_free(http_client_t *client);

/* One exchange. Borrows everything it is given (request, its strings and body, the body buffer)
 * only for the call. `body` receives the response body up to its own limit (NULL discards it); a body
 * over the limit is a transport failure. Returns WEIR_OK when a response arrived, whatever its
 * status; WEIR_ERR_UNAVAILABLE with response->error when none did (connection, TLS, timeout,
 * oversized body); WEIR_ERR_INVALID with response->error naming the header when a captured header's
 * value is longer than HTTP_CAPTURE_VALUE_MAX (the transfer is abandoned, status 0, nothing captured);
 * WEIR_ERR_NOMEM. `client` NULL uses a one-off connection. */
weir_status_t http_request(http_client_t *client, const http_request_t *request, weir_buf_t *body,
                           http_response_t *response) WEIR_MUSTCHECK;

#endif
