/* value_json.h — JSON text ⇄ value tree (objects become maps, arrays lists; numbers keep their text). */
#ifndef WEIR_VALUE_JSON_H
#define WEIR_VALUE_JSON_H

#include <stddef.h>

#include "status.h"
#include "value.h"

/* Documents larger than this are refused: specs and states are small, and a cap keeps a hostile
 * peer from exhausting memory. */
#define WV_JSON_MAX_BYTES (16u * 1024u * 1024u)
#define WV_JSON_MAX_DEPTH 64

/* Returns a new value, or NULL with err filled. Unknowns cannot appear in JSON. */
wv_t *wv_from_json(const char *text, size_t len, weir_err_t *err);
/* Returns new compact JSON text (keys in insertion order), or NULL when the value holds an
 * unknown or memory ran out. */
char *wv_to_json(const wv_t *value);

#endif
