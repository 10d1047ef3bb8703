/* serve.c — agent startup: configuration, dev credentials, store, control API, shutdown. */
#include "serve.h"

#include <errno.h>
#include <grpc/grpc.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control_api.h"
#include "alerter.h"
#include "control_checks.h"
#include "control_runs.h"
#include "metrics_http.h"
#include "sealer.h"
#include "executor.h"
#include "fileutil.h"
#include "log.h"
#include "dag_scheduler.h"
#include "control_transforms.h"
#include "control_dag_runs.h"
#include "control_retention.h"
#include "scheduler.h"
#include "store.h"
#include "strutil.h"
#include "tls_cert.h"
#include "token.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

/* Paths under the data directory; PATH_MAX on Linux. A longer one is refused, never cut. */
#define SERVE_PATH_MAX 4096
/* Each RPC worker is a thread with its own stack; a thousand is far past any sane client fan-out. */
#define SERVE_RPC_WORKERS_MAX 1024

/* --dev: a self-signed certificate for localhost/127.0.0.1 and a random token, kept across restarts. */
static weir_status_t dev_credentials(agent_config_t *config, weir_err_t *err)
{
    char dir[SERVE_PATH_MAX], cert_path[SERVE_PATH_MAX], key_path[SERVE_PATH_MAX], token_path[SERVE_PATH_MAX];
    weir_status_t result = str_format(dir, sizeof dir, err, "the --data-dir path", "%s/dev", config->data_dir);
    if (result == WEIR_OK)
        result = str_format(cert_path, sizeof cert_path, err, "the --data-dir path", "%s/ca.pem", dir);
    if (result == WEIR_OK)
        result = str_format(key_path, sizeof key_path, err, "the --data-dir path", "%s/key.pem", dir);
    if (result == WEIR_OK)
        result = str_format(token_path, sizeof token_path, err, "the --data-dir path", "%s/token", dir);
    if (result == WEIR_OK)
        result = dir_make_all(dir, 0700, err);
    if (result != WEIR_OK)
        return result;
    struct stat st;
    if (!config->tls_cert && stat(cert_path, &st) != 0) {
        tls_cert_t cert;
        result = tls_cert_generate("weir-agent (dev)", "localhost", "127.0.0.1", 3650, &cert, err);
        if (result == WEIR_OK)
            result = file_write_all(key_path, cert.key_pem, strlen(cert.key_pem), 0600, err);
        if (result == WEIR_OK)
            result = file_write_all(cert_path, cert.cert_pem, strlen(cert.cert_pem), 0644, err);
        tls_cert_free(&cert);
        if (result != WEIR_OK)
            return result;
        log_info("serve", "dev mode: wrote a self-signed certificate to %s", cert_path);
    }
    if (!config->tls_cert) {
        config->tls_cert = strdup(cert_path);
        config->tls_key = strdup(key_path);
    }
    if (!config->token) { /* last in the token order (token.h): only when no other source is set */
        config->token = file_read_all(token_path, TOKEN_FILE_MAX_BYTES, NULL);
        if (config->token) {
            config->token[strcspn(config->token, "\r\n")] = 0;
        } else {
            unsigned char bytes[24];
            if (RAND_bytes(bytes, sizeof bytes) != 1) {
                weir_err_set(err, "no entropy for a dev token");
                return WEIR_ERR_INTERNAL;
            }
            char hex[sizeof bytes * 2 + 2];
            for (size_t i = 0; i < sizeof bytes; i++)
                snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
            result = file_write_all(token_path, hex, strlen(hex), 0600, err);
            if (result != WEIR_OK)
                return result;
            config->token = strdup(hex);
            log_info("serve", "dev mode: wrote a bearer token to %s", token_path);
        }
    }
    return config->tls_cert && config->tls_key && config->token ? WEIR_OK : WEIR_ERR_NOMEM;
}

/* Everything a serving agent holds, released in reverse order by serve_teardown. */
typedef struct {
    agent_config_t config;
    store_t *store;
    sealer_t *sealer;
    char *cert_pem, *key_pem;
    char db_path[SERVE_PATH_MAX];
    control_api_t api;
    rpc_method_t *methods;
    rpc_server_t *server;
    executor_t *executor;
    scheduler_t *scheduler;
    dag_scheduler_t *dag;
    metrics_http_t *metrics;
    alerter_t *alerter;
    long rpc_workers;
} serve_t;

