/* http_spec.c — binds a source_http spec (common/spec_kinds.c) into http_spec_t. */
#include "http_spec.h"

#include <string.h>

#include "spec.h"
#include "spec_bind.h"
#include "stripe_preset.h"

static const bind_field_t paginator_fields[] = {
    {"type", BIND_TEXT, offsetof(http_paginator_t, type), 0, NULL},
    {"max_pages", BIND_INT, offsetof(http_paginator_t, max_pages), 0, NULL},
    {"page_size", BIND_NUMBER, offsetof(http_paginator_t, page_size), offsetof(http_paginator_t, has_page_size), NULL},
    {"size_param", BIND_TEXT, offsetof(http_paginator_t, size_param), 0, NULL},
    {"cursor_param", BIND_TEXT, offsetof(http_paginator_t, cursor_param), 0, NULL},
    {"id_field", BIND_TEXT, offsetof(http_paginator_t, id_field), 0, NULL},
    {"next_cursor", BIND_TEXT, offsetof(http_paginator_t, next_cursor), 0, NULL},
    {"has_more", BIND_TEXT, offsetof(http_paginator_t, has_more), 0, NULL},
    {"next_url", BIND_TEXT, offsetof(http_paginator_t, next_url), 0, NULL},
    {"page_param", BIND_TEXT, offsetof(http_paginator_t, page_param), 0, NULL},
    {"start_page", BIND_INT, offsetof(http_paginator_t, start_page), 0, NULL},
    {"offset_param", BIND_TEXT, offsetof(http_paginator_t, offset_param), 0, NULL},
};
static const bind_table_t paginator_binding = {"paginator", BIND_FIELDS(http_paginator_t, paginator_fields)};

static const bind_field_t column_fields[] = {
    {"pointer", BIND_TEXT, offsetof(http_column_t, pointer), 0, NULL},
    {"name", BIND_TEXT, offsetof(http_column_t, name), 0, NULL},
    {"type", BIND_TEXT, offsetof(http_column_t, type), 0, NULL},
};
static const bind_table_t column_binding = {"column", BIND_FIELDS(http_column_t, column_fields)};

static const bind_field_t resource_fields[] = {
    {"name", BIND_TEXT, offsetof(http_resource_t, name), 0, NULL},
    {"path", BIND_TEXT, offsetof(http_resource_t, path), 0, NULL},
    {"records", BIND_TEXT, offsetof(http_resource_t, records), 0, NULL},
    {"primary_key", BIND_TEXTS, offsetof(http_resource_t, primary_key), offsetof(http_resource_t, key_count), NULL},
    {"cursor", BIND_TEXT, offsetof(http_resource_t, cursor), 0, NULL},
    {"cursor_type", BIND_TEXT, offsetof(http_resource_t, cursor_type_text), 0, NULL},
    {"incremental_param", BIND_TEXT, offsetof(http_resource_t, incremental_param), 0, NULL},
    {"end_param", BIND_TEXT, offsetof(http_resource_t, end_param), 0, NULL},
    {"window", BIND_DURATION, offsetof(http_resource_t, window), offsetof(http_resource_t, window_seconds), NULL},
    {"keep_raw", BIND_BOOL, offsetof(http_resource_t, keep_raw), 0, NULL},
    {"paginator", BIND_BLOCK, offsetof(http_resource_t, paginator), 0, &paginator_binding},
    {"column", BIND_BLOCKS, offsetof(http_resource_t, columns), offsetof(http_resource_t, column_count),
     &column_binding},
};
static const bind_table_t resource_binding = {"resource", BIND_FIELDS(http_resource_t, resource_fields)};

static const bind_field_t stripe_fields[] = {
    {"resources", BIND_TEXTS, offsetof(http_stripe_t, resources), offsetof(http_stripe_t, resource_count), NULL},
    {"start_date", BIND_TEXT, offsetof(http_stripe_t, start_date), 0, NULL},
    {"window", BIND_DURATION, offsetof(http_stripe_t, window), offsetof(http_stripe_t, window_seconds), NULL},
    {"hard_deletes", BIND_TEXTS, offsetof(http_stripe_t, hard_deletes), offsetof(http_stripe_t, hard_delete_count),
     NULL},
};
static const bind_table_t stripe_binding = {"stripe", BIND_FIELDS(http_stripe_t, stripe_fields)};

