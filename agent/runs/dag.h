/* dag.h — the dependency graph of transforms, as pure functions the DAG scheduler and the apply
 * check share: cycles through transform inputs (named, "a -> b -> a"), and whether a transform is
 * ready (every input published since the run that last consumed it), waiting, or held (an input's
 * newest run failed or is quarantined: building from it would build from partial data). */
#ifndef WEIR_DAG_H
#define WEIR_DAG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "transform_input.h"

typedef struct {
    const char *name;
    const transform_input_t *inputs; /* borrowed */
    size_t input_count;
} dag_node_t;

/* True when the transforms in `nodes` depend on each other in a circle; `out` receives one such
 * cycle as "a -> b -> a" (starting from the earliest node on it). */
bool dag_find_cycle(const dag_node_t *nodes, size_t count, char *out, size_t size);

/* One input's publish state: `token` names its newest publish ("" when it never published). */
typedef struct {
    const char *key; /* the input as written in `inputs` */
    const char *token;
    bool failed; /* its newest run failed or is quarantined */
} dag_input_state_t;

typedef enum { DAG_WAITING, DAG_READY, DAG_HELD } dag_readiness_t;

/* `consumed` is the newest run's map of input → token (NULL before the first run). Several
 * publishes of one input since that run make one run: only the newest token is compared. With
 * `held_by` (may be NULL) set to the first failed input's index when held. */
dag_readiness_t dag_readiness(const dag_input_state_t *inputs, size_t count, const json_t *consumed, size_t *held_by);

#endif
