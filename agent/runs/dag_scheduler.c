/* dag_scheduler.c — the DAG's tick (readiness, holds, cron) and its transform worker. */
#include "dag_scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "cron.h"
#include "dag.h"
#include "dag_slo.h"
#include "dag_state.h"
#include "log.h"
#include "specs.h"
#include "retention_step.h"
#include "store_dag_runs.h"
#include "store_transforms.h"
#include "transform_runs.h"

/* A publish starts its downstream transforms within about this long (bench/dag-latency: the
 * median hop is about half of it). */
#define DAG_POLL_MS 500

struct dag_scheduler {
    store_t *store;
    char owner[64];
    atomic_int stopping;
    pthread_t ticker, worker, retention;
    bool ticker_started, worker_started, retention_started;
};

/* A held transform alerts once (the incident stays open while it is held) and resolves after. */
static void report_hold(store_t *store, const transform_spec_t *spec, const char *input, const char *why, bool held)
{
    char key[200];
    snprintf(key, sizeof key, "transform/%s/held", spec->name);
    if (!held) {
        alerts_clear(store, key);
        return;
    }
    char summary[1200];
    snprintf(summary, sizeof summary, "transform %s is held: input %s cannot be built from (%.900s)", spec->name, input,
             why);
    alert_condition_t condition = {.key = key,
                                   .pipeline = spec->name,
                                   .table = "",
                                   .kind = "transform_held",
                                   .severity = "error",
                                   .summary = summary,
                                   .run_id = ""};
    alerts_raise(store, &condition);
}

static bool cron_fired(const char *schedule, time_t after, time_t until)
{
    cron_t cron;
    char why[256];
    if (!schedule || !cron_parse(schedule, &cron, why, sizeof why))
        return false;
    if (until - after > 3600)
        after = until - 3600;
    for (time_t minute = (after / 60 + 1) * 60; minute <= until; minute += 60) {
        struct tm tm;
        gmtime_r(&minute, &tm);
        if (cron_matches(&cron, tm.tm_min, tm.tm_hour, tm.tm_mday, tm.tm_mon + 1, tm.tm_wday))
            return true;
    }
    return false;
}

/* Looks at one transform; returns 1 when it queued a run. */
static int consider(store_t *store, const transform_spec_t *spec, time_t after, time_t until)
{
    weir_err_t err = {{0}};
    dag_state_t *state = malloc(sizeof *state);
    if (!state)
        return 0;
    int queued = 0;
    weir_status_t result = dag_state_read(store, spec, state, &err);
    bool held = result == WEIR_OK && state->readiness == DAG_HELD;
    if (result == WEIR_OK)
        report_hold(store, spec, held ? spec->inputs[state->held_by] : "", state->why, held);
    bool due = result == WEIR_OK && !held && spec->enabled &&
        (spec->schedule ? cron_fired(spec->schedule, after, until) : state->readiness == DAG_READY);
    char *consumed_text = due ? json_dumps(state->consumed_now, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    store_transform_run_t *run = consumed_text ? malloc(sizeof *run) : NULL;
    if (run) {
        weir_status_t queued_result = store_transform_run_enqueue(
            store, spec->name, spec->schedule ? "schedule" : "inputs", consumed_text, run, &err);
        if (queued_result == WEIR_OK) {
            log_info("dag", "queued run %s of transform %s (%s)", run->id, spec->name, consumed_text);
            queued = 1;
            if (store_dag_run_join_transform(store, run->id, run->trigger, spec->name, consumed_text, &err) != WEIR_OK)
                log_error("dag", "run %s: cannot record its DAG run: %s", run->id, err.msg);
        } else if (queued_result != WEIR_ERR_EXISTS) {
            log_error("dag", "cannot queue transform %s: %s", spec->name, err.msg);
        }
    }
    if (result != WEIR_OK)
        log_error("dag", "transform %s: %s", spec->name, err.msg);
    free(run);
    free(consumed_text);
    dag_state_clear(state);
    free(state);
    return queued;
}

int dag_tick(store_t *store, time_t after, time_t until)
{
    agent_object_list_t transforms = {0};
    weir_err_t err = {{0}};
    if (store_list(store, "transform", "", "", 0, &transforms, &err) != WEIR_OK) {
        log_error("dag", "cannot list transforms: %s", err.msg);
        return 0;
    }
    int queued = 0;
    for (size_t i = 0; i < transforms.count; i++) {
        transform_spec_t spec;
        if (transform_spec_parse(transforms.items[i].spec_json, transforms.items[i].name, &spec, &err) != WEIR_OK) {
            log_error("dag", "%s", err.msg);
            continue;
        }
        queued += consider(store, &spec, after, until);
        transform_spec_free(&spec);
    }
    agent_object_list_free(&transforms);
    return queued;
}

static void sleep_ms(int ms)
{
    struct timespec wait = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&wait, NULL);
}

