/* temp_store.h — unit tests' store in a fresh temporary directory, objects put into it, and its
 * removal. Include after cmocka.h. */
#ifndef WEIR_TEST_TEMP_STORE_H
#define WEIR_TEST_TEMP_STORE_H

#include <stdio.h>
#include <stdlib.h>

#include "store.h"

typedef struct {
    char dir[256];
    char path[300];
} temp_store_t;

/* Opens a new store under $TMPDIR; 0 on success, as cmocka setups return. */
static inline int temp_store_open(temp_store_t *place, store_t **store)
{
    snprintf(place->dir, sizeof place->dir, "%s/weir-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(place->dir))
        return -1;
    snprintf(place->path, sizeof place->path, "%s/weir.db", place->dir);
    weir_err_t err;
    return store_open(place->path, store, &err) == WEIR_OK ? 0 : -1;
}

/* Stores an object for a test, failing the test when the store refuses it. */
static inline void temp_store_put(store_t *store, const char *kind, const char *name, const char *spec)
{
    weir_err_t err = {{0}};
    agent_object_t object = {0};
    if (store_put(store, kind, name, spec, "", 0, &object, &err) != WEIR_OK)
        fail_msg("put %s %s: %s", kind, name, err.msg);
    agent_object_clear(&object);
}

/* Closes the store and removes its directory; 0 on success. */
static inline int temp_store_remove(temp_store_t *place, store_t *store)
{
    store_close(store);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", place->dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
