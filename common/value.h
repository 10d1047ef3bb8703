/* value.h — a dynamic value tree shaped like OpenTofu's values: null, unknown, bool, number,
 * string, list (also sets and tuples) and map (also objects). Both the msgpack codec and the
 * JSON spec codec produce and consume it.
 *
 * Ownership: constructors return new values; container setters take ownership of the item they
 * are given (also on failure); getters borrow. */
#ifndef WEIR_VALUE_H
#define WEIR_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum { WV_NULL, WV_UNKNOWN, WV_BOOL, WV_NUMBER, WV_STRING, WV_LIST, WV_MAP } wv_kind_t;

typedef struct wv wv_t;
struct wv {
    wv_kind_t kind;
    bool boolean;
    /* WV_STRING: the bytes (NUL-terminated, may hold inner NULs); WV_NUMBER: canonical decimal text. */
    char *text;
    size_t text_len;
    /* WV_LIST / WV_MAP: items; keys only for maps, kept in insertion order. */
    wv_t **items;
    char **keys;
    size_t count;
    size_t cap;
};

wv_t *wv_null(void);
wv_t *wv_unknown(void);
wv_t *wv_bool(bool value);
wv_t *wv_string(const char *text);
wv_t *wv_string_len(const char *text, size_t len);
wv_t *wv_number_i64(int64_t value);
wv_t *wv_number_double(double value);
/* Returns NULL when `text` is not a decimal number. */
wv_t *wv_number_text(const char *text);
wv_t *wv_list(void);
wv_t *wv_map(void);

void wv_free(wv_t *value);
wv_t *wv_clone(const wv_t *value);

weir_status_t wv_list_push(wv_t *list, wv_t *item) WEIR_MUSTCHECK;
/* Replaces an existing key's value. */
weir_status_t wv_map_set(wv_t *map, const char *key, wv_t *item) WEIR_MUSTCHECK;
wv_t *wv_map_get(const wv_t *map, const char *key);
/* Removes and frees the key's value; no-op when absent. */
void wv_map_del(wv_t *map, const char *key);

bool wv_is_null(const wv_t *value); /* NULL pointer counts as null */
/* True when no unknown appears anywhere inside. */
bool wv_wholly_known(const wv_t *value);
/* Structural equality; numbers compare by canonical text, lists by order (sets are kept sorted). */
bool wv_equal(const wv_t *a, const wv_t *b);
bool wv_number_as_i64(const wv_t *value, int64_t *out);
bool wv_number_as_double(const wv_t *value, double *out);

#endif
