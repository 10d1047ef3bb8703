/* ctl_retention.c — `weir-agent ctl retention` (the newest pass over every pipeline table and
 * transform with a retention: cutoff, rows deleted, skipped and why) and `ctl retention run`. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "weir/agent/v1/agent.pb-c.h"

static int list(rpc_channel_t *channel, const ctl_options_t *options)
{
    Weir__Agent__V1__ListRetentionRequest request = WEIR__AGENT__V1__LIST_RETENTION_REQUEST__INIT;
    rpc_error_t error = {0};
    Weir__Agent__V1__ListRetentionResponse *reply = (Weir__Agent__V1__ListRetentionResponse *)ctl_call(
        channel, AGENT_METHOD_LIST_RETENTION, &request.base, &weir__agent__v1__list_retention_response__descriptor,
        &error);
    if (!reply)
        return ctl_report(WEIR_ERR_INVALID, &error, "retention");
    json_t *array = json_array();
    if (!options->json)
        printf("%-10s %-36s %-10s %-24s %10s %8s %12s  %s\n", "KIND", "OBJECT", "STATE", "CUTOFF", "DELETED", "BATCHES",
               "ALL PASSES", "STARTED");
    for (size_t i = 0; i < reply->n_passes; i++) {
        const Weir__Agent__V1__RetentionPass *p = reply->passes[i];
        if (options->json) {
            json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I}", "kind", p->kind,
                                    "object", p->object, "target", p->target, "cutoff", p->cutoff, "state", p->state,
                                    "rows_deleted", (json_int_t)p->rows_deleted, "batches", (json_int_t)p->batches,
                                    "started_at", p->started_at, "finished_at", p->finished_at, "detail", p->detail,
                                    "total_rows_deleted", (json_int_t)p->total_rows_deleted);
            json_array_append_new(array, row);
            continue;
        }
        printf("%-10s %-36s %-10s %-24s %10lld %8lld %12lld  %s\n", p->kind, p->object, p->state, p->cutoff,
               (long long)p->rows_deleted, (long long)p->batches, (long long)p->total_rows_deleted, p->started_at);
        if (p->detail[0])
            printf("  %s\n", p->detail);
    }
    if (options->json)
        ctl_print_json(array);
    json_decref(array);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

int ctl_retention(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    if (argc == 0)
        return list(channel, options);
    if (argc != 1 || strcmp(argv[0], "run") != 0) {
        fprintf(stderr, "weir-agent ctl: usage: retention | retention run\n");
        return 2;
    }
    Weir__Agent__V1__RunRetentionRequest request = WEIR__AGENT__V1__RUN_RETENTION_REQUEST__INIT;
    rpc_error_t error = {0};
    ProtobufCMessage *reply = ctl_call(channel, AGENT_METHOD_RUN_RETENTION, &request.base,
                                       &weir__agent__v1__run_retention_response__descriptor, &error);
    if (!reply)
        return ctl_report(WEIR_ERR_INVALID, &error, "retention run");
    protobuf_c_message_free_unpacked(reply, NULL);
    printf("retention pass requested: every table and transform with a retention is passed over within seconds; "
           "`weir-agent ctl retention` shows the result\n");
    return 0;
}
