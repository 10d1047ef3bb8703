/* config.c — the serve settings table, flag and environment parsing, generated help. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

typedef struct {
    const char *flag;
    const char *env;
    const char *metavar; /* NULL for boolean switches */
    const char *default_value;
    size_t offset; /* of the char* (or bool) field in agent_config_t */
    const char *help;
} setting_t;

static const setting_t settings[] = {
    {"--listen", "WEIR_LISTEN", "HOST:PORT", "127.0.0.1:7443", offsetof(agent_config_t, listen),
     "Address of the control API (gRPC over TLS)."},
    {"--data-dir", "WEIR_DATA_DIR", "DIR", "/var/lib/weir", offsetof(agent_config_t, data_dir),
     "Directory for the store (weir.db) and, with --dev, the generated certificate and token."},
    {"--tls-cert", "WEIR_TLS_CERT", "FILE", NULL, offsetof(agent_config_t, tls_cert),
     "PEM certificate chain the control API presents. Required unless --dev."},
    {"--tls-key", "WEIR_TLS_KEY", "FILE", NULL, offsetof(agent_config_t, tls_key), "PEM private key for --tls-cert."},
    {"--token-file", "WEIR_TOKEN_FILE", "FILE", NULL, offsetof(agent_config_t, token_file),
     "File holding the bearer token clients must present (see the token order below)."},
    {"--stage-dir", "WEIR_STAGE_DIR", "DIR", NULL, offsetof(agent_config_t, stage_dir),
     "Where extracted chunk files wait to be loaded (default DATA_DIR/stage). Encrypt this volume."},
    {"--workers", "WEIR_WORKERS", "N", "2", offsetof(agent_config_t, workers), "Runs executed at the same time."},
    {"--rpc-workers", "WEIR_RPC_WORKERS", "N", "16", offsetof(agent_config_t, rpc_workers),
     "Control API calls served at the same time, one thread each: tofu's -parallelism (10 by default) "
     "plus room for ctl. A call beyond it is refused at once with RESOURCE_EXHAUSTED."},
    {"--chunk-mb", "WEIR_CHUNK_MB", "MB", "128", offsetof(agent_config_t, chunk_mb),
     "Uncompressed CSV per chunk file; bounds file size and memory per run."},
    {"--kms-key-id", "WEIR_KMS_KEY_ID", "KEY", NULL, offsetof(agent_config_t, kms_key_id),
     "AWS KMS key (id, alias or ARN) that encrypts the data key sealing stored write-only secrets "
     "(DATA_DIR/secrets.key.kms holds only its encrypted form)."},
    {"--secrets-key-file", "WEIR_SECRETS_KEY_FILE", "FILE", NULL, offsetof(agent_config_t, secrets_key_file),
     "File with 32 random bytes (raw or base64) sealing stored write-only secrets, when KMS is not used. "
     "With --dev and neither option, DATA_DIR/dev/secrets.key is created."},
    {"--metrics-addr", "WEIR_METRICS_ADDR", "HOST:PORT", NULL, offsetof(agent_config_t, metrics_addr),
     "Serve /metrics (Prometheus), /healthz and /readyz over plain HTTP here; off when unset."},
    {"--log-level", "WEIR_LOG_LEVEL", "LEVEL", "info", offsetof(agent_config_t, log_level),
     "trace, debug, info, warn or error."},
    {"--dev", "WEIR_DEV", NULL, NULL, offsetof(agent_config_t, dev),
     "Development mode: create a self-signed certificate (DATA_DIR/dev/ca.pem) and a token "
     "(DATA_DIR/dev/token) when none are given. Never for production."},
};

