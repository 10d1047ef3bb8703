/* pg_copy.h — parser for one row of PostgreSQL's COPY text format (tab-separated, \N for NULL,
 * backslash escapes). Self-contained: no libpq, no daemon headers. */
#ifndef WEIR_PG_COPY_H
#define WEIR_PG_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef struct {
    const char *data; /* borrowed: into the line, or into the row's scratch when unescaped */
    size_t len;
    bool is_null;
} copy_field_t;

/* Reused across rows so that steady-state parsing allocates nothing. */
typedef struct {
    copy_field_t *fields;
    size_t count;
    size_t fields_cap;
    char *scratch; /* decoded bytes of escaped fields */
    size_t scratch_cap;
} copy_row_t;

void copy_row_init(copy_row_t *row);
void copy_row_free(copy_row_t *row);

/* Parses `line` (one row, with or without its final '\n'). Fields that contain escapes are decoded
 * into the row's scratch; others point into `line`, which must outlive their use. Fails when the
 * row does not have exactly `expected_fields` fields (0 accepts any count) or an escape is cut short. */
weir_status_t copy_parse_row(copy_row_t *row, const char *line, size_t len, size_t expected_fields,
                             weir_err_t *err) WEIR_MUSTCHECK;

#endif
