/* ctl_dag_graph.c — `weir-agent ctl dag graph --format text|dot`: the dependency graph of the
 * transforms and the pipeline tables they read, with each node's state, as a table for people or
 * as Graphviz DOT (`| dot -Tsvg > dag.svg`). Built from ListTransforms and the pipelines' status. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "weir/agent/v1/agent.pb-c.h"

typedef struct {
    char *id; /* a transform's name, or a table input as written ("<pipeline>/<table>") */
    bool transform;
    const char *state; /* borrowed: the transform's readiness or the table's newest run state */
    const Weir__Agent__V1__TransformStatus *status; /* transforms only, borrowed */
    int depth;
} graph_node_t;

typedef struct {
    graph_node_t *nodes;
    size_t count, cap;
} graph_t;

static graph_node_t *find(graph_t *graph, const char *id)
{
    for (size_t i = 0; i < graph->count; i++)
        if (strcmp(graph->nodes[i].id, id) == 0)
            return &graph->nodes[i];
    return NULL;
}

static graph_node_t *add(graph_t *graph, const char *id, bool transform)
{
    graph_node_t *found = find(graph, id);
    if (found)
        return found;
    if (graph->count == graph->cap) {
        size_t cap = graph->cap ? graph->cap * 2 : 16;
        graph_node_t *grown = realloc(graph->nodes, cap * sizeof *grown);
        if (!grown)
            return NULL;
        graph->nodes = grown;
        graph->cap = cap;
    }
    graph_node_t *node = &graph->nodes[graph->count];
    *node = (graph_node_t){.id = strdup(id), .transform = transform, .state = "-"};
    if (!node->id)
        return NULL;
    graph->count++;
    return node;
}

/* The newest run state of table input `id` from the pipelines' status ("-" when unknown). */
static const char *table_state(json_t *pipelines, const char *id)
{
    const char *slash = strchr(id, '/');
    if (!slash)
        return "-";
    char pipeline[128];
    snprintf(pipeline, sizeof pipeline, "%.*s", (int)(slash - id), id);
    json_t *table = json_object_get(json_object_get(json_object_get(pipelines, pipeline), "tables"), slash + 1);
    const char *state = json_string_value(json_object_get(json_object_get(table, "last_run"), "state"));
    return state ? state : table ? "new" : "-";
}

/* A transform sits one level below its deepest input; tables are level 0. The agent refuses
 * cycles, so `count` rounds settle every depth. */
static void settle_depths(graph_t *graph)
{
    for (size_t round = 0; round < graph->count; round++)
        for (size_t i = 0; i < graph->count; i++) {
            graph_node_t *node = &graph->nodes[i];
            for (size_t k = 0; node->transform && k < node->status->n_inputs; k++) {
                graph_node_t *input = find(graph, node->status->inputs[k]);
                if (input && input->depth + 1 > node->depth)
                    node->depth = input->depth + 1;
            }
        }
}

static int by_depth(const void *a, const void *b)
{
    const graph_node_t *x = a, *y = b;
    return x->depth != y->depth ? x->depth - y->depth : strcmp(x->id, y->id);
}

/* DOT text inside quotes: quotes and backslashes escaped (quoted table names hold quotes). */
static void dot_escaped(const char *text)
{
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            putchar('\\');
        putchar(*c);
    }
}

static void dot_string(const char *text)
{
    putchar('"');
    dot_escaped(text);
    putchar('"');
}

/* Red: held, failed or quarantined; yellow: running; green: its newest run succeeded (a table's
 * committed); grey: nothing yet. A transform waiting for new input after a success is green. */
static const char *dot_colour(const graph_node_t *node)
{
    const char *state = node->state;
    const Weir__Agent__V1__TransformRun *last = node->transform ? node->status->last_run : NULL;
    if (strcmp(state, "held") == 0 || strcmp(state, "failed") == 0 || strcmp(state, "quarantined") == 0 ||
        (last && strcmp(last->state, "failed") == 0 && strcmp(state, "waiting") == 0))
        return "#f4cccc";
    if (strcmp(state, "committed") == 0 ||
        (last && strcmp(last->state, "succeeded") == 0 && strcmp(state, "waiting") == 0))
        return "#d9ead3";
    if (strcmp(state, "waiting") == 0 || strcmp(state, "new") == 0 || strcmp(state, "-") == 0)
        return "#eeeeee";
    return "#fff2cc"; /* queued, building, built, ready, and a table's run in flight */
}

