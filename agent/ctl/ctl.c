/* ctl.c — list, get, apply and delete objects on a running agent; tables for people, JSON for scripts. */
#include "ctl.h"
#include "ctl_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_api.h"
#include "fileutil.h"
#include "spec.h"
#include "strutil.h"
#include "token.h"
#include "weir/agent/v1/agent.pb-c.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: weir-agent ctl [options] COMMAND\n\n"
            "Commands:\n"
            "  status [PIPELINE|TRANSFORM] health of every pipeline table (last run, lag, watermark) and\n"
            "                              every transform (held, running, failing; last run)\n"
            "  list [KIND]                 objects, all kinds or one\n"
            "  get KIND NAME               one object with its spec and status\n"
            "  apply KIND NAME --spec JSON | --file FILE\n"
            "                              create or replace an object's spec (out-of-band change)\n"
            "  delete KIND NAME            delete an object (refused while others refer to it)\n"
            "  run PIPELINE [--table T] [--wait[=SECONDS]]\n"
            "                              queue a run of every table (or one) now; --wait follows it to the end\n"
            "  run TRANSFORM [--wait[=SECONDS]]\n"
            "                              queue a run of a transform now (refused while an input holds it)\n"
            "  run show RUN_ID             one run: state, watermarks, rows, error\n"
            "  runs [PIPELINE]             recent runs, newest first\n"
            "  retry RUN_ID                queue a new run of a failed or discarded run's table, or of a\n"
            "                              failed transform run's transform\n"
            "  pause PIPELINE [REASON]     stop scheduled, manual and backfill runs (in-flight runs finish)\n"
            "  resume PIPELINE             undo pause\n"
            "  backfill status [NAME]      backfills: chunks done, running, failed; rows; loaded up to\n"
            "  backfill retry NAME         run a backfill's failed chunks again\n"
            "  checks [PIPELINE|TRANSFORM] the latest result of every quality check\n"
            "  check PIPELINE              check a pipeline against its source now (tables, keys, cursor)\n"
            "                              and its targets against other writers; exit 1 on an error\n"
            "  quarantine release RUN_ID   publish a quarantined batch as it is\n"
            "  quarantine discard RUN_ID   drop a quarantined batch; the next run reads the window again\n"
            "  dag graph [--format text|dot]\n"
            "                              the transforms and the tables they read, with each one's state\n"
            "  dag runs                    recent DAG runs (a tick's loads and the transforms they fed),\n"
            "                              each with one status\n"
            "  dag show DAG_RUN_ID         one DAG run: every load and transform in it, state and error\n"
            "  retention                   the newest retention pass over each table and transform:\n"
            "                              cutoff, rows deleted, or why it skipped\n"
            "  retention run               pass over every table and transform with a retention now\n\n"
            "KIND is a kind (pipeline) or a resource type (weir_pipeline).\n\n"
            "Options:\n"
            "  --endpoint HOST:PORT   agent address [env WEIR_ENDPOINT; default 127.0.0.1:7443]\n"
            "  --ca-cert FILE         CA of the agent's certificate [env WEIR_CA_CERT: a path or PEM]\n"
            "  --token-file FILE      bearer token file [env WEIR_TOKEN_FILE]\n"
            "  -o table|json          output format (default table)\n\n"
            "The bearer token is taken from the first of: --token-file, WEIR_TOKEN (the token itself),\n"
            "WEIR_TOKEN_FILE.\n");
}

static const char *kind_name(const char *arg)
{
    const spec_kind_t *kind = spec_kind_by_kind(arg);
    if (!kind)
        kind = spec_kind_by_type(arg);
    return kind ? kind->kind : NULL;
}

static json_t *object_json(const agent_object_t *object)
{
    json_t *spec = json_loads(object->spec_json, 0, NULL);
    json_t *status = json_loads(object->status_json, 0, NULL);
    return json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:s}", "kind", object->kind, "name", object->name, "id",
                     object->id, "generation", (json_int_t)object->generation, "spec", spec ? spec : json_null(),
                     "status", status ? status : json_object(), "created_at", object->created_at, "updated_at",
                     object->updated_at);
}