/* A DAG run settles once its members have ended and several ticks passed without a transform
 * joining it: a publish starts its downstream within one tick. */
#define DAG_RUN_QUIET_SECONDS 3
/* SLO alerts are judged again at least this often (in ticks: a minute) when nothing settles. */
#define DAG_SLO_EVERY_TICKS (60 * 1000 / DAG_POLL_MS)

static int settle_dag_runs(store_t *store, time_t now)
{
    time_t quiet = now - DAG_RUN_QUIET_SECONDS;
    struct tm tm;
    gmtime_r(&quiet, &tm);
    char before[64];
    snprintf(before, sizeof before, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    weir_err_t err = {{0}};
    int settled = 0;
    if (store_dag_run_settle(store, before, &settled, &err) != WEIR_OK)
        log_error("dag", "cannot settle DAG runs: %s", err.msg);
    else if (settled)
        log_info("dag", "%d DAG run(s) settled", settled);
    return settled;
}

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void *ticker(void *arg)
{
    dag_scheduler_t *scheduler = arg;
    time_t last = time(NULL);
    long ticks = 0;
    long long tick_started = monotonic_ms();
    while (!atomic_load(&scheduler->stopping)) {
        /* A fixed rate, not a fixed pause: a tick over many transforms takes time of its own,
         * which would otherwise add to every hop's latency. */
        long long spent = monotonic_ms() - tick_started;
        sleep_ms(spent < DAG_POLL_MS ? DAG_POLL_MS - (int)spent : 0);
        tick_started = monotonic_ms();
        time_t now = time(NULL);
        dag_tick(scheduler->store, last, now);
        /* SLO figures change when a DAG run settles, and as old runs leave the windows. */
        if (settle_dag_runs(scheduler->store, now) > 0 || ++ticks % DAG_SLO_EVERY_TICKS == 0)
            dag_slo_evaluate_all(scheduler->store, now);
        last = now;
    }
    return NULL;
}

/* Retention passes run on their own thread: a pass of many batches must not delay the DAG. */
static void *retention(void *arg)
{
    dag_scheduler_t *scheduler = arg;
    time_t last_scan = 0;
    while (!atomic_load(&scheduler->stopping)) {
        time_t now = time(NULL);
        if (retention_requested() || now - last_scan >= RETENTION_SCAN_SECONDS) {
            retention_tick(scheduler->store, now, &scheduler->stopping);
            last_scan = now;
        }
        sleep_ms(DAG_POLL_MS);
    }
    return NULL;
}

static void *worker(void *arg)
{
    dag_scheduler_t *scheduler = arg;
    transform_runner_t runner = {.store = scheduler->store, .stopping = &scheduler->stopping};
    while (!atomic_load(&scheduler->stopping)) {
        store_transform_run_t run;
        weir_err_t err = {{0}};
        weir_status_t result = store_transform_run_claim(scheduler->store, scheduler->owner, &run, &err);
        if (result == WEIR_OK) {
            (void)!transform_run_execute(&runner, &run); /* recorded on the run itself */
            continue;
        }
        if (result != WEIR_ERR_NOT_FOUND)
            log_error("dag", "cannot claim a transform run: %s", err.msg);
        sleep_ms(200);
    }
    return NULL;
}

weir_status_t dag_scheduler_start(store_t *store, const char *owner, dag_scheduler_t **out, weir_err_t *err)
{
    *out = NULL;
    dag_scheduler_t *scheduler = calloc(1, sizeof *scheduler);
    if (!scheduler)
        return WEIR_ERR_NOMEM;
    scheduler->store = store;
    snprintf(scheduler->owner, sizeof scheduler->owner, "%s", owner);
    scheduler->ticker_started = pthread_create(&scheduler->ticker, NULL, ticker, scheduler) == 0;
    scheduler->worker_started =
        scheduler->ticker_started && pthread_create(&scheduler->worker, NULL, worker, scheduler) == 0;
    scheduler->retention_started =
        scheduler->worker_started && pthread_create(&scheduler->retention, NULL, retention, scheduler) == 0;
    if (!scheduler->retention_started) {
        dag_scheduler_stop(scheduler);
        weir_err_set(err, "cannot start the DAG scheduler threads");
        return WEIR_ERR_INTERNAL;
    }
    *out = scheduler;
    return WEIR_OK;
}

void dag_scheduler_stop(dag_scheduler_t *scheduler)
{
    if (!scheduler)
        return;
    atomic_store(&scheduler->stopping, 1);
    if (scheduler->ticker_started)
        pthread_join(scheduler->ticker, NULL);
    if (scheduler->worker_started)
        pthread_join(scheduler->worker, NULL);
    if (scheduler->retention_started)
        pthread_join(scheduler->retention, NULL);
    free(scheduler);
}
