/* http_pager.h — the paginators of the HTTP source as one state machine: from a page (its body,
 * records and Link header) to the next request, with a hard page cap and loop detection (a position
 * seen before is an error, never an endless listing). Library-like: returns errors, never logs. */
#ifndef WEIR_HTTP_PAGER_H
#define WEIR_HTTP_PAGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http_spec.h"
#include "status.h"

/* Room for a next-page URL or token. Stripe ids are ~30 bytes, but a cursor-paged API's next URL
 * carries an opaque token (1-2 KiB in a GitHub or Shopify Link header): as much room as a captured
 * Link header has (HTTP_CAPTURE_VALUE_MAX). A longer one fails the run rather than being cut. */
#define HTTP_PAGER_TOKEN 8192

typedef struct {
    const http_paginator_t *spec; /* borrowed; NULL: one page */
    long long pages;              /* pages read so far */
    long long page_number;        /* page_number: the current page's number */
    long long offset;             /* offset_limit: the current page's offset */
    bool done;
    bool has_token;               /* next_cursor: `token` goes in cursor_param */
    bool has_url;                 /* next_url, link_header: the next request is `token` as a URL */
    char token[HTTP_PAGER_TOKEN]; /* the next position */
    uint64_t *seen;               /* hashes of positions used, one per page (owned) */
    json_t *first;                /* page_number, offset_limit: the last page's first record (owned),
                                      to tell an API that ignores the position */
    size_t seen_count, seen_cap;
} http_pager_t;

void http_pager_start(http_pager_t *pager, const http_paginator_t *spec);
void http_pager_free(http_pager_t *pager);

/* Query parameters the paginator adds to the current request (not for a followed URL): calls
 * `add(ctx, name, value)` for each. */
void http_pager_params(const http_pager_t *pager, void (*add)(void *ctx, const char *name, const char *value),
                       void *ctx);

/* Moves past the page just read: sets done, or the next position. WEIR_ERR_INVALID with `err` when the
 * page cap is reached, a position repeats, or a next value is of the wrong kind or too long;
 * `link` is the Link header ("" when absent). */
weir_status_t http_pager_advance(http_pager_t *pager, const json_t *body, const json_t *records, const char *link,
                                 weir_err_t *err) WEIR_MUSTCHECK;

#endif
