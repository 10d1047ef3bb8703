/* test_runner.c — the run state machine driven through in-process test implementations of the
 * source and destination interfaces (the integration tests use real PostgreSQL and the Snowflake
 * emulator): commit and watermark, quarantine, warnings, retries, refused credentials, resuming a
 * staged batch, a lost stage, full refresh, a stop request, and each step on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "destination.h"
#include "run_steps.h"
#include "runner.h"
#include "source.h"
#include "stage_reader.h"
#include "store_alerts.h"
#include "store_checks.h"
#include "store_runs.h"
#include "temp_store.h"

/* ---- the test source: a two-column table (id, version) in memory ---- */

#define TABLE_MAX 16
static struct {
    long long ids[TABLE_MAX], versions[TABLE_MAX];
    size_t rows;
    weir_status_t open_fails_with; /* returned by open while open_failures_left > 0 */
    int open_failures_left;
    int opens, extracts;
} src;

struct source_session {
    int unused;
};

static weir_status_t test_source_open(const char *spec_json, const char *write_only_json, source_session_t **out,
                                      weir_err_t *err)
{
    (void)spec_json;
    (void)write_only_json;
    src.opens++;
    if (src.open_failures_left > 0) {
        src.open_failures_left--;
        weir_err_set(err, "test source refuses (%s)", weir_status_text(src.open_fails_with));
        return src.open_fails_with;
    }
    *out = calloc(1, sizeof **out);
    return *out ? WEIR_OK : WEIR_ERR_NOMEM;
}

static char *text_copy(const char *text)
{
    char *copy = strdup(text);
    assert_non_null(copy);
    return copy;
}

static weir_status_t test_source_extract(source_session_t *session, const source_window_t *window,
                                         stage_writer_t *writer, source_extract_t *out, weir_err_t *err)
{
    (void)session;
    src.extracts++;
    memset(out, 0, sizeof *out);
    long long from = window->watermark ? strtoll(window->watermark, NULL, 10) : -1, newest = -1;
    static const char *const names[] = {"id", "version"}, *const types[] = {"bigint", "bigint"};
    if (stage_writer_columns(writer, names, types, 2, err) != WEIR_OK)
        return WEIR_ERR_INVALID;
    for (size_t i = 0; i < src.rows; i++) {
        if (window->cursor && src.versions[i] < from)
            continue;
        char id[32], version[32];
        snprintf(id, sizeof id, "%lld", src.ids[i]);
        snprintf(version, sizeof version, "%lld", src.versions[i]);
        if (stage_writer_field(writer, id, strlen(id), err) != WEIR_OK ||
            stage_writer_field(writer, version, strlen(version), err) != WEIR_OK ||
            stage_writer_end_row(writer, err) != WEIR_OK)
            return WEIR_ERR_IO;
        out->rows++;
        newest = src.versions[i] > newest ? src.versions[i] : newest;
    }
    if (window->cursor && newest >= 0) {
        char text[32];
        snprintf(text, sizeof text, "%lld", newest);
        out->new_watermark = text_copy(text);
    }
    out->columns.count = 2;
    out->columns.names = calloc(2, sizeof(char *));
    out->columns.types = calloc(2, sizeof(char *));
    assert_non_null(out->columns.names);
    assert_non_null(out->columns.types);
    out->columns.names[0] = text_copy("id");
    out->columns.names[1] = text_copy("version");
    out->columns.types[0] = text_copy("bigint");
    out->columns.types[1] = text_copy("bigint");
    return WEIR_OK;
}

static weir_status_t test_source_describe(source_session_t *session, const char *table, source_columns_t *out,
                                          weir_err_t *err)
{
    (void)session;
    (void)table;
    (void)out;
    weir_err_set(err, "not used by runs");
    return WEIR_ERR_INTERNAL;
}

static void test_source_close(source_session_t *session)
{
    free(session);
}

