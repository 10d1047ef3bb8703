/* pipeline_targets.c — the target tables of pipelines, compared through the destinations' own
 * naming rules (destination.h target_identity). */
#include "pipeline_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "destination.h"
#include "specs.h"

/* Destination objects looked up once per check: name → kind's backend and spec JSON. */
typedef struct {
    char *name;
    const destination_ops_t *ops;
    char *spec_json;
} known_destination_t;

typedef struct {
    known_destination_t *items;
    size_t count, cap;
} destinations_t;

static void destinations_free(destinations_t *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].name);
        free(d->items[i].spec_json);
    }
    free(d->items);
}

/* The destination `name`, or NULL when no destination kind has one by that name. */
static const known_destination_t *destination_named(store_t *store, destinations_t *d, const char *name)
{
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->items[i].name, name) == 0)
            return d->items[i].ops ? &d->items[i] : NULL;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        known_destination_t *grown = realloc(d->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        d->items = grown;
        d->cap = cap;
    }
    known_destination_t *entry = &d->items[d->count];
    *entry = (known_destination_t){.name = strdup(name)};
    if (!entry->name)
        return NULL;
    d->count++;
    for (size_t k = 0; k < destination_backend_count && !entry->ops; k++) {
        agent_object_t object;
        weir_err_t ignored;
        if (store_get(store, destination_backends[k]->kind, name, &object, &ignored) != WEIR_OK)
            continue;
        entry->ops = destination_backends[k];
        entry->spec_json = object.spec_json;
        object.spec_json = NULL;
        agent_object_clear(&object);
    }
    return entry->ops ? entry : NULL;
}

/* The identity of every table block of `pipeline` (new array of fixed-size strings), or NULL
 * (*count 0) when its destination does not exist. */
typedef char identity_t[600];

static weir_status_t identities_of(store_t *store, destinations_t *d, const pipeline_spec_t *pipeline, identity_t **out,
                                   weir_err_t *err)
{
    *out = NULL;
    const known_destination_t *destination = destination_named(store, d, pipeline->destination);
    if (!destination)
        return WEIR_OK;
    identity_t *ids = calloc(pipeline->table_count ? pipeline->table_count : 1, sizeof *ids);
    if (!ids)
        return WEIR_ERR_NOMEM;
    for (size_t t = 0; t < pipeline->table_count; t++) {
        weir_status_t result = destination->ops->target_identity(
            destination->spec_json, pipeline->tables[t].target_name, ids[t], sizeof ids[t], err);
        if (result != WEIR_OK) {
            free(ids);
            return result;
        }
    }
    *out = ids;
    return WEIR_OK;
}

/* Refuses table block `t`: in err, and in diags (when given) at the attribute that chose the
 * destination table — target when the block sets it, else name. */
static weir_status_t refuse(const pipeline_spec_t *mine, size_t t, const identity_t id, const char *other_pipeline,
                            const char *other_table, spec_diags_t *diags, weir_err_t *err)
{
    char who[200];
    if (other_pipeline)
        snprintf(who, sizeof who, "pipeline %.150s", other_pipeline);
    else
        snprintf(who, sizeof who, "this pipeline");
    weir_err_set(err,
                 "table[%zu] (%s) would write %s, which %s already writes from table %s; each destination table "
                 "has one writer: set target on one of them to another table",
                 t, mine->tables[t].name, id, who, other_table);
    if (diags) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                              {.kind = PATH_INDEX, .index = (long)t},
                              {.kind = PATH_ATTR, .name = mine->tables[t].target ? "target" : "name"}};
        spec_diag_add(diags, true, path, 3, "Destination table already written",
                      "Table %s would write %s, which %s already writes from table %s. Each destination table has "
                      "one writer: set target on one of them to another table.",
                      mine->tables[t].name, id, who, other_table);
    }
    return WEIR_ERR_INVALID;
}

/* Compares `mine` with the stored pipeline `other`. */
static weir_status_t against(store_t *store, destinations_t *d, const pipeline_spec_t *mine, const identity_t *ids,
                             const agent_object_t *other, spec_diags_t *diags, weir_err_t *err)
{
    pipeline_spec_t theirs;
    weir_err_t ignored;
    if (pipeline_spec_parse(other->spec_json, other->name, &theirs, &ignored) != WEIR_OK)
        return WEIR_OK; /* an unreadable stored spec is reported where it is used */
    identity_t *their_ids = NULL;
    weir_status_t result = identities_of(store, d, &theirs, &their_ids, err);
    for (size_t t = 0; result == WEIR_OK && their_ids && t < mine->table_count; t++)
        for (size_t u = 0; result == WEIR_OK && u < theirs.table_count; u++)
            if (strcmp(ids[t], their_ids[u]) == 0)
                result = refuse(mine, t, ids[t], other->name, theirs.tables[u].name, diags, err);
    free(their_ids);
    pipeline_spec_free(&theirs);
    return result;
}

weir_status_t pipeline_check_targets(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                     weir_err_t *err)
{
    pipeline_spec_t mine;
    weir_status_t result = pipeline_spec_parse(spec_json, name, &mine, err);
    if (result != WEIR_OK)
        return result;
    destinations_t d = {0};
    identity_t *ids = NULL;
    agent_object_list_t pipelines = {0};
    result = identities_of(store, &d, &mine, &ids, err);
    for (size_t t = 0; result == WEIR_OK && ids && t < mine.table_count; t++)
        for (size_t u = 0; result == WEIR_OK && u < t; u++)
            if (strcmp(ids[t], ids[u]) == 0)
                result = refuse(&mine, t, ids[t], NULL, mine.tables[u].name, diags, err);
    if (result == WEIR_OK && ids)
        result = store_list(store, "pipeline", "", "", 0, &pipelines, err);
    for (size_t i = 0; result == WEIR_OK && ids && i < pipelines.count; i++)
        if (strcmp(pipelines.items[i].name, name) != 0)
            result = against(store, &d, &mine, ids, &pipelines.items[i], diags, err);
    agent_object_list_free(&pipelines);
    free(ids);
    destinations_free(&d);
    pipeline_spec_free(&mine);
    return result;
}