static const bind_field_t source_fields[] = {
    {"name", BIND_TEXT, offsetof(http_spec_t, name), 0, NULL},
    {"base_url", BIND_TEXT, offsetof(http_spec_t, base_url), 0, NULL},
    {"bearer_token_ref", BIND_TEXT, offsetof(http_spec_t, bearer_token_ref), 0, NULL},
    {"basic_user", BIND_TEXT, offsetof(http_spec_t, basic_user), 0, NULL},
    {"password_ref", BIND_TEXT, offsetof(http_spec_t, password_ref), 0, NULL},
    {"api_key_ref", BIND_TEXT, offsetof(http_spec_t, api_key_ref), 0, NULL},
    {"api_key_header", BIND_TEXT, offsetof(http_spec_t, api_key_header), 0, NULL},
    {"api_key_param", BIND_TEXT, offsetof(http_spec_t, api_key_param), 0, NULL},
    {"ca_cert", BIND_TEXT, offsetof(http_spec_t, ca_cert), 0, NULL},
    {"requests_per_second", BIND_NUMBER, offsetof(http_spec_t, requests_per_second), offsetof(http_spec_t, has_rate),
     NULL},
    {"max_attempts", BIND_INT, offsetof(http_spec_t, max_attempts), 0, NULL},
    {"timeout", BIND_DURATION, offsetof(http_spec_t, timeout), offsetof(http_spec_t, timeout_seconds), NULL},
    {"resource", BIND_BLOCKS, offsetof(http_spec_t, resources), offsetof(http_spec_t, resource_count),
     &resource_binding},
    {"preset", BIND_TEXT, offsetof(http_spec_t, preset), 0, NULL},
    {"stripe", BIND_BLOCK, offsetof(http_spec_t, stripe), 0, &stripe_binding},
};
static const bind_table_t source_binding = {"source_http", BIND_FIELDS(http_spec_t, source_fields)};

static http_page_type_t page_type(const char *type)
{
    static const struct {
        const char *name;
        http_page_type_t kind;
    } types[] = {{"next_cursor", HTTP_PAGE_NEXT_CURSOR},
                 {"next_url", HTTP_PAGE_NEXT_URL},
                 {"link_header", HTTP_PAGE_LINK_HEADER},
                 {"page_number", HTTP_PAGE_NUMBER},
                 {"offset_limit", HTTP_PAGE_OFFSET}};
    for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i].name) == 0)
            return types[i].kind;
    return HTTP_PAGE_NONE;
}

static http_cursor_type_t cursor_type(const char *type)
{
    if (type && strcmp(type, "timestamp") == 0)
        return HTTP_CURSOR_TIMESTAMP;
    if (type && strcmp(type, "integer") == 0)
        return HTTP_CURSOR_INTEGER;
    return HTTP_CURSOR_UNIX;
}

weir_status_t http_spec_parse(const char *spec_json, http_spec_t *out, weir_err_t *err)
{
    /* spec_bind zeroes the struct it fills: keep the document and arena beside it. */
    http_spec_t spec;
    arena_init(&spec.arena);
    spec.doc = json_loads(spec_json, 0, NULL);
    const spec_kind_t *kind = spec_kind_by_kind("source_http");
    if (!spec.doc || !kind) {
        weir_err_set(err, "source_http spec is not JSON");
        json_decref(spec.doc);
        arena_free(&spec.arena);
        return WEIR_ERR_INVALID;
    }
    arena_t arena = spec.arena;
    json_t *doc = spec.doc;
    weir_status_t result = spec_bind(&source_binding, &kind->block, doc, &arena, &spec, "source_http", err);
    spec.arena = arena;
    spec.doc = doc;
    if (result != WEIR_OK) {
        http_spec_free(&spec);
        return result;
    }
    spec.headers = json_object_get(doc, "headers");
    const json_t *resources = json_object_get(doc, "resource");
    for (size_t r = 0; r < spec.resource_count; r++) {
        http_resource_t *resource = &spec.resources[r];
        resource->query = json_object_get(json_array_get(resources, r), "query");
        resource->cursor_type = cursor_type(resource->cursor_type_text);
        if (resource->paginator)
            resource->paginator->kind = page_type(resource->paginator->type);
    }
    if (spec.preset && strcmp(spec.preset, "stripe") == 0) {
        result = stripe_preset_expand(&spec, err);
        if (result != WEIR_OK) {
            http_spec_free(&spec);
            return result;
        }
    }
    *out = spec;
    return WEIR_OK;
}

void http_spec_free(http_spec_t *spec)
{
    json_decref(spec->doc);
    arena_free(&spec->arena);
    memset(spec, 0, sizeof *spec);
}

const http_resource_t *http_spec_resource(const http_spec_t *spec, const char *name)
{
    for (size_t r = 0; name && r < spec->resource_count; r++)
        if (strcmp(spec->resources[r].name, name) == 0)
            return &spec->resources[r];
    return NULL;
}

const char *http_resource_cursor_column(const http_resource_t *resource)
{
    if (!resource->cursor || !resource->cursor[0])
        return NULL;
    for (size_t c = 0; c < resource->column_count; c++)
        if (strcmp(resource->columns[c].pointer, resource->cursor) == 0)
            return resource->columns[c].name;
    return resource->cursor + 1; /* a top-level pointer (checked at plan time) names its field */
}
