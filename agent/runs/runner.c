/* runner.c — the run state machine: extracting → staged → loading → published → committed, or
 * quarantined by a failing batch check. */
#include "runner.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "fileutil.h"
#include "log.h"
#include "pg_extract.h"
#include "quality.h"
#include "s3_stage.h"
#include "secrets.h"
#include "sf_load.h"
#include "spec.h"

/* Retries of a failing step before the run fails: pauses of 1, 2, 4 and 8 s ride out a database
 * restart or failover without holding a worker for long. */
#define RUNNER_STEP_RETRIES 4

/* Crash testing: WEIR_FAILPOINT=after:<state> ends the process abruptly right after a run saved
 * that state, as a kill -9 would, so tests can prove that every step resumes. */
static void failpoint(const store_run_t *run)
{
    const char *point = getenv("WEIR_FAILPOINT");
    if (point && strncmp(point, "after:", 6) == 0 && strcmp(point + 6, run->state) == 0) {
        log_warn("runner", "failpoint %s reached in run %s: exiting now", point, run->id);
        _exit(137);
    }
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* What a run needs from the stored objects, parsed once. */
typedef struct {
    json_t *pipeline, *table, *source, *destination;
    char *source_write_only;
} run_objects_t;

static void objects_free(run_objects_t *o)
{
    json_decref(o->pipeline);
    json_decref(o->source);
    json_decref(o->destination);
    if (o->source_write_only) {
        memset(o->source_write_only, 0, strlen(o->source_write_only));
        free(o->source_write_only);
    }
    memset(o, 0, sizeof *o);
}

static json_t *load_spec(store_t *store, const char *kind, const char *name, weir_err_t *err)
{
    agent_object_t object;
    if (store_get(store, kind, name, &object, err) != WEIR_OK)
        return NULL;
    json_t *spec = json_loads(object.spec_json, 0, NULL);
    agent_object_clear(&object);
    if (!spec)
        weir_err_set(err, "%s %s has an unreadable spec", kind, name);
    return spec;
}

static const char *str(json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static weir_status_t load_objects(store_t *store, const store_run_t *run, run_objects_t *o, weir_err_t *err)
{
    memset(o, 0, sizeof *o);
    o->pipeline = load_spec(store, "pipeline", run->pipeline, err);
    if (!o->pipeline)
        return WEIR_ERR_NOT_FOUND;
    size_t i;
    json_t *table;
    json_array_foreach(json_object_get(o->pipeline, "table"), i, table) {
        if (str(table, "name") && strcmp(str(table, "name"), run->table_name) == 0)
            o->table = table;
    }
    if (!o->table) {
        weir_err_set(err, "pipeline %s no longer has table %s", run->pipeline, run->table_name);
        return WEIR_ERR_NOT_FOUND;
    }
    o->source = load_spec(store, "source_postgres", str(o->pipeline, "source"), err);
    o->destination = o->source ? load_spec(store, "destination_snowflake", str(o->pipeline, "destination"), err) : NULL;
    if (!o->source || !o->destination)
        return WEIR_ERR_NOT_FOUND;
    return store_get_write_only(store, "source_postgres", str(o->pipeline, "source"), &o->source_write_only, err);
}

static weir_status_t make_dirs(const char *path, weir_err_t *err)
{
    char partial[2048];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *p = partial + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(partial, 0700) != 0 && errno != EEXIST) {
            weir_err_set(err, "cannot create %s: %s", partial, strerror(errno));
            return WEIR_ERR_IO;
        }
        *p = '/';
    }
    if (mkdir(partial, 0700) != 0 && errno != EEXIST) {
        weir_err_set(err, "cannot create %s: %s", partial, strerror(errno));
        return WEIR_ERR_IO;
    }
    return WEIR_OK;
}

