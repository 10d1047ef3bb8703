/* dag_state.c — the publish state of a transform's inputs and its readiness (dag_state.h). */
#include "dag_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAG_TOKEN_SIZE 64

/* The publish state of one input (see dag_input_state_t); `token` and `why` are the caller's. */
static weir_status_t input_state(store_t *store, const transform_input_t *input, char token[DAG_TOKEN_SIZE],
                                 bool *failed, char *why, size_t why_size, weir_err_t *err)
{
    token[0] = '\0';
    *failed = false;
    if (!input->is_table) {
        store_transform_run_t *run = malloc(sizeof *run);
        bool found = false;
        if (!run)
            return WEIR_ERR_NOMEM;
        weir_status_t result = store_transform_run_newest(store, input->object, false, run, &found, err);
        if (result == WEIR_OK && found && run->state == TRUN_FAILED) {
            *failed = true;
            snprintf(why, why_size, "transform %s failed (run %s): %.600s", input->object, run->id, run->error);
        }
        if (result == WEIR_OK)
            result = store_transform_run_newest(store, input->object, true, run, &found, err);
        if (result == WEIR_OK && found)
            snprintf(token, DAG_TOKEN_SIZE, "%s", run->id);
        free(run);
        return result;
    }
    agent_object_t object = {0};
    pipeline_spec_t pipeline;
    if (store_get(store, "pipeline", input->object, &object, err) != WEIR_OK)
        return WEIR_OK; /* not there (yet): the input has not published */
    weir_status_t result = pipeline_spec_parse(object.spec_json, input->object, &pipeline, err);
    agent_object_clear(&object);
    if (result != WEIR_OK)
        return result;
    const table_spec_t *table = pipeline_spec_table(&pipeline, input->table);
    char state[32] = "";
    if (table)
        result = store_table_publish_state(store, pipeline.name, table->name, token, DAG_TOKEN_SIZE, failed, state,
                                           sizeof state, err);
    if (*failed)
        snprintf(why, why_size, "pipeline %s table %s: its newest run is %s", pipeline.name, table->name, state);
    pipeline_spec_free(&pipeline);
    return result;
}

weir_status_t dag_state_read(store_t *store, const transform_spec_t *spec, dag_state_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->readiness = DAG_WAITING;
    size_t slots = spec->input_count ? spec->input_count : 1;
    dag_input_state_t *states = calloc(slots, sizeof *states);
    char(*tokens)[DAG_TOKEN_SIZE] = calloc(slots, sizeof *tokens);
    json_t *consumed_before = NULL;
    out->consumed_now = json_object();
    weir_status_t result = states && tokens && out->consumed_now ? WEIR_OK : WEIR_ERR_NOMEM;
    for (size_t i = 0; result == WEIR_OK && i < spec->input_count; i++) {
        states[i].key = spec->inputs[i];
        states[i].token = tokens[i];
        char why[sizeof out->why] = "";
        result = input_state(store, &spec->input_refs[i], tokens[i], &states[i].failed, why, sizeof why, err);
        if (states[i].failed && !out->why[0]) /* the first failed input is the one named */
            snprintf(out->why, sizeof out->why, "%s", why);
        if (result == WEIR_OK && tokens[i][0] &&
            json_object_set_new(out->consumed_now, spec->inputs[i], json_string(tokens[i])))
            result = WEIR_ERR_NOMEM;
    }
    if (result == WEIR_OK)
        result = store_transform_run_newest(store, spec->name, false, &out->newest, &out->has_run, err);
    if (result == WEIR_OK && out->has_run)
        consumed_before = json_loads(out->newest.consumed_json, 0, NULL);
    if (result == WEIR_OK)
        out->readiness = dag_readiness(states, spec->input_count, consumed_before, &out->held_by);
    json_decref(consumed_before);
    free(tokens);
    free(states);
    return result;
}

void dag_state_clear(dag_state_t *state)
{
    json_decref(state->consumed_now);
    state->consumed_now = NULL;
}

const char *dag_state_name(const dag_state_t *state)
{
    if (state->has_run &&
        (state->newest.state == TRUN_QUEUED || state->newest.state == TRUN_BUILDING ||
         state->newest.state == TRUN_BUILT))
        return transform_run_state_name(state->newest.state);
    return state->readiness == DAG_HELD ? "held" : state->readiness == DAG_READY ? "ready" : "waiting";
}