/* Data directory, dev credentials, the TLS pair and the store. */
static weir_status_t open_store(serve_t *s, weir_err_t *err)
{
    agent_config_t *config = &s->config;
    weir_status_t result = dir_make_all(config->data_dir, 0700, err);
    if (result == WEIR_OK && config->dev)
        result = dev_credentials(config, err);
    if (result != WEIR_OK)
        return result;
    s->cert_pem = file_read_all(config->tls_cert, 1024 * 1024, err);
    s->key_pem = s->cert_pem ? file_read_all(config->tls_key, 1024 * 1024, err) : NULL;
    if (!s->cert_pem || !s->key_pem)
        return WEIR_ERR_IO;
    result = str_format(s->db_path, sizeof s->db_path, err, "the --data-dir path", "%s/weir.db", config->data_dir);
    return result == WEIR_OK ? store_open(s->db_path, &s->store, err) : result;
}

/* Write-only secrets are sealed at rest: a KMS data key, a key file, or in dev a generated file. */
static weir_status_t open_sealer(serve_t *s, weir_err_t *err)
{
    const agent_config_t *config = &s->config;
    char sealer_path[SERVE_PATH_MAX];
    weir_status_t result = WEIR_OK;
    if (config->kms_key_id) {
        result = str_format(sealer_path, sizeof sealer_path, err, "the --data-dir path", "%s/secrets.key.kms",
                            config->data_dir);
        if (result == WEIR_OK)
            result = sealer_from_kms(config->kms_key_id, sealer_path, &s->sealer, err);
    } else if (config->secrets_key_file) {
        result = sealer_from_key_file(config->secrets_key_file, &s->sealer, err);
    } else if (config->dev) {
        result = str_format(sealer_path, sizeof sealer_path, err, "the --data-dir path", "%s/dev/secrets.key",
                            config->data_dir);
        if (result == WEIR_OK)
            result = sealer_from_new_key_file(sealer_path, &s->sealer, err);
    } else {
        log_warn("serve",
                 "no --kms-key-id or --secrets-key-file: objects with write-only secrets will be refused "
                 "(secret references still work)");
    }
    if (result == WEIR_OK && s->sealer)
        result = store_set_sealer(s->store, s->sealer, err);
    return result;
}

/* The run workers, the scheduler and the alert deliveries. */
static weir_status_t start_runtime(serve_t *s, weir_err_t *err)
{
    const agent_config_t *config = &s->config;
    char *end = NULL;
    long workers = strtol(config->workers, &end, 10);
    long chunk_mb = end && *end == 0 ? strtol(config->chunk_mb, &end, 10) : -1;
    s->rpc_workers = end && *end == 0 ? strtol(config->rpc_workers, &end, 10) : -1;
    if (workers < 1 || workers > 32 || chunk_mb < 1 || chunk_mb > 4096 || s->rpc_workers < 1 ||
        s->rpc_workers > SERVE_RPC_WORKERS_MAX || !end || *end) {
        weir_err_set(err, "--workers takes 1-32, --chunk-mb 1-4096 and --rpc-workers 1-%d", SERVE_RPC_WORKERS_MAX);
        return WEIR_ERR_INVALID;
    }
    char stage_dir[SERVE_PATH_MAX];
    weir_status_t result = config->stage_dir && *config->stage_dir
        ? str_copy(stage_dir, sizeof stage_dir, config->stage_dir, "the --stage-dir path", err)
        : str_format(stage_dir, sizeof stage_dir, err, "the --data-dir path", "%s/stage", config->data_dir);
    if (result == WEIR_OK)
        result = dir_make_all(stage_dir, 0700, err);
    if (result != WEIR_OK)
        return result;
    /* Runs this process holds are marked with its instance id; runs marked by an earlier process
     * were interrupted and are resumed. */
    char owner[64];
    snprintf(owner, sizeof owner, "agent-%ld-%ld", (long)getpid(), (long)time(NULL));
    if (!s->sealer)
        log_warn("serve",
                 "no secrets key: stage chunks are written in plain zstd; keep --stage-dir on an "
                 "encrypted volume");
    result = executor_start(s->store, stage_dir, (uint64_t)chunk_mb << 20, (int)workers, owner, s->sealer, &s->executor,
                            err);
    if (result == WEIR_OK)
        result = scheduler_start(s->store, &s->scheduler, err);
    if (result == WEIR_OK)
        result = dag_scheduler_start(s->store, owner, &s->dag, err);
    return result == WEIR_OK ? alerter_start(s->store, &s->alerter, err) : result;
}

