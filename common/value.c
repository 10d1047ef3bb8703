/* value.c — the dynamic value tree. */
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wv_t *make(wv_kind_t kind)
{
    wv_t *value = calloc(1, sizeof *value);
    if (value)
        value->kind = kind;
    return value;
}

wv_t *wv_null(void)
{
    return make(WV_NULL);
}
wv_t *wv_unknown(void)
{
    return make(WV_UNKNOWN);
}
wv_t *wv_list(void)
{
    return make(WV_LIST);
}
wv_t *wv_map(void)
{
    return make(WV_MAP);
}

wv_t *wv_bool(bool flag)
{
    wv_t *value = make(WV_BOOL);
    if (value)
        value->boolean = flag;
    return value;
}

static wv_t *make_text(wv_kind_t kind, const char *text, size_t len)
{
    wv_t *value = make(kind);
    if (!value)
        return NULL;
    value->text = malloc(len + 1);
    if (!value->text) {
        free(value);
        return NULL;
    }
    if (len)
        memcpy(value->text, text, len);
    value->text[len] = 0;
    value->text_len = len;
    return value;
}

wv_t *wv_string_len(const char *text, size_t len)
{
    return make_text(WV_STRING, text, len);
}
wv_t *wv_string(const char *text)
{
    return wv_string_len(text, strlen(text));
}

wv_t *wv_number_i64(int64_t number)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, number);
    return make_text(WV_NUMBER, text, strlen(text));
}

wv_t *wv_number_double(double number)
{
    if (!isfinite(number))
        return NULL;
    if (number == trunc(number) && fabs(number) < 9.0e15)
        return wv_number_i64((int64_t)number);
    /* The shortest text that reads back as the same double keeps round trips stable. */
    char text[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, number);
        if (strtod(text, NULL) == number)
            break;
    }
    return make_text(WV_NUMBER, text, strlen(text));
}

static bool is_decimal(const char *text)
{
    const char *p = text;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == 0;
}

wv_t *wv_number_text(const char *text)
{
    if (!is_decimal(text))
        return NULL;
    errno = 0;
    char *end = NULL;
    long long integer = strtoll(text, &end, 10);
    if (errno == 0 && *end == 0)
        return wv_number_i64(integer);
    double real = strtod(text, &end);
    if (*end == 0 && isfinite(real)) {
        wv_t *shortest = wv_number_double(real);
        /* Keep the caller's text when a double would lose digits. */
        if (shortest && strtod(shortest->text, NULL) == real && strlen(text) > 17) {
            wv_free(shortest);
            return make_text(WV_NUMBER, text, strlen(text));
        }
        return shortest;
    }
    return make_text(WV_NUMBER, text, strlen(text));
}

void wv_free(wv_t *value)
{
    if (!value)
        return;
    for (size_t i = 0; i < value->count; i++) {
        wv_free(value->items[i]);
        if (value->keys)
            free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->text);
    free(value);
}

wv_t *wv_clone(const wv_t *value)
{
    if (!value)
        return wv_null();
    wv_t *copy = NULL;
    switch (value->kind) {
    case WV_NULL:
        return wv_null();
    case WV_UNKNOWN:
        return wv_unknown();
    case WV_BOOL:
        return wv_bool(value->boolean);
    case WV_NUMBER:
    case WV_STRING:
        return make_text(value->kind, value->text, value->text_len);
    case WV_LIST:
    case WV_MAP:
        copy = make(value->kind);
        if (!copy)
            return NULL;
        for (size_t i = 0; i < value->count; i++) {
            wv_t *item = wv_clone(value->items[i]);
            weir_status_t result =
                value->kind == WV_LIST ? wv_list_push(copy, item) : wv_map_set(copy, value->keys[i], item);
            if (result != WEIR_OK) {
                wv_free(copy);
                return NULL;
            }
        }
        return copy;
    }
    return NULL;
}

