/* ctl_dag_runs.c — `weir-agent ctl dag runs` (recent DAG runs, newest first, with one status each)
 * and `ctl dag show DAG_RUN_ID` (its loads and transforms, each with its state and error). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "weir/agent/v1/agent.pb-c.h"

static json_t *dag_run_json(const Weir__Agent__V1__DagRun *run)
{
    json_t *value =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", run->id, "trigger", run->trigger, "origin", run->origin,
                  "state", run->state, "created_at", run->created_at, "finished_at", run->finished_at);
    json_object_set_new(value, "members", json_integer(run->members));
    json_object_set_new(value, "succeeded", json_integer(run->succeeded));
    json_object_set_new(value, "failed", json_integer(run->failed));
    json_object_set_new(value, "running", json_integer(run->running));
    return value;
}

static void print_header(void)
{
    printf("%-36s %-9s %-30s %-10s %7s %7s %7s  %s\n", "DAG RUN", "TRIGGER", "ORIGIN", "STATE", "MEMBERS", "FAILED",
           "RUNNING", "CREATED");
}

static void print_row(const Weir__Agent__V1__DagRun *run)
{
    printf("%-36s %-9s %-30s %-10s %7lld %7lld %7lld  %s\n", run->id, run->trigger, run->origin, run->state,
           (long long)run->members, (long long)run->failed, (long long)run->running, run->created_at);
}

static int dag_runs(rpc_channel_t *channel, const ctl_options_t *options)
{
    Weir__Agent__V1__ListDagRunsRequest request = WEIR__AGENT__V1__LIST_DAG_RUNS_REQUEST__INIT;
    rpc_error_t error = {0};
    Weir__Agent__V1__ListDagRunsResponse *reply =
        (Weir__Agent__V1__ListDagRunsResponse *)ctl_call(channel, AGENT_METHOD_LIST_DAG_RUNS, &request.base,
                                                         &weir__agent__v1__list_dag_runs_response__descriptor, &error);
    if (!reply)
        return ctl_report(WEIR_ERR_INVALID, &error, "dag runs");
    if (options->json) {
        json_t *array = json_array();
        for (size_t i = 0; i < reply->n_runs; i++)
            json_array_append_new(array, dag_run_json(reply->runs[i]));
        ctl_print_json(array);
        json_decref(array);
    } else {
        print_header();
        for (size_t i = 0; i < reply->n_runs; i++)
            print_row(reply->runs[i]);
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

static int dag_show(rpc_channel_t *channel, const ctl_options_t *options, const char *id)
{
    Weir__Agent__V1__GetDagRunRequest request = WEIR__AGENT__V1__GET_DAG_RUN_REQUEST__INIT;
    request.id = (char *)id;
    rpc_error_t error = {0};
    Weir__Agent__V1__GetDagRunResponse *reply = (Weir__Agent__V1__GetDagRunResponse *)ctl_call(
        channel, AGENT_METHOD_GET_DAG_RUN, &request.base, &weir__agent__v1__get_dag_run_response__descriptor, &error);
    if (!reply || !reply->run)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error,
                          "dag show");
    if (options->json) {
        json_t *value = dag_run_json(reply->run), *members = json_array();
        for (size_t i = 0; i < reply->n_members; i++) {
            const Weir__Agent__V1__DagRunMember *m = reply->members[i];
            json_array_append_new(members,
                                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", m->kind, "run_id", m->run_id,
                                            "name", m->name, "state", m->state, "outcome", m->outcome, "finished_at",
                                            m->finished_at, "error", m->error));
        }
        json_object_set_new(value, "members_detail", members);
        ctl_print_json(value);
        json_decref(value);
    } else {
        const Weir__Agent__V1__DagRun *run = reply->run;
        printf("dag run    %s\ntrigger    %s\norigin     %s\nstate      %s\ncreated    %s\nfinished   %s\n\n", run->id,
               run->trigger, run->origin, run->state, run->created_at, run->finished_at[0] ? run->finished_at : "-");
        printf("%-10s %-36s %-40s %-12s %-10s %s\n", "KIND", "RUN", "NAME", "STATE", "OUTCOME", "FINISHED");
        for (size_t i = 0; i < reply->n_members; i++) {
            const Weir__Agent__V1__DagRunMember *m = reply->members[i];
            printf("%-10s %-36s %-40s %-12s %-10s %s\n", m->kind, m->run_id, m->name, m->state, m->outcome,
                   m->finished_at[0] ? m->finished_at : "-");
            if (m->error[0])
                printf("  error: %s\n", m->error);
        }
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

int ctl_dag(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    if (argc == 1 && strcmp(argv[0], "graph") == 0)
        return ctl_dag_graph(channel, options);
    if (argc == 1 && strcmp(argv[0], "runs") == 0)
        return dag_runs(channel, options);
    if (argc == 2 && strcmp(argv[0], "show") == 0)
        return dag_show(channel, options, argv[1]);
    fprintf(stderr, "weir-agent ctl: usage: dag graph [--format text|dot] | dag runs | dag show DAG_RUN_ID\n");
    return 2;
}
