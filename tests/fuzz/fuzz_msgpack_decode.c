/* fuzz_msgpack_decode.c — libFuzzer target: the msgpack decoder never crashes, and whatever it
 * accepts re-encodes and decodes to an equal value. */
#include <stdint.h>
#include <stdlib.h>

#include "msgpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_err_t err;
    wv_t *value = msgp_decode(data, size, &err);
    if (!value)
        return 0;
    weir_buf_t buf;
    buf_init(&buf, 64u << 20);
    if (msgp_encode(value, &buf) == WEIR_OK) {
        wv_t *again = msgp_decode(buf.data, buf.len, &err);
        if (!again || !wv_equal(value, again))
            abort();
        wv_free(again);
    }
    buf_free(&buf);
    wv_free(value);
    return 0;
}
