/* value_json.c — JSON ⇄ value tree through jansson. */
#include "value_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wv_t *from_json(json_t *node, int depth, weir_err_t *err)
{
    if (depth > WV_JSON_MAX_DEPTH) {
        weir_err_set(err, "JSON nests deeper than %d levels", WV_JSON_MAX_DEPTH);
        return NULL;
    }
    switch (json_typeof(node)) {
    case JSON_NULL:
        return wv_null();
    case JSON_TRUE:
        return wv_bool(true);
    case JSON_FALSE:
        return wv_bool(false);
    case JSON_INTEGER:
        return wv_number_i64(json_integer_value(node));
    case JSON_REAL: {
        wv_t *number = wv_number_double(json_real_value(node));
        if (!number)
            weir_err_set(err, "number out of range");
        return number;
    }
    case JSON_STRING:
        return wv_string_len(json_string_value(node), json_string_length(node));
    case JSON_ARRAY: {
        wv_t *list = wv_list();
        if (!list)
            return NULL;
        for (size_t i = 0; i < json_array_size(node); i++) {
            wv_t *item = from_json(json_array_get(node, i), depth + 1, err);
            if (!item || wv_list_push(list, item) != WEIR_OK) {
                wv_free(list);
                return NULL;
            }
        }
        return list;
    }
    case JSON_OBJECT: {
        wv_t *map = wv_map();
        if (!map)
            return NULL;
        const char *key;
        json_t *item_node;
        json_object_foreach(node, key, item_node)
        {
            wv_t *item = from_json(item_node, depth + 1, err);
            if (!item || wv_map_set(map, key, item) != WEIR_OK) {
                wv_free(map);
                return NULL;
            }
        }
        return map;
    }
    }
    weir_err_set(err, "unexpected JSON value");
    return NULL;
}

wv_t *wv_from_json(const char *text, size_t len, weir_err_t *err)
{
    if (len > WV_JSON_MAX_BYTES) {
        weir_err_set(err, "JSON document of %zu bytes exceeds the %u-byte limit", len, WV_JSON_MAX_BYTES);
        return NULL;
    }
    json_error_t jerr;
    /* Object keys must be unique: a duplicate would make one of them silently win. */
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        weir_err_set(err, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    weir_err_set(err, "out of memory");
    wv_t *value = from_json(root, 0, err);
    json_decref(root);
    return value;
}

static json_t *to_json(const wv_t *value)
{
    if (wv_is_null(value))
        return json_null();
    switch (value->kind) {
    case WV_NULL:
        return json_null();
    case WV_UNKNOWN:
        return NULL;
    case WV_BOOL:
        return json_boolean(value->boolean);
    case WV_NUMBER: {
        int64_t integer;
        double real;
        if (wv_number_as_i64(value, &integer))
            return json_integer(integer);
        if (wv_number_as_double(value, &real))
            return json_real(real);
        return NULL;
    }
    case WV_STRING:
        return json_stringn_nocheck(value->text, value->text_len);
    case WV_LIST: {
        json_t *array = json_array();
        for (size_t i = 0; array && i < value->count; i++) {
            json_t *item = to_json(value->items[i]);
            if (!item || json_array_append_new(array, item) != 0) {
                json_decref(array);
                return NULL;
            }
        }
        return array;
    }
    case WV_MAP: {
        json_t *object = json_object();
        for (size_t i = 0; object && i < value->count; i++) {
            json_t *item = to_json(value->items[i]);
            if (!item || json_object_set_new(object, value->keys[i], item) != 0) {
                json_decref(object);
                return NULL;
            }
        }
        return object;
    }
    }
    return NULL;
}

char *wv_to_json(const wv_t *value)
{
    json_t *root = to_json(value);
    if (!root)
        return NULL;
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    json_decref(root);
    return text;
}
