/* destination_open.h — opens a session on a destination object by name, whichever backend serves
 * its kind (the transform runs and the retention step share it). */
#ifndef WEIR_DESTINATION_OPEN_H
#define WEIR_DESTINATION_OPEN_H

#include "destination.h"
#include "store.h"

/* *ops and *session are set on success (close with (*ops)->close); WEIR_ERR_NOT_FOUND naming
 * `name` when no destination of any kind has it. `what` labels errors ("transform t"). */
weir_status_t destination_open_named(store_t *store, const char *name, const char *what, const destination_ops_t **ops,
                                     destination_session_t **session, weir_err_t *err) WEIR_MUSTCHECK;

#endif
