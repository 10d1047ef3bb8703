/* diag.h — tofu diagnostics (with attribute paths) built in an arena for one RPC response. */
#ifndef WEIR_DIAG_H
#define WEIR_DIAG_H

#include "arena.h"
#include "spec.h"
#include "tfplugin6.pb-c.h"

typedef struct {
    Tfplugin6__Diagnostic **items;
    size_t count;
    size_t cap;
    arena_t *arena;
} diag_list_t;

void diag_list_init(diag_list_t *list, arena_t *arena);
/* Adds one diagnostic; `path` may be NULL. Text is copied into the arena. */
void diag_add(diag_list_t *list, bool is_error, const char *summary, const char *detail, const spec_step_t *path,
              int path_len);
/* Adds every diagnostic of `diags`. */
void diag_add_spec(diag_list_t *list, const spec_diags_t *diags);
bool diag_has_error(const diag_list_t *list);

#endif
