/* buf.h — a growable byte buffer with a hard cap chosen by its owner. */
#ifndef WEIR_BUF_H
#define WEIR_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct {
    uint8_t *data; /* owned; NUL-terminated past `len` whenever non-NULL */
    size_t len;
    size_t cap;
    size_t limit; /* appends that would exceed this fail with WEIR_ERR_TOO_BIG */
} weir_buf_t;

void buf_init(weir_buf_t *buf, size_t limit);
void buf_free(weir_buf_t *buf);
void buf_reset(weir_buf_t *buf);
weir_status_t buf_append(weir_buf_t *buf, const void *data, size_t len) WEIR_MUSTCHECK;
weir_status_t buf_putc(weir_buf_t *buf, uint8_t byte) WEIR_MUSTCHECK;
weir_status_t buf_puts(weir_buf_t *buf, const char *str) WEIR_MUSTCHECK;
weir_status_t buf_printf(weir_buf_t *buf, const char *fmt, ...) WEIR_MUSTCHECK WEIR_PRINTF(2, 3);
/* Hands the bytes to the caller (returns new, NUL-terminated) and leaves the buffer empty. */
char *buf_steal(weir_buf_t *buf);

/* A write callback with fwrite's shape (libcurl's CURLOPT_WRITEFUNCTION) appending to the buf
 * passed as `userdata`; returns 0 — an error to the caller — when the buf's limit is reached. */
size_t buf_write_callback(char *data, size_t size, size_t count, void *userdata);

#endif
