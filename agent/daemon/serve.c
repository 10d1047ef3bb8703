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

int serve_main(int argc, char **argv)
{
    int exit_code = 1;
    agent_config_t config;
    bool show_help = false;
    weir_err_t err = {{0}};
    store_t *store = NULL;
    rpc_server_t *server = NULL;
    char *cert_pem = NULL, *key_pem = NULL;
    control_api_t api;
    rpc_method_t *methods = NULL;
    executor_t *executor = NULL;
    scheduler_t *scheduler = NULL;
    metrics_http_t *metrics = NULL;
    alerter_t *alerter = NULL;
    sealer_t *sealer = NULL;

    if (config_parse(argc, argv, &config, &show_help, &err) != WEIR_OK) {
        fprintf(stderr, "weir-agent serve: %s\n", err.msg);
        config_free(&config);
        return 2;
    }
    if (show_help) {
        config_print_help(stdout);
        config_free(&config);
        return 0;
    }
    log_level_t level;
    if (!log_level_parse(config.log_level, &level)) {
        fprintf(stderr, "weir-agent serve: unknown log level \"%s\"\n", config.log_level);
        goto out;
    }
    log_min_level = level;
    if (dir_make_all(config.data_dir, 0700, &err) != WEIR_OK ||
        (config.dev && dev_credentials(&config, &err) != WEIR_OK)) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    cert_pem = file_read_all(config.tls_cert, 1024 * 1024, &err);
    key_pem = cert_pem ? file_read_all(config.tls_key, 1024 * 1024, &err) : NULL;
    if (!cert_pem || !key_pem) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    char db_path[SERVE_PATH_MAX];
    if (str_format(db_path, sizeof db_path, &err, "the --data-dir path", "%s/weir.db", config.data_dir) != WEIR_OK ||
        store_open(db_path, &store, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    /* Write-only secrets are sealed at rest: a KMS data key, a key file, or in dev a generated file. */
    char sealer_path[SERVE_PATH_MAX];
    weir_status_t sealed = WEIR_OK;
    if (config.kms_key_id) {
        sealed = str_format(sealer_path, sizeof sealer_path, &err, "the --data-dir path", "%s/secrets.key.kms",
                            config.data_dir);
        if (sealed == WEIR_OK)
            sealed = sealer_from_kms(config.kms_key_id, sealer_path, &sealer, &err);
    } else if (config.secrets_key_file) {
        sealed = sealer_from_key_file(config.secrets_key_file, &sealer, &err);
    } else if (config.dev) {
        sealed = str_format(sealer_path, sizeof sealer_path, &err, "the --data-dir path", "%s/dev/secrets.key",
                            config.data_dir);
        if (sealed == WEIR_OK)
            sealed = sealer_from_new_key_file(sealer_path, &sealer, &err);
    } else {
        log_warn("serve", "no --kms-key-id or --secrets-key-file: objects with write-only secrets will be refused "
                          "(secret references still work)");
    }
    if (sealed != WEIR_OK || (sealer && store_set_sealer(store, sealer, &err) != WEIR_OK)) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    log_redact(config.token); /* the bearer token never reaches a log line, whatever echoes it */
    control_api_init(&api, store, config.token);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *end = NULL;
    long workers = strtol(config.workers, &end, 10);
    long chunk_mb = end && *end == 0 ? strtol(config.chunk_mb, &end, 10) : -1;
    long rpc_workers = end && *end == 0 ? strtol(config.rpc_workers, &end, 10) : -1;
    if (workers < 1 || workers > 32 || chunk_mb < 1 || chunk_mb > 4096 || rpc_workers < 1 ||
        rpc_workers > SERVE_RPC_WORKERS_MAX || !end || *end) {
        log_error("serve", "--workers takes 1-32, --chunk-mb 1-4096 and --rpc-workers 1-%d", SERVE_RPC_WORKERS_MAX);
        goto out;
    }
    char stage_dir[SERVE_PATH_MAX];
    weir_status_t staged = config.stage_dir && *config.stage_dir
                               ? str_copy(stage_dir, sizeof stage_dir, config.stage_dir, "the --stage-dir path", &err)
                               : str_format(stage_dir, sizeof stage_dir, &err, "the --data-dir path", "%s/stage",
                                            config.data_dir);
    if (staged != WEIR_OK || dir_make_all(stage_dir, 0700, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    /* Runs this process holds are marked with its instance id; runs marked by an earlier process
     * were interrupted and are resumed. */
    char owner[64];
    snprintf(owner, sizeof owner, "agent-%ld-%ld", (long)getpid(), (long)time(NULL));
    if (!sealer)
        log_warn("serve", "no secrets key: stage chunks are written in plain zstd; keep --stage-dir on an "
                          "encrypted volume");
    if (executor_start(store, stage_dir, (uint64_t)chunk_mb << 20, (int)workers, owner, sealer, &executor, &err) !=
            WEIR_OK ||
        scheduler_start(store, &scheduler, &err) != WEIR_OK || alerter_start(store, &alerter, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }

    size_t method_count = control_api_method_count + control_runs_method_count + control_checks_method_count;
    methods = calloc(method_count, sizeof *methods);
    if (!methods)
        goto out;
    memcpy(methods, control_api_methods, control_api_method_count * sizeof *methods);
    memcpy(methods + control_api_method_count, control_runs_methods, control_runs_method_count * sizeof *methods);
    memcpy(methods + control_api_method_count + control_runs_method_count, control_checks_methods,
           control_checks_method_count * sizeof *methods);
    server = rpc_server_new(methods, method_count, &api, control_api_authorize);
    if (!server)
        goto out;
    rpc_server_set_max_calls(server, (int)rpc_workers);
    grpc_ssl_pem_key_cert_pair pair = {.private_key = key_pem, .cert_chain = cert_pem};
    grpc_server_credentials *creds =
        grpc_ssl_server_credentials_create_ex(NULL, &pair, 1, GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
    if (rpc_server_listen(server, config.listen, creds, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    log_info("serve", "control API listening on %s (store %s, schema version %d, up to %ld calls at once)",
             config.listen, db_path, store_schema_version(store), rpc_workers);
    if (config.metrics_addr && metrics_http_start(config.metrics_addr, store, &metrics, &err) != WEIR_OK) {
        log_error("serve", "%s", err.msg);
        goto out;
    }
    if (rpc_server_run(server, &stop_requested, 5000) == WEIR_OK)
        exit_code = 0;
    log_info("serve", "stopped");
out:
    metrics_http_draining(metrics);
    rpc_server_free(server);
    scheduler_stop(scheduler);
    executor_stop(executor);
    alerter_stop(alerter);
    metrics_http_stop(metrics); /* before the store it reads */
    free(methods);
    store_close(store);
    sealer_free(sealer); /* after the store, which borrows it */
    if (key_pem)
        memset(key_pem, 0, strlen(key_pem));
    free(key_pem);
    free(cert_pem);
    config_free(&config);
    return exit_code;
}
