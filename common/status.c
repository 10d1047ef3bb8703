/* status.c — names for status codes and the error-detail setter. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

const char *weir_status_text(weir_status_t result)
{
    switch (result) {
    case WEIR_OK:
        return "ok";
    case WEIR_ERR_NOMEM:
        return "out of memory";
    case WEIR_ERR_INVALID:
        return "invalid input";
    case WEIR_ERR_NOT_FOUND:
        return "not found";
    case WEIR_ERR_EXISTS:
        return "already exists";
    case WEIR_ERR_CONFLICT:
        return "changed concurrently";
    case WEIR_ERR_IN_USE:
        return "still in use";
    case WEIR_ERR_IO:
        return "I/O error";
    case WEIR_ERR_UNAVAILABLE:
        return "unavailable";
    case WEIR_ERR_AUTH:
        return "not authenticated";
    case WEIR_ERR_TOO_BIG:
        return "too big";
    case WEIR_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}

void weir_err_set(weir_err_t *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}
