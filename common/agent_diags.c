/* agent_diags.c — spec diagnostics ⇄ weir.agent.v1.Diagnostic messages. */
#include "agent_diags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/agent/v1/agent.pb-c.h"

static void diag_clear(agent_diag_t *d)
{
    free(d->summary);
    free(d->detail);
    for (int i = 0; d->path && i < d->path_len; i++)
        free((char *)d->path[i].name); /* owned here, const only in the shared step type */
    free(d->path);
    memset(d, 0, sizeof *d);
}

void agent_diags_free(agent_diags_t *diags)
{
    for (size_t i = 0; i < diags->count; i++)
        diag_clear(&diags->items[i]);
    free(diags->items);
    diags->items = NULL;
    diags->count = 0;
}

bool agent_diags_has_error(const agent_diags_t *diags)
{
    for (size_t i = 0; i < diags->count; i++)
        if (diags->items[i].is_error)
            return true;
    return false;
}

static weir_status_t unpack_one(const Weir__Agent__V1__Diagnostic *from, agent_diag_t *to)
{
    /* Anything but an explicit warning is an error: a caller must never store what it cannot read. */
    to->is_error = from->severity != WEIR__AGENT__V1__DIAGNOSTIC__SEVERITY__WARNING;
    to->summary = strdup(from->summary ? from->summary : "");
    to->detail = strdup(from->detail ? from->detail : "");
    to->path = calloc(from->n_attribute_path ? from->n_attribute_path : 1, sizeof *to->path);
    if (!to->summary || !to->detail || !to->path)
        return WEIR_ERR_NOMEM;
    for (size_t i = 0; i < from->n_attribute_path; i++) {
        const Weir__Agent__V1__AttributePathStep *step = from->attribute_path[i];
        spec_step_t *out = &to->path[to->path_len];
        switch (step->selector_case) {
        case WEIR__AGENT__V1__ATTRIBUTE_PATH_STEP__SELECTOR_ELEMENT_INDEX:
            *out = (spec_step_t){.kind = PATH_INDEX, .index = (long)step->element_index};
            break;
        case WEIR__AGENT__V1__ATTRIBUTE_PATH_STEP__SELECTOR_ELEMENT_KEY:
            *out = (spec_step_t){.kind = PATH_KEY, .name = strdup(step->element_key)};
            break;
        case WEIR__AGENT__V1__ATTRIBUTE_PATH_STEP__SELECTOR_ATTRIBUTE_NAME:
            *out = (spec_step_t){.kind = PATH_ATTR, .name = strdup(step->attribute_name)};
            break;
        default:
            continue; /* a step kind this build does not know: the path stops being exact, not wrong */
        }
        to->path_len++;
        if (out->kind != PATH_INDEX && !out->name)
            return WEIR_ERR_NOMEM;
    }
    return WEIR_OK;
}

weir_status_t agent_diags_unpack(Weir__Agent__V1__Diagnostic *const *items, size_t n, agent_diags_t *out)
{
    out->count = 0;
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items)
        return WEIR_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        weir_status_t result = unpack_one(items[i], &out->items[out->count++]);
        if (result != WEIR_OK) {
            agent_diags_free(out);
            return result;
        }
    }
    return WEIR_OK;
}

void agent_diags_pack_free(Weir__Agent__V1__Diagnostic **items, size_t n)
{
    for (size_t i = 0; items && i < n; i++) {
        if (!items[i])
            continue;
        for (size_t j = 0; j < items[i]->n_attribute_path; j++)
            free(items[i]->attribute_path[j]);
        free(items[i]->attribute_path);
        free(items[i]);
    }
    free(items);
}

/* The message borrows summary, detail and names from `d`, which outlives packing. */
static weir_status_t pack_one(const spec_diag_t *d, Weir__Agent__V1__Diagnostic **out)
{
    Weir__Agent__V1__Diagnostic *diag = calloc(1, sizeof *diag);
    if (!diag)
        return WEIR_ERR_NOMEM;
    *out = diag;
    weir__agent__v1__diagnostic__init(diag);
    diag->severity =
        d->is_error ? WEIR__AGENT__V1__DIAGNOSTIC__SEVERITY__ERROR : WEIR__AGENT__V1__DIAGNOSTIC__SEVERITY__WARNING;
    diag->summary = (char *)d->summary;
    diag->detail = (char *)d->detail;
    int len = d->path_len < SPEC_MAX_PATH ? d->path_len : SPEC_MAX_PATH;
    diag->attribute_path = calloc(len ? (size_t)len : 1, sizeof *diag->attribute_path);
    if (!diag->attribute_path)
        return WEIR_ERR_NOMEM;
    for (int i = 0; i < len; i++) {
        Weir__Agent__V1__AttributePathStep *step = calloc(1, sizeof *step);
        if (!step)
            return WEIR_ERR_NOMEM;
        weir__agent__v1__attribute_path_step__init(step);
        diag->attribute_path[diag->n_attribute_path++] = step;
        if (d->path[i].kind == PATH_INDEX) {
            step->selector_case = WEIR__AGENT__V1__ATTRIBUTE_PATH_STEP__SELECTOR_ELEMENT_INDEX;
            step->element_index = d->path[i].index;
        } else if (d->path[i].kind == PATH_KEY) {
            step->selector_case = WEIR__AGENT__V1__ATTRIBUTE_PATH_STEP__SELECTOR_ELEMENT_KEY;
            step->element_key = (char *)d->path[i].name;
        } else {
            step->selector_case = WEIR__AGENT__V1__ATTRIBUTE_PATH_STEP__SELECTOR_ATTRIBUTE_NAME;
            step->attribute_name = (char *)d->path[i].name;
        }
    }
    return WEIR_OK;
}

weir_status_t agent_diags_pack(const spec_diags_t *diags, bool errors, bool warnings,
                               Weir__Agent__V1__Diagnostic ***out, size_t *n)
{
    *n = 0;
    *out = calloc(diags->count ? diags->count : 1, sizeof **out);
    if (!*out)
        return WEIR_ERR_NOMEM;
    for (size_t i = 0; i < diags->count; i++) {
        const spec_diag_t *d = &diags->items[i];
        if (d->is_error ? !errors : !warnings)
            continue;
        weir_status_t result = pack_one(d, &(*out)[*n]);
        (*n)++;
        if (result != WEIR_OK)
            return result;
    }
    return WEIR_OK;
}

void agent_diags_describe(const agent_diags_t *diags, char *out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < diags->count && used < size; i++) {
        const agent_diag_t *d = &diags->items[i];
        if (!d->is_error)
            continue;
        char path[256];
        spec_path_format(d->path, d->path_len, path, sizeof path);
        int written = snprintf(out + used, size - used, "%s%s%s%s", used ? "; " : "", path, path[0] ? ": " : "",
                               d->detail[0] ? d->detail : d->summary);
        if (written < 0)
            return;
        used += (size_t)written;
    }
}
