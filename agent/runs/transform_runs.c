/* transform_runs.c — one transform run: since, build, publish, retries, the transform's alert. */
#include "transform_runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "destination_open.h"
#include "log.h"
#include "quality.h"
#include "specs.h"
#include "timestamp.h"

#define TRANSFORM_STEP_RETRIES 4
/* build, audit, publish, one rebuild (build, audit, publish) after a publish that had already
 * finished, and the retries */
#define TRANSFORM_MAX_STEPS (6 + TRANSFORM_STEP_RETRIES)

void transform_alert_key(const char *transform, char *out, size_t size)
{
    snprintf(out, size, "transform/%s", transform);
}

void transform_since(const char *last_success_start, long long lookback_seconds, char *out, size_t size)
{
    double epoch = 0;
    if (!last_success_start || !timestamp_parse(last_success_start, &epoch))
        epoch = 0;
    time_t since = epoch > (double)lookback_seconds ? (time_t)epoch - (time_t)lookback_seconds : 0;
    long millis = epoch > (double)lookback_seconds ? (long)((epoch - (double)(long long)epoch) * 1000.0) : 0;
    struct tm tm;
    gmtime_r(&since, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

/* Crash testing, as run_failpoint: WEIR_FAILPOINT=after:transform-built ends the process right
 * after a transform run saved its built result, before publishing it. */
static void transform_failpoint(const store_transform_run_t *run)
{
    const char *point = getenv("WEIR_FAILPOINT");
    char wanted[64];
    snprintf(wanted, sizeof wanted, "after:transform-%s", transform_run_state_name(run->state));
    if (point && strcmp(point, wanted) == 0) {
        log_warn("transform", "failpoint %s reached in run %s: exiting now", point, run->id);
        _exit(137);
    }
}

/* The transform's spec, its destination's backend and an open session. */
typedef struct {
    transform_spec_t spec;
    const destination_ops_t *ops;
    destination_session_t *session;
    bool audited; /* the checks passed on this process's build of the result */
} transform_objects_t;

static weir_status_t open_objects(store_t *store, const char *name, transform_objects_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    agent_object_t object = {0};
    weir_status_t result = store_get(store, "transform", name, &object, err);
    if (result == WEIR_OK)
        result = transform_spec_parse(object.spec_json, name, &out->spec, err);
    agent_object_clear(&object);
    char what[128];
    snprintf(what, sizeof what, "transform %s", name);
    if (result == WEIR_OK)
        result = destination_open_named(store, out->spec.destination, what, &out->ops, &out->session, err);
    if (result == WEIR_OK &&
        (!out->ops->transform_build || !out->ops->transform_built || !out->ops->transform_measure)) {
        weir_err_set(err, "destination %s (%s) cannot run transforms", out->spec.destination, out->ops->kind);
        result = WEIR_ERR_INVALID;
    }
    return result;
}

static void close_objects(transform_objects_t *objects)
{
    if (objects->session)
        objects->ops->close(objects->session);
    transform_spec_free(&objects->spec);
}

/* Write-audit-publish: the checks guarding the transform judge the built result before it is
 * published (QUALITY_BATCH; a failing `error` check ends the run and the target keeps its previous
 * rows) or the target after (QUALITY_TARGET). */
static weir_status_t audit(transform_runner_t *runner, transform_objects_t *objects,
                           const destination_transform_t *request, quality_stage_t stage, weir_err_t *err)
{
    quality_context_t context = {.store = runner->store,
                                 .destination = objects->ops,
                                 .session = objects->session,
                                 .transform = request,
                                 .judge_history = true};
    quality_report_t report;
    weir_status_t result = quality_run(&context, stage, &report, err);
    if (result == WEIR_OK && report.blocking) {
        weir_err_set(err, "quality checks failed; the result was not published and %s keeps its previous rows: %s",
                     objects->spec.target, report.summary);
        objects->ops->transform_discard(objects->session, request);
        result = WEIR_ERR_INVALID;
    }
    quality_report_free(&report);
    return result;
}

static weir_status_t step(transform_runner_t *runner, store_transform_run_t *run, transform_objects_t *objects,
                          weir_err_t *err)
{
    destination_transform_t request = {.run_id = run->id,
                                       .transform = run->transform,
                                       .target = objects->spec.target_name,
                                       .materialization = objects->spec.materialization,
                                       .sql = objects->spec.sql,
                                       .since = run->since,
                                       .key_count = objects->spec.key_count,
                                       .unique_key = (const char *const *)objects->spec.unique_key};
    destination_transform_result_t done = {0};
    weir_status_t result;
    if (run->state == TRUN_BUILDING) {
        result = objects->ops->transform_build(objects->session, &request, &done, err);
        if (result == WEIR_OK) {
            run->rows = done.rows;
            run->state = TRUN_BUILT;
        }
    } else if (!objects->audited) {
        /* Not persisted: a run resumed after a crash judges its build again before publishing, once
         * it knows the build is still there (a publish that finished before the crash dropped it). */
        result = objects->ops->transform_built(objects->session, &request, err);
        if (result == WEIR_OK)
            result = audit(runner, objects, &request, QUALITY_BATCH, err);
        objects->audited = result == WEIR_OK;
    } else {
        result = objects->ops->transform_publish(objects->session, &request, &done, err);
        if (result == WEIR_OK) {
            run->inserted = done.inserted;
            run->updated = done.updated;
            run->state = TRUN_SUCCEEDED;
        }
    }
    if (result == WEIR_ERR_NOT_FOUND) {
        log_warn("transform", "run %s: the built result is gone; building again", run->id);
        run->state = TRUN_BUILDING;
        objects->audited = false;
        result = WEIR_OK;
    }
    if (result == WEIR_OK)
        result = store_transform_run_save(runner->store, run, err);
    if (result == WEIR_OK)
        transform_failpoint(run);
    /* Target checks judge what readers now see; they alert, the run has published either way. */
    weir_err_t target_err;
    if (result == WEIR_OK && run->state == TRUN_SUCCEEDED &&
        audit(runner, objects, &request, QUALITY_TARGET, &target_err) != WEIR_OK)
        log_error("transform", "run %s: cannot record its target checks: %s", run->id, target_err.msg);
    return result;
}

static bool stop_requested(const transform_runner_t *runner)
{
    return runner->stopping && atomic_load(runner->stopping);
}

/* Fixes {{since}} once, when the run first starts, so a resumed run selects the same rows. */
static weir_status_t fix_since(transform_runner_t *runner, store_transform_run_t *run,
                               const transform_objects_t *objects, weir_err_t *err)
{
    if (run->since[0])
        return WEIR_OK;
    store_transform_run_t last;
    bool found = false;
    weir_status_t result = store_transform_run_newest(runner->store, run->transform, true, &last, &found, err);
    if (result != WEIR_OK)
        return result;
    transform_since(found ? last.started_at : NULL, objects->spec.lookback_seconds, run->since, sizeof run->since);
    return store_transform_run_save(runner->store, run, err);
}

static void settle(transform_runner_t *runner, store_transform_run_t *run, weir_status_t result, const weir_err_t *err)
{
    char key[160];
    transform_alert_key(run->transform, key, sizeof key);
    if (result == WEIR_OK && run->state == TRUN_SUCCEEDED) {
        log_info("transform", "run %s of %s succeeded: %lld rows built, %lld inserted, %lld updated", run->id,
                 run->transform, run->rows, run->inserted, run->updated);
        alerts_clear(runner->store, key);
        return;
    }
    run->state = TRUN_FAILED;
    snprintf(run->error, sizeof run->error, "%s", result == WEIR_OK ? "the run stopped early" : err->msg);
    weir_err_t save_err;
    if (store_transform_run_save(runner->store, run, &save_err) != WEIR_OK)
        log_error("transform", "run %s: cannot record the failure: %s", run->id, save_err.msg);
    log_warn("transform", "run %s of %s failed: %s", run->id, run->transform, run->error);
    char summary[1200];
    snprintf(summary, sizeof summary, "transform %s failed: %.1100s", run->transform, run->error);
    alert_condition_t condition = {.key = key,
                                   .pipeline = run->transform,
                                   .table = "",
                                   .kind = "transform_failed",
                                   .severity = "error",
                                   .summary = summary,
                                   .run_id = run->id};
    alerts_raise(runner->store, &condition);
}

weir_status_t transform_run_execute(transform_runner_t *runner, store_transform_run_t *run)
{
    weir_err_t err = {{0}};
    transform_objects_t objects;
    log_context_set(run->id, run->transform, "");
    weir_status_t result = open_objects(runner->store, run->transform, &objects, &err);
    if (result == WEIR_OK)
        result = fix_since(runner, run, &objects, &err);
    log_info("transform", "run %s of %s at step %s (attempt %lld), since %s", run->id, run->transform,
             transform_run_state_name(run->state), run->attempts, run->since);
    int retries = 0, pause_ms = runner->retry_pause_ms > 0 ? runner->retry_pause_ms : 1000;
    bool stopped = false;
    for (int steps = 0; result == WEIR_OK && steps < TRANSFORM_MAX_STEPS && run->state != TRUN_SUCCEEDED; steps++) {
        if ((stopped = stop_requested(runner)))
            break;
        result = step(runner, run, &objects, &err);
        if ((result == WEIR_ERR_UNAVAILABLE || result == WEIR_ERR_IO) && retries < TRANSFORM_STEP_RETRIES) {
            int wait_ms = pause_ms << retries++;
            log_warn("transform", "run %s: step %s failed (%s); retrying in %d ms", run->id,
                     transform_run_state_name(run->state), err.msg, wait_ms);
            for (int waited = 0; waited < wait_ms && !stop_requested(runner); waited += 100)
                nanosleep(&(struct timespec){.tv_nsec = 100 * 1000000L}, NULL);
            result = WEIR_OK;
        }
    }
    if (stopped)
        log_info("transform", "run %s stops at step %s for shutdown", run->id, transform_run_state_name(run->state));
    else
        settle(runner, run, result, &err);
    close_objects(&objects);
    log_context_clear();
    return stopped                     ? WEIR_ERR_UNAVAILABLE
        : run->state == TRUN_SUCCEEDED ? WEIR_OK
                                       : (result ? result : WEIR_ERR_INTERNAL);
}
