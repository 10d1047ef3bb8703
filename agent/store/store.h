/* store.h — the agent's durable store: objects with generations, in SQLite (WAL) with versioned
 * migrations. Library-like: returns errors, never logs. Thread-safe (one connection, serialised). */
#ifndef WEIR_STORE_H
#define WEIR_STORE_H

#include <stdint.h>

#include "agent_api.h"
#include "status.h"

typedef struct store store_t;

/* Opens or creates the database and runs pending migrations. */
weir_status_t store_open(const char *path, store_t **out, weir_err_t *err) WEIR_MUSTCHECK;
void store_close(store_t *store);
/* Highest applied migration. */
int store_schema_version(store_t *store);

/* Creates (expected_generation 0), updates (must match, or AGENT_ANY_GENERATION) an object whose
 * spec is already validated and normalised. Checks that every name the spec refers to exists.
 * `out` receives the stored object (write-only values are never returned). */
weir_status_t store_put(store_t *store, const char *kind, const char *name, const char *spec_json,
                        const char *write_only_json, int64_t expected_generation, agent_object_t *out,
                        weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t store_get(store_t *store, const char *kind, const char *name, agent_object_t *out,
                        weir_err_t *err) WEIR_MUSTCHECK;
/* Lists objects ordered by kind then name: `kind` "" for every kind, only those after
 * (after_kind, after_name) when after_kind is non-empty, at most `limit` (0: no limit). */
weir_status_t store_list(store_t *store, const char *kind, const char *after_kind, const char *after_name, int limit,
                         agent_object_list_t *out, weir_err_t *err) WEIR_MUSTCHECK;
/* The write-only values stored with an object, as JSON object text ("" when none; returns new).
 * For the runtime only: never returned over the API. */
weir_status_t store_get_write_only(store_t *store, const char *kind, const char *name, char **json,
                                   weir_err_t *err) WEIR_MUSTCHECK;
/* Refuses (WEIR_ERR_IN_USE, naming the referrers) while other objects refer to this one.
 * expected_generation <= 0 deletes any generation. */
weir_status_t store_delete(store_t *store, const char *kind, const char *name, int64_t expected_generation,
                           weir_err_t *err) WEIR_MUSTCHECK;

/* Seals write-only values from now on with `sealer` (borrowed, outliving the store) and seals any
 * stored in plain text by an older agent. Without a sealer, puts carrying write-only values are
 * refused with a message saying how to start the agent. */
struct sealer;
weir_status_t store_set_sealer(store_t *store, const struct sealer *sealer, weir_err_t *err) WEIR_MUSTCHECK;

#endif
