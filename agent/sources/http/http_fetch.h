/* http_fetch.h — one page of an HTTP source: the source's credentials on the request, its rate
 * limit, retries of 429, 5xx, timeouts and broken bodies with backoff, and every other answer
 * classified (401/403 WEIR_ERR_AUTH, other 4xx WEIR_ERR_INVALID, a Link or other captured header
 * longer than HTTP_CAPTURE_VALUE_MAX WEIR_ERR_INVALID naming it) with the URL's path, the status and
 * the API's own message. Secrets never appear in what it reports: URLs are shown without the API-key
 * parameter and messages are scrubbed of the credentials' values. */
#ifndef WEIR_HTTP_FETCH_H
#define WEIR_HTTP_FETCH_H

#include <jansson.h>

#include "http_client.h"
#include "http_spec.h"
#include "status.h"

typedef struct {
    const http_spec_t *spec; /* borrowed for the fetcher's life */
    http_client_t *client;
    char *auth_header; /* "Authorization: …" or "<api_key_header>: …" (owned, wiped), NULL: none */
    char *api_key;     /* for api_key_param (owned, wiped), NULL: none */
    char *secrets[2];  /* values scrubbed from reported messages (borrowed from the two above) */
    char origin[256];  /* scheme://host[:port] of base_url: followed URLs must stay on it */
    char rate_key[320];
    uint64_t requests; /* requests sent, retries included */
} http_fetcher_t;

/* Resolves the spec's secret references (WEIR_ERR_AUTH naming the reference when one cannot be). */
weir_status_t http_fetcher_open(const http_spec_t *spec, http_fetcher_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void http_fetcher_close(http_fetcher_t *fetcher);

/* The origin of `url` ("https://host:port"), into `out`; false when it is not an http(s) URL. */
bool http_url_origin(const char *url, char *out, size_t size);

/* Fetches `url` (built without the API-key parameter, which this adds) and parses it as a page:
 * returns the document (new) with *records borrowed from it, and the Link header in `link`. NULL
 * with err on failure, classified as above. */
json_t *http_fetch_page(http_fetcher_t *fetcher, const char *url, const char *records_pointer, const json_t **records,
                        char link[HTTP_CAPTURE_VALUE], weir_status_t *status, weir_err_t *err);

/* Percent-encodes `text` as a query component onto `out` (RFC 3986 unreserved characters stay). */
weir_status_t http_query_append(weir_buf_t *out, const char *name, const char *value) WEIR_MUSTCHECK;

#endif
