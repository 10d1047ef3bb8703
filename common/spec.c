/* spec.c — walking the spec tables: lookups, conformance to a block, defaults, diagnostics. */
#include "spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const spec_kind_t *spec_kind_by_type(const char *type_name)
{
    for (size_t i = 0; i < spec_kind_count; i++)
        if (strcmp(spec_kinds[i]->type_name, type_name) == 0)
            return spec_kinds[i];
    return NULL;
}

const spec_kind_t *spec_kind_by_kind(const char *kind)
{
    for (size_t i = 0; i < spec_kind_count; i++)
        if (strcmp(spec_kinds[i]->kind, kind) == 0)
            return spec_kinds[i];
    return NULL;
}

const spec_attr_t *spec_block_attr(const spec_block_t *block, const char *name)
{
    for (size_t i = 0; i < block->count; i++)
        if (strcmp(block->attrs[i].name, name) == 0)
            return &block->attrs[i];
    return NULL;
}

void spec_diags_init(spec_diags_t *diags)
{
    memset(diags, 0, sizeof *diags);
}

void spec_diags_free(spec_diags_t *diags)
{
    free(diags->items);
    memset(diags, 0, sizeof *diags);
}

bool spec_diags_has_error(const spec_diags_t *diags)
{
    if (diags->oom)
        return true;
    for (size_t i = 0; i < diags->count; i++)
        if (diags->items[i].is_error)
            return true;
    return false;
}

void spec_diag_add(spec_diags_t *diags, bool is_error, const spec_step_t *path, int path_len, const char *summary,
                   const char *fmt, ...)
{
    if (diags->count == diags->cap) {
        size_t cap = diags->cap ? diags->cap * 2 : 8;
        spec_diag_t *items = realloc(diags->items, cap * sizeof *items);
        if (!items) {
            diags->oom = true;
            return;
        }
        diags->items = items;
        diags->cap = cap;
    }
    spec_diag_t *diag = &diags->items[diags->count++];
    memset(diag, 0, sizeof *diag);
    diag->is_error = is_error;
    snprintf(diag->summary, sizeof diag->summary, "%s", summary);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->detail, sizeof diag->detail, fmt, ap);
    va_end(ap);
    if (path_len > SPEC_MAX_PATH)
        path_len = SPEC_MAX_PATH;
    if (path_len > 0)
        memcpy(diag->path, path, (size_t)path_len * sizeof *path);
    diag->path_len = path_len;
}

void spec_path_format(const spec_step_t *path, int path_len, char *out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < path_len && used < size; i++) {
        int n;
        if (path[i].kind == PATH_ATTR)
            n = snprintf(out + used, size - used, "%s%s", i ? "." : "", path[i].name);
        else if (path[i].kind == PATH_INDEX)
            n = snprintf(out + used, size - used, "[%ld]", path[i].index);
        else
            n = snprintf(out + used, size - used, "[\"%s\"]", path[i].name);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

static int compare_strings(const void *a, const void *b)
{
    const wv_t *x = *(const wv_t *const *)a;
    const wv_t *y = *(const wv_t *const *)b;
    if (x->kind != WV_STRING || y->kind != WV_STRING)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->text, y->text);
}

static wv_t *conform_value(const spec_attr_t *attr, const wv_t *value, weir_err_t *err);

static wv_t *conform_scalar(const spec_attr_t *attr, const wv_t *value, weir_err_t *err)
{
    if (wv_is_null(value))
        return wv_null();
    if (value->kind == WV_UNKNOWN)
        return wv_unknown();
    switch (attr->type) {
    case ST_STRING:
        if (value->kind == WV_STRING)
            return wv_clone(value);
        if (value->kind == WV_NUMBER)
            return wv_string(value->text);
        if (value->kind == WV_BOOL)
            return wv_string(value->boolean ? "true" : "false");
        break;
    case ST_NUMBER:
        if (value->kind == WV_NUMBER)
            return wv_clone(value);
        if (value->kind == WV_STRING) {
            wv_t *number = wv_number_text(value->text);
            if (number)
                return number;
        }
        break;
    case ST_BOOL:
        if (value->kind == WV_BOOL)
            return wv_clone(value);
        if (value->kind == WV_STRING && strcmp(value->text, "true") == 0)
            return wv_bool(true);
        if (value->kind == WV_STRING && strcmp(value->text, "false") == 0)
            return wv_bool(false);
        break;
    default:
        break;
    }
    weir_err_set(err, "%s: wrong type of value", attr->name);
    return NULL;
}

