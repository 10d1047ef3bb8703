/* tfp_msgpack.h — OpenTofu's msgpack value encoding ⇄ value tree (PROTOCOL.md §4).
 * Self-contained: only the value tree and the byte buffer. Named tfp_ so it never shadows the
 * system's <msgpack.h>; Weir does not use that library. */
#ifndef WEIR_TFP_MSGPACK_H
#define WEIR_TFP_MSGPACK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"
#include "value.h"

/* Deeper nesting than this is refused; Weir's schemas nest four levels at most. */
#define TFP_MSGPACK_MAX_DEPTH 64

/* Decodes exactly one value filling all of `data`. Any extension type is an unknown value
 * (refinements are ignored). Returns new, or NULL with err filled. */
wv_t *tfp_msgpack_decode(const uint8_t *data, size_t len, weir_err_t *err);

/* Appends the encoding of `value`: unknown as ext 0, numbers as the narrowest int, an exact
 * float64, or decimal text when neither holds the value exactly. */
weir_status_t tfp_msgpack_encode(const wv_t *value, weir_buf_t *out) WEIR_MUSTCHECK;

#endif