static const source_ops_t test_source = {.kind = "source_postgres",
                                         .capabilities = SOURCE_CAN_CURSOR | SOURCE_CAN_RANGES,
                                         .open = test_source_open,
                                         .describe = test_source_describe,
                                         .extract = test_source_extract,
                                         .close = test_source_close};

/* ---- the test destination: a target keyed by id, in memory ---- */

static struct {
    long long target_ids[TABLE_MAX], target_versions[TABLE_MAX];
    size_t target_rows;
    long long staged_ids[TABLE_MAX], staged_versions[TABLE_MAX];
    size_t staged_rows;
    double failing_rows; /* what every failing-rows check measures */
    weir_status_t open_fails_with;
    int open_failures_left;
    int opens, uploads, stages, publishes, discards;
    bool last_full_refresh;
    char last_table_cursor[32];
} dst;

struct destination_session {
    int unused;
};

static weir_status_t test_destination_open(const char *spec_json, const char *write_only_json,
                                           destination_session_t **out, weir_err_t *err)
{
    (void)spec_json;
    (void)write_only_json;
    dst.opens++;
    if (dst.open_failures_left > 0) {
        dst.open_failures_left--;
        weir_err_set(err, "test destination refuses (%s)", weir_status_text(dst.open_fails_with));
        return dst.open_fails_with;
    }
    *out = calloc(1, sizeof **out);
    return *out ? WEIR_OK : WEIR_ERR_NOMEM;
}

static weir_status_t test_destination_upload(destination_session_t *session, const destination_batch_t *batch,
                                             weir_err_t *err)
{
    (void)session;
    (void)batch;
    (void)err;
    dst.uploads++;
    return WEIR_OK;
}

/* A staged field (not NUL-terminated) as a number. */
static long long field_number(const stage_field_t *field)
{
    char text[32];
    snprintf(text, sizeof text, "%.*s", (int)field->len, field->data);
    return strtoll(text, NULL, 10);
}

/* Reads the staged chunks back with the real stage reader. */
static weir_status_t test_destination_stage(destination_session_t *session, const destination_batch_t *batch,
                                            destination_load_t *out, weir_err_t *err)
{
    (void)session;
    dst.stages++;
    dst.staged_rows = 0;
    for (unsigned chunk = 0; chunk < batch->chunk_count; chunk++) {
        char path[1300];
        snprintf(path, sizeof path, "%s/%05u.csv.zst", batch->stage_dir, chunk);
        stage_reader_t *reader;
        if (stage_reader_open(path, &reader, err) != WEIR_OK)
            return WEIR_ERR_IO;
        const stage_field_t *fields;
        size_t count;
        while (stage_reader_next(reader, &fields, &count, err) == WEIR_OK && dst.staged_rows < TABLE_MAX) {
            dst.staged_ids[dst.staged_rows] = field_number(&fields[0]);
            dst.staged_versions[dst.staged_rows++] = field_number(&fields[1]);
        }
        stage_reader_close(reader);
    }
    memset(out, 0, sizeof *out);
    out->staged_rows = (long long)dst.staged_rows;
    return WEIR_OK;
}

static weir_status_t test_destination_measure(destination_session_t *session, const destination_batch_t *batch,
                                              const check_spec_t *check, destination_measure_t *out, weir_err_t *err)
{
    (void)session;
    (void)batch;
    (void)err;
    memset(out, 0, sizeof *out);
    out->value = check->kind == CHECK_ROW_COUNT ? (double)dst.staged_rows : dst.failing_rows;
    return WEIR_OK;
}