void ctl_print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        printf("%s\n", text);
    free(text);
}

int ctl_report(weir_status_t result, const rpc_error_t *error, const char *what)
{
    if (result == WEIR_OK)
        return 0;
    if (error->code == GRPC_STATUS_UNAVAILABLE || error->code == GRPC_STATUS_DEADLINE_EXCEEDED)
        fprintf(stderr, "weir-agent ctl: cannot reach the agent to %s: %s\n", what, error->message);
    else
        fprintf(stderr, "weir-agent ctl: %s failed: %s\n", what, error->message);
    return result == WEIR_ERR_NOT_FOUND ? 3 : 1;
}

static int cmd_list(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    const char *kind = "";
    if (argc > 0 && !(kind = kind_name(argv[0]))) {
        fprintf(stderr, "weir-agent ctl: unknown kind \"%s\"\n", argv[0]);
        return 2;
    }
    agent_object_list_t list = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_list(channel, CTL_TIMEOUT_MS, kind, &list, &error);
    if (result != WEIR_OK)
        return ctl_report(result, &error, "list");
    if (options->json) {
        json_t *array = json_array();
        for (size_t i = 0; i < list.count; i++)
            json_array_append_new(array, object_json(&list.items[i]));
        ctl_print_json(array);
        json_decref(array);
    } else {
        printf("%-22s %-32s %10s  %s\n", "KIND", "NAME", "GENERATION", "UPDATED");
        for (size_t i = 0; i < list.count; i++)
            printf("%-22s %-32s %10lld  %s\n", list.items[i].kind, list.items[i].name,
                   (long long)list.items[i].generation, list.items[i].updated_at);
    }
    agent_object_list_free(&list);
    return 0;
}

static int cmd_get(rpc_channel_t *channel, int argc, char **argv)
{
    const char *kind = argc >= 2 ? kind_name(argv[0]) : NULL;
    if (!kind) {
        fprintf(stderr, "weir-agent ctl: usage: get KIND NAME\n");
        return 2;
    }
    agent_object_t object = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_get(channel, CTL_TIMEOUT_MS, kind, argv[1], &object, &error);
    if (result != WEIR_OK)
        return ctl_report(result, &error, "get");
    json_t *value = object_json(&object);
    ctl_print_json(value);
    json_decref(value);
    agent_object_clear(&object);
    return 0;
}

static int cmd_apply(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    const char *kind = argc >= 2 ? kind_name(argv[0]) : NULL;
    if (!kind || (!options->spec == !options->spec_file)) {
        fprintf(stderr, "weir-agent ctl: usage: apply KIND NAME --spec JSON | --file FILE\n");
        return 2;
    }
    char *from_file = NULL;
    const char *spec = options->spec;
    if (options->spec_file) {
        weir_err_t err = {{0}};
        from_file = file_read_all(options->spec_file, 16 * 1024 * 1024, &err);
        if (!from_file) {
            fprintf(stderr, "weir-agent ctl: %s\n", err.msg);
            return 1;
        }
        spec = from_file;
    }
    /* Write-only attributes travel apart from the spec, as the provider sends them, so the agent
     * keeps them out of the spec it stores and returns. */
    json_t *parsed = json_loads(spec, 0, NULL), *hidden = json_object();
    const spec_kind_t *table = spec_kind_by_kind(kind);
    for (size_t i = 0; parsed && table && i < table->block.count; i++) {
        const spec_attr_t *attr = &table->block.attrs[i];
        json_t *value = json_object_get(parsed, attr->name);
        if ((attr->flags & SA_WRITE_ONLY) && value) {
            json_object_set(hidden, attr->name, value);
            json_object_del(parsed, attr->name);
        }
    }
    char *visible = parsed ? json_dumps(parsed, JSON_COMPACT) : NULL;
    char *write_only = json_object_size(hidden) ? json_dumps(hidden, JSON_COMPACT) : NULL;
    agent_object_t object = {0};
    agent_diags_t found = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_put(channel, CTL_TIMEOUT_MS, kind, argv[1], visible ? visible : spec,
                                         write_only ? write_only : "", AGENT_ANY_GENERATION, &object, &found, &error);
    ctl_print_diags(stderr, &found);
    bool refused_with_diags = agent_diags_has_error(&found);
    agent_diags_free(&found);
    if (write_only)
        memset(write_only, 0, strlen(write_only));
    free(write_only);
    free(visible);
    json_decref(parsed);
    json_decref(hidden);
    free(from_file);
    if (result != WEIR_OK && refused_with_diags)
        return 1; /* the diagnostics above say why */
    if (result != WEIR_OK)
        return ctl_report(result, &error, "apply");
    printf("%s %s stored at generation %lld\n", object.kind, object.name, (long long)object.generation);
    agent_object_clear(&object);
    return 0;
}

