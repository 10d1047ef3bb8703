/* http_cursor.h — the cursor of an HTTP resource: the query-parameter values a watermark or a
 * backfill bound becomes, and the largest cursor value seen (the next watermark). A unix_time
 * watermark is kept as the integer text of the seconds ("1714557600"), a timestamp watermark as the
 * API's own text of the largest value, an integer one as its decimal text. */
#ifndef WEIR_HTTP_CURSOR_H
#define WEIR_HTTP_CURSOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http_spec.h"

/* `value` (a watermark, or a backfill bound: an integer, a date or a timestamp) minus
 * `minus_seconds` as the API expects it for a cursor of `type`: Unix seconds, RFC 3339 UTC text
 * ("2024-05-01T12:00:00Z") or the integer itself (integers ignore the offset). False when `value`
 * cannot be read as that type. */
bool http_cursor_param(http_cursor_type_t type, const char *value, long long minus_seconds, char *out, size_t size);

/* Seconds since the epoch of `value` for a time cursor (Unix seconds or timestamp text). */
bool http_cursor_epoch(http_cursor_type_t type, const char *value, double *epoch);

typedef struct {
    http_cursor_type_t type;
    bool has;
    double order;      /* a timestamp cursor: the largest value's epoch seconds */
    json_int_t number; /* an integer or Unix-seconds cursor: the largest value, compared exactly */
    char text[128];    /* its watermark text */
} http_cursor_max_t;

/* Offers one record's cursor value; values of the wrong kind are ignored and counted by the caller
 * (false). */
bool http_cursor_offer(http_cursor_max_t *max, const json_t *value);

#endif
