/* transform_graph.c — the apply-time cycle check of the transform graph (transform_graph.h). */
#include "transform_graph.h"

#include <stdlib.h>
#include <string.h>

#include "dag.h"
#include "specs.h"

weir_status_t transform_check_graph(store_t *store, const char *name, const char *spec_json, spec_diags_t *diags,
                                    weir_err_t *err)
{
    agent_object_list_t stored = {0};
    transform_spec_t *specs = NULL;
    dag_node_t *nodes = NULL;
    size_t count = 0;
    weir_status_t result = store_list(store, "transform", "", "", 0, &stored, err);
    if (result == WEIR_OK) {
        specs = calloc(stored.count + 1, sizeof *specs);
        nodes = calloc(stored.count + 1, sizeof *nodes);
        result = specs && nodes ? WEIR_OK : WEIR_ERR_NOMEM;
    }
    if (result == WEIR_OK && (result = transform_spec_parse(spec_json, name, &specs[0], err)) == WEIR_OK)
        count = 1;
    for (size_t i = 0; result == WEIR_OK && i < stored.count; i++) {
        weir_err_t ignored;
        if (strcmp(stored.items[i].name, name) == 0 ||
            transform_spec_parse(stored.items[i].spec_json, stored.items[i].name, &specs[count], &ignored) != WEIR_OK)
            continue; /* replaced by the new version, or unreadable (reported where it is used) */
        count++;
    }
    for (size_t i = 0; i < count; i++)
        nodes[i] =
            (dag_node_t){.name = specs[i].name, .inputs = specs[i].input_refs, .input_count = specs[i].input_count};
    char cycle[1024];
    if (result == WEIR_OK && dag_find_cycle(nodes, count, cycle, sizeof cycle)) {
        weir_err_set(err, "inputs: the transforms would depend on each other in a cycle: %s", cycle);
        if (diags) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "inputs"}};
            spec_diag_add(diags, true, path, 1, "Transform cycle",
                          "These transforms would depend on each other in a cycle: %s. A transform runs only when its "
                          "inputs have published, so none of them would ever run; remove one of the inputs.",
                          cycle);
        }
        result = WEIR_ERR_INVALID;
    }
    for (size_t i = 0; i < count; i++)
        transform_spec_free(&specs[i]);
    free(specs);
    free(nodes);
    agent_object_list_free(&stored);
    return result;
}