static wv_t *conform_collection(const spec_attr_t *attr, const wv_t *value, weir_err_t *err)
{
    if (wv_is_null(value))
        return attr->type == ST_BLOCK_LIST ? wv_list() : wv_null();
    if (value->kind == WV_UNKNOWN)
        return wv_unknown();
    bool want_map = attr->type == ST_MAP_STRING;
    if ((want_map && value->kind != WV_MAP) || (!want_map && value->kind != WV_LIST)) {
        weir_err_set(err, "%s: expected %s", attr->name, want_map ? "a map" : "a list");
        return NULL;
    }
    static const spec_attr_t string_element = {.name = "element", .type = ST_STRING};
    wv_t *out = want_map ? wv_map() : wv_list();
    if (!out)
        return NULL;
    for (size_t i = 0; i < value->count; i++) {
        wv_t *item = attr->type == ST_BLOCK_LIST ? spec_conform(attr->block, value->items[i], err)
                                                 : conform_scalar(&string_element, value->items[i], err);
        weir_status_t result = want_map ? wv_map_set(out, value->keys[i], item) : wv_list_push(out, item);
        if (result != WEIR_OK) {
            wv_free(out);
            return NULL;
        }
    }
    if (attr->type == ST_SET_STRING && out->count > 1 && wv_wholly_known(out))
        qsort(out->items, out->count, sizeof *out->items, compare_strings);
    return out;
}

static wv_t *conform_value(const spec_attr_t *attr, const wv_t *value, weir_err_t *err)
{
    switch (attr->type) {
    case ST_STRING:
    case ST_NUMBER:
    case ST_BOOL:
        return conform_scalar(attr, value, err);
    case ST_LIST_STRING:
    case ST_SET_STRING:
    case ST_MAP_STRING:
    case ST_BLOCK_LIST:
        return conform_collection(attr, value, err);
    case ST_BLOCK_SINGLE:
        if (wv_is_null(value))
            return wv_null();
        if (value->kind == WV_UNKNOWN)
            return wv_unknown();
        return spec_conform(attr->block, value, err);
    }
    return NULL;
}

wv_t *spec_conform(const spec_block_t *block, const wv_t *object, weir_err_t *err)
{
    if (!wv_is_null(object) && object->kind != WV_MAP) {
        weir_err_set(err, "expected an object");
        return NULL;
    }
    wv_t *out = wv_map();
    if (!out)
        return NULL;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        wv_t *item = conform_value(attr, wv_map_get(object, attr->name), err);
        if (wv_map_set(out, attr->name, item) != WEIR_OK) {
            wv_free(out);
            return NULL;
        }
    }
    return out;
}

wv_t *spec_default_value(const spec_attr_t *attr)
{
    /* Defaults in the tables are plain JSON literals without escapes (a unit test checks this),
     * so they are read without a JSON parser: planning fills them for every resource. */
    const char *text = attr->default_json;
    if (!text)
        return wv_null();
    size_t len = strlen(text);
    wv_t *literal;
    if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
        literal = wv_string_len(text + 1, len - 2);
    else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        literal = wv_bool(text[0] == 't');
    else
        literal = wv_number_text(text);
    if (!literal)
        return NULL;
    weir_err_t err;
    wv_t *typed = conform_value(attr, literal, &err);
    wv_free(literal);
    return typed;
}

weir_status_t spec_fill_defaults(const spec_block_t *block, wv_t *object)
{
    if (wv_is_null(object) || object->kind != WV_MAP)
        return WEIR_OK;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        wv_t *value = wv_map_get(object, attr->name);
        if (attr->default_json && wv_is_null(value)) {
            wv_t *typed = spec_default_value(attr);
            if (!typed)
                return WEIR_ERR_INTERNAL;
            weir_status_t result = wv_map_set(object, attr->name, typed);
            if (result != WEIR_OK)
                return result;
        } else if (attr->type == ST_BLOCK_LIST && value && value->kind == WV_LIST) {
            for (size_t j = 0; j < value->count; j++) {
                weir_status_t result = spec_fill_defaults(attr->block, value->items[j]);
                if (result != WEIR_OK)
                    return result;
            }
        } else if (attr->type == ST_BLOCK_SINGLE && value) {
            weir_status_t result = spec_fill_defaults(attr->block, value);
            if (result != WEIR_OK)
                return result;
        }
    }
    return WEIR_OK;
}

void spec_strip_for_store(const spec_block_t *block, wv_t *object)
{
    if (wv_is_null(object) || object->kind != WV_MAP)
        return;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        if (attr->flags & (SA_WRITE_ONLY | SA_META)) {
            wv_map_del(object, attr->name);
            continue;
        }
        wv_t *value = wv_map_get(object, attr->name);
        if (attr->type == ST_BLOCK_LIST && value && value->kind == WV_LIST) {
            for (size_t j = 0; j < value->count; j++)
                spec_strip_for_store(attr->block, value->items[j]);
        } else if (attr->type == ST_BLOCK_SINGLE) {
            spec_strip_for_store(attr->block, value);
        }
    }
}