static int cmd_delete(rpc_channel_t *channel, int argc, char **argv)
{
    const char *kind = argc >= 2 ? kind_name(argv[0]) : NULL;
    if (!kind) {
        fprintf(stderr, "weir-agent ctl: usage: delete KIND NAME\n");
        return 2;
    }
    rpc_error_t error = {0};
    weir_status_t result = agent_api_delete(channel, CTL_TIMEOUT_MS, kind, argv[1], 0, &error);
    if (result != WEIR_OK)
        return ctl_report(result, &error, "delete");
    printf("%s %s deleted\n", kind, argv[1]);
    return 0;
}

ProtobufCMessage *ctl_call(rpc_channel_t *channel, const char *method, const ProtobufCMessage *request,
                           const ProtobufCMessageDescriptor *reply_type, rpc_error_t *error)
{
    size_t len = protobuf_c_message_get_packed_size(request);
    uint8_t *packed = malloc(len ? len : 1);
    if (!packed)
        return NULL;
    protobuf_c_message_pack(request, packed);
    weir_buf_t response;
    buf_init(&response, 64u << 20);
    ProtobufCMessage *reply = NULL;
    if (rpc_call(channel, method, packed, len, &response, CTL_TIMEOUT_MS, error) == WEIR_OK)
        reply = protobuf_c_message_unpack(reply_type, NULL, response.len, response.data);
    free(packed);
    buf_free(&response);
    return reply;
}

static void print_run_header(void)
{
    printf("%-36s %-20s %-24s %-10s %10s %10s  %s\n", "RUN", "PIPELINE", "TABLE", "STATE", "EXTRACTED", "LOADED",
           "WATERMARK");
}

static void print_run_row(const Weir__Agent__V1__Run *run)
{
    printf("%-36s %-20s %-24s %-10s %10lld %10lld  %s\n", run->id, run->pipeline, run->table, run->state,
           (long long)run->rows_extracted, (long long)run->rows_loaded, run->watermark_to);
    if (run->error[0])
        printf("  error: %s\n", run->error);
}

static json_t *run_json(const Weir__Agent__V1__Run *run)
{
    json_t *value = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "id", run->id,
                              "pipeline", run->pipeline, "table", run->table, "trigger", run->trigger, "state",
                              run->state, "created_at", run->created_at, "started_at", run->started_at, "finished_at",
                              run->finished_at, "watermark_from", run->watermark_from, "watermark_to",
                              run->watermark_to, "rows_extracted", (json_int_t)run->rows_extracted, "rows_loaded",
                              (json_int_t)run->rows_loaded, "attempts", (json_int_t)run->attempts, "error", run->error);
    json_object_set_new(value, "backfill", json_string(run->backfill));
    json_object_set_new(value, "range_from", json_string(run->range_from));
    json_object_set_new(value, "range_to", json_string(run->range_to));
    json_object_set_new(value, "extract_seconds", json_real(run->extract_seconds));
    json_object_set_new(value, "load_seconds", json_real(run->load_seconds));
    json_object_set_new(value, "bytes_extracted", json_integer(run->bytes_extracted));
    json_object_set_new(value, "bytes_staged", json_integer(run->bytes_staged));
    return value;
}

