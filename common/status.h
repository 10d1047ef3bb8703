/* status.h — the project-wide status enum and the error detail that travels with it. */
#ifndef WEIR_STATUS_H
#define WEIR_STATUS_H

#include <stddef.h>

#define WEIR_MUSTCHECK __attribute__((warn_unused_result))
#define WEIR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

typedef enum {
    WEIR_OK = 0,
    WEIR_ERR_NOMEM,
    WEIR_ERR_INVALID, /* input broke a rule; detail says which */
    WEIR_ERR_NOT_FOUND,
    WEIR_ERR_EXISTS,
    WEIR_ERR_CONFLICT, /* optimistic-concurrency generation mismatch */
    WEIR_ERR_IN_USE,   /* referential integrity would break */
    WEIR_ERR_IO,
    WEIR_ERR_UNAVAILABLE, /* a peer could not be reached */
    WEIR_ERR_AUTH,
    WEIR_ERR_TOO_BIG, /* a bounded buffer or document hit its cap */
    WEIR_ERR_INTERNAL,
} weir_status_t;

/* Returns a static string naming the status. */
const char *weir_status_text(weir_status_t result);

/* An operator-facing explanation of the last failure. `msg` is always NUL-terminated. */
typedef struct {
    char msg[1024];
} weir_err_t;

void weir_err_set(weir_err_t *err, const char *fmt, ...) WEIR_PRINTF(2, 3);

#endif
