/* ctl_pipelines.c — `weir-agent ctl status|pause|resume|retry`: the operator's view of pipeline
 * health and the levers used during incidents. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "strutil.h"
#include "timestamp.h"
#include "weir/agent/v1/agent.pb-c.h"

/* ok, new, paused, quarantined, failing, check-failed or warning: the worst that applies. */
static const char *health(json_t *status, const char *table, json_t *table_status)
{
    if (json_is_object(json_object_get(status, "paused")))
        return "paused";
    json_t *last = json_object_get(table_status, "last_run");
    const char *state = json_string_value(json_object_get(last, "state"));
    if (state && strcmp(state, "quarantined") == 0)
        return "quarantined";
    if (state && strcmp(state, "failed") == 0)
        return "failing";
    const char *worst = NULL;
    size_t i;
    json_t *check;
    json_array_foreach(json_object_get(status, "checks"), i, check)
    {
        if (json_is_true(json_object_get(check, "passed")) ||
            strcmp(json_string_value(json_object_get(check, "table")), table) != 0)
            continue;
        if (strcmp(json_string_value(json_object_get(check, "severity")), "error") == 0)
            worst = "check-failed";
        else if (!worst)
            worst = "warning";
    }
    return worst ? worst : last && !json_is_null(last) ? "ok" : "new";
}

static void format_lag(double seconds, char *out, size_t size)
{
    long long s = (long long)seconds;
    if (s < 0)
        s = 0;
    if (s >= 86400)
        snprintf(out, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
    else if (s >= 3600)
        snprintf(out, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
    else
        snprintf(out, size, "%lldm%02llds", s / 60, s % 60);
}

static int status(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    agent_object_list_t list = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_list(channel, CTL_TIMEOUT_MS, "pipeline", &list, &error);
    if (result != WEIR_OK)
        return ctl_report(result, &error, "status");
    json_t *rows = json_array();
    time_t now = time(NULL);
    bool pipeline_named = false;
    for (size_t p = 0; p < list.count; p++) {
        if (argc > 0 && strcmp(argv[0], list.items[p].name) != 0)
            continue;
        pipeline_named = true;
        json_t *state = json_loads(list.items[p].status_json, 0, NULL);
        const char *table;
        json_t *table_status;
        json_object_foreach(json_object_get(state, "tables"), table, table_status)
        {
            const char *watermark = json_string_value(json_object_get(table_status, "watermark"));
            double epoch;
            json_t *lag =
                watermark && timestamp_parse(watermark, &epoch) ? json_real((double)now - epoch) : json_null();
            json_t *last = json_object_get(table_status, "last_run");
            json_array_append_new(rows,
                                  json_pack("{s:s, s:s, s:s, s:O, s:o, s:o, s:O}", "pipeline", list.items[p].name,
                                            "table", table, "health", health(state, table, table_status), "last_run",
                                            last, "watermark", watermark ? json_string(watermark) : json_null(),
                                            "lag_seconds", lag, "paused", json_object_get(state, "paused")));
        }
        json_decref(state);
    }
    /* Transforms follow the tables: all of them, or the one named when no pipeline has the name. */
    int code = 0;
    bool transforms = argc == 0 || !pipeline_named;
    if (options->json) {
        if (transforms)
            code = ctl_transform_status(channel, options, argc > 0 ? argv[0] : NULL, rows);
        if (code == 0)
            ctl_print_json(rows);
    } else if (argc == 0 || pipeline_named) {
        printf("%-24s %-28s %-12s %-11s %-24s %9s  %s\n", "PIPELINE", "TABLE", "HEALTH", "LAST RUN", "FINISHED", "LAG",
               "WATERMARK");
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            json_t *last = json_object_get(row, "last_run");
            char lag[32] = "-";
            if (json_is_number(json_object_get(row, "lag_seconds")))
                format_lag(json_number_value(json_object_get(row, "lag_seconds")), lag, sizeof lag);
            const char *finished = json_string_value(json_object_get(last, "finished_at"));
            printf("%-24s %-28s %-12s %-11s %-24s %9s  %s\n", json_string_value(json_object_get(row, "pipeline")),
                   json_string_value(json_object_get(row, "table")), json_string_value(json_object_get(row, "health")),
                   json_is_object(last) ? json_string_value(json_object_get(last, "state")) : "-",
                   finished && *finished ? finished : "-", lag,
                   json_string_value(json_object_get(row, "watermark"))
                       ? json_string_value(json_object_get(row, "watermark"))
                       : "-");
            json_t *paused = json_object_get(row, "paused");
            if (json_is_object(paused))
                printf("  paused since %s: %s\n", json_string_value(json_object_get(paused, "since")),
                       json_string_value(json_object_get(paused, "reason")));
            const char *error_text = json_string_value(json_object_get(last, "error"));
            if (error_text && *error_text)
                printf("  last error: %s\n", error_text);
        }
    }
    if (!options->json && transforms)
        code = ctl_transform_status(channel, options, argc > 0 ? argv[0] : NULL, rows);
    json_decref(rows);
    agent_object_list_free(&list);
    return code;
}

static int pause_or_resume(rpc_channel_t *channel, bool pause, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "weir-agent ctl: usage: pause PIPELINE [REASON...] | resume PIPELINE\n");
        return 2;
    }
    /* The reason is kept with the pipeline and shown by `status`; a longer one is refused, not cut. */
    char reason[512] = "";
    for (int i = 1; i < argc; i++) {
        size_t used = strlen(reason);
        weir_err_t err = {{0}};
        if (str_format(reason + used, sizeof reason - used, &err, "the pause reason", "%s%s", used ? " " : "",
                       argv[i]) != WEIR_OK) {
            fprintf(stderr, "weir-agent ctl: the pause reason is too long (at most %zu characters)\n",
                    sizeof reason - 1);
            return 2;
        }
    }
    Weir__Agent__V1__SetPipelinePausedRequest request = WEIR__AGENT__V1__SET_PIPELINE_PAUSED_REQUEST__INIT;
    request.pipeline = argv[0];
    request.paused = pause;
    request.reason = reason;
    rpc_error_t error = {0};
    ProtobufCMessage *reply = ctl_call(channel, AGENT_METHOD_SET_PIPELINE_PAUSED, &request.base,
                                       &weir__agent__v1__set_pipeline_paused_response__descriptor, &error);
    if (!reply)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error,
                          pause ? "pause" : "resume");
    protobuf_c_message_free_unpacked(reply, NULL);
    printf(pause ? "pipeline %s paused: no scheduled or manual runs, no backfill chunks until resumed (runs in "
                   "flight finish)\n"
                 : "pipeline %s resumed: its schedule applies again\n",
           argv[0]);
    return 0;
}

