/* scheduler.c — cron-driven run queueing, one minute at a time; backfill chunks every second. */
#include "scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "cron.h"
#include "specs.h"
#include "log.h"
#include "store_dag_runs.h"
#include "store_runs.h"

/* A stopped agent does not replay a long outage minute by minute: at most this far back. */
#define SCHEDULER_MAX_CATCH_UP_S (60 * 60)
#define SCHEDULER_POLL_MS 1000

struct scheduler {
    store_t *store;
    atomic_int stopping;
    pthread_t thread;
};

static bool fired(const cron_t *cron, time_t after, time_t until)
{
    if (until - after > SCHEDULER_MAX_CATCH_UP_S)
        after = until - SCHEDULER_MAX_CATCH_UP_S;
    for (time_t minute = (after / 60 + 1) * 60; minute <= until; minute += 60) {
        struct tm tm;
        gmtime_r(&minute, &tm);
        if (cron_matches(cron, tm.tm_min, tm.tm_hour, tm.tm_mday, tm.tm_mon + 1, tm.tm_wday))
            return true;
    }
    return false;
}

/* A delay fixed per pipeline (FNV-1a of its name) within [0, jitter): the same pipeline always starts
 * at the same offset, and many pipelines spread evenly. */
static void jitter_time(const char *pipeline, time_t fired, long long jitter_s, char *out, size_t size)
{
    uint64_t hash = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)pipeline; *p; p++)
        hash = (hash ^ *p) * 1099511628211ull;
    time_t start = fired + (time_t)(hash % (uint64_t)jitter_s);
    struct tm tm;
    gmtime_r(&start, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

/* The runs one schedule tick queues make one DAG run (store_dag_runs.h), whichever pipelines
 * fired; its bookkeeping never stops a load. */
typedef struct {
    char id[STORE_DAG_RUN_ID_SIZE]; /* "" until the first run joins */
    char origin[200];               /* "pipeline shop" or "pipelines shop, billing, …" */
} tick_dag_run_t;

static void join_dag_run(store_t *store, tick_dag_run_t *dag_run, const char *run_id)
{
    weir_err_t err = {{0}};
    if (store_dag_run_join(store, dag_run->id, "schedule", dag_run->origin, "load", run_id, &err) != WEIR_OK)
        log_error("scheduler", "run %s: cannot record its DAG run: %s", run_id, err.msg);
}

/* Queues a run of every table of `pipeline` for this tick. */
static int queue_tables(store_t *store, const pipeline_spec_t *pipeline, const char *not_before,
                        tick_dag_run_t *dag_run)
{
    int queued = 0;
    for (size_t t = 0; t < pipeline->table_count; t++) {
        const char *table = pipeline->tables[t].name;
        store_run_t run;
        weir_err_t err = {{0}};
        store_run_request_t request = {.pipeline = pipeline->name,
                                       .table_name = table,
                                       .trigger = "schedule",
                                       .source = pipeline->source,
                                       .destination = pipeline->destination,
                                       .not_before = not_before};
        weir_status_t result = store_run_enqueue(store, &request, &run, &err);
        if (result == WEIR_OK) {
            queued++;
            log_info("scheduler", "queued run %s of %s %s", run.id, pipeline->name, table);
            join_dag_run(store, dag_run, run.id);
        } else if (result == WEIR_ERR_EXISTS) {
            log_warn("scheduler", "%s %s is still running (run %s); this schedule tick is skipped", pipeline->name,
                     table, run.id);
        } else {
            log_error("scheduler", "cannot queue %s %s: %s", pipeline->name, table, err.msg);
        }
    }
    return queued;
}

/* Whether `pipeline` is due in the minutes (after, until]. */
static bool pipeline_due(store_t *store, const pipeline_spec_t *pipeline, time_t after, time_t until)
{
    cron_t cron;
    char why[256];
    bool paused = false;
    weir_err_t err = {{0}};
    if (store_pipeline_paused(store, pipeline->name, &paused, NULL, 0, NULL, 0, &err) != WEIR_OK)
        log_error("scheduler", "cannot read the pause of %s: %s", pipeline->name, err.msg);
    return !paused && pipeline->enabled && pipeline->schedule &&
        cron_parse(pipeline->schedule, &cron, why, sizeof why) && fired(&cron, after, until);
}

/* Names the due pipelines in the DAG run's origin, as many as fit. */
static void name_origin(tick_dag_run_t *dag_run, const pipeline_spec_t *due, size_t count)
{
    size_t used = (size_t)snprintf(dag_run->origin, sizeof dag_run->origin, "%s", count > 1 ? "pipelines" : "pipeline");
    for (size_t i = 0; i < count; i++) {
        size_t room = sizeof dag_run->origin - used;
        size_t need = strlen(due[i].name) + 2;
        if (need + 8 > room) { /* keep room for ", +N" */
            snprintf(dag_run->origin + used, room, ", +%zu", count - i);
            return;
        }
        used += (size_t)snprintf(dag_run->origin + used, room, "%s%s", i ? ", " : " ", due[i].name);
    }
}

int scheduler_tick(store_t *store, time_t after, time_t until)
{
    agent_object_list_t pipelines = {0};
    weir_err_t err = {{0}};
    int queued = 0;
    if (store_list(store, "pipeline", "", "", 0, &pipelines, &err) != WEIR_OK) {
        log_error("scheduler", "cannot list pipelines: %s", err.msg);
        return 0;
    }
    pipeline_spec_t *due = calloc(pipelines.count ? pipelines.count : 1, sizeof *due);
    size_t due_count = 0;
    for (size_t i = 0; due && i < pipelines.count; i++) {
        pipeline_spec_t *pipeline = &due[due_count];
        if (pipeline_spec_parse(pipelines.items[i].spec_json, pipelines.items[i].name, pipeline, &err) != WEIR_OK) {
            log_error("scheduler", "%s", err.msg);
            continue;
        }
        if (pipeline_due(store, pipeline, after, until))
            due_count++;
        else
            pipeline_spec_free(pipeline);
    }
    if (!due)
        log_error("scheduler", "out of memory: this schedule tick is skipped");
    tick_dag_run_t dag_run;
    memset(&dag_run, 0, sizeof dag_run);
    name_origin(&dag_run, due, due_count);
    for (size_t i = 0; i < due_count; i++) {
        char not_before[64] = "";
        if (due[i].jitter_seconds > 0)
            jitter_time(due[i].name, until, due[i].jitter_seconds, not_before, sizeof not_before);
        queued += queue_tables(store, &due[i], not_before, &dag_run);
        pipeline_spec_free(&due[i]);
    }
    free(due);
    agent_object_list_free(&pipelines);
    return queued;
}

static void *loop(void *arg)
{
    scheduler_t *scheduler = arg;
    time_t last = time(NULL);
    while (!atomic_load(&scheduler->stopping)) {
        struct timespec wait = {.tv_sec = SCHEDULER_POLL_MS / 1000, .tv_nsec = (SCHEDULER_POLL_MS % 1000) * 1000000L};
        nanosleep(&wait, NULL);
        time_t now = time(NULL);
        backfill_tick(scheduler->store, now);
        if (now / 60 != last / 60) {
            scheduler_tick(scheduler->store, last, now);
            last = now;
        }
    }
    return NULL;
}

weir_status_t scheduler_start(store_t *store, scheduler_t **out, weir_err_t *err)
{
    *out = NULL;
    scheduler_t *scheduler = calloc(1, sizeof *scheduler);
    if (!scheduler)
        return WEIR_ERR_NOMEM;
    scheduler->store = store;
    if (pthread_create(&scheduler->thread, NULL, loop, scheduler) != 0) {
        free(scheduler);
        weir_err_set(err, "cannot start the scheduler thread");
        return WEIR_ERR_INTERNAL;
    }
    *out = scheduler;
    return WEIR_OK;
}

void scheduler_stop(scheduler_t *scheduler)
{
    if (!scheduler)
        return;
    atomic_store(&scheduler->stopping, 1);
    pthread_join(scheduler->thread, NULL);
    free(scheduler);
}
