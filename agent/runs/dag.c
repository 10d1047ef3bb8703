/* dag.c — cycles and readiness of the transform graph (dag.h). */
#include "dag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WHITE, GREY, BLACK };

static size_t index_of(const dag_node_t *nodes, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(nodes[i].name, name) == 0)
            return i;
    return count;
}

/* Depth-first search; `path` holds the grey nodes in order. On a back edge to `target`, writes the
 * cycle from `target` round to itself. */
static bool visit(const dag_node_t *nodes, size_t count, size_t at, int *colour, size_t *path, size_t depth, char *out,
                  size_t size)
{
    colour[at] = GREY;
    path[depth] = at;
    for (size_t k = 0; k < nodes[at].input_count; k++) {
        const transform_input_t *input = &nodes[at].inputs[k];
        if (input->is_table)
            continue;
        size_t next = index_of(nodes, count, input->object);
        if (next == count || colour[next] == BLACK)
            continue;
        if (colour[next] == GREY) {
            size_t start = 0;
            while (path[start] != next)
                start++;
            /* The path runs downstream → upstream (a transform, then its input); print it the way data
             * flows, input first, so "a -> b" reads "a feeds b". */
            size_t used = 0;
            out[0] = '\0';
            for (size_t i = depth + 1; i-- > start && used < size;)
                used += (size_t)snprintf(out + used, size - used, "%s -> ", nodes[path[i]].name);
            if (used < size)
                snprintf(out + used, size - used, "%s", nodes[path[depth]].name);
            return true;
        }
        if (visit(nodes, count, next, colour, path, depth + 1, out, size))
            return true;
    }
    colour[at] = BLACK;
    return false;
}

bool dag_find_cycle(const dag_node_t *nodes, size_t count, char *out, size_t size)
{
    if (size)
        out[0] = '\0';
    int *colour = calloc(count ? count : 1, sizeof *colour);
    size_t *path = calloc(count ? count : 1, sizeof *path);
    bool found = false;
    for (size_t i = 0; colour && path && !found && i < count; i++)
        if (colour[i] == WHITE)
            found = visit(nodes, count, i, colour, path, 0, out, size);
    free(colour);
    free(path);
    return found;
}

dag_readiness_t dag_readiness(const dag_input_state_t *inputs, size_t count, const json_t *consumed, size_t *held_by)
{
    for (size_t i = 0; i < count; i++)
        if (inputs[i].failed) {
            if (held_by)
                *held_by = i;
            return DAG_HELD;
        }
    if (count == 0)
        return DAG_WAITING; /* only a schedule or an operator starts a transform without inputs */
    for (size_t i = 0; i < count; i++) {
        if (!inputs[i].token || !inputs[i].token[0])
            return DAG_WAITING; /* never published: nothing to build from yet */
        const char *seen = json_string_value(json_object_get(consumed, inputs[i].key));
        if (seen && strcmp(seen, inputs[i].token) == 0)
            return DAG_WAITING;
    }
    return DAG_READY;
}
