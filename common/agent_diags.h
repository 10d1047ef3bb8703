/* agent_diags.h — diagnostics about an object's spec as they travel on the control API
 * (weir.agent.v1.Diagnostic): packed by the agent from spec diagnostics, unpacked by the provider
 * and `weir-agent ctl` into owned lists they turn into tofu diagnostics or printed lines. */
#ifndef WEIR_AGENT_DIAGS_H
#define WEIR_AGENT_DIAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"
#include "status.h"

struct Weir__Agent__V1__Diagnostic;

/* One received diagnostic. Owns its strings, including the names in `path`. */
typedef struct {
    bool is_error;
    char *summary;
    char *detail;
    spec_step_t *path; /* path_len steps; PATH_ATTR/PATH_KEY names owned here */
    int path_len;
} agent_diag_t;

typedef struct {
    agent_diag_t *items;
    size_t count;
} agent_diags_t;

void agent_diags_free(agent_diags_t *diags);
bool agent_diags_has_error(const agent_diags_t *diags);

/* Copies `n` wire diagnostics into `out` (which it overwrites). */
weir_status_t agent_diags_unpack(struct Weir__Agent__V1__Diagnostic *const *items, size_t n,
                                 agent_diags_t *out) WEIR_MUSTCHECK;

/* Wire form of `diags` (errors only when `errors`, warnings only when `warnings`): a new array of
 * new messages in *out (free with agent_diags_pack_free, also on failure). */
weir_status_t agent_diags_pack(const spec_diags_t *diags, bool errors, bool warnings,
                               struct Weir__Agent__V1__Diagnostic ***out, size_t *n) WEIR_MUSTCHECK;
void agent_diags_pack_free(struct Weir__Agent__V1__Diagnostic **items, size_t n);

/* "table[0].cursor: detail; …" for the errors of `diags`, for callers that show one line. */
void agent_diags_describe(const agent_diags_t *diags, char *out, size_t size);

#endif