static weir_status_t extract(runner_t *runner, store_run_t *run, run_objects_t *o, weir_err_t *err)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    weir_status_t result;
    char *password = NULL;
    PGconn *conn = NULL;
    stage_writer_t *writer = NULL;
    pg_extract_result_t extracted = {0};
    json_t *secrets = NULL;

    snprintf(run->stage_dir, sizeof run->stage_dir, "%s/%s/%s/%s", runner->stage_root, run->pipeline,
             run->table_name, run->id);
    dir_remove_flat(run->stage_dir); /* an interrupted extraction starts over */
    char parent[1024];
    snprintf(parent, sizeof parent, "%s/%s/%s", runner->stage_root, run->pipeline, run->table_name);
    result = make_dirs(parent, err);
    if (result != WEIR_OK)
        goto out;

    /* A backfill chunk reads its own cursor range and leaves the table's watermark alone. */
    bool backfill = run->backfill[0] != 0;
    char watermark[128] = "";
    bool found = false;
    if (!backfill) {
        result = store_watermark_get(runner->store, run->pipeline, run->table_name, watermark, sizeof watermark,
                                     &found, err);
        if (result != WEIR_OK)
            goto out;
    }
    run->has_watermark_from = found;
    snprintf(run->watermark_from, sizeof run->watermark_from, "%s", found ? watermark : "");

    if (str(o->source, "password_ref")) {
        password = secret_resolve(str(o->source, "password_ref"), err);
        if (!password) {
            result = WEIR_ERR_AUTH;
            goto out;
        }
    } else if (o->source_write_only && *o->source_write_only) {
        secrets = json_loads(o->source_write_only, 0, NULL);
        const char *value = str(secrets, "password_wo");
        password = value ? strdup(value) : NULL;
        log_redact(password);
    }
    pg_source_t source = {.host = str(o->source, "host"),
                          .port = (int)json_integer_value(json_object_get(o->source, "port")),
                          .database = str(o->source, "database"),
                          .user = str(o->source, "user"),
                          .password = password,
                          .sslmode = str(o->source, "sslmode"),
                          .sslrootcert = str(o->source, "sslrootcert")};
    conn = pg_source_connect(&source, err);
    if (!conn) {
        /* Refused credentials will not get better by retrying; anything else might. */
        result = strstr(err->msg, "authentication failed") ? WEIR_ERR_AUTH : WEIR_ERR_UNAVAILABLE;
        goto out;
    }
    result = stage_writer_open(run->stage_dir, runner->chunk_raw_bytes, 3, &writer, err);
    if (result != WEIR_OK)
        goto out;
    if (runner->sealer)
        stage_writer_seal(writer, runner->sealer);
    const char *mode = str(o->table, "mode");
    bool incremental = !mode || strcmp(mode, "incremental") == 0;
    long long lookback = 0;
    if (str(o->table, "lookback"))
        spec_duration_seconds(str(o->table, "lookback"), &lookback);
    pg_extract_request_t request = {.table = run->table_name,
                                    .cursor = incremental || backfill ? str(o->table, "cursor") : NULL,
                                    .watermark = incremental && found ? watermark : NULL,
                                    .lookback_seconds = lookback,
                                    .range_from = backfill ? run->range_from : NULL,
                                    .range_to = backfill ? run->range_to : NULL};
    result = pg_extract_table(conn, &request, writer, &extracted, err);
    stage_stats_t stats = {0};
    if (result == WEIR_OK) {
        result = stage_writer_close(writer, &stats, err);
        writer = NULL;
    }
    if (result != WEIR_OK)
        goto out;

    /* The manifest makes the staged batch loadable after a restart without asking the source again. */
    json_t *manifest = json_pack("{s:[], s:[], s:I, s:I}", "columns", "types", "chunks", (json_int_t)stats.chunks,
                                 "rows", (json_int_t)extracted.rows);
    for (size_t i = 0; manifest && i < extracted.column_count; i++) {
        json_array_append_new(json_object_get(manifest, "columns"), json_string(extracted.column_names[i]));
        json_array_append_new(json_object_get(manifest, "types"), json_string(extracted.column_types[i]));
    }
    char *text = manifest ? json_dumps(manifest, JSON_COMPACT) : NULL;
    json_decref(manifest);
    char manifest_path[1200];
    snprintf(manifest_path, sizeof manifest_path, "%s/manifest.json", run->stage_dir);
    result = text ? file_write_all(manifest_path, text, strlen(text), 0600, err) : WEIR_ERR_NOMEM;
    free(text);
    if (result != WEIR_OK)
        goto out;
    run->rows_extracted = (long long)extracted.rows;
    run->bytes_extracted = (long long)stats.raw_bytes;
    run->bytes_staged = (long long)stats.compressed_bytes;
    /* With no new rows the watermark stays where it was. */
    run->has_watermark_to = !backfill && incremental && (extracted.new_watermark || found);
    snprintf(run->watermark_to, sizeof run->watermark_to, "%s",
             extracted.new_watermark ? extracted.new_watermark : watermark);
    snprintf(run->state, sizeof run->state, "staged");
    run->extract_seconds += seconds_since(&started);
    result = store_run_save(runner->store, run, err);
    if (result == WEIR_OK)
        failpoint(run);
