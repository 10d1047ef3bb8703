/* render.h — compact text of a value tree for assertions (unknown shows as `unknown`). */
#ifndef WEIR_TEST_RENDER_H
#define WEIR_TEST_RENDER_H

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "value.h"

/* A test buffer never fills up; if it did, the assertion would be meaningless. */
#define MUST(call)             \
    do {                       \
        if ((call) != WEIR_OK) \
            abort();           \
    } while (0)

static inline void render_into(const wv_t *value, weir_buf_t *out)
{
    if (!value) {
        MUST(buf_puts(out, "null"));
        return;
    }
    switch (value->kind) {
    case WV_NULL:
        MUST(buf_puts(out, "null"));
        break;
    case WV_UNKNOWN:
        MUST(buf_puts(out, "unknown"));
        break;
    case WV_BOOL:
        MUST(buf_puts(out, value->boolean ? "true" : "false"));
        break;
    case WV_NUMBER:
        MUST(buf_puts(out, value->text));
        break;
    case WV_STRING:
        MUST(buf_printf(out, "\"%s\"", value->text));
        break;
    case WV_LIST:
        MUST(buf_putc(out, '['));
        for (size_t i = 0; i < value->count; i++) {
            if (i)
                MUST(buf_putc(out, ','));
            render_into(value->items[i], out);
        }
        MUST(buf_putc(out, ']'));
        break;
    case WV_MAP:
        MUST(buf_putc(out, '{'));
        for (size_t i = 0; i < value->count; i++) {
            MUST(buf_printf(out, "%s\"%s\":", i ? "," : "", value->keys[i]));
            render_into(value->items[i], out);
        }
        MUST(buf_putc(out, '}'));
        break;
    }
}

/* Returns new text; the caller frees it. */
static inline char *render(const wv_t *value)
{
    weir_buf_t out;
    buf_init(&out, 1 << 20);
    render_into(value, &out);
    return buf_steal(&out);
}

#endif
