/* http_pager.c — next-cursor, next-URL, Link-header, page-number and offset/limit paging. */
#include "http_pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_pointer.h"

void http_pager_start(http_pager_t *pager, const http_paginator_t *spec)
{
    memset(pager, 0, sizeof *pager);
    pager->spec = spec && spec->kind != HTTP_PAGE_NONE ? spec : NULL;
    pager->page_number = spec ? spec->start_page : 1;
}

void http_pager_free(http_pager_t *pager)
{
    free(pager->seen);
    pager->seen = NULL;
    json_decref(pager->first);
    pager->first = NULL;
    pager->seen_count = pager->seen_cap = 0;
}

void http_pager_params(const http_pager_t *pager, void (*add)(void *ctx, const char *name, const char *value),
                       void *ctx)
{
    const http_paginator_t *spec = pager->spec;
    if (!spec || pager->has_url)
        return;
    char number[32];
    if (spec->has_page_size) {
        snprintf(number, sizeof number, "%lld", (long long)spec->page_size);
        add(ctx, spec->size_param, number);
    }
    if (spec->kind == HTTP_PAGE_NEXT_CURSOR && pager->has_token)
        add(ctx, spec->cursor_param, pager->token);
    else if (spec->kind == HTTP_PAGE_NUMBER) {
        snprintf(number, sizeof number, "%lld", pager->page_number);
        add(ctx, spec->page_param, number);
    } else if (spec->kind == HTTP_PAGE_OFFSET) {
        snprintf(number, sizeof number, "%lld", pager->offset);
        add(ctx, spec->offset_param, number);
    }
}

static uint64_t fnv1a(const char *text)
{
    uint64_t hash = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return hash;
}

/* Records `token` as the next position; a position used before means the API is going round. */
static weir_status_t next_position(http_pager_t *pager, const char *token, bool is_url, weir_err_t *err)
{
    if (strlen(token) >= sizeof pager->token) {
        weir_err_set(err, "the next-page %s is %zu bytes, over the %d-byte limit", is_url ? "URL" : "cursor",
                     strlen(token), HTTP_PAGER_TOKEN - 1);
        return WEIR_ERR_INVALID;
    }
    uint64_t hash = fnv1a(token);
    for (size_t i = 0; i < pager->seen_count; i++)
        if (pager->seen[i] == hash) {
            weir_err_set(err, "the API returned the same next-page %s twice after %lld pages (a paging loop)",
                         is_url ? "URL" : "cursor", pager->pages);
            return WEIR_ERR_INVALID;
        }
    if (pager->seen_count == pager->seen_cap) {
        size_t cap = pager->seen_cap ? pager->seen_cap * 2 : 64;
        uint64_t *grown = realloc(pager->seen, cap * sizeof *grown);
        if (!grown) {
            weir_err_set(err, "out of memory");
            return WEIR_ERR_NOMEM;
        }
        pager->seen = grown;
        pager->seen_cap = cap;
    }
    pager->seen[pager->seen_count++] = hash;
    snprintf(pager->token, sizeof pager->token, "%s", token);
    if (is_url)
        pager->has_url = true;
    else
        pager->has_token = true;
    return WEIR_OK;
}

/* A string or an integer as position text; false for anything else. */
static bool position_text(const json_t *value, char *out, size_t size)
{
    if (json_is_string(value) && json_string_length(value) > 0) {
        snprintf(out, size, "%s", json_string_value(value));
        return json_string_length(value) < size;
    }
    if (json_is_integer(value)) {
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return true;
    }
    return false;
}

