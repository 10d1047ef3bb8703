/* ctl_checks.c — `weir-agent ctl checks` and `ctl quarantine release|discard`: quality for operators. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "weir/agent/v1/agent.pb-c.h"

json_t *ctl_check_json(const Weir__Agent__V1__CheckResult *check)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:s}", "check", check->check, "run_id",
                     check->run_id, "pipeline", check->pipeline, "table", check->table, "kind", check->kind, "severity",
                     check->severity, "stage", check->stage, "passed", check->passed, "observed",
                     check->has_observed ? json_real(check->observed) : json_null(), "detail", check->detail,
                     "created_at", check->created_at);
}

void ctl_print_check_header(void)
{
    printf("%-28s %-22s %-8s %-6s %-6s  %s\n", "CHECK", "KIND", "SEVERITY", "STAGE", "RESULT", "DETAIL");
}

void ctl_print_check_row(const Weir__Agent__V1__CheckResult *check)
{
    printf("%-28s %-22s %-8s %-6s %-6s  %s\n", check->check, check->kind, check->severity, check->stage,
           check->passed ? "pass" : "FAIL", check->detail);
}

static int checks(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    Weir__Agent__V1__ListCheckResultsRequest request = WEIR__AGENT__V1__LIST_CHECK_RESULTS_REQUEST__INIT;
    request.pipeline = argc > 0 ? argv[0] : "";
    rpc_error_t error = {0};
    Weir__Agent__V1__ListCheckResultsResponse *reply = (Weir__Agent__V1__ListCheckResultsResponse *)ctl_call(
        channel, AGENT_METHOD_LIST_CHECK_RESULTS, &request.base,
        &weir__agent__v1__list_check_results_response__descriptor, &error);
    if (!reply)
        return ctl_report(WEIR_ERR_INVALID, &error, "checks");
    if (options->json) {
        json_t *array = json_array();
        for (size_t i = 0; i < reply->n_results; i++)
            json_array_append_new(array, ctl_check_json(reply->results[i]));
        ctl_print_json(array);
        json_decref(array);
    } else {
        printf("%-28s %-22s %-8s %-6s %-6s  %s\n", "CHECK", "KIND", "SEVERITY", "STAGE", "RESULT",
               "DETAIL (latest run)");
        for (size_t i = 0; i < reply->n_results; i++)
            ctl_print_check_row(reply->results[i]);
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

static int quarantine(rpc_channel_t *channel, int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[0], "release") != 0 && strcmp(argv[0], "discard") != 0)) {
        fprintf(stderr, "weir-agent ctl: usage: quarantine release|discard RUN_ID\n");
        return 2;
    }
    Weir__Agent__V1__QuarantineRequest request = WEIR__AGENT__V1__QUARANTINE_REQUEST__INIT;
    request.action = argv[0];
    request.run_id = argv[1];
    rpc_error_t error = {0};
    Weir__Agent__V1__QuarantineResponse *reply = (Weir__Agent__V1__QuarantineResponse *)ctl_call(
        channel, AGENT_METHOD_QUARANTINE, &request.base, &weir__agent__v1__quarantine_response__descriptor, &error);
    if (!reply || !reply->run)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error,
                          "quarantine");
    if (strcmp(argv[0], "release") == 0)
        printf("run %s released: it publishes its staged batch without checking it again\n", reply->run->id);
    else
        printf("run %s discarded: nothing published, the watermark stays; the next run reads the window again\n",
               reply->run->id);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

int ctl_quality(rpc_channel_t *channel, const ctl_options_t *options, const char *command, int argc, char **argv)
{
    return strcmp(command, "checks") == 0 ? checks(channel, options, argc, argv) : quarantine(channel, argc, argv);
}
