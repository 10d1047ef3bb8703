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
/* objects_normalise that also adds each validation error, at its attribute path, to `diags`
 * (paths borrow names from the spec tables). A failure with no error added there (JSON that is
 * not an object, an unknown attribute) is described by err alone. */
weir_status_t objects_normalise_diags(const spec_kind_t *kind, const char *name, const char *spec_json,
                                      const char *write_only_json, char **canonical_out, char **write_only_out,
                                      spec_diags_t *diags, weir_err_t *err) WEIR_MUSTCHECK;

/* Sets err to the errors of `diags` as "path: detail; …" (what older callers receive). */
void objects_describe(const spec_diags_t *diags, weir_err_t *err);

#endif
