/* resource.c — planning and state shaping for every weir_* resource. */
#include "resource.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value_json.h"

void res_validate_config(const spec_kind_t *kind, const wv_t *config, spec_diags_t *diags)
{
    spec_validate(kind, config, diags);
}

static weir_status_t plan_block(const spec_block_t *block, wv_t *planned, const wv_t *config, const wv_t *prior)
{
    if (wv_is_null(planned) || planned->kind != WV_MAP)
        return WEIR_OK;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        const wv_t *config_value = wv_map_get(config, attr->name);
        const wv_t *prior_value = wv_map_get(prior, attr->name);
        weir_status_t result = WEIR_OK;
        if (attr->flags & SA_WRITE_ONLY) {
            result = wv_map_set(planned, attr->name, wv_null());
        } else if (attr->flags & SA_META) {
            result = wv_map_set(planned, attr->name, wv_is_null(prior_value) ? wv_unknown() : wv_clone(prior_value));
        } else if (attr->default_json && wv_is_null(config_value)) {
            /* A removed argument returns to its default instead of keeping the prior value. */
            result = wv_map_set(planned, attr->name, spec_default_value(attr));
        } else if (attr->type == ST_BLOCK_LIST) {
            wv_t *items = wv_map_get(planned, attr->name);
            const wv_t *config_items = wv_map_get(config, attr->name);
            for (size_t j = 0; result == WEIR_OK && items && items->kind == WV_LIST && j < items->count; j++) {
                const wv_t *config_item = config_items && config_items->kind == WV_LIST && j < config_items->count
                    ? config_items->items[j]
                    : NULL;
                const wv_t *prior_item = prior_value && prior_value->kind == WV_LIST && j < prior_value->count
                    ? prior_value->items[j]
                    : NULL;
                result = plan_block(attr->block, items->items[j], config_item, prior_item);
            }
        } else if (attr->type == ST_BLOCK_SINGLE) {
            result = plan_block(attr->block, wv_map_get(planned, attr->name), config_value, prior_value);
        }
        if (result != WEIR_OK)
            return result;
    }
    return WEIR_OK;
}

/* Planned values with the write-only arguments of config put back, so cross-argument rules see
 * what the user wrote. */
static wv_t *validation_view(const spec_kind_t *kind, const wv_t *planned, const wv_t *config)
{
    wv_t *view = wv_clone(planned);
    for (size_t i = 0; view && i < kind->block.count; i++) {
        const spec_attr_t *attr = &kind->block.attrs[i];
        if ((attr->flags & SA_WRITE_ONLY) &&
            wv_map_set(view, attr->name, wv_clone(wv_map_get(config, attr->name))) != WEIR_OK) {
            wv_free(view);
            return NULL;
        }
    }
    return view;
}

wv_t *res_plan(const spec_kind_t *kind, const wv_t *prior, const wv_t *proposed, const wv_t *config,
               res_paths_t *replace, spec_diags_t *diags)
{
    weir_err_t err;
    replace->count = 0;
    wv_t *planned = spec_conform(&kind->block, proposed, &err);
    if (!planned) {
        spec_diag_add(diags, true, NULL, 0, "Invalid planned value", "%s", err.msg);
        return NULL;
    }
    if (plan_block(&kind->block, planned, config, wv_is_null(prior) ? NULL : prior) != WEIR_OK) {
        spec_diag_add(diags, true, NULL, 0, "Out of memory", "The provider ran out of memory while planning.");
        wv_free(planned);
        return NULL;
    }
    wv_t *view = validation_view(kind, planned, config);
    spec_validate(kind, view, diags);
    wv_free(view);

    if (!wv_is_null(prior)) {
        for (size_t i = 0; i < kind->block.count && replace->count < 64; i++) {
            const spec_attr_t *attr = &kind->block.attrs[i];
            if (!(attr->flags & SA_FORCE_NEW))
                continue;
            if (!wv_equal(wv_map_get(prior, attr->name), wv_map_get(planned, attr->name))) {
                res_path_t *path = &replace->items[replace->count++];
                path->steps[0] = (spec_step_t){.kind = PATH_ATTR, .name = attr->name};
                path->len = 1;
            }
        }
    }
    return planned;
}

wv_t *res_state_from_object(const spec_kind_t *kind, const agent_object_t *object, weir_err_t *err)
{
    wv_t *spec = wv_from_json(object->spec_json, strlen(object->spec_json), err);
    if (!spec)
        return NULL;
    wv_t *state = spec_conform(&kind->block, spec, err);
    wv_free(spec);
    if (!state)
        return NULL;
    for (size_t i = 0; i < kind->block.count; i++) {
        const spec_attr_t *attr = &kind->block.attrs[i];
        weir_status_t result = WEIR_OK;
        if (attr->flags & SA_WRITE_ONLY)
            result = wv_map_set(state, attr->name, wv_null());
        else if (attr->flags & SA_META)
            result = wv_map_set(state, attr->name, wv_string(object->id));
        if (result != WEIR_OK) {
            wv_free(state);
            weir_err_set(err, "out of memory");
            return NULL;
        }
    }
    return state;
}

weir_status_t res_agent_payload(const spec_kind_t *kind, const wv_t *planned, const wv_t *config, char **spec_json,
                                char **write_only_json, weir_err_t *err)
{
    *spec_json = NULL;
    *write_only_json = NULL;
    wv_t *spec = wv_clone(planned);
    wv_t *secrets = wv_map();
    weir_status_t result = WEIR_ERR_NOMEM;
    if (!spec || !secrets)
        goto out;
    spec_strip_for_store(&kind->block, spec);
    for (size_t i = 0; i < kind->block.count; i++) {
        const spec_attr_t *attr = &kind->block.attrs[i];
        const wv_t *value = wv_map_get(config, attr->name);
        if ((attr->flags & SA_WRITE_ONLY) && !wv_is_null(value) &&
            wv_map_set(secrets, attr->name, wv_clone(value)) != WEIR_OK)
            goto out;
    }
    if (!wv_wholly_known(spec) || !wv_wholly_known(secrets)) {
        weir_err_set(err, "some values are still unknown at apply time");
        result = WEIR_ERR_INVALID;
        goto out;
    }
    *spec_json = wv_to_json(spec);
    *write_only_json = secrets->count ? wv_to_json(secrets) : strdup("");
    if (!*spec_json || !*write_only_json) {
        free(*spec_json);
        free(*write_only_json);
        *spec_json = *write_only_json = NULL;
        goto out;
    }
    result = WEIR_OK;
out:
    if (result == WEIR_ERR_NOMEM)
        weir_err_set(err, "out of memory");
    wv_free(spec);
    wv_free(secrets);
    return result;
}

int res_private_format(int64_t generation, char *out, size_t size)
{
    return snprintf(out, size, "{\"generation\":%" PRId64 "}", generation);
}

int64_t res_private_generation(const uint8_t *data, size_t len)
{
    weir_err_t err;
    if (!data || len == 0)
        return AGENT_ANY_GENERATION;
    wv_t *parsed = wv_from_json((const char *)data, len, &err);
    int64_t generation = AGENT_ANY_GENERATION;
    if (!parsed || !wv_number_as_i64(wv_map_get(parsed, "generation"), &generation))
        generation = AGENT_ANY_GENERATION;
    wv_free(parsed);
    return generation;
}
