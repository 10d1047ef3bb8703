/* control_runs.c — the run RPCs of the control API: trigger, get, list; retry a backfill; pause. */
#include "control_runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "log.h"
#include "control_checks.h"
#include "store_backfill.h"
#include "store_checks.h"
#include "store_dag_runs.h"
#include "store_runs.h"
#include "specs.h"
#include "weir/agent/v1/agent.pb-c.h"

void control_run_to_proto(const store_run_t *run, Weir__Agent__V1__Run *out)
{
    weir__agent__v1__run__init(out);
    out->id = (char *)run->id;
    out->pipeline = (char *)run->pipeline;
    out->table = (char *)run->table_name;
    out->trigger = (char *)run->trigger;
    out->state = (char *)run_state_name(run->state);
    out->created_at = (char *)run->created_at;
    out->started_at = (char *)run->started_at;
    out->finished_at = (char *)run->finished_at;
    out->watermark_from = (char *)(run->has_watermark_from ? run->watermark_from : "");
    out->watermark_to = (char *)(run->has_watermark_to ? run->watermark_to : "");
    out->rows_extracted = run->rows_extracted;
    out->rows_loaded = run->rows_loaded;
    out->attempts = run->attempts;
    out->error = (char *)run->error;
    out->backfill = (char *)run->backfill;
    out->range_from = (char *)run->range_from;
    out->range_to = (char *)run->range_to;
    out->extract_seconds = run->extract_seconds;
    out->load_seconds = run->load_seconds;
    out->bytes_extracted = run->bytes_extracted;
    out->bytes_staged = run->bytes_staged;
}

/* Fills a response's repeated Run field (`n_field`, `field`) from `runs` and packs the response. */
static void pack_runs(rpc_reply_t *reply, const store_run_t *runs, size_t count, ProtobufCMessage *response,
                      size_t *n_field, Weir__Agent__V1__Run ***field)
{
    Weir__Agent__V1__Run *items = calloc(count ? count : 1, sizeof *items);
    Weir__Agent__V1__Run **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (items && pointers) {
        for (size_t i = 0; i < count; i++) {
            control_run_to_proto(&runs[i], &items[i]);
            pointers[i] = &items[i];
        }
        *n_field = count;
        *field = pointers;
        rpc_reply_pack(reply, response);
    } else {
        reply->code = GRPC_STATUS_INTERNAL;
        snprintf(reply->message, sizeof reply->message, "out of memory");
    }
    free(items);
    free(pointers);
}

static void fail(rpc_reply_t *reply, grpc_status_code code, const char *message)
{
    reply->code = code;
    snprintf(reply->message, sizeof reply->message, "%s", message);
}

static void join_dag_run(store_t *store, char dag_run[STORE_DAG_RUN_ID_SIZE], const char *pipeline, const char *run_id)
{
    char origin[128];
    weir_err_t err = {{0}};
    snprintf(origin, sizeof origin, "pipeline %s", pipeline);
    if (store_dag_run_join(store, dag_run, "manual", origin, "load", run_id, &err) != WEIR_OK)
        log_error("control_api", "run %s: cannot record its DAG run: %s", run_id, err.msg);
}

