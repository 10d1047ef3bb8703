/* ctl_backfill.c — `weir-agent ctl backfill status|retry`: backfill progress for operators. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "weir/agent/v1/agent.pb-c.h"

static long long count_of(json_t *status, const char *key)
{
    return (long long)json_integer_value(json_object_get(status, key));
}

static const char *text_of(json_t *status, const char *key)
{
    const char *text = json_string_value(json_object_get(status, key));
    return text && *text ? text : "-";
}

static void print_row(const char *name, json_t *status)
{
    printf("%-28s %-20s %-24s %-10s %6lld/%-6lld %7lld %6lld %12lld  %s\n", name, text_of(status, "pipeline"),
           text_of(status, "table"), text_of(status, "state"), count_of(status, "chunks_done"),
           count_of(status, "chunks_total"), count_of(status, "chunks_running"), count_of(status, "chunks_failed"),
           count_of(status, "rows_loaded"), text_of(status, "done_until"));
    const char *error = json_string_value(json_object_get(status, "last_error"));
    if (error && *error)
        printf("  last error: %s\n", error);
}

static int backfill_status(rpc_channel_t *channel, const ctl_options_t *options, const char *name)
{
    agent_object_list_t list = {0};
    agent_object_t one = {0};
    rpc_error_t error = {0};
    weir_status_t result = name ? agent_api_get(channel, CTL_TIMEOUT_MS, "backfill", name, &one, &error)
                                : agent_api_list(channel, CTL_TIMEOUT_MS, "backfill", &list, &error);
    if (result != WEIR_OK)
        return ctl_report(result, &error, "backfill status");
    const agent_object_t *items = name ? &one : list.items;
    size_t count = name ? 1 : list.count;
    json_t *array = options->json ? json_array() : NULL;
    if (!options->json)
        printf("%-28s %-20s %-24s %-10s %13s %7s %6s %12s  %s\n", "BACKFILL", "PIPELINE", "TABLE", "STATE", "CHUNKS",
               "RUNNING", "FAILED", "ROWS", "LOADED UP TO");
    for (size_t i = 0; i < count; i++) {
        json_t *status = json_loads(items[i].status_json, 0, NULL);
        if (!status)
            status = json_object();
        if (array) {
            json_object_set_new(status, "name", json_string(items[i].name));
            json_array_append(array, status);
        } else {
            print_row(items[i].name, status);
        }
        json_decref(status);
    }
    if (array) {
        ctl_print_json(name ? json_array_get(array, 0) : array);
        json_decref(array);
    }
    agent_object_clear(&one);
    agent_object_list_free(&list);
    return 0;
}

static int backfill_retry(rpc_channel_t *channel, const char *name)
{
    Weir__Agent__V1__RetryBackfillRequest request = WEIR__AGENT__V1__RETRY_BACKFILL_REQUEST__INIT;
    request.name = (char *)name;
    rpc_error_t error = {0};
    Weir__Agent__V1__RetryBackfillResponse *reply = (Weir__Agent__V1__RetryBackfillResponse *)ctl_call(
        channel, AGENT_METHOD_RETRY_BACKFILL, &request.base, &weir__agent__v1__retry_backfill_response__descriptor,
        &error);
    if (!reply)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error,
                          "backfill retry");
    printf("backfill %s: %lld failed chunk(s) will run again\n", name, (long long)reply->chunks_restarted);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

int ctl_backfill(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    if (argc >= 1 && argc <= 2 && strcmp(argv[0], "status") == 0)
        return backfill_status(channel, options, argc == 2 ? argv[1] : NULL);
    if (argc == 2 && strcmp(argv[0], "retry") == 0)
        return backfill_retry(channel, argv[1]);
    fprintf(stderr, "weir-agent ctl: usage: backfill status [NAME] | backfill retry NAME\n");
    return 2;
}