static weir_status_t grow(wv_t *container)
{
    if (container->count < container->cap)
        return WEIR_OK;
    size_t cap = container->cap ? container->cap * 2 : 4;
    wv_t **items = realloc(container->items, cap * sizeof *items);
    if (!items)
        return WEIR_ERR_NOMEM;
    container->items = items;
    if (container->kind == WV_MAP) {
        char **keys = realloc(container->keys, cap * sizeof *keys);
        if (!keys)
            return WEIR_ERR_NOMEM;
        container->keys = keys;
    }
    container->cap = cap;
    return WEIR_OK;
}

weir_status_t wv_list_push(wv_t *list, wv_t *item)
{
    if (!item)
        return WEIR_ERR_NOMEM;
    if (list->kind != WV_LIST) {
        wv_free(item);
        return WEIR_ERR_INTERNAL;
    }
    if (grow(list) != WEIR_OK) {
        wv_free(item);
        return WEIR_ERR_NOMEM;
    }
    list->items[list->count++] = item;
    return WEIR_OK;
}

weir_status_t wv_map_set(wv_t *map, const char *key, wv_t *item)
{
    if (!item)
        return WEIR_ERR_NOMEM;
    if (map->kind != WV_MAP) {
        wv_free(item);
        return WEIR_ERR_INTERNAL;
    }
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->keys[i], key) == 0) {
            wv_free(map->items[i]);
            map->items[i] = item;
            return WEIR_OK;
        }
    }
    char *key_copy = strdup(key);
    if (!key_copy || grow(map) != WEIR_OK) {
        free(key_copy);
        wv_free(item);
        return WEIR_ERR_NOMEM;
    }
    map->keys[map->count] = key_copy;
    map->items[map->count++] = item;
    return WEIR_OK;
}

wv_t *wv_map_get(const wv_t *map, const char *key)
{
    if (!map || map->kind != WV_MAP)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

void wv_map_del(wv_t *map, const char *key)
{
    if (!map || map->kind != WV_MAP)
        return;
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->keys[i], key) == 0) {
            wv_free(map->items[i]);
            free(map->keys[i]);
            memmove(map->items + i, map->items + i + 1, (map->count - i - 1) * sizeof *map->items);
            memmove(map->keys + i, map->keys + i + 1, (map->count - i - 1) * sizeof *map->keys);
            map->count--;
            return;
        }
    }
}

bool wv_is_null(const wv_t *value)
{
    return !value || value->kind == WV_NULL;
}

bool wv_wholly_known(const wv_t *value)
{
    if (!value)
        return true;
    if (value->kind == WV_UNKNOWN)
        return false;
    for (size_t i = 0; i < value->count; i++)
        if (!wv_wholly_known(value->items[i]))
            return false;
    return true;
}

bool wv_number_as_i64(const wv_t *value, int64_t *out)
{
    if (!value || value->kind != WV_NUMBER)
        return false;
    errno = 0;
    char *end = NULL;
    long long integer = strtoll(value->text, &end, 10);
    if (errno || *end)
        return false;
    *out = integer;
    return true;
}

bool wv_number_as_double(const wv_t *value, double *out)
{
    if (!value || value->kind != WV_NUMBER)
        return false;
    char *end = NULL;
    *out = strtod(value->text, &end);
    return *end == 0;
}

bool wv_equal(const wv_t *a, const wv_t *b)
{
    if (wv_is_null(a) || wv_is_null(b))
        return wv_is_null(a) && wv_is_null(b);
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case WV_NULL:
    case WV_UNKNOWN:
        return true;
    case WV_BOOL:
        return a->boolean == b->boolean;
    case WV_NUMBER:
        return strcmp(a->text, b->text) == 0;
    case WV_STRING:
        return a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
    case WV_LIST:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++)
            if (!wv_equal(a->items[i], b->items[i]))
                return false;
        return true;
    case WV_MAP:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++)
            if (!wv_equal(a->items[i], wv_map_get(b, a->keys[i])))
                return false;
        return true;
    }
    return false;
}