static weir_status_t test_destination_publish(destination_session_t *session, const destination_batch_t *batch,
                                              destination_load_t *out, weir_err_t *err)
{
    (void)session;
    (void)err;
    dst.publishes++;
    dst.last_full_refresh = batch->full_refresh;
    snprintf(dst.last_table_cursor, sizeof dst.last_table_cursor, "%s", batch->table_cursor ? batch->table_cursor : "");
    if (batch->full_refresh)
        dst.target_rows = 0;
    for (size_t s = 0; s < dst.staged_rows; s++) {
        size_t t = 0;
        while (t < dst.target_rows && dst.target_ids[t] != dst.staged_ids[s])
            t++;
        if (t == dst.target_rows)
            dst.target_rows++;
        dst.target_ids[t] = dst.staged_ids[s];
        dst.target_versions[t] = dst.staged_versions[s];
    }
    out->inserted = (long long)dst.staged_rows;
    return WEIR_OK;
}

static void test_destination_discard(destination_session_t *session, const destination_batch_t *batch)
{
    (void)session;
    (void)batch;
    dst.discards++;
}

static void test_destination_close(destination_session_t *session)
{
    free(session);
}

static const destination_ops_t test_destination = {.kind = "destination_snowflake",
                                                   .open = test_destination_open,
                                                   .upload = test_destination_upload,
                                                   .stage = test_destination_stage,
                                                   .measure = test_destination_measure,
                                                   .publish = test_destination_publish,
                                                   .discard = test_destination_discard,
                                                   .close = test_destination_close};

/* ---- fixtures ---- */

static const source_ops_t *const sources[] = {&test_source};
static const destination_ops_t *const destinations[] = {&test_destination};
static const run_backends_t backends = {sources, 1, destinations, 1};

static temp_store_t place;
static store_t *store;
static runner_t runner;
static atomic_int stopping;

/* Creates or replaces pipeline p with its one table in `mode`. */
static void put_pipeline(const char *mode)
{
    char spec[512];
    snprintf(spec, sizeof spec,
             "{\"name\":\"p\",\"source\":\"src\",\"destination\":\"wh\",\"schedule\":\"@hourly\",\"enabled\":true,"
             "\"jitter\":\"0s\",\"schema_evolution\":\"add_columns\",\"max_parallel_tables\":2,"
             "\"table\":[{\"name\":\"public.t\",\"primary_key\":[\"id\"],\"cursor\":\"version\",\"lookback\":\"0s\","
             "\"mode\":\"%s\"}]}",
             mode);
    weir_err_t err = {{0}};
    agent_object_t object = {0};
    if (store_put(store, "pipeline", "p", spec, "", AGENT_ANY_GENERATION, &object, &err) != WEIR_OK)
        fail_msg("put pipeline p: %s", err.msg);
    agent_object_clear(&object);
}

