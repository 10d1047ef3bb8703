/* control_dag_runs.c — the DAG runs an operator lists (`ctl dag runs`) and opens (`ctl dag show`). */
#include "control_dag_runs.h"

#include <stdio.h>
#include <stdlib.h>

#include "agent_api.h"
#include "store_dag_runs.h"
#include "weir/agent/v1/agent.pb-c.h"

static void fail(rpc_reply_t *reply, weir_status_t result, const char *message)
{
    reply->code = result == WEIR_ERR_NOT_FOUND ? GRPC_STATUS_NOT_FOUND
        : result == WEIR_ERR_INVALID           ? GRPC_STATUS_INVALID_ARGUMENT
                                               : GRPC_STATUS_INTERNAL;
    snprintf(reply->message, sizeof reply->message, "%s", message);
}

static void dag_run_to_proto(const store_dag_run_t *run, Weir__Agent__V1__DagRun *out)
{
    weir__agent__v1__dag_run__init(out);
    out->id = (char *)run->id;
    out->trigger = (char *)run->trigger;
    out->origin = (char *)run->origin;
    out->state = (char *)run->state;
    out->created_at = (char *)run->created_at;
    out->finished_at = (char *)run->finished_at;
    out->members = run->members;
    out->succeeded = run->succeeded;
    out->failed = run->failed;
    out->running = run->running;
}

static void member_to_proto(const store_dag_member_t *member, Weir__Agent__V1__DagRunMember *out)
{
    weir__agent__v1__dag_run_member__init(out);
    out->kind = (char *)member->kind;
    out->run_id = (char *)member->run_id;
    out->name = (char *)member->name;
    out->state = (char *)member->state;
    out->outcome = (char *)member->outcome;
    out->finished_at = (char *)member->finished_at;
    out->error = (char *)member->error;
}

static void list_dag_runs(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__ListDagRunsRequest *req =
        weir__agent__v1__list_dag_runs_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, WEIR_ERR_INVALID, "cannot decode ListDagRunsRequest");
    size_t limit = req->limit > 0 && req->limit <= 1000 ? (size_t)req->limit : 50;
    store_dag_run_t *runs = NULL;
    size_t count = 0;
    weir_err_t err = {{0}};
    weir_status_t result = store_dag_run_list(api->store, limit, &runs, &count, &err);
    Weir__Agent__V1__DagRun *items = calloc(count ? count : 1, sizeof *items);
    Weir__Agent__V1__DagRun **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (result == WEIR_OK && items && pointers) {
        for (size_t i = 0; i < count; i++) {
            dag_run_to_proto(&runs[i], &items[i]);
            pointers[i] = &items[i];
        }
        Weir__Agent__V1__ListDagRunsResponse response = WEIR__AGENT__V1__LIST_DAG_RUNS_RESPONSE__INIT;
        response.n_runs = count;
        response.runs = pointers;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply, result == WEIR_OK ? WEIR_ERR_NOMEM : result, result == WEIR_OK ? "out of memory" : err.msg);
    }
    free(items);
    free(pointers);
    free(runs);
    weir__agent__v1__list_dag_runs_request__free_unpacked(req, NULL);
}

static void get_dag_run(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__GetDagRunRequest *req =
        weir__agent__v1__get_dag_run_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, WEIR_ERR_INVALID, "cannot decode GetDagRunRequest");
    store_dag_run_t run;
    store_dag_member_t *members = NULL;
    size_t count = 0;
    weir_err_t err = {{0}};
    weir_status_t result = store_dag_run_get(api->store, req->id, &run, &members, &count, &err);
    Weir__Agent__V1__DagRunMember *items = calloc(count ? count : 1, sizeof *items);
    Weir__Agent__V1__DagRunMember **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (result == WEIR_OK && items && pointers) {
        Weir__Agent__V1__DagRun item;
        dag_run_to_proto(&run, &item);
        for (size_t i = 0; i < count; i++) {
            member_to_proto(&members[i], &items[i]);
            pointers[i] = &items[i];
        }
        Weir__Agent__V1__GetDagRunResponse response = WEIR__AGENT__V1__GET_DAG_RUN_RESPONSE__INIT;
        response.run = &item;
        response.n_members = count;
        response.members = pointers;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply, result == WEIR_OK ? WEIR_ERR_NOMEM : result, result == WEIR_OK ? "out of memory" : err.msg);
    }
    free(items);
    free(pointers);
    free(members);
    weir__agent__v1__get_dag_run_request__free_unpacked(req, NULL);
}

const rpc_method_t control_dag_runs_methods[] = {
    {AGENT_METHOD_LIST_DAG_RUNS, list_dag_runs},
    {AGENT_METHOD_GET_DAG_RUN, get_dag_run},
};
const size_t control_dag_runs_method_count = sizeof control_dag_runs_methods / sizeof control_dag_runs_methods[0];
