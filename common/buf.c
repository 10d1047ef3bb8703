/* buf.c — bounded growable byte buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(weir_buf_t *buf, size_t limit)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->limit = limit;
}

void buf_free(weir_buf_t *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

void buf_reset(weir_buf_t *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = 0;
}

static weir_status_t reserve(weir_buf_t *buf, size_t extra)
{
    if (extra > buf->limit || buf->len > buf->limit - extra)
        return WEIR_ERR_TOO_BIG;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return WEIR_OK;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *grown = realloc(buf->data, cap);
    if (!grown)
        return WEIR_ERR_NOMEM;
    buf->data = grown;
    buf->cap = cap;
    return WEIR_OK;
}

weir_status_t buf_append(weir_buf_t *buf, const void *data, size_t len)
{
    weir_status_t result = reserve(buf, len);
    if (result != WEIR_OK)
        return result;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = 0;
    return WEIR_OK;
}

weir_status_t buf_putc(weir_buf_t *buf, uint8_t byte)
{
    return buf_append(buf, &byte, 1);
}

weir_status_t buf_puts(weir_buf_t *buf, const char *str)
{
    return buf_append(buf, str, strlen(str));
}

weir_status_t buf_printf(weir_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        return WEIR_ERR_INTERNAL;
    weir_status_t result = reserve(buf, (size_t)need);
    if (result != WEIR_OK)
        return result;
    va_start(ap, fmt);
    vsnprintf((char *)buf->data + buf->len, (size_t)need + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)need;
    return WEIR_OK;
}

char *buf_steal(weir_buf_t *buf)
{
    if (!buf->data && reserve(buf, 0) != WEIR_OK)
        return NULL;
    char *out = (char *)buf->data;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return out;
}

size_t buf_write_callback(char *data, size_t size, size_t count, void *userdata)
{
    return buf_append(userdata, data, size * count) == WEIR_OK ? size * count : 0;
}