/* Where --wait stops following a run: it ended, or it waits for an operator (quarantine). */
static bool settled(const char *state)
{
    return strcmp(state, "committed") == 0 || strcmp(state, "failed") == 0 || strcmp(state, "discarded") == 0 ||
        strcmp(state, "quarantined") == 0;
}

static int cmd_run_show(rpc_channel_t *channel, const ctl_options_t *options, const char *id)
{
    Weir__Agent__V1__GetRunRequest request = WEIR__AGENT__V1__GET_RUN_REQUEST__INIT;
    request.id = (char *)id;
    rpc_error_t error = {0};
    Weir__Agent__V1__GetRunResponse *reply = (Weir__Agent__V1__GetRunResponse *)ctl_call(
        channel, AGENT_METHOD_GET_RUN, &request.base, &weir__agent__v1__get_run_response__descriptor, &error);
    if (!reply || !reply->run)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error,
                          "run show");
    if (options->json) {
        json_t *value = run_json(reply->run), *checks = json_array();
        for (size_t i = 0; i < reply->n_checks; i++)
            json_array_append_new(checks, ctl_check_json(reply->checks[i]));
        json_object_set_new(value, "checks", checks);
        ctl_print_json(value);
        json_decref(value);
    } else {
        const Weir__Agent__V1__Run *run = reply->run;
        printf("run        %s\npipeline   %s\ntable      %s\ntrigger    %s\nstate      %s\nattempts   %lld\n"
               "created    %s\nstarted    %s\nfinished   %s\nwatermark  %s -> %s\nextracted  %lld rows\n"
               "loaded     %lld rows\n",
               run->id, run->pipeline, run->table, run->trigger, run->state, (long long)run->attempts, run->created_at,
               run->started_at, run->finished_at, run->watermark_from[0] ? run->watermark_from : "(none)",
               run->watermark_to[0] ? run->watermark_to : "(none)", (long long)run->rows_extracted,
               (long long)run->rows_loaded);
        printf("timings    extract %.1f s, load %.1f s\n", run->extract_seconds, run->load_seconds);
        printf("bytes      %lld CSV, %lld staged (zstd)\n", (long long)run->bytes_extracted,
               (long long)run->bytes_staged);
        if (run->backfill[0])
            printf("backfill   %s [%s, %s)\n", run->backfill, run->range_from, run->range_to);
        if (run->error[0])
            printf("error      %s\n", run->error);
        if (reply->n_checks) {
            printf("\n");
            ctl_print_check_header();
            for (size_t i = 0; i < reply->n_checks; i++)
                ctl_print_check_row(reply->checks[i]);
        }
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

static int cmd_run(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[0], "show") == 0)
        return cmd_run_show(channel, options, argv[1]);
    if (argc != 1) {
        fprintf(stderr, "weir-agent ctl: usage: run PIPELINE [--table T] [--wait[=SECONDS]] | run show RUN_ID\n");
        return 2;
    }
    Weir__Agent__V1__TriggerRunRequest request = WEIR__AGENT__V1__TRIGGER_RUN_REQUEST__INIT;
    request.pipeline = argv[0];
    request.table = (char *)(options->table ? options->table : "");
    rpc_error_t error = {0};
    Weir__Agent__V1__TriggerRunResponse *reply = (Weir__Agent__V1__TriggerRunResponse *)ctl_call(
        channel, AGENT_METHOD_TRIGGER_RUN, &request.base, &weir__agent__v1__trigger_run_response__descriptor, &error);
    if (!reply && error.code == GRPC_STATUS_NOT_FOUND && !options->table)
        return ctl_transform_run(channel, options, argv[0]); /* not a pipeline: a transform? */
    if (!reply)
        return ctl_report(error.code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, &error, "run");
    size_t count = reply->n_runs;
    char(*ids)[40] = calloc(count ? count : 1, sizeof *ids); /* run ids are UUIDs (36 characters) */
    for (size_t i = 0; ids && i < count; i++) {
        weir_err_t err = {{0}};
        if (str_copy(ids[i], sizeof ids[i], reply->runs[i]->id, "a run id from the agent", &err) != WEIR_OK) {
            fprintf(stderr, "weir-agent ctl: %s\n", err.msg);
            free(ids);
            protobuf_c_message_free_unpacked(&reply->base, NULL);
            return 1;
        }
    }
    if (!options->wait_seconds) {
        print_run_header();
        for (size_t i = 0; i < count; i++)
            print_run_row(reply->runs[i]);
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    if (!ids)
        return 1;
    int code = 0;
    if (options->wait_seconds) {
        /* Follow every run to its end, polling gently, bounded by --wait. */
        time_t deadline = time(NULL) + options->wait_seconds;
        bool failed = false;
        for (size_t i = 0; i < count; i++) {
            for (;;) {
                Weir__Agent__V1__GetRunRequest get = WEIR__AGENT__V1__GET_RUN_REQUEST__INIT;
                get.id = ids[i];
                Weir__Agent__V1__GetRunResponse *state = (Weir__Agent__V1__GetRunResponse *)ctl_call(
                    channel, AGENT_METHOD_GET_RUN, &get.base, &weir__agent__v1__get_run_response__descriptor, &error);
                if (!state || !state->run) {
                    code = ctl_report(WEIR_ERR_UNAVAILABLE, &error, "run --wait");
                    break;
                }
                if (settled(state->run->state) || time(NULL) >= deadline) {
                    if (i == 0)
                        print_run_header();
                    print_run_row(state->run);
                    failed |= strcmp(state->run->state, "committed") != 0;
                    protobuf_c_message_free_unpacked(&state->base, NULL);
                    break;
                }
                protobuf_c_message_free_unpacked(&state->base, NULL);
                struct timespec pause = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
                nanosleep(&pause, NULL);
            }
        }
        if (failed && code == 0)
            code = 1;
    }
    free(ids);
    return code;
}

