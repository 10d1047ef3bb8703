/* strutil.h — copying and formatting into fixed buffers where a value that does not fit is an
 * error with a clear message, never silently cut. */
#ifndef WEIR_STRUTIL_H
#define WEIR_STRUTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "status.h"

/* Copies `src` into `dst` (of `size` bytes, NUL included). When it does not fit, `dst` is set to ""
 * (a cut value is never left behind to be used by mistake), err says "<what> is too long (N
 * bytes; at most M)" and WEIR_ERR_INVALID is returned. `what` names the value for that message
 * ("table name", "watermark"); `err` may be NULL. */
weir_status_t str_copy(char *dst, size_t size, const char *src, const char *what, weir_err_t *err) WEIR_MUSTCHECK;

/* snprintf into `dst` with the same rule: a result that does not fit (or an encoding error) leaves
 * `dst` empty and returns WEIR_ERR_INVALID with "<what> is too long ...". */
weir_status_t str_format(char *dst, size_t size, weir_err_t *err, const char *what, const char *fmt, ...) WEIR_MUSTCHECK
    WEIR_PRINTF(5, 6);
weir_status_t str_vformat(char *dst, size_t size, weir_err_t *err, const char *what, const char *fmt,
                          va_list ap) WEIR_MUSTCHECK WEIR_PRINTF(5, 0);

#endif
