/* ctl_check.c — `weir-agent ctl check PIPELINE`: the checks apply runs on a pipeline (tables, keys
 * and cursor against the source; targets against other writers), run now and printed. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "agent_api.h"
#include "ctl_internal.h"

void ctl_print_diags(FILE *out, const agent_diags_t *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        const agent_diag_t *d = &diags->items[i];
        char path[256];
        spec_path_format(d->path, d->path_len, path, sizeof path);
        fprintf(out, "%-7s  %s%s%s%s%s\n", d->is_error ? "error" : "warning", path, path[0] ? ": " : "", d->summary,
                d->detail[0] ? ": " : "", d->detail);
    }
}

static json_t *diags_json(const agent_diags_t *diags)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < diags->count; i++) {
        const agent_diag_t *d = &diags->items[i];
        char path[256];
        spec_path_format(d->path, d->path_len, path, sizeof path);
        json_array_append_new(array,
                              json_pack("{s:s, s:s, s:s, s:s}", "severity", d->is_error ? "error" : "warning", "path",
                                        path, "summary", d->summary, "detail", d->detail));
    }
    return array;
}

int ctl_check(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "weir-agent ctl: usage: check PIPELINE\n");
        return 2;
    }
    agent_diags_t found = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_check_pipeline(channel, CTL_TIMEOUT_MS, argv[0], &found, &error);
    if (result != WEIR_OK) {
        agent_diags_free(&found);
        return ctl_report(result, &error, "check");
    }
    if (options->json) {
        json_t *value = diags_json(&found);
        ctl_print_json(value);
        json_decref(value);
    } else if (found.count == 0) {
        printf("pipeline %s: no problems found\n", argv[0]);
    } else {
        ctl_print_diags(stdout, &found);
    }
    int code = agent_diags_has_error(&found) ? 1 : 0;
    agent_diags_free(&found);
    return code;
}