static int retry(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "weir-agent ctl: usage: retry RUN_ID\n");
        return 2;
    }
    Weir__Agent__V1__GetRunRequest get = WEIR__AGENT__V1__GET_RUN_REQUEST__INIT;
    get.id = argv[0];
    rpc_error_t error = {0};
    Weir__Agent__V1__GetRunResponse *found = (Weir__Agent__V1__GetRunResponse *)ctl_call(
        channel, AGENT_METHOD_GET_RUN, &get.base, &weir__agent__v1__get_run_response__descriptor, &error);
    if (!found && error.code == GRPC_STATUS_NOT_FOUND)
        return ctl_transform_retry(channel, options, argv[0]); /* not a load run: a transform run? */
    if (!found || !found->run)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error, "retry");
    int code = 0;
    const Weir__Agent__V1__Run *run = found->run;
    if (run->backfill[0]) {
        fprintf(stderr, "weir-agent ctl: run %s is a chunk of backfill %s: use `ctl backfill retry %s`\n", run->id,
                run->backfill, run->backfill);
        code = 1;
    } else if (strcmp(run->state, "failed") != 0 && strcmp(run->state, "discarded") != 0) {
        fprintf(stderr, "weir-agent ctl: run %s is %s; only failed or discarded runs are retried%s\n", run->id,
                run->state, strcmp(run->state, "quarantined") == 0 ? " (see `ctl quarantine`)" : "");
        code = 1;
    } else {
        Weir__Agent__V1__TriggerRunRequest trigger = WEIR__AGENT__V1__TRIGGER_RUN_REQUEST__INIT;
        trigger.pipeline = run->pipeline;
        trigger.table = run->table;
        Weir__Agent__V1__TriggerRunResponse *queued =
            (Weir__Agent__V1__TriggerRunResponse *)ctl_call(channel, AGENT_METHOD_TRIGGER_RUN, &trigger.base,
                                                            &weir__agent__v1__trigger_run_response__descriptor, &error);
        if (!queued || queued->n_runs != 1) {
            code = ctl_report(WEIR_ERR_INVALID, &error, "retry");
        } else {
            /* The new run starts from the committed watermark, so it re-reads what the failed run
             * was reading, and whatever arrived since. */
            printf("run %s queued for %s %s (retrying %s from the committed watermark)\n", queued->runs[0]->id,
                   run->pipeline, run->table, run->id);
        }
        if (queued)
            protobuf_c_message_free_unpacked(&queued->base, NULL);
    }
    protobuf_c_message_free_unpacked(&found->base, NULL);
    return code;
}

int ctl_pipelines(rpc_channel_t *channel, const ctl_options_t *options, const char *command, int argc, char **argv)
{
    if (strcmp(command, "status") == 0)
        return status(channel, options, argc, argv);
    if (strcmp(command, "retry") == 0)
        return retry(channel, options, argc, argv);
    return pause_or_resume(channel, strcmp(command, "pause") == 0, argc, argv);
}
