/* objects.h — validates and normalises object specs that arrive at the agent, from the spec tables. */
#ifndef WEIR_OBJECTS_H
#define WEIR_OBJECTS_H

#include "spec.h"
#include "status.h"

/* Checks `spec_json` against the kind's table (write-only values from `write_only_json` count for
 * cross-argument rules) and returns new canonical spec JSON: every attribute present, defaults
 * filled, sets sorted, write-only and metadata attributes removed. On failure err lists each
 * problem as "path: detail". `write_only_out` receives the write-only values limited to the
 * kind's write-only attributes ("" when none). */
weir_status_t objects_normalise(const spec_kind_t *kind, const char *name, const char *spec_json,
                                const char *write_only_json, char **canonical_out, char **write_only_out,
                                weir_err_t *err) WEIR_MUSTCHECK;

#endif
