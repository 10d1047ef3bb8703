/* json_pointer.h — RFC 6901 JSON pointers evaluated on jansson values, and the page body parser of
 * the HTTP source: a body parsed once, its records array found by a pointer. Self-contained (jansson
 * only) so the fuzz targets reach it without the agent. */
#ifndef WEIR_JSON_POINTER_H
#define WEIR_JSON_POINTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether `pointer` is "" or "/"-separated tokens where '~' appears only as "~0" or "~1". */
bool json_pointer_valid(const char *pointer);

/* The value `pointer` selects in `root` (borrowed from root), or NULL when a step is missing, an
 * array index is not a plain decimal within bounds, or the pointer is invalid. "" selects root. */
const json_t *json_pointer_get(const json_t *root, const char *pointer);

/* Page bodies larger than this are refused: a page of 100 Stripe objects is well under 1 MiB, and
 * the bound keeps one page's parse (body + jansson tree, about 5x) within the agent's memory budget. */
#define HTTP_PAGE_MAX_BYTES (16u * 1024u * 1024u)

/* Parses `len` bytes of `body` as one JSON document (nesting is bounded by jansson) and finds the
 * array of records at `records_pointer`. Returns the document (new; *records borrows from it) or
 * NULL with `why` saying what was wrong (not JSON, no array there), never quoting the body. */
json_t *http_page_parse(const char *body, size_t len, const char *records_pointer, const json_t **records, char *why,
                        size_t why_size);

/* The URL of the `rel="next"` entry of a Link header value, into `out`; false when there is none or
 * it does not fit. */
bool http_link_next(const char *header, char *out, size_t size);

#endif