static int setup(void **state)
{
    (void)state;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    if (temp_store_open(&place, &store) != 0)
        return -1;
    temp_store_put(store, "source_postgres", "src",
                   "{\"name\":\"src\",\"host\":\"db\",\"port\":5432,\"database\":\"d\",\"user\":\"u\","
                   "\"sslmode\":\"verify-full\",\"max_connections\":4}");
    temp_store_put(store, "destination_snowflake", "wh",
                   "{\"name\":\"wh\",\"account\":\"A-B\",\"user\":\"U\",\"warehouse\":\"W\",\"database\":\"D\","
                   "\"schema\":\"S\",\"auth\":\"key_pair\",\"max_concurrent_loads\":4}");
    put_pipeline("incremental");
    atomic_store(&stopping, 0);
    memset(&runner, 0, sizeof runner);
    runner.store = store;
    snprintf(runner.stage_root, sizeof runner.stage_root, "%s/stage", place.dir);
    runner.chunk_raw_bytes = 1 << 20;
    runner.stopping = &stopping;
    runner.retry_pause_ms = 1;
    runner.backends = &backends;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

static void source_rows(size_t count, const long long *ids, const long long *versions)
{
    src.rows = count;
    memcpy(src.ids, ids, count * sizeof *ids);
    memcpy(src.versions, versions, count * sizeof *versions);
}

/* Queues a manual run of p public.t and claims it. */
static store_run_t claim(void)
{
    weir_err_t err = {{0}};
    store_run_t queued, run;
    store_run_request_t request = {.pipeline = "p",
                                   .table_name = "public.t",
                                   .trigger = "manual",
                                   .source = "src",
                                   .destination = "wh",
                                   .not_before = ""};
    assert_int_equal(store_run_enqueue(store, &request, &queued, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-test", &run, &err), WEIR_OK);
    return run;
}

static void watermark_is(const char *expected)
{
    char value[128];
    bool found;
    weir_err_t err;
    assert_int_equal(store_watermark_get(store, "p", "public.t", value, sizeof value, &found, &err), WEIR_OK);
    assert_true(found);
    assert_string_equal(value, expected);
}

/* ---- tests ---- */

static void commits_and_moves_the_watermark(void **state)
{
    (void)state;
    source_rows(3, (long long[]){1, 2, 3}, (long long[]){10, 20, 30});
    store_run_t run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
    assert_int_equal(dst.target_rows, 3);
    assert_int_equal(run.rows_extracted, 3);
    assert_int_equal(run.rows_loaded, 3);
    watermark_is("30");
    assert_false(dst.last_full_refresh);
    assert_int_equal(access(run.stage_dir, F_OK), -1); /* the stage is cleaned after commit */

    /* The next run reads from the watermark (inclusive) and merges a changed row. */
    source_rows(4, (long long[]){1, 2, 3, 4}, (long long[]){10, 20, 35, 40});
    run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.rows_extracted, 2);
    assert_int_equal(dst.target_rows, 4);
    assert_int_equal(dst.target_versions[2], 35);
    watermark_is("40");
}

static void failing_error_check_quarantines(void **state)
{
    (void)state;
    temp_store_put(store, "quality_check", "p-volume",
                   "{\"name\":\"p-volume\",\"pipeline\":\"p\",\"table\":\"public.t\",\"kind\":\"row_count\","
                   "\"severity\":\"error\",\"enabled\":true,\"min_rows\":10}");
    source_rows(2, (long long[]){1, 2}, (long long[]){10, 20});
    store_run_t run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_QUARANTINED);
    assert_int_equal(dst.publishes, 0);
    assert_int_equal(dst.discards, 1);
    assert_non_null(strstr(run.error, "fewer than min_rows"));
    store_run_t stored;
    weir_err_t err;
    assert_int_equal(store_run_get(store, run.id, &stored, &err), WEIR_OK);
    assert_int_equal(stored.state, RUN_QUARANTINED);
    assert_int_equal(access(run.stage_dir, F_OK), 0); /* kept for a release */

    /* Released: the batch publishes without being checked again. */
    assert_int_equal(store_run_release(store, run.id, &stored, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-test", &run, &err), WEIR_OK);
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
    assert_int_equal(dst.target_rows, 2);
    assert_int_equal(src.extracts, 1); /* the staged batch was not extracted again */
}

static void unreadable_check_fails_instead_of_vanishing(void **state)
{
    (void)state;
    /* As another agent version or a hand edit might leave it: min_rows is not a number. */
    temp_store_put(store, "quality_check", "p-odd",
                   "{\"name\":\"p-odd\",\"pipeline\":\"p\",\"table\":\"public.t\",\"kind\":\"row_count\","
                   "\"severity\":\"error\",\"enabled\":true,\"min_rows\":\"ten\"}");
    source_rows(1, (long long[]){1}, (long long[]){10});
    store_run_t run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_QUARANTINED);
    assert_non_null(strstr(run.error, "p-odd"));
    assert_non_null(strstr(run.error, "cannot be read"));
    assert_int_equal(dst.publishes, 0);
}

static void warning_check_publishes(void **state)
{
    (void)state;
    temp_store_put(store, "quality_check", "p-unique",
                   "{\"name\":\"p-unique\",\"pipeline\":\"p\",\"table\":\"public.t\",\"kind\":\"unique\","
                   "\"severity\":\"warn\",\"enabled\":true,\"columns\":[\"id\"]}");
    dst.failing_rows = 3;
    source_rows(1, (long long[]){1}, (long long[]){10});
    store_run_t run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
    assert_int_equal(dst.target_rows, 1);
    store_incident_t *incidents = NULL;
    size_t count = 0;
    weir_err_t err;
    assert_int_equal(store_incidents_open(store, &incidents, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
    assert_non_null(strstr(incidents[0].summary, "3 duplicated value combinations"));
    free(incidents);
}

static void passing_failures_are_retried(void **state)
{
    (void)state;
    dst.open_fails_with = WEIR_ERR_UNAVAILABLE;
    dst.open_failures_left = 2;
    source_rows(1, (long long[]){1}, (long long[]){10});
    store_run_t run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
    assert_int_equal(dst.opens, 3);
    assert_int_equal(src.extracts, 1);
}

static void refused_credentials_fail_at_once(void **state)
{
    (void)state;
    src.open_fails_with = WEIR_ERR_AUTH;
    src.open_failures_left = 100;
    store_run_t run = claim();
    assert_int_not_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_FAILED);
    assert_int_equal(src.opens, 1);
    assert_non_null(strstr(run.error, "test source refuses"));
    store_incident_t *incidents = NULL;
    size_t count = 0;
    weir_err_t err;
    assert_int_equal(store_incidents_open(store, &incidents, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
    assert_string_equal(incidents[0].kind, "run_failed");
    free(incidents);
}

static void staged_batch_resumes_without_extracting(void **state)
{
    (void)state;
    source_rows(2, (long long[]){1, 2}, (long long[]){10, 20});
    store_run_t run = claim();
    run_objects_t objects;
    weir_err_t err = {{0}};
    assert_int_equal(run_objects_load(store, &run, &backends, &objects, &err), WEIR_OK);
    assert_int_equal(run_extract(&runner, &run, &objects, &err), WEIR_OK);
    run_objects_free(&objects);
    assert_int_equal(run.state, RUN_STAGED);
    /* As after a crash: a new process claims the unfinished run and carries on from staged. */
    store_run_t resumed;
    assert_int_equal(store_run_claim(store, "agent-after-crash", &resumed, &err), WEIR_OK);
    assert_string_equal(resumed.id, run.id);
    assert_int_equal(resumed.state, RUN_STAGED);
    assert_int_equal(runner_execute(&runner, &resumed), WEIR_OK);
    assert_int_equal(resumed.state, RUN_COMMITTED);
    assert_int_equal(src.extracts, 1);
    assert_int_equal(dst.target_rows, 2);
    watermark_is("20");
}

static void lost_stage_is_extracted_again(void **state)
{
    (void)state;
    source_rows(2, (long long[]){1, 2}, (long long[]){10, 20});
    store_run_t run = claim();
    run_objects_t objects;
    weir_err_t err = {{0}};
    assert_int_equal(run_objects_load(store, &run, &backends, &objects, &err), WEIR_OK);
    assert_int_equal(run_extract(&runner, &run, &objects, &err), WEIR_OK);
    run_objects_free(&objects);
    char manifest[1200];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", run.stage_dir);
    assert_int_equal(unlink(manifest), 0);
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
    assert_int_equal(src.extracts, 2);
    assert_int_equal(dst.target_rows, 2);
}

/* A batch staged before a column rule was added is never published under the old rule: the load
 * sees the change and the batch is extracted again, this time with the rule applied. */
static void changed_column_rules_extract_again(void **state)
{
    (void)state;
    source_rows(2, (long long[]){1, 2}, (long long[]){10, 20});
    store_run_t run = claim();
    run_objects_t objects;
    weir_err_t err = {{0}};
    assert_int_equal(run_objects_load(store, &run, &backends, &objects, &err), WEIR_OK);
    assert_int_equal(run_extract(&runner, &run, &objects, &err), WEIR_OK);
    run_objects_free(&objects);
    setenv("WEIR_TEST_HASH_KEY", "0123456789abcdef0123456789abcdef", 1);
    agent_object_t object = {0};
    assert_int_equal(
        store_put(
            store, "pipeline", "p",
            "{\"name\":\"p\",\"source\":\"src\",\"destination\":\"wh\",\"hash_key_ref\":\"env:WEIR_TEST_HASH_KEY\","
            "\"table\":[{\"name\":\"public.t\",\"primary_key\":[\"id\"],\"cursor\":\"version\",\"lookback\":\"0s\","
            "\"column\":[{\"name\":\"id\",\"transform\":\"hash\"}]}]}",
            "", AGENT_ANY_GENERATION, &object, &err),
        WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(run_objects_load(store, &run, &backends, &objects, &err), WEIR_OK);
    assert_int_equal(run_load(&runner, &run, &objects, &err), WEIR_ERR_NOT_FOUND);
    assert_int_equal(run.state, RUN_EXTRACTING);
    assert_non_null(strstr(err.msg, "staged under rule \"none\" but the pipeline now says \"hash\""));
    assert_int_equal(dst.target_rows, 0);
    run_objects_free(&objects);
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
    assert_int_equal(src.extracts, 2); /* staged again, now hashed (this test destination reads ids as numbers) */
    assert_true(dst.target_rows >= 1);
}

static void full_refresh_mirrors_the_source(void **state)
{
    (void)state;
    put_pipeline("full_refresh");
    source_rows(3, (long long[]){1, 2, 3}, (long long[]){10, 20, 30});
    store_run_t run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(dst.target_rows, 3);
    /* Row 1 is deleted at the source: the next full refresh removes it from the target. */
    source_rows(2, (long long[]){2, 3}, (long long[]){20, 30});
    run = claim();
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_true(dst.last_full_refresh);
    assert_string_equal(dst.last_table_cursor, "version"); /* freshness still has its column */
    assert_int_equal(dst.target_rows, 2);
    assert_int_equal(dst.target_ids[0], 2);
    assert_int_equal(dst.target_ids[1], 3);
    assert_false(run.has_watermark_to); /* a full refresh keeps no watermark */
}

static void stop_request_keeps_the_saved_step(void **state)
{
    (void)state;
    source_rows(1, (long long[]){1}, (long long[]){10});
    store_run_t run = claim();
    atomic_store(&stopping, 1);
    assert_int_equal(runner_execute(&runner, &run), WEIR_ERR_UNAVAILABLE);
    store_run_t stored;
    weir_err_t err;
    assert_int_equal(store_run_get(store, run.id, &stored, &err), WEIR_OK);
    assert_int_equal(stored.state, RUN_EXTRACTING);
    assert_int_equal(src.extracts, 0);
    /* The next process resumes it. */
    atomic_store(&stopping, 0);
    assert_int_equal(store_run_claim(store, "agent-next", &run, &err), WEIR_OK);
    assert_int_equal(runner_execute(&runner, &run), WEIR_OK);
    assert_int_equal(run.state, RUN_COMMITTED);
}

/* The steps on their own: a staged batch described from its manifest, uploaded and staged, judged
 * by the gate (held, passed, or skipped after a release) and published with its target checks. */
static void steps_one_by_one(void **state)
{
    (void)state;
    temp_store_put(store, "quality_check", "p-volume",
                   "{\"name\":\"p-volume\",\"pipeline\":\"p\",\"table\":\"public.t\",\"kind\":\"row_count\","
                   "\"severity\":\"error\",\"enabled\":true,\"min_rows\":2}");
    temp_store_put(store, "quality_check", "p-fresh",
                   "{\"name\":\"p-fresh\",\"pipeline\":\"p\",\"table\":\"public.t\",\"kind\":\"freshness\","
                   "\"severity\":\"warn\",\"enabled\":true,\"max_age\":\"1h\"}");
    source_rows(1, (long long[]){1}, (long long[]){10});
    store_run_t run = claim();
    run_objects_t objects;
    weir_err_t err = {{0}};
    assert_int_equal(run_objects_load(store, &run, &backends, &objects, &err), WEIR_OK);
    assert_int_equal(run_extract(&runner, &run, &objects, &err), WEIR_OK);

    stage_manifest_t manifest;
    assert_int_equal(stage_manifest_read(run.stage_dir, &manifest, &err), WEIR_OK);
    destination_batch_t batch;
    run_load_columns_t names;
    assert_int_equal(run_batch_describe(&runner, &run, &objects, &manifest, &names, &batch, &err), WEIR_OK);
    assert_int_equal(batch.column_count, 2);
    assert_string_equal(batch.columns[1], "version");
    assert_string_equal(batch.targets[1], "VERSION"); /* naming = "upper" by default */
    assert_null(batch.target_types[1]);
    assert_string_equal(batch.target, "T");
    assert_string_equal(batch.cursor, "version");
    assert_string_equal(batch.primary_key[0], "id");
    assert_false(batch.full_refresh);
    assert_int_equal(batch.chunk_count, manifest.chunks);

    destination_session_t *session = NULL;
    assert_int_equal(test_destination.open(NULL, NULL, &session, &err), WEIR_OK);
    destination_load_t loaded;
    assert_int_equal(run_stage_batch(&objects, session, &batch, &loaded, &err), WEIR_OK);
    assert_int_equal(dst.uploads, 1);
    assert_int_equal(loaded.staged_rows, 1);

    /* One row against min_rows 2: held, saved as quarantined, nothing published. */
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    bool held = false;
    assert_int_equal(run_gate(&runner, &run, &objects, session, &batch, &started, &held, &err), WEIR_OK);
    assert_true(held);
    assert_int_equal(run.state, RUN_QUARANTINED);
    assert_int_equal(dst.discards, 1);
    /* Released: the gate lets the same batch through without measuring it again. */
    run.skip_checks = true;
    assert_int_equal(run_gate(&runner, &run, &objects, session, &batch, &started, &held, &err), WEIR_OK);
    assert_false(held);

    /* Publish, then the target check (freshness, warn) is measured and recorded. */
    assert_int_equal(run_publish(&runner, &run, &objects, session, &batch, &started, &loaded, &err), WEIR_OK);
    assert_int_equal(run.state, RUN_PUBLISHED);
    assert_int_equal(run.rows_loaded, 1);
    assert_int_equal(dst.target_rows, 1);
    store_check_result_t *results = NULL;
    size_t count = 0;
    assert_int_equal(store_check_results_for_run(store, run.id, &results, &count, &err), WEIR_OK);
    bool fresh_recorded = false;
    for (size_t i = 0; i < count; i++)
        fresh_recorded |= strcmp(results[i].check, "p-fresh") == 0 && strcmp(results[i].stage, "target") == 0;
    assert_true(fresh_recorded);
    free(results);
    test_destination.close(session);
    run_load_columns_free(&names);
    stage_manifest_free(&manifest);
    run_objects_free(&objects);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commits_and_moves_the_watermark, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_error_check_quarantines, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_check_fails_instead_of_vanishing, setup, teardown),
        cmocka_unit_test_setup_teardown(warning_check_publishes, setup, teardown),
        cmocka_unit_test_setup_teardown(passing_failures_are_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_credentials_fail_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(staged_batch_resumes_without_extracting, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_stage_is_extracted_again, setup, teardown),
        cmocka_unit_test_setup_teardown(changed_column_rules_extract_again, setup, teardown),
        cmocka_unit_test_setup_teardown(full_refresh_mirrors_the_source, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_request_keeps_the_saved_step, setup, teardown),
        cmocka_unit_test_setup_teardown(steps_one_by_one, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