out:
    stage_writer_abort(writer);
    pg_extract_result_free(&extracted);
    PQfinish(conn);
    json_decref(secrets);
    secret_free(password);
    return result;
}

static void target_table_name(json_t *table, char *out, size_t size)
{
    const char *target = str(table, "target");
    const char *name = str(table, "name");
    const char *dot = strchr(name, '.');
    const char *base = target ? target : dot ? dot + 1 : name;
    size_t i = 0;
    for (; base[i] && i + 1 < size; i++)
        out[i] = (char)toupper((unsigned char)base[i]);
    out[i] = 0;
}

static weir_status_t load(runner_t *runner, store_run_t *run, run_objects_t *o, weir_err_t *err)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    weir_status_t result;
    char manifest_path[1200];
    snprintf(manifest_path, sizeof manifest_path, "%s/manifest.json", run->stage_dir);
    json_t *manifest = json_load_file(manifest_path, 0, NULL);
    char *secret = NULL;
    sf_keypair_t *keypair = NULL;
    sf_client_t *client = NULL;
    const char **columns = NULL, **types = NULL, **keys = NULL;
    if (!manifest) {
        weir_err_set(err, "the staged batch of run %s is gone (%s); it will be extracted again", run->id, manifest_path);
        snprintf(run->state, sizeof run->state, "extracting");
        result = WEIR_ERR_NOT_FOUND;
        goto out;
    }
    snprintf(run->state, sizeof run->state, "loading");
    result = store_run_save(runner->store, run, err);
    if (result != WEIR_OK)
        goto out;
    failpoint(run);

    const char *auth = str(o->destination, "auth");
    bool key_pair = !auth || strcmp(auth, "key_pair") == 0;
    const char *ref = str(o->destination, key_pair ? "private_key_ref" : "token_ref");
    secret = ref ? secret_resolve(ref, err) : NULL;
    if (!secret) {
        result = WEIR_ERR_AUTH;
        goto out;
    }
    if (key_pair && (result = sf_keypair_load(secret, &keypair, err)) != WEIR_OK)
        goto out;
    char base_url[512];
    if (str(o->destination, "api_url"))
        snprintf(base_url, sizeof base_url, "%s", str(o->destination, "api_url"));
    else {
        char host[256];
        size_t i = 0;
        for (const char *p = str(o->destination, "account"); *p && i + 1 < sizeof host; p++)
            host[i++] = (char)tolower((unsigned char)*p);
        host[i] = 0;
        snprintf(base_url, sizeof base_url, "https://%s.snowflakecomputing.com", host);
    }
    sf_config_t config = {.base_url = base_url, .account = str(o->destination, "account"),
                          .user = str(o->destination, "user"), .role = str(o->destination, "role"),
                          .warehouse = str(o->destination, "warehouse"), .database = str(o->destination, "database"),
                          .schema = str(o->destination, "schema"), .keypair = keypair,
                          .token = key_pair ? NULL : secret,
                          .token_type = auth && strcmp(auth, "oauth") == 0 ? "OAUTH" : "PROGRAMMATIC_ACCESS_TOKEN"};
    result = sf_client_new(&config, &client, err);
    if (result != WEIR_OK)
        goto out;

    json_t *column_list = json_object_get(manifest, "columns"), *type_list = json_object_get(manifest, "types");
    json_t *key_list = json_object_get(o->table, "primary_key");
    size_t count = json_array_size(column_list), key_count = json_array_size(key_list);
    columns = calloc(count + 1, sizeof *columns);
    types = calloc(count + 1, sizeof *types);
    keys = calloc(key_count + 1, sizeof *keys);
    if (!columns || !types || !keys) {
        result = WEIR_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        columns[i] = json_string_value(json_array_get(column_list, i));
        types[i] = json_string_value(json_array_get(type_list, i));
    }
    for (size_t i = 0; i < key_count; i++)
        keys[i] = json_string_value(json_array_get(key_list, i));
    char target[256];
    target_table_name(o->table, target, sizeof target);
    const char *mode = str(o->table, "mode");
    bool incremental = !mode || strcmp(mode, "incremental") == 0;
    const char *evolution = str(o->pipeline, "schema_evolution");
    sf_load_request_t request = {.database = str(o->destination, "database"),
                                 .schema = str(o->destination, "schema"),
                                 .table = target,
                                 .column_count = count,
                                 .columns = columns,
                                 .pg_types = types,
                                 .key_count = key_count,
                                 .primary_key = keys,
                                 .cursor = incremental || run->backfill[0] ? str(o->table, "cursor") : NULL,
                                 .add_columns = !evolution || strcmp(evolution, "add_columns") == 0,
                                 .run_id = run->id,
                                 .stage_dir = run->stage_dir,
                                 .chunk_count = (unsigned)json_integer_value(json_object_get(manifest, "chunks")),
                                 .stage_sealer = runner->sealer};
    json_t *stage = json_object_get(o->destination, "stage");
    char stage_path[1024];
    if (json_is_object(stage)) {
        /* Production path: chunks go to the external stage (SSE-KMS) and COPY INTO reads them.
         * Uploading again after a crash rewrites the same keys. */
        snprintf(stage_path, sizeof stage_path, "%s/%s/%s/", run->pipeline, run->table_name, run->id);
        s3_stage_t target_stage = {.url = str(stage, "url"), .region = str(stage, "region"),
                                   .kms_key_id = str(stage, "kms_key_id")};
        for (unsigned chunk = 0; result == WEIR_OK && chunk < request.chunk_count; chunk++) {
            char local[1300], key[1100];
            snprintf(local, sizeof local, "%s/%05u.csv.zst", run->stage_dir, chunk);
            snprintf(key, sizeof key, "%s%05u.csv.zst", stage_path, chunk);
            result = s3_stage_upload(&target_stage, local, key, runner->sealer, err);
        }
        if (result != WEIR_OK)
            goto out;
        request.stage_name = str(stage, "name");
        request.stage_path = stage_path;
    }
    sf_load_result_t loaded;
    result = sf_load_stage(client, &request, &loaded, err);
    if (result != WEIR_OK)
        goto out;
    /* Write-audit-publish: the deduplicated batch is checked where it sits before the MERGE. */
    char batch_table[1024], target_table[1024];
    sf_load_batch_table(&request, batch_table, sizeof batch_table);
    sf_load_target_table(&request, target_table, sizeof target_table);
    quality_context_t checks = {.store = runner->store, .client = client, .run_id = run->id,
                                .pipeline = run->pipeline, .table = run->table_name, .database = request.database,
                                .schema = request.schema, .batch_table = batch_table, .target_table = target_table,
                                .primary_key = keys, .key_count = key_count, .cursor = str(o->table, "cursor"),
                                .judge_history = run->backfill[0] == 0};
    if (!run->skip_checks) {
        quality_report_t report;
        result = quality_run(&checks, "batch", &report, err);
        bool blocked = result == WEIR_OK && report.blocking;
        if (blocked) {
            sf_load_drop(client, &request);
            snprintf(run->state, sizeof run->state, "quarantined");
            run->load_seconds += seconds_since(&started);
            snprintf(run->error, sizeof run->error, "quarantined, nothing published: %s", report.summary);
            result = store_run_save(runner->store, run, err);
            log_warn("runner", "run %s: %s %s quarantined: %s", run->id, run->pipeline, run->table_name,
                     report.summary);
        } else if (result == WEIR_OK && report.summary[0]) {
            log_warn("runner", "run %s: warnings, publishing anyway: %s", run->id, report.summary);
        }
        quality_report_free(&report);
        if (result != WEIR_OK || blocked) {
            if (result != WEIR_OK)
                sf_load_drop(client, &request);
            goto out;
        }
    }
    result = sf_load_publish(client, &request, &loaded, err);
    if (result != WEIR_OK)
        goto out;
    log_info("runner", "run %s: %s %s loaded %lld rows into %s.%s.%s (%lld inserted, %lld updated)", run->id,
             run->pipeline, run->table_name, loaded.staged_rows, request.database, request.schema, target,
             loaded.inserted, loaded.updated);
    /* Target checks judge what is published; a failure is recorded and reported, the data stays.
     * They run before `published` is saved, so a crash in between repeats the (harmless) MERGE
     * and the checks rather than skipping them. */
    quality_report_t report;
    weir_err_t check_err = {{0}};
    if (quality_run(&checks, "target", &report, &check_err) != WEIR_OK)
        log_error("runner", "run %s: target checks could not be recorded: %s", run->id, check_err.msg);
    else if (report.summary[0])
        log_warn("runner", "run %s: target checks failed: %s", run->id, report.summary);
    quality_report_free(&report);
    run->rows_loaded = loaded.staged_rows;
    snprintf(run->state, sizeof run->state, "published");
    run->load_seconds += seconds_since(&started);
    result = store_run_save(runner->store, run, err);
    if (result == WEIR_OK)
        failpoint(run);
