/* spec_bind.c — the table-driven binder from spec JSON to typed structs. */
#include "spec_bind.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool type_matches(bind_type_t bind, spec_type_t spec)
{
    switch (bind) {
    case BIND_TEXT:
    case BIND_DURATION:
        return spec == ST_STRING;
    case BIND_INT:
    case BIND_NUMBER:
        return spec == ST_NUMBER;
    case BIND_BOOL:
        return spec == ST_BOOL;
    case BIND_TEXTS:
        return spec == ST_LIST_STRING || spec == ST_SET_STRING;
    case BIND_BLOCKS:
        return spec == ST_BLOCK_LIST;
    case BIND_BLOCK:
        return spec == ST_BLOCK_SINGLE;
    }
    return false;
}

weir_status_t spec_bind_check(const bind_table_t *table, const spec_block_t *block, weir_err_t *err)
{
    for (size_t i = 0; i < table->count; i++) {
        const bind_field_t *field = &table->fields[i];
        const spec_attr_t *attr = spec_block_attr(block, field->attr);
        if (!attr || !type_matches(field->type, attr->type)) {
            weir_err_set(err, "%s.%s is bound as a type its spec table does not declare", table->what, field->attr);
            return WEIR_ERR_INTERNAL;
        }
        if (field->type == BIND_BLOCKS || field->type == BIND_BLOCK) {
            weir_status_t result = spec_bind_check(field->nested, attr->block, err);
            if (result != WEIR_OK)
                return result;
        }
    }
    return WEIR_OK;
}

/* The stored value, or the attribute's default when it is missing or null (owned by `*owned`). */
static const json_t *value_or_default(const json_t *object, const spec_attr_t *attr, json_t **owned)
{
    *owned = NULL;
    const json_t *value = json_object_get(object, attr->name);
    if (value && !json_is_null(value))
        return value;
    if (attr->default_json)
        *owned = json_loads(attr->default_json, JSON_DECODE_ANY, NULL);
    return *owned;
}

static weir_status_t bind_texts(const json_t *value, arena_t *arena, char ***items, size_t *count)
{
    size_t n = json_array_size(value);
    char **list = ARENA_ARRAY(arena, char *, n);
    if (!list)
        return WEIR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *text = json_string_value(json_array_get(value, i));
        if (!text)
            return WEIR_ERR_INVALID;
        list[i] = arena_strdup(arena, text);
    }
    *items = list;
    *count = n;
    return arena->failed ? WEIR_ERR_NOMEM : WEIR_OK;
}

static weir_status_t bind_blocks(const bind_field_t *field, const spec_attr_t *attr, const json_t *value,
                                 arena_t *arena, char *base, const char *name, weir_err_t *err)
{
    size_t n = json_array_size(value);
    char *items = arena_alloc(arena, field->nested->struct_size * (n ? n : 1));
    if (!items) {
        weir_err_set(err, "%s: out of memory", name);
        return WEIR_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        char label[300];
        snprintf(label, sizeof label, "%s: %s[%zu]", name, field->attr, i);
        weir_status_t result = spec_bind(field->nested, attr->block, json_array_get(value, i), arena,
                                         items + i * field->nested->struct_size, label, err);
        if (result != WEIR_OK)
            return result;
    }
    *(void **)(base + field->offset) = items;
    *(size_t *)(base + field->aux) = n;
    return WEIR_OK;
}

/* A single nested block: stored as an object (or a one-element list, as tofu sends it). */
static weir_status_t bind_block(const bind_field_t *field, const spec_attr_t *attr, const json_t *value, arena_t *arena,
                                char *base, const char *name, weir_err_t *err)
{
    if (json_is_array(value))
        value = json_array_get(value, 0);
    if (!value || json_is_null(value))
        return WEIR_OK;
    void *item = arena_alloc(arena, field->nested->struct_size);
    if (!item) {
        weir_err_set(err, "%s: out of memory", name);
        return WEIR_ERR_NOMEM;
    }
    char label[300];
    snprintf(label, sizeof label, "%s: %s", name, field->attr);
    weir_status_t result = spec_bind(field->nested, attr->block, value, arena, item, label, err);
    if (result == WEIR_OK)
        *(void **)(base + field->offset) = item;
    return result;
}

static weir_status_t bind_field(const bind_field_t *field, const spec_attr_t *attr, const json_t *value, arena_t *arena,
                                char *base, const char *name, weir_err_t *err)
{
    bool ok = true;
    switch (field->type) {
    case BIND_TEXT:
    case BIND_DURATION:
        ok = json_is_string(value);
        if (ok)
            *(char **)(base + field->offset) = arena_strdup(arena, json_string_value(value));
        if (ok && field->type == BIND_DURATION)
            ok = spec_duration_seconds(json_string_value(value), (long long *)(base + field->aux));
        break;
    case BIND_INT:
        /* Whole numbers only: a fraction or an out-of-range value is refused, never truncated. */
        ok = json_is_integer(value) ||
            (json_is_real(value) && json_real_value(value) == (double)(long long)json_real_value(value) &&
             fabs(json_real_value(value)) < 9007199254740992.0 /* 2^53: exact in a double */);
        if (ok)
            *(long long *)(base + field->offset) =
                json_is_integer(value) ? (long long)json_integer_value(value) : (long long)json_real_value(value);
        break;
    case BIND_NUMBER:
        ok = json_is_number(value);
        if (ok) {
            *(double *)(base + field->offset) = json_number_value(value);
            *(bool *)(base + field->aux) = true;
        }
        break;
    case BIND_BOOL:
        ok = json_is_boolean(value);
        if (ok)
            *(bool *)(base + field->offset) = json_is_true(value);
        break;
    case BIND_TEXTS:
        ok = json_is_array(value) &&
            bind_texts(value, arena, (char ***)(base + field->offset), (size_t *)(base + field->aux)) == WEIR_OK;
        break;
    case BIND_BLOCKS:
        if (!json_is_array(value))
            ok = false;
        else
            return bind_blocks(field, attr, value, arena, base, name, err);
        break;
    case BIND_BLOCK:
        return bind_block(field, attr, value, arena, base, name, err);
    }
    if (arena->failed) {
        weir_err_set(err, "%s: out of memory", name);
        return WEIR_ERR_NOMEM;
    }
    if (!ok) {
        weir_err_set(err, "%s: stored %s is not a valid %s", name, attr->name,
                     field->type == BIND_DURATION  ? "duration"
                         : field->type == BIND_INT ? "whole number"
                                                   : "value of its type");
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

weir_status_t spec_bind(const bind_table_t *table, const spec_block_t *block, const json_t *object, arena_t *arena,
                        void *out, const char *name, weir_err_t *err)
{
    memset(out, 0, table->struct_size);
    if (!json_is_object(object)) {
        weir_err_set(err, "%s: the stored spec is not an object", name);
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = spec_bind_check(table, block, err);
    for (size_t i = 0; result == WEIR_OK && i < table->count; i++) {
        const bind_field_t *field = &table->fields[i];
        const spec_attr_t *attr = spec_block_attr(block, field->attr);
        json_t *owned;
        const json_t *value = value_or_default(object, attr, &owned);
        if (value)
            result = bind_field(field, attr, value, arena, out, name, err);
        json_decref(owned);
    }
    return result;
}
