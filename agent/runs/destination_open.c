/* destination_open.c — a destination session by object name (destination_open.h). */
#include "destination_open.h"

#include <stdlib.h>
#include <string.h>

weir_status_t destination_open_named(store_t *store, const char *name, const char *what, const destination_ops_t **ops,
                                     destination_session_t **session, weir_err_t *err)
{
    *ops = NULL;
    *session = NULL;
    weir_status_t result = WEIR_OK;
    for (size_t k = 0; result == WEIR_OK && !*ops && k < destination_backend_count; k++) {
        const destination_ops_t *backend = destination_backends[k];
        agent_object_t object = {0};
        if (store_get(store, backend->kind, name, &object, err) != WEIR_OK)
            continue;
        char *write_only = NULL;
        result = store_get_write_only(store, backend->kind, name, &write_only, err);
        if (result == WEIR_OK)
            result = backend->open(object.spec_json, write_only, session, err);
        if (write_only) {
            memset(write_only, 0, strlen(write_only));
            free(write_only);
        }
        agent_object_clear(&object);
        *ops = backend;
    }
    if (result == WEIR_OK && !*ops) {
        weir_err_set(err, "%s: destination %s does not exist", what, name);
        result = WEIR_ERR_NOT_FOUND;
    }
    return result;
}
