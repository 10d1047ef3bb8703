/* run_objects.c — finds a run's pipeline, source and destination, whatever their kinds. */
#include "run_objects.h"

#include <stdlib.h>
#include <string.h>

void run_objects_free(run_objects_t *objects)
{
    pipeline_spec_free(&objects->pipeline);
    free(objects->source_spec);
    free(objects->destination_spec);
    if (objects->source_write_only) {
        memset(objects->source_write_only, 0, strlen(objects->source_write_only));
        free(objects->source_write_only);
    }
    memset(objects, 0, sizeof *objects);
}

/* The object named `name` among the kinds in `kinds`; its spec JSON moves to *spec_json. */
static weir_status_t find_object(store_t *store, const char *role, const char *name, const char *const *kinds,
                                 size_t kind_count, size_t *which, char **spec_json, weir_err_t *err)
{
    for (size_t i = 0; i < kind_count; i++) {
        agent_object_t object;
        weir_status_t result = store_get(store, kinds[i], name, &object, err);
        if (result == WEIR_ERR_NOT_FOUND)
            continue;
        if (result != WEIR_OK)
            return result;
        *which = i;
        *spec_json = object.spec_json;
        object.spec_json = NULL;
        agent_object_clear(&object);
        return WEIR_OK;
    }
    weir_err_set(err, "%s %s does not exist (any more)", role, name);
    return WEIR_ERR_NOT_FOUND;
}

/* The registries, unless the caller brings its own backends. */
static run_backends_t backends_or_registries(const run_backends_t *backends)
{
    if (backends)
        return *backends;
    return (run_backends_t){.sources = source_backends,
                            .source_count = source_backend_count,
                            .destinations = destination_backends,
                            .destination_count = destination_backend_count};
}

weir_status_t run_objects_load(store_t *store, const store_run_t *run, const run_backends_t *backends,
                               run_objects_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    run_backends_t use = backends_or_registries(backends);
    const char **source_kinds = NULL, **destination_kinds = NULL;
    agent_object_t object;
    weir_status_t result = store_get(store, "pipeline", run->pipeline, &object, err);
    if (result != WEIR_OK)
        return result;
    result = pipeline_spec_parse(object.spec_json, run->pipeline, &out->pipeline, err);
    agent_object_clear(&object);
    if (result != WEIR_OK)
        return result;
    out->table = pipeline_spec_table(&out->pipeline, run->table_name);
    if (!out->table) {
        weir_err_set(err, "pipeline %s no longer has table %s", run->pipeline, run->table_name);
        result = WEIR_ERR_NOT_FOUND;
        goto fail;
    }
    source_kinds = calloc(use.source_count + 1, sizeof *source_kinds);
    destination_kinds = calloc(use.destination_count + 1, sizeof *destination_kinds);
    if (!source_kinds || !destination_kinds) {
        result = WEIR_ERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < use.source_count; i++)
        source_kinds[i] = use.sources[i]->kind;
    for (size_t i = 0; i < use.destination_count; i++)
        destination_kinds[i] = use.destinations[i]->kind;
    size_t which;
    result = find_object(store, "source", out->pipeline.source, source_kinds, use.source_count, &which,
                         &out->source_spec, err);
    if (result != WEIR_OK)
        goto fail;
    out->source = use.sources[which];
    result = find_object(store, "destination", out->pipeline.destination, destination_kinds, use.destination_count,
                         &which, &out->destination_spec, err);
    if (result != WEIR_OK)
        goto fail;
    out->destination = use.destinations[which];
    result = store_get_write_only(store, out->source->kind, out->pipeline.source, &out->source_write_only, err);
    if (result != WEIR_OK)
        goto fail;
    free(source_kinds);
    free(destination_kinds);
    return WEIR_OK;
fail:
    free(source_kinds);
    free(destination_kinds);
    run_objects_free(out);
    return result;
}