static int cmd_runs(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv)
{
    Weir__Agent__V1__ListRunsRequest request = WEIR__AGENT__V1__LIST_RUNS_REQUEST__INIT;
    request.pipeline = argc > 0 ? argv[0] : "";
    rpc_error_t error = {0};
    Weir__Agent__V1__ListRunsResponse *reply = (Weir__Agent__V1__ListRunsResponse *)ctl_call(
        channel, AGENT_METHOD_LIST_RUNS, &request.base, &weir__agent__v1__list_runs_response__descriptor, &error);
    if (!reply)
        return ctl_report(WEIR_ERR_INVALID, &error, "runs");
    if (options->json) {
        json_t *array = json_array();
        for (size_t i = 0; i < reply->n_runs; i++)
            json_array_append_new(array, run_json(reply->runs[i]));
        ctl_print_json(array);
        json_decref(array);
    } else {
        print_run_header();
        for (size_t i = 0; i < reply->n_runs; i++)
            print_run_row(reply->runs[i]);
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}

static char *load_ca(const char *ca)
{
    if (!ca || !*ca)
        return NULL;
    if (strncmp(ca, "-----BEGIN", 10) == 0)
        return strdup(ca);
    weir_err_t err = {{0}};
    char *pem = file_read_all(ca, 1024 * 1024, &err);
    if (!pem)
        fprintf(stderr, "weir-agent ctl: %s\n", err.msg);
    return pem;
}

int ctl_main(int argc, char **argv)
{
    ctl_options_t options = {.endpoint = getenv("WEIR_ENDPOINT"), .ca = getenv("WEIR_CA_CERT")};
    /* Options may come before or after the command, as operators type them. */
    char **positional = calloc((size_t)argc + 1, sizeof *positional);
    int npos = 0;
    if (!positional)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *flag = argv[i];
        if (flag[0] != '-' || flag[1] == 0) {
            positional[npos++] = argv[i];
            continue;
        }
        if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
            usage(stdout);
            free(positional);
            return 0;
        }
        if (strncmp(flag, "--wait", 6) == 0 && (flag[6] == 0 || flag[6] == '=')) {
            /* A switch with an optional value, so it never swallows the next argument. */
            long seconds = flag[6] ? strtol(flag + 7, NULL, 10) : 3600;
            options.wait_seconds = seconds > 0 ? (int)seconds : 3600;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "weir-agent ctl: %s needs a value\n", flag);
            free(positional);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp(flag, "--endpoint") == 0)
            options.endpoint = value;
        else if (strcmp(flag, "--ca-cert") == 0)
            options.ca = value;
        else if (strcmp(flag, "--token-file") == 0)
            options.token_file = value;
        else if (strcmp(flag, "--spec") == 0)
            options.spec = value;
        else if (strcmp(flag, "--file") == 0)
            options.spec_file = value;
        else if (strcmp(flag, "--table") == 0)
            options.table = value;
        else if (strcmp(flag, "--format") == 0)
            options.format = value;
        else if (strcmp(flag, "-o") == 0 && (strcmp(value, "json") == 0 || strcmp(value, "table") == 0))
            options.json = strcmp(value, "json") == 0;
        else {
            fprintf(stderr, "weir-agent ctl: unknown option %s %s\n", flag, value);
            usage(stderr);
            free(positional);
            return 2;
        }
    }
    if (npos == 0) {
        usage(stderr);
        free(positional);
        return 2;
    }
    if (!options.endpoint || !*options.endpoint)
        options.endpoint = "127.0.0.1:7443";
    char *token = NULL;
    token_source_t token_source;
    token_sources_t token_sources = token_sources_from_env(options.token_file);
    weir_err_t token_err = {{0}};
    if (token_resolve(&token_sources, &token, &token_source, &token_err) != WEIR_OK) {
        fprintf(stderr, "weir-agent ctl: %s\n", token_err.msg);
        free(positional);
        return 1;
    }
    char *ca = load_ca(options.ca);
    int code = 1;
    weir_err_t err = {{0}};
    rpc_channel_t *channel = (options.ca && !ca) ? NULL : rpc_channel_new(options.endpoint, ca, token, &err);
    if (channel) {
        const char *command = positional[0];
        int rest = npos - 1;
        char **args = positional + 1;
        if (strcmp(command, "list") == 0)
            code = cmd_list(channel, &options, rest, args);
        else if (strcmp(command, "get") == 0)
            code = cmd_get(channel, rest, args);
        else if (strcmp(command, "apply") == 0)
            code = cmd_apply(channel, &options, rest, args);
        else if (strcmp(command, "delete") == 0)
            code = cmd_delete(channel, rest, args);
        else if (strcmp(command, "run") == 0)
            code = cmd_run(channel, &options, rest, args);
        else if (strcmp(command, "runs") == 0)
            code = cmd_runs(channel, &options, rest, args);
        else if (strcmp(command, "backfill") == 0)
            code = ctl_backfill(channel, &options, rest, args);
        else if (strcmp(command, "status") == 0 || strcmp(command, "pause") == 0 || strcmp(command, "resume") == 0 ||
                 strcmp(command, "retry") == 0)
            code = ctl_pipelines(channel, &options, command, rest, args);
        else if (strcmp(command, "check") == 0)
            code = ctl_check(channel, &options, rest, args);
        else if (strcmp(command, "checks") == 0 || strcmp(command, "quarantine") == 0)
            code = ctl_quality(channel, &options, command, rest, args);
        else if (strcmp(command, "dag") == 0)
            code = ctl_dag(channel, &options, rest, args);
        else if (strcmp(command, "retention") == 0)
            code = ctl_retention(channel, &options, rest, args);
        else {
            fprintf(stderr, "weir-agent ctl: unknown command \"%s\"\n", command);
            usage(stderr);
            code = 2;
        }
    } else if (err.msg[0]) {
        fprintf(stderr, "weir-agent ctl: %s\n", err.msg);
    }
    rpc_channel_free(channel);
    free(ca);
    free(positional);
    token_free(token);
    return code;
}
