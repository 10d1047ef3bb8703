/* control_retention.c — what the retention step did (`ctl retention`) and a pass on request
 * (`ctl retention run`). */
#include "control_retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "agent_api.h"
#include "log.h"
#include "retention_step.h"
#include "store_retention.h"
#include "weir/agent/v1/agent.pb-c.h"

static void list_retention(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    (void)request; /* ListRetentionRequest has no fields */
    store_retention_run_t *runs = NULL;
    size_t count = 0;
    weir_err_t err = {{0}};
    weir_status_t result = store_retention_latest(api->store, &runs, &count, &err);
    Weir__Agent__V1__RetentionPass *items = calloc(count ? count : 1, sizeof *items);
    Weir__Agent__V1__RetentionPass **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (result == WEIR_OK && items && pointers) {
        for (size_t i = 0; i < count; i++) {
            Weir__Agent__V1__RetentionPass *item = &items[i];
            weir__agent__v1__retention_pass__init(item);
            item->kind = runs[i].object_kind;
            item->object = runs[i].object;
            item->target = runs[i].target;
            item->cutoff = runs[i].cutoff;
            item->state = runs[i].state;
            item->rows_deleted = runs[i].rows_deleted;
            item->batches = runs[i].batches;
            item->started_at = runs[i].started_at;
            item->finished_at = runs[i].finished_at;
            item->detail = runs[i].detail;
            item->total_rows_deleted = runs[i].total_deleted;
            pointers[i] = item;
        }
        Weir__Agent__V1__ListRetentionResponse response = WEIR__AGENT__V1__LIST_RETENTION_RESPONSE__INIT;
        response.n_passes = count;
        response.passes = pointers;
        rpc_reply_pack(reply, &response.base);
    } else {
        reply->code = GRPC_STATUS_INTERNAL;
        snprintf(reply->message, sizeof reply->message, "%s", result == WEIR_OK ? "out of memory" : err.msg);
    }
    free(items);
    free(pointers);
    free(runs);
}

static void run_retention(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    (void)ctx;
    (void)request;
    retention_request_now();
    log_info("control_api", "retention pass requested by an operator");
    Weir__Agent__V1__RunRetentionResponse response = WEIR__AGENT__V1__RUN_RETENTION_RESPONSE__INIT;
    rpc_reply_pack(reply, &response.base);
}

const rpc_method_t control_retention_methods[] = {
    {AGENT_METHOD_LIST_RETENTION, list_retention},
    {AGENT_METHOD_RUN_RETENTION, run_retention},
};
const size_t control_retention_method_count = sizeof control_retention_methods / sizeof control_retention_methods[0];
