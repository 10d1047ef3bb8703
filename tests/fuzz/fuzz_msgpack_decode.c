/* fuzz_msgpack_decode.c — libFuzzer target: the msgpack decoder never crashes, and whatever it
 * accepts re-encodes and decodes to an equal value. A number that no int64 or float64 holds exactly
 * travels as decimal text (as OpenTofu sends it), so it may come back as a string with that text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfp_msgpack.h"

static int same(const wv_t *a, const wv_t *b)
{
    if (a->kind == WV_NUMBER && b->kind == WV_STRING)
        return strcmp(a->text, b->text) == 0;
    if (a->kind != b->kind || a->count != b->count)
        return 0;
    if (a->kind == WV_NUMBER || a->kind == WV_STRING || a->kind == WV_BOOL || a->kind == WV_NULL ||
        a->kind == WV_UNKNOWN)
        return wv_equal(a, b);
    for (size_t i = 0; i < a->count; i++) {
        if (a->keys && strcmp(a->keys[i], b->keys[i]) != 0)
            return 0;
        if (!same(a->items[i], b->items[i]))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_err_t err;
    wv_t *value = tfp_msgpack_decode(data, size, &err);
    if (!value)
        return 0;
    weir_buf_t buf;
    buf_init(&buf, 64u << 20);
    if (tfp_msgpack_encode(value, &buf) == WEIR_OK) {
        wv_t *again = tfp_msgpack_decode(buf.data, buf.len, &err);
        if (!again || !same(value, again))
            abort();
        wv_free(again);
    }
    buf_free(&buf);
    wv_free(value);
    return 0;
}
