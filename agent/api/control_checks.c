/* control_checks.c — quarantine decisions and check results over the control API. */
#include "control_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "control_runs.h"
#include "fileutil.h"
#include "log.h"
#include "store_runs.h"

void control_check_to_proto(const store_check_result_t *from, Weir__Agent__V1__CheckResult *out)
{
    weir__agent__v1__check_result__init(out);
    out->run_id = (char *)from->run_id;
    out->check = (char *)from->check;
    out->pipeline = (char *)from->pipeline;
    out->table = (char *)from->table_name;
    out->kind = (char *)from->kind;
    out->severity = (char *)from->severity;
    out->stage = (char *)from->stage;
    out->passed = from->passed;
    out->has_observed = from->has_observed;
    out->observed = from->observed;
    out->detail = (char *)from->detail;
    out->created_at = (char *)from->created_at;
}

static void fail(rpc_reply_t *reply, grpc_status_code code, const char *message)
{
    reply->code = code;
    snprintf(reply->message, sizeof reply->message, "%s", message);
}

static void quarantine(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__QuarantineRequest *req =
        weir__agent__v1__quarantine_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode QuarantineRequest");
    store_run_t run;
    weir_err_t err = {{0}};
    weir_status_t result = WEIR_ERR_INVALID;
    bool release = strcmp(req->action, "release") == 0;
    if (release)
        result = store_run_release(api->store, req->run_id, &run, &err);
    else if (strcmp(req->action, "discard") == 0)
        result = store_run_discard(api->store, req->run_id, &run, &err);
    else
        weir_err_set(&err, "action must be release or discard, not \"%s\"", req->action);
    if (result == WEIR_OK) {
        if (!release)
            dir_remove_flat(run.stage_dir); /* the batch will never be published */
        log_warn("control_api", "run %s of %s %s %s by an operator", run.id, run.pipeline, run.table_name,
                 release ? "released from quarantine: it will publish without checks" : "discarded");
        Weir__Agent__V1__Run item;
        control_run_to_proto(&run, &item);
        Weir__Agent__V1__QuarantineResponse response = WEIR__AGENT__V1__QUARANTINE_RESPONSE__INIT;
        response.run = &item;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply,
             result == WEIR_ERR_NOT_FOUND      ? GRPC_STATUS_NOT_FOUND
                 : result == WEIR_ERR_CONFLICT ? GRPC_STATUS_FAILED_PRECONDITION
                 : result == WEIR_ERR_INVALID  ? GRPC_STATUS_INVALID_ARGUMENT
                                               : GRPC_STATUS_INTERNAL,
             err.msg);
    }
    weir__agent__v1__quarantine_request__free_unpacked(req, NULL);
}

static void list_check_results(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__ListCheckResultsRequest *req =
        weir__agent__v1__list_check_results_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode ListCheckResultsRequest");
    store_check_result_t *results = NULL;
    size_t count = 0;
    weir_err_t err = {{0}};
    if (store_check_latest(api->store, req->pipeline, &results, &count, &err) != WEIR_OK) {
        fail(reply, GRPC_STATUS_INTERNAL, err.msg);
    } else {
        Weir__Agent__V1__CheckResult *items = calloc(count ? count : 1, sizeof *items);
        Weir__Agent__V1__CheckResult **pointers = calloc(count ? count : 1, sizeof *pointers);
        if (!items || !pointers) {
            fail(reply, GRPC_STATUS_INTERNAL, "out of memory");
        } else {
            for (size_t i = 0; i < count; i++) {
                control_check_to_proto(&results[i], &items[i]);
                pointers[i] = &items[i];
            }
            Weir__Agent__V1__ListCheckResultsResponse response = WEIR__AGENT__V1__LIST_CHECK_RESULTS_RESPONSE__INIT;
            response.n_results = count;
            response.results = pointers;
            rpc_reply_pack(reply, &response.base);
        }
        free(items);
        free(pointers);
    }
    free(results);
    weir__agent__v1__list_check_results_request__free_unpacked(req, NULL);
}

const rpc_method_t control_checks_methods[] = {
    {AGENT_METHOD_QUARANTINE, quarantine},
    {AGENT_METHOD_LIST_CHECK_RESULTS, list_check_results},
};
const size_t control_checks_method_count = sizeof control_checks_methods / sizeof control_checks_methods[0];