static weir_status_t advance_cursor(http_pager_t *pager, const json_t *body, const json_t *records, weir_err_t *err)
{
    const http_paginator_t *spec = pager->spec;
    const json_t *more = spec->has_more ? json_pointer_get(body, spec->has_more) : NULL;
    if ((more && !json_is_true(more)) || json_array_size(records) == 0) {
        pager->done = true;
        return WEIR_OK;
    }
    const json_t *next = spec->next_cursor
        ? json_pointer_get(body, spec->next_cursor)
        : json_pointer_get(json_array_get(records, json_array_size(records) - 1), spec->id_field);
    char token[HTTP_PAGER_TOKEN + 1];
    if (spec->next_cursor && json_is_null(next) && !more) {
        pager->done = true; /* an API that ends with "next_cursor": null */
        return WEIR_OK;
    }
    if (!position_text(next, token, sizeof token)) {
        weir_err_set(err, "the page has more records but no next cursor at \"%s\" (a string or an integer)",
                     spec->next_cursor ? spec->next_cursor : spec->id_field);
        return WEIR_ERR_INVALID;
    }
    return next_position(pager, token, false, err);
}

/* Numbered pages have no position to compare: a page that starts with the record the previous page
 * started with means the API ignores the page parameter. */
static weir_status_t same_page(http_pager_t *pager, const json_t *records, weir_err_t *err)
{
    const json_t *first = json_array_get(records, 0);
    if (first && pager->first && json_equal(first, pager->first)) {
        weir_err_set(err,
                     "page %lld starts with the same record as the page before (the API ignores the %s "
                     "parameter: a paging loop)",
                     pager->pages, pager->spec->kind == HTTP_PAGE_NUMBER ? "page" : "offset");
        return WEIR_ERR_INVALID;
    }
    json_decref(pager->first);
    pager->first = first ? json_deep_copy(first) : NULL;
    if (first && !pager->first) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    return WEIR_OK;
}

/* Room for the whole header, so http_link_next never fails for length: a next URL too long for the
 * pager is refused by next_position, never taken for the end of the listing. */
static weir_status_t advance_link(http_pager_t *pager, const char *link, weir_err_t *err)
{
    size_t size = link ? strlen(link) + 1 : 1;
    char *url = malloc(size);
    if (!url) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    weir_status_t result = WEIR_OK;
    if (link && http_link_next(link, url, size))
        result = next_position(pager, url, true, err);
    else
        pager->done = true;
    free(url);
    return result;
}

weir_status_t http_pager_advance(http_pager_t *pager, const json_t *body, const json_t *records, const char *link,
                                 weir_err_t *err)
{
    const http_paginator_t *spec = pager->spec;
    pager->pages++;
    pager->has_token = pager->has_url = false;
    if (!spec) {
        pager->done = true;
        return WEIR_OK;
    }
    size_t count = json_array_size(records);
    weir_status_t result = WEIR_OK;
    switch (spec->kind) {
    case HTTP_PAGE_NONE:
        pager->done = true;
        break;
    case HTTP_PAGE_NEXT_CURSOR:
        result = advance_cursor(pager, body, records, err);
        break;
    case HTTP_PAGE_NEXT_URL: {
        const json_t *next = json_pointer_get(body, spec->next_url);
        if (!next || json_is_null(next) || (json_is_string(next) && json_string_length(next) == 0))
            pager->done = true;
        else if (!json_is_string(next)) {
            weir_err_set(err, "the next-page URL at \"%s\" is not a string", spec->next_url);
            result = WEIR_ERR_INVALID;
        } else
            result = next_position(pager, json_string_value(next), true, err);
        break;
    }
    case HTTP_PAGE_LINK_HEADER:
        result = advance_link(pager, link, err);
        break;
    case HTTP_PAGE_NUMBER:
    case HTTP_PAGE_OFFSET:
        result = same_page(pager, records, err);
        break;
    }
    if (result == WEIR_OK && spec->kind == HTTP_PAGE_NUMBER) {
        pager->page_number++;
        pager->done = count == 0 || (spec->has_page_size && count < (size_t)spec->page_size);
    } else if (result == WEIR_OK && spec->kind == HTTP_PAGE_OFFSET) {
        pager->offset += (long long)count;
        pager->done = count == 0 || count < (size_t)spec->page_size;
    }
    if (result == WEIR_OK && !pager->done && pager->pages >= spec->max_pages) {
        weir_err_set(err, "the listing has more than max_pages = %lld pages; raise max_pages or narrow the window",
                     spec->max_pages);
        result = WEIR_ERR_INVALID;
    }
    return result;
}