/* The control API on its TLS listener, and the metrics endpoint. */
static weir_status_t start_api(serve_t *s, weir_err_t *err)
{
    /* Every RPC file's method table, concatenated. */
    const struct {
        const rpc_method_t *methods;
        size_t count;
    } tables[] = {{control_api_methods, control_api_method_count},
                  {control_runs_methods, control_runs_method_count},
                  {control_checks_methods, control_checks_method_count},
                  {control_transforms_methods, control_transforms_method_count},
                  {control_dag_runs_methods, control_dag_runs_method_count},
                  {control_retention_methods, control_retention_method_count}};
    size_t method_count = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        method_count += tables[t].count;
    s->methods = calloc(method_count, sizeof *s->methods);
    if (!s->methods)
        return WEIR_ERR_NOMEM;
    for (size_t t = 0, at = 0; t < sizeof tables / sizeof tables[0]; at += tables[t++].count)
        memcpy(s->methods + at, tables[t].methods, tables[t].count * sizeof *s->methods);
    s->server = rpc_server_new(s->methods, method_count, &s->api, control_api_authorize);
    if (!s->server)
        return WEIR_ERR_NOMEM;
    rpc_server_set_max_calls(s->server, (int)s->rpc_workers);
    grpc_ssl_pem_key_cert_pair pair = {.private_key = s->key_pem, .cert_chain = s->cert_pem};
    grpc_server_credentials *creds =
        grpc_ssl_server_credentials_create_ex(NULL, &pair, 1, GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
    weir_status_t result = rpc_server_listen(s->server, s->config.listen, creds, err);
    if (result != WEIR_OK)
        return result;
    log_info("serve", "control API listening on %s (store %s, schema version %d, up to %ld calls at once)",
             s->config.listen, s->db_path, store_schema_version(s->store), s->rpc_workers);
    return s->config.metrics_addr ? metrics_http_start(s->config.metrics_addr, s->store, &s->metrics, err) : WEIR_OK;
}

/* Stops the listeners first, then the runtime (run workers finish their current step), then the
 * store and the sealer it borrows. Safe on a partly started agent. */
static void serve_teardown(serve_t *s)
{
    metrics_http_draining(s->metrics);
    rpc_server_free(s->server);
    dag_scheduler_stop(s->dag);
    scheduler_stop(s->scheduler);
    executor_stop(s->executor);
    alerter_stop(s->alerter);
    metrics_http_stop(s->metrics); /* before the store it reads */
    free(s->methods);
    store_close(s->store);
    sealer_free(s->sealer); /* after the store, which borrows it */
    if (s->key_pem)
        memset(s->key_pem, 0, strlen(s->key_pem));
    free(s->key_pem);
    free(s->cert_pem);
    config_free(&s->config);
}

int serve_main(int argc, char **argv)
{
    serve_t s;
    memset(&s, 0, sizeof s);
    bool show_help = false;
    weir_err_t err = {{0}};
    if (config_parse(argc, argv, &s.config, &show_help, &err) != WEIR_OK) {
        fprintf(stderr, "weir-agent serve: %s\n", err.msg);
        config_free(&s.config);
        return 2;
    }
    if (show_help) {
        config_print_help(stdout);
        config_free(&s.config);
        return 0;
    }
    int exit_code = 1;
    log_level_t level;
    if (!log_level_parse(s.config.log_level, &level)) {
        fprintf(stderr, "weir-agent serve: unknown log level \"%s\"\n", s.config.log_level);
        goto out;
    }
    log_min_level = level;
    if (open_store(&s, &err) != WEIR_OK || open_sealer(&s, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    log_redact(s.config.token); /* the bearer token never reaches a log line, whatever echoes it */
    control_api_init(&s.api, s.store, s.config.token);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (start_runtime(&s, &err) != WEIR_OK || start_api(&s, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    if (rpc_server_run(s.server, &stop_requested, 5000) == WEIR_OK)
        exit_code = 0;
    log_info("serve", "stopped");
out:
    serve_teardown(&s);
    return exit_code;
}
