/* objects.c — spec validation and canonical form on the agent side. */
#include "objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "value_json.h"

void objects_describe(const spec_diags_t *diags, weir_err_t *err)
{
    weir_buf_t text;
    buf_init(&text, sizeof err->msg - 1);
    for (size_t i = 0; i < diags->count; i++) {
        const spec_diag_t *d = &diags->items[i];
        if (!d->is_error)
            continue;
        char path[256];
        spec_path_format(d->path, d->path_len, path, sizeof path);
        if (buf_printf(&text, "%s%s%s%s", text.len ? "; " : "", path, path[0] ? ": " : "", d->detail) != WEIR_OK)
            break;
    }
    weir_err_set(err, "%s", text.data ? (const char *)text.data : "invalid object");
    buf_free(&text);
}

weir_status_t objects_normalise(const spec_kind_t *kind, const char *name, const char *spec_json,
                                const char *write_only_json, char **canonical_out, char **write_only_out,
                                weir_err_t *err)
{
    return objects_normalise_diags(kind, name, spec_json, write_only_json, canonical_out, write_only_out, NULL, err);
}

/* Adds the errors of `found` to `diags` (warnings are the provider's to show at plan). */
static void keep_errors(const spec_diags_t *found, spec_diags_t *diags)
{
    for (size_t i = 0; diags && i < found->count; i++)
        if (found->items[i].is_error)
            spec_diag_add(diags, true, found->items[i].path, found->items[i].path_len, found->items[i].summary, "%s",
                          found->items[i].detail);
}

weir_status_t objects_normalise_diags(const spec_kind_t *kind, const char *name, const char *spec_json,
                                      const char *write_only_json, char **canonical_out, char **write_only_out,
                                      spec_diags_t *found, weir_err_t *err)
{
    weir_status_t result = WEIR_ERR_INVALID;
    wv_t *raw = NULL, *spec = NULL, *secrets = NULL, *kept = NULL;
    spec_diags_t diags;
    spec_diags_init(&diags);
    *canonical_out = *write_only_out = NULL;

    raw = wv_from_json(spec_json, strlen(spec_json), err);
    if (!raw)
        goto out;
    if (raw->kind != WV_MAP) {
        weir_err_set(err, "spec must be a JSON object");
        goto out;
    }
    for (size_t i = 0; i < raw->count; i++) {
        const spec_attr_t *attr = spec_block_attr(&kind->block, raw->keys[i]);
        if (!attr || (attr->flags & SA_META)) {
            weir_err_set(err, "%s: %s has no such attribute", raw->keys[i], kind->type_name);
            goto out;
        }
    }
    spec = spec_conform(&kind->block, raw, err);
    if (!spec)
        goto out;
    if (spec_fill_defaults(&kind->block, spec) != WEIR_OK) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
        goto out;
    }
    const wv_t *spec_name = wv_map_get(spec, "name");
    if (!spec_name || spec_name->kind != WV_STRING || strcmp(spec_name->text, name) != 0) {
        weir_err_set(err, "name: the spec's name must equal the object name \"%s\"", name);
        if (found) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "name"}};
            spec_diag_add(found, true, path, 1, "Name mismatch", "The spec's name must equal the object name \"%s\".",
                          name);
        }
        goto out;
    }

    kept = wv_map();
    if (write_only_json && *write_only_json) {
        secrets = wv_from_json(write_only_json, strlen(write_only_json), err);
        if (!secrets || secrets->kind != WV_MAP) {
            weir_err_set(err, "write-only values must be a JSON object");
            goto out;
        }
        for (size_t i = 0; i < secrets->count; i++) {
            const spec_attr_t *attr = spec_block_attr(&kind->block, secrets->keys[i]);
            if (!attr || !(attr->flags & SA_WRITE_ONLY)) {
                weir_err_set(err, "%s: not a write-only attribute of %s", secrets->keys[i], kind->type_name);
                goto out;
            }
            if (wv_map_set(spec, secrets->keys[i], wv_clone(secrets->items[i])) != WEIR_OK ||
                wv_map_set(kept, secrets->keys[i], wv_clone(secrets->items[i])) != WEIR_OK) {
                result = WEIR_ERR_NOMEM;
                goto out;
            }
        }
    }
    spec_validate(kind, spec, &diags);
    if (spec_diags_has_error(&diags)) {
        objects_describe(&diags, err);
        keep_errors(&diags, found);
        goto out;
    }
    spec_strip_for_store(&kind->block, spec);
    *canonical_out = wv_to_json(spec);
    *write_only_out = kept && kept->count ? wv_to_json(kept) : strdup("");
    if (!*canonical_out || !*write_only_out) {
        free(*canonical_out);
        free(*write_only_out);
        *canonical_out = *write_only_out = NULL;
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
        goto out;
    }
    result = WEIR_OK;
out:
    spec_diags_free(&diags);
    wv_free(raw);
    wv_free(spec);
    wv_free(secrets);
    wv_free(kept);
    return result;
}