out:
    free(columns);
    free(types);
    free(keys);
    sf_client_free(client);
    sf_keypair_free(keypair);
    secret_free(secret);
    json_decref(manifest);
    return result;
}

weir_status_t runner_execute(runner_t *runner, store_run_t *run)
{
    weir_err_t err = {{0}};
    run_objects_t objects;
    log_context_set(run->id, run->pipeline, run->table_name);
    weir_status_t result = load_objects(runner->store, run, &objects, &err);
    log_info("runner", "run %s: %s %s starting at step %s (attempt %lld)", run->id, run->pipeline, run->table_name,
             run->state, run->attempts);
    failpoint(run); /* after:extracting stops a run that has just been claimed */
    /* Each step saves the run before the next begins, so a crash resumes at the last saved step.
     * A step that fails for a passing reason (source restarting, network) is tried again after a
     * growing pause; a run fails only when that does not help. */
    int retries = 0;
    for (int steps = 0; result == WEIR_OK && steps < 8 + RUNNER_STEP_RETRIES && !store_run_state_terminal(run->state) &&
                        strcmp(run->state, "quarantined") != 0;
         steps++) {
        log_context_step(run->state);
        if (strcmp(run->state, "extracting") == 0)
            result = extract(runner, run, &objects, &err);
        else if (strcmp(run->state, "staged") == 0 || strcmp(run->state, "loading") == 0) {
            result = load(runner, run, &objects, &err);
            if (result == WEIR_ERR_NOT_FOUND && strcmp(run->state, "extracting") == 0)
                result = WEIR_OK; /* staged files lost: extract again */
        } else if (strcmp(run->state, "published") == 0)
            result = store_run_commit(runner->store, run, &err);
        else {
            weir_err_set(&err, "unknown run state %s", run->state);
            result = WEIR_ERR_INTERNAL;
        }
        if ((result == WEIR_ERR_UNAVAILABLE || result == WEIR_ERR_IO) && retries < RUNNER_STEP_RETRIES) {
            int pause_s = 1 << retries++;
            log_warn("runner", "run %s: step %s failed (%s); retrying in %d s", run->id, run->state, err.msg, pause_s);
            struct timespec pause = {.tv_sec = pause_s, .tv_nsec = 0};
            nanosleep(&pause, NULL);
            result = WEIR_OK;
        }
    }
    char alert_key[320];
    alerts_run_key(run->pipeline, run->table_name, run->backfill, alert_key, sizeof alert_key);
    if (result == WEIR_OK && strcmp(run->state, "committed") == 0) {
        dir_remove_flat(run->stage_dir);
        log_info("runner", "run %s committed; watermark %s", run->id, run->has_watermark_to ? run->watermark_to : "(none)");
        alerts_clear(runner->store, alert_key);
    } else if (result == WEIR_OK && strcmp(run->state, "quarantined") == 0) {
        /* Held: the staged files stay for a release; the watermark did not move. The failing
         * checks raised their own incidents, which say the batch is held. */
    } else {
        if (result == WEIR_OK)
            weir_err_set(&err, "run stopped at step %s", run->state);
        snprintf(run->error, sizeof run->error, "%s", err.msg);
        snprintf(run->state, sizeof run->state, "failed");
        weir_err_t save_err;
        if (store_run_save(runner->store, run, &save_err) != WEIR_OK)
            log_error("runner", "run %s: cannot record the failure: %s", run->id, save_err.msg);
        log_warn("runner", "run %s: %s %s failed: %s", run->id, run->pipeline, run->table_name, run->error);
        char summary[1200];
        snprintf(summary, sizeof summary, "run failed: %s", run->error);
        alert_condition_t condition = {.key = alert_key, .pipeline = run->pipeline, .table = run->table_name,
                                       .kind = run->backfill[0] ? "backfill_chunk_failed" : "run_failed",
                                       .severity = "error", .summary = summary, .run_id = run->id};
        alerts_raise(runner->store, &condition);
        if (result == WEIR_OK)
            result = WEIR_ERR_INTERNAL;
    }
    objects_free(&objects);
    log_context_clear();
    return result;
}
