/* ctl.c — list, get, apply and delete objects on a running agent; tables for people, JSON for scripts. */
#include "ctl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_api.h"
#include "fileutil.h"
#include "spec.h"

#define CTL_TIMEOUT_MS 15000

typedef struct {
    const char *endpoint;
    const char *ca;
    const char *token_file;
    const char *spec;      /* apply --spec */
    const char *spec_file; /* apply --file */
    bool json;
} ctl_options_t;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: weir-agent ctl [options] COMMAND\n\n"
            "Commands:\n"
            "  list [KIND]                 objects, all kinds or one\n"
            "  get KIND NAME               one object with its spec and status\n"
            "  apply KIND NAME --spec JSON | --file FILE\n"
            "                              create or replace an object's spec (out-of-band change)\n"
            "  delete KIND NAME            delete an object (refused while others refer to it)\n\n"
            "KIND is a kind (pipeline) or a resource type (weir_pipeline).\n\n"
            "Options:\n"
            "  --endpoint HOST:PORT   agent address [env WEIR_ENDPOINT; default 127.0.0.1:7443]\n"
            "  --ca-cert FILE         CA of the agent's certificate [env WEIR_CA_CERT: a path or PEM]\n"
            "  --token-file FILE      bearer token file [env WEIR_TOKEN holds the token itself]\n"
            "  -o table|json          output format (default table)\n");
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
    return json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:s}", "kind", object->kind, "name", object->name,
                     "id", object->id, "generation", (json_int_t)object->generation, "spec",
                     spec ? spec : json_null(), "status", status ? status : json_object(), "created_at",
                     object->created_at, "updated_at", object->updated_at);
}

static void print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        printf("%s\n", text);
    free(text);
}

static int report(weir_status_t result, const rpc_error_t *error, const char *what)
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
        return report(result, &error, "list");
    if (options->json) {
        json_t *array = json_array();
        for (size_t i = 0; i < list.count; i++)
            json_array_append_new(array, object_json(&list.items[i]));
        print_json(array);
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
        return report(result, &error, "get");
    json_t *value = object_json(&object);
    print_json(value);
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
    agent_object_t object = {0};
    rpc_error_t error = {0};
    weir_status_t result = agent_api_put(channel, CTL_TIMEOUT_MS, kind, argv[1], spec, "", AGENT_ANY_GENERATION,
                                         &object, &error);
    free(from_file);
    if (result != WEIR_OK)
        return report(result, &error, "apply");
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
        return report(result, &error, "delete");
    printf("%s %s deleted\n", kind, argv[1]);
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
    if (options.token_file) {
        weir_err_t err = {{0}};
        token = file_read_all(options.token_file, 4096, &err);
        if (!token) {
            fprintf(stderr, "weir-agent ctl: %s\n", err.msg);
            return 1;
        }
        token[strcspn(token, "\r\n")] = 0;
    } else if (getenv("WEIR_TOKEN")) {
        token = strdup(getenv("WEIR_TOKEN"));
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
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    return code;
}
