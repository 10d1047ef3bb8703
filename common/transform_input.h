/* transform_input.h — one entry of a weir_transform's `inputs`: a pipeline table written
 * `<pipeline>/<table>` (the table as the pipeline's table block names it, e.g.
 * `payments/public.orders`), or another transform written by its name. Object names hold no '/',
 * so the two forms never overlap; both are written as references in HCL
 * (`"${weir_pipeline.p.name}/public.orders"`, `weir_transform.t.name`) so OpenTofu orders them. */
#ifndef WEIR_TRANSFORM_INPUT_H
#define WEIR_TRANSFORM_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "ident.h"

/* Object names are at most 63 bytes (spec SV_NAME); a table adds its schema and quoting. */
#define TRANSFORM_INPUT_NAME_SIZE 64
#define TRANSFORM_INPUT_TABLE_SIZE 300

typedef struct {
    bool is_table;                          /* a pipeline table; else a transform */
    char object[TRANSFORM_INPUT_NAME_SIZE]; /* the pipeline's or the transform's name */
    char table[TRANSFORM_INPUT_TABLE_SIZE]; /* the table as written, "" for a transform */
    pg_table_name_t table_name;             /* resolved by PostgreSQL's rules */
} transform_input_t;

/* False with a reason in `why` when `text` is neither form. */
bool transform_input_parse(const char *text, transform_input_t *out, char *why, size_t why_size);

#endif
