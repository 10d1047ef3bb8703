/* http_spec.h — a source_http object's stored spec bound once into typed structs (spec_bind), with
 * the maps (headers, query) the binder does not cover read alongside. */
#ifndef WEIR_HTTP_SPEC_H
#define WEIR_HTTP_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "status.h"

typedef enum {
    HTTP_PAGE_NONE,
    HTTP_PAGE_NEXT_CURSOR,
    HTTP_PAGE_NEXT_URL,
    HTTP_PAGE_LINK_HEADER,
    HTTP_PAGE_NUMBER,
    HTTP_PAGE_OFFSET,
} http_page_type_t;

typedef enum { HTTP_CURSOR_UNIX, HTTP_CURSOR_TIMESTAMP, HTTP_CURSOR_INTEGER } http_cursor_type_t;

typedef struct {
    char *type;
    long long max_pages;
    double page_size;
    bool has_page_size;
    char *size_param, *cursor_param, *id_field, *next_cursor, *has_more, *next_url, *page_param, *offset_param;
    long long start_page;
    http_page_type_t kind; /* from `type` */
} http_paginator_t;

typedef struct {
    char *pointer;
    char *name;
    char *type; /* "text", "bigint", "numeric", "boolean", "timestamptz", "jsonb" */
} http_column_t;

typedef struct stripe_kind stripe_kind_t; /* stripe_preset.h */

typedef struct {
    char *name;
    char *path;
    char *records;
    char **primary_key;
    size_t key_count;
    char *cursor;
    char *cursor_type_text;
    char *incremental_param;
    char *end_param;
    char *window;
    long long window_seconds;
    bool keep_raw;
    http_paginator_t *paginator; /* NULL: one page */
    http_column_t *columns;
    size_t column_count;
    const json_t *query;            /* object of strings, borrowed from http_spec_t.doc; may be NULL */
    http_cursor_type_t cursor_type; /* from cursor_type_text */
    const stripe_kind_t *stripe;    /* the preset entry a preset resource was filled from; NULL otherwise */
    bool hard_delete;               /* preset resources: deleted objects leave the target */
} http_resource_t;

/* Options of preset = "stripe" (the `stripe` block). */
typedef struct {
    char **resources; /* NULL: all */
    size_t resource_count;
    char *start_date;
    char *window;
    long long window_seconds;
    char **hard_deletes;
    size_t hard_delete_count;
} http_stripe_t;

typedef struct {
    json_t *doc; /* the parsed spec (owned): query and headers borrow from it */
    arena_t arena;
    char *name;
    char *base_url;
    char *bearer_token_ref, *basic_user, *password_ref, *api_key_ref, *api_key_header, *api_key_param;
    char *ca_cert;
    double requests_per_second;
    bool has_rate;
    long long max_attempts;
    char *timeout;
    long long timeout_seconds;
    http_resource_t *resources; /* the declared blocks, then (with a preset) the preset's own */
    size_t resource_count;
    char *preset;          /* "stripe" or NULL */
    http_stripe_t *stripe; /* NULL without the block */
    const json_t *headers; /* object of strings, borrowed from doc; may be NULL */
} http_spec_t;

/* Binds spec JSON (validated by the agent at apply) into `out`. Frees with http_spec_free. */
weir_status_t http_spec_parse(const char *spec_json, http_spec_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void http_spec_free(http_spec_t *spec);

/* The resource named `name`, or NULL. */
const http_resource_t *http_spec_resource(const http_spec_t *spec, const char *name);

/* The column name the cursor lands in: the declared column with the cursor's pointer, else the
 * top-level field the pointer names ("/created" → "created"); NULL without a cursor. */
const char *http_resource_cursor_column(const http_resource_t *resource);

#endif