static void print_dot(const graph_t *graph)
{
    printf("digraph weir {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", style=filled];\n");
    for (size_t i = 0; i < graph->count; i++) {
        const graph_node_t *node = &graph->nodes[i];
        printf("  ");
        dot_string(node->id);
        printf(" [shape=%s, fillcolor=\"%s\", label=\"", node->transform ? "box" : "cylinder", dot_colour(node));
        dot_escaped(node->id);
        printf("\\n"); /* DOT's own line break */
        dot_escaped(node->state);
        printf("\"];\n");
    }
    for (size_t i = 0; i < graph->count; i++)
        for (size_t k = 0; graph->nodes[i].transform && k < graph->nodes[i].status->n_inputs; k++) {
            printf("  ");
            dot_string(graph->nodes[i].status->inputs[k]);
            printf(" -> ");
            dot_string(graph->nodes[i].id);
            printf(";\n");
        }
    printf("}\n");
}

static void print_text(const graph_t *graph)
{
    printf("%-5s %-40s %-10s %-10s %s\n", "LEVEL", "NODE", "KIND", "STATE", "INPUTS");
    for (size_t i = 0; i < graph->count; i++) {
        const graph_node_t *node = &graph->nodes[i];
        printf("%-5d %-40s %-10s %s", node->depth, node->id, node->transform ? "transform" : "table", node->state);
        /* The inputs column lines up after the state; tables have none, so no trailing blanks. */
        int pad = (int)strlen(node->state) < 10 ? 11 - (int)strlen(node->state) : 1;
        for (size_t k = 0; node->transform && k < node->status->n_inputs; k++)
            printf("%*s%s", k ? 0 : pad, k ? ", " : "", node->status->inputs[k]);
        printf("\n");
    }
}

/* The pipelines' status by name, for the table nodes' states. */
static json_t *pipeline_states(rpc_channel_t *channel, int *code)
{
    agent_object_list_t list = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_list(channel, CTL_TIMEOUT_MS, "pipeline", &list, &error);
    if (result != WEIR_OK) {
        *code = ctl_report(result, &error, "dag graph");
        return NULL;
    }
    json_t *states = json_object();
    for (size_t i = 0; states && i < list.count; i++) {
        json_t *status = json_loads(list.items[i].status_json, 0, NULL);
        json_object_set_new(states, list.items[i].name, status ? status : json_object());
    }
    agent_object_list_free(&list);
    return states;
}

int ctl_dag_graph(rpc_channel_t *channel, const ctl_options_t *options)
{
    const char *format = options->format ? options->format : "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "dot") != 0) {
        fprintf(stderr, "weir-agent ctl: dag graph --format is text or dot, not %s\n", format);
        return 2;
    }
    int code = 0;
    json_t *pipelines = pipeline_states(channel, &code);
    if (!pipelines)
        return code ? code : 1;
    Weir__Agent__V1__ListTransformsRequest request = WEIR__AGENT__V1__LIST_TRANSFORMS_REQUEST__INIT;
    rpc_error_t error = {0};
    Weir__Agent__V1__ListTransformsResponse *reply = (Weir__Agent__V1__ListTransformsResponse *)ctl_call(
        channel, AGENT_METHOD_LIST_TRANSFORMS, &request.base, &weir__agent__v1__list_transforms_response__descriptor,
        &error);
    graph_t graph = {0};
    if (!reply)
        code = ctl_report(WEIR_ERR_INVALID, &error, "dag graph");
    for (size_t i = 0; reply && code == 0 && i < reply->n_transforms; i++) {
        const Weir__Agent__V1__TransformStatus *status = reply->transforms[i];
        graph_node_t *node = add(&graph, status->name, true);
        if (node) {
            node->transform = true;
            node->status = status;
            node->state = status->readiness;
        }
        for (size_t k = 0; node && k < status->n_inputs; k++) {
            bool table = strchr(status->inputs[k], '/') != NULL;
            graph_node_t *input = table ? add(&graph, status->inputs[k], false) : NULL;
            if (input)
                input->state = table_state(pipelines, input->id);
            else if (table)
                node = NULL;
        }
        if (!node) {
            fprintf(stderr, "weir-agent ctl: out of memory\n");
            code = 1;
        }
    }
    if (code == 0) {
        settle_depths(&graph);
        qsort(graph.nodes, graph.count, sizeof *graph.nodes, by_depth);
        if (strcmp(format, "dot") == 0)
            print_dot(&graph);
        else
            print_text(&graph);
    }
    for (size_t i = 0; i < graph.count; i++)
        free(graph.nodes[i].id);
    free(graph.nodes);
    if (reply)
        protobuf_c_message_free_unpacked(&reply->base, NULL);
    json_decref(pipelines);
    return code;
}