void config_print_help(FILE *out)
{
    fprintf(out,
            "Usage: weir-agent serve [options]\n\nRuns the Weir agent: the control API that "
            "terraform-provider-weir and `weir-agent ctl` talk to.\n\nOptions (each also read "
            "from the environment variable shown):\n");
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const setting_t *s = &settings[i];
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", s->flag, s->metavar ? " " : "", s->metavar ? s->metavar : "");
        fprintf(out, "  %-24s %s\n  %-24s [env %s%s%s]\n", left, s->help, "", s->env,
                s->default_value ? "; default " : "", s->default_value ? s->default_value : "");
    }
    fprintf(out,
            "\nThe bearer token is taken from the first of: --token-file given on the command line, "
            "WEIR_TOKEN, the file WEIR_TOKEN_FILE names, and with --dev DATA_DIR/dev/token. It is never a "
            "flag's value, so it does not show in the process list.\n");
}

static char **field(agent_config_t *config, const setting_t *s)
{
    return (char **)((char *)config + s->offset);
}

weir_status_t config_parse(int argc, char **argv, agent_config_t *config, bool *show_help, weir_err_t *err)
{
    memset(config, 0, sizeof *config);
    *show_help = false;
    const size_t count = sizeof settings / sizeof settings[0];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            *show_help = true;
            return WEIR_OK;
        }
        const setting_t *match = NULL;
        const char *inline_value = NULL;
        for (size_t j = 0; j < count && !match; j++) {
            size_t len = strlen(settings[j].flag);
            if (strncmp(argv[i], settings[j].flag, len) == 0 && (argv[i][len] == 0 || argv[i][len] == '=')) {
                match = &settings[j];
                inline_value = argv[i][len] == '=' ? argv[i] + len + 1 : NULL;
            }
        }
        if (!match) {
            weir_err_set(err, "unknown option %s (see weir-agent serve --help)", argv[i]);
            return WEIR_ERR_INVALID;
        }
        if (!match->metavar) {
            *(bool *)((char *)config + match->offset) = true;
            continue;
        }
        const char *value = inline_value;
        if (!value) {
            if (i + 1 >= argc) {
                weir_err_set(err, "%s needs a value (%s)", match->flag, match->metavar);
                return WEIR_ERR_INVALID;
            }
            value = argv[++i];
        }
        char **slot = field(config, match);
        free(*slot);
        *slot = strdup(value);
    }
    /* The token order tells a --token-file flag from WEIR_TOKEN_FILE, which fill the same field. */
    bool token_file_flag = config->token_file != NULL;
    for (size_t j = 0; j < count; j++) {
        const setting_t *s = &settings[j];
        const char *env = getenv(s->env);
        if (!s->metavar) {
            if (env && (strcmp(env, "1") == 0 || strcmp(env, "true") == 0))
                *(bool *)((char *)config + s->offset) = true;
            continue;
        }
        char **slot = field(config, s);
        if (!*slot && env && *env)
            *slot = strdup(env);
        if (!*slot && s->default_value)
            *slot = strdup(s->default_value);
    }
    token_sources_t sources = token_sources_from_env(token_file_flag ? config->token_file : NULL);
    token_source_t source;
    weir_status_t result = token_resolve(&sources, &config->token, &source, err);
    if (result != WEIR_OK)
        return result;
    if (config->token && strlen(config->token) < 16) {
        weir_err_set(err, "the bearer token (from %s) must be at least 16 characters", token_source_text(source));
        return WEIR_ERR_INVALID;
    }
    if (!config->dev && (!config->tls_cert || !config->tls_key)) {
        weir_err_set(err, "--tls-cert and --tls-key are required (or --dev for a self-signed pair)");
        return WEIR_ERR_INVALID;
    }
    if (!config->dev && !config->token) {
        weir_err_set(err,
                     "set --token-file, WEIR_TOKEN or WEIR_TOKEN_FILE: the control API never runs without a "
                     "token");
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

void config_free(agent_config_t *config)
{
    for (size_t j = 0; j < sizeof settings / sizeof settings[0]; j++)
        if (settings[j].metavar)
            free(*field(config, &settings[j]));
    token_free(config->token);
    memset(config, 0, sizeof *config);
}