static void trigger_run(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__TriggerRunRequest *req =
        weir__agent__v1__trigger_run_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode TriggerRunRequest");
    agent_object_t pipeline = {0};
    weir_err_t err = {{0}};
    store_run_t *runs = NULL;
    size_t count = 0;
    pipeline_spec_t spec = {0};
    char dag_run[STORE_DAG_RUN_ID_SIZE] = "";
    if (store_get(api->store, "pipeline", req->pipeline, &pipeline, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_NOT_FOUND, err.msg);
        goto out;
    }
    bool paused = false;
    char reason[256] = "";
    if (store_pipeline_paused(api->store, req->pipeline, &paused, reason, sizeof reason, NULL, 0, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_INTERNAL, err.msg);
        goto out;
    }
    if (paused) {
        char message[512];
        snprintf(message, sizeof message, "pipeline %s is paused (%s); weir-agent ctl resume %s first", req->pipeline,
                 reason[0] ? reason : "no reason given", req->pipeline);
        fail(reply, GRPC_STATUS_FAILED_PRECONDITION, message);
        goto out;
    }
    if (pipeline_spec_parse(pipeline.spec_json, req->pipeline, &spec, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_INTERNAL, err.msg);
        goto out;
    }
    runs = calloc(spec.table_count ? spec.table_count : 1, sizeof *runs);
    if (!runs) {
        fail(reply, GRPC_STATUS_INTERNAL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < spec.table_count; i++) {
        const char *name = spec.tables[i].name;
        if (req->table[0] && strcmp(req->table, name) != 0)
            continue;
        store_run_request_t run_request = {.pipeline = req->pipeline,
                                           .table_name = name,
                                           .trigger = "manual",
                                           .source = spec.source,
                                           .destination = spec.destination,
                                           .not_before = ""};
        weir_status_t result = store_run_enqueue(api->store, &run_request, &runs[count], &err);
        if (result != WEIR_OK && result != WEIR_ERR_EXISTS) {
            fail(reply, GRPC_STATUS_INTERNAL, err.msg);
            goto out;
        }
        log_info("control_api", "run %s of %s %s %s", runs[count].id, req->pipeline, name,
                 result == WEIR_OK ? "queued" : "already unfinished");
        if (result == WEIR_OK) /* one DAG run per command; its bookkeeping never refuses a run */
            join_dag_run(api->store, dag_run, req->pipeline, runs[count].id);
        count++;
    }
    if (count == 0) {
        char message[512];
        snprintf(message, sizeof message, "pipeline %s has no table %s", req->pipeline, req->table);
        fail(reply, GRPC_STATUS_NOT_FOUND, message);
        goto out;
    }
    Weir__Agent__V1__TriggerRunResponse response = WEIR__AGENT__V1__TRIGGER_RUN_RESPONSE__INIT;
    pack_runs(reply, runs, count, &response.base, &response.n_runs, &response.runs);
out:
    pipeline_spec_free(&spec);
    free(runs);
    agent_object_clear(&pipeline);
    weir__agent__v1__trigger_run_request__free_unpacked(req, NULL);
}

static void get_run(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__GetRunRequest *req =
        weir__agent__v1__get_run_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode GetRunRequest");
    store_run_t run;
    weir_err_t err = {{0}};
    weir_status_t result = store_run_get(api->store, req->id, &run, &err);
    store_check_result_t *checks = NULL;
    size_t count = 0;
    if (result == WEIR_OK)
        result = store_check_results_for_run(api->store, req->id, &checks, &count, &err);
    Weir__Agent__V1__CheckResult *items = calloc(count ? count : 1, sizeof *items);
    Weir__Agent__V1__CheckResult **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (result == WEIR_OK && (!items || !pointers)) {
        weir_err_set(&err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    if (result == WEIR_OK) {
        Weir__Agent__V1__Run item;
        control_run_to_proto(&run, &item);
        for (size_t i = 0; i < count; i++) {
            control_check_to_proto(&checks[i], &items[i]);
            pointers[i] = &items[i];
        }
        Weir__Agent__V1__GetRunResponse response = WEIR__AGENT__V1__GET_RUN_RESPONSE__INIT;
        response.run = &item;
        response.n_checks = count;
        response.checks = pointers;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply, result == WEIR_ERR_NOT_FOUND ? GRPC_STATUS_NOT_FOUND : GRPC_STATUS_INTERNAL, err.msg);
    }
    free(items);
    free(pointers);
    free(checks);
    weir__agent__v1__get_run_request__free_unpacked(req, NULL);
}

static void list_runs(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__ListRunsRequest *req =
        weir__agent__v1__list_runs_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode ListRunsRequest");
    /* A page of history is enough for an operator; the store keeps all of it. */
    size_t limit = req->limit > 0 && req->limit <= 1000 ? (size_t)req->limit : 50;
    store_run_t *runs = NULL;
    size_t count = 0;
    weir_err_t err = {{0}};
    if (store_run_list(api->store, req->pipeline, limit, &runs, &count, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_INTERNAL, err.msg);
    } else {
        Weir__Agent__V1__ListRunsResponse response = WEIR__AGENT__V1__LIST_RUNS_RESPONSE__INIT;
        pack_runs(reply, runs, count, &response.base, &response.n_runs, &response.runs);
    }
    free(runs);
    weir__agent__v1__list_runs_request__free_unpacked(req, NULL);
}

static void retry_backfill(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__RetryBackfillRequest *req =
        weir__agent__v1__retry_backfill_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode RetryBackfillRequest");
    weir_err_t err = {{0}};
    store_backfill_progress_t progress;
    long long restarted = 0;
    weir_status_t result = store_backfill_progress(api->store, req->name, &progress, &err);
    if (result == WEIR_OK)
        result = store_backfill_retry(api->store, req->name, &restarted, &err);
    if (result == WEIR_OK) {
        log_info("control_api", "backfill %s: %lld failed chunk(s) will run again", req->name, restarted);
        Weir__Agent__V1__RetryBackfillResponse response = WEIR__AGENT__V1__RETRY_BACKFILL_RESPONSE__INIT;
        response.chunks_restarted = restarted;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply, result == WEIR_ERR_NOT_FOUND ? GRPC_STATUS_NOT_FOUND : GRPC_STATUS_INTERNAL, err.msg);
    }
    weir__agent__v1__retry_backfill_request__free_unpacked(req, NULL);
}

static void set_pipeline_paused(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__SetPipelinePausedRequest *req =
        weir__agent__v1__set_pipeline_paused_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode SetPipelinePausedRequest");
    agent_object_t pipeline = {0};
    weir_err_t err = {{0}};
    if (store_get(api->store, "pipeline", req->pipeline, &pipeline, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_NOT_FOUND, err.msg);
    } else if (store_pipeline_pause(api->store, req->pipeline, req->reason, req->paused, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_INTERNAL, err.msg);
    } else {
        log_warn("control_api", "pipeline %s %s by an operator%s%s", req->pipeline, req->paused ? "paused" : "resumed",
                 req->reason[0] ? ": " : "", req->reason);
        Weir__Agent__V1__SetPipelinePausedResponse response = WEIR__AGENT__V1__SET_PIPELINE_PAUSED_RESPONSE__INIT;
        rpc_reply_pack(reply, &response.base);
    }
    agent_object_clear(&pipeline);
    weir__agent__v1__set_pipeline_paused_request__free_unpacked(req, NULL);
}

const rpc_method_t control_runs_methods[] = {
    {AGENT_METHOD_TRIGGER_RUN, trigger_run},
    {AGENT_METHOD_GET_RUN, get_run},
    {AGENT_METHOD_LIST_RUNS, list_runs},
    {AGENT_METHOD_RETRY_BACKFILL, retry_backfill},
    {AGENT_METHOD_SET_PIPELINE_PAUSED, set_pipeline_paused},
};
const size_t control_runs_method_count = sizeof control_runs_methods / sizeof control_runs_methods[0];
