/* http_rows.h — JSON records as staged rows. The column set of a batch is fixed when its first page
 * with records arrives: the declared `column` blocks, then the primary-key and cursor columns, then every other
 * top-level field any record of the first page has (nested objects and arrays as jsonb), then `_raw`
 * when the resource keeps it. A field first seen on a later page is not a column of this batch (it
 * is counted and reported; declare a column block or keep_raw to load it). Types use PostgreSQL's
 * names (text, bigint, numeric, boolean, timestamptz, jsonb), which the destination maps. */
#ifndef WEIR_HTTP_ROWS_H
#define WEIR_HTTP_ROWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http_spec.h"
#include "stage_writer.h"
#include "status.h"

typedef enum {
    HTTP_VALUE_TEXT,
    HTTP_VALUE_BIGINT,
    HTTP_VALUE_NUMERIC,
    HTTP_VALUE_BOOLEAN,
    HTTP_VALUE_TIMESTAMPTZ,
    HTTP_VALUE_JSONB
} http_value_type_t;

typedef struct {
    size_t count;
    char **names;    /* owned */
    char **types;    /* owned, PostgreSQL type names */
    char **pointers; /* owned, JSON pointer within the record; NULL for `_raw` (the whole record) */
    http_value_type_t *kinds;
    uint64_t unplaced; /* values of fields that are not columns of this batch */
    char first_unplaced[64];
} http_columns_t;

/* Decides the columns from the resource and the first page's records (may be empty). */
weir_status_t http_columns_plan(const http_resource_t *resource, const json_t *records, http_columns_t *out,
                                weir_err_t *err) WEIR_MUSTCHECK;
void http_columns_free(http_columns_t *columns);

/* Writes `record` as one row of `columns` into `writer` (only the fields the writer keeps), using
 * `scratch` for formatting. A value that does not fit its column's type fails with the column and
 * the record's key named. */
weir_status_t http_row_write(http_columns_t *columns, const http_resource_t *resource, const json_t *record,
                             stage_writer_t *writer, weir_buf_t *scratch, weir_err_t *err) WEIR_MUSTCHECK;

/* Seconds since the epoch as PostgreSQL timestamptz text ("2024-05-01 12:00:00+00"). */
void http_format_timestamptz(double epoch, char *out, size_t size);

#endif
