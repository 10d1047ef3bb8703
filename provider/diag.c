/* diag.c — spec diagnostics → tfplugin6 Diagnostic messages. */
#include "diag.h"

#include <string.h>

void diag_list_init(diag_list_t *list, arena_t *arena)
{
    memset(list, 0, sizeof *list);
    list->arena = arena;
}

static Tfplugin6__AttributePath *make_path(arena_t *arena, const spec_step_t *path, int path_len)
{
    Tfplugin6__AttributePath *out = arena_alloc(arena, sizeof *out);
    Tfplugin6__AttributePath__Step **steps = ARENA_ARRAY(arena, Tfplugin6__AttributePath__Step *, path_len);
    if (!out || !steps)
        return NULL;
    tfplugin6__attribute_path__init(out);
    for (int i = 0; i < path_len; i++) {
        Tfplugin6__AttributePath__Step *step = arena_alloc(arena, sizeof *step);
        if (!step)
            return NULL;
        tfplugin6__attribute_path__step__init(step);
        switch (path[i].kind) {
        case PATH_ATTR:
            step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
            step->attribute_name = arena_strdup(arena, path[i].name);
            break;
        case PATH_INDEX:
            step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_INT;
            step->element_key_int = path[i].index;
            break;
        case PATH_KEY:
            step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_STRING;
            step->element_key_string = arena_strdup(arena, path[i].name);
            break;
        }
        steps[i] = step;
    }
    out->n_steps = (size_t)path_len;
    out->steps = steps;
    return out;
}

void diag_add(diag_list_t *list, bool is_error, const char *summary, const char *detail, const spec_step_t *path,
              int path_len)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        Tfplugin6__Diagnostic **items = ARENA_ARRAY(list->arena, Tfplugin6__Diagnostic *, cap);
        if (!items)
            return;
        if (list->count)
            memcpy(items, list->items, list->count * sizeof *items);
        list->items = items;
        list->cap = cap;
    }
    Tfplugin6__Diagnostic *diag = arena_alloc(list->arena, sizeof *diag);
    if (!diag)
        return;
    tfplugin6__diagnostic__init(diag);
    diag->severity = is_error ? TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR : TFPLUGIN6__DIAGNOSTIC__SEVERITY__WARNING;
    diag->summary = arena_strdup(list->arena, summary);
    diag->detail = arena_strdup(list->arena, detail ? detail : "");
    if (path && path_len > 0)
        diag->attribute = make_path(list->arena, path, path_len);
    list->items[list->count++] = diag;
}

void diag_add_spec(diag_list_t *list, const spec_diags_t *diags)
{
    if (diags->oom)
        diag_add(list, true, "Out of memory", "The provider ran out of memory while validating.", NULL, 0);
    for (size_t i = 0; i < diags->count; i++) {
        const spec_diag_t *d = &diags->items[i];
        diag_add(list, d->is_error, d->summary, d->detail, d->path, d->path_len);
    }
}

bool diag_has_error(const diag_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i]->severity == TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR)
            return true;
    return list->arena->failed != 0;
}
