/* strutil.c — checked copies and formats into fixed buffers. */
#include "strutil.h"

#include <stdio.h>
#include <string.h>

static weir_status_t too_long(char *dst, size_t size, size_t needed, const char *what, weir_err_t *err)
{
    if (size)
        dst[0] = 0;
    weir_err_set(err, "%s is too long (%zu bytes; at most %zu)", what ? what : "value", needed, size ? size - 1 : 0);
    return WEIR_ERR_INVALID;
}

weir_status_t str_copy(char *dst, size_t size, const char *src, const char *what, weir_err_t *err)
{
    size_t len = strlen(src);
    if (len >= size)
        return too_long(dst, size, len, what, err);
    memcpy(dst, src, len + 1);
    return WEIR_OK;
}

weir_status_t str_vformat(char *dst, size_t size, weir_err_t *err, const char *what, const char *fmt, va_list ap)
{
    int n = vsnprintf(dst, size, fmt, ap);
    if (n < 0) {
        if (size)
            dst[0] = 0;
        weir_err_set(err, "cannot format %s", what ? what : "value");
        return WEIR_ERR_INVALID;
    }
    if ((size_t)n >= size)
        return too_long(dst, size, (size_t)n, what, err);
    return WEIR_OK;
}

weir_status_t str_format(char *dst, size_t size, weir_err_t *err, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    weir_status_t result = str_vformat(dst, size, err, what, fmt, ap);
    va_end(ap);
    return result;
}
