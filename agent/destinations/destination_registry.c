/* destination_registry.c — the destination kinds this agent can load: adding a kind is a folder
 * under destinations/ and one line here. */
#include "destination.h"

#include <string.h>

#include "snowflake.h"

const destination_ops_t *const destination_backends[] = {&snowflake_destination_ops};
const size_t destination_backend_count = sizeof destination_backends / sizeof destination_backends[0];

const destination_ops_t *destination_for_kind(const char *kind)
{
    for (size_t i = 0; kind && i < destination_backend_count; i++)
        if (strcmp(destination_backends[i]->kind, kind) == 0)
            return destination_backends[i];
    return NULL;
}
