/* runner.c — the run state machine: extracting → staged → loading → published → committed, or
 * quarantined by a failing batch check, or failed; retries of passing failures; the run's alert. */
#include "runner.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "fileutil.h"
#include "log.h"
#include "run_objects.h"
#include "run_steps.h"

/* Retries of a failing step before the run fails: pauses of 1, 2, 4 and 8 s ride out a database
 * restart or failover without holding a worker for long. */
#define RUNNER_STEP_RETRIES 4
/* A run takes at most this many steps: extract, load, commit, a re-extraction and the retries. */
#define RUNNER_MAX_STEPS (8 + RUNNER_STEP_RETRIES)

static bool stop_requested(const runner_t *runner)
{
    return runner->stopping && atomic_load(runner->stopping);
}

/* Waits `ms`, in slices so a stop request is seen within a tenth of a second. */
static void pause_unless_stopped(const runner_t *runner, int ms)
{
    for (int waited = 0; waited < ms && !stop_requested(runner); waited += 100) {
        int slice = ms - waited < 100 ? ms - waited : 100;
        struct timespec pause = {.tv_sec = 0, .tv_nsec = slice * 1000000L};
        nanosleep(&pause, NULL);
    }
}

/* Worth another try: the peer may be back (network, restart, throttling, a local disk hiccup). */
static bool passing(weir_status_t result)
{
    return result == WEIR_ERR_UNAVAILABLE || result == WEIR_ERR_IO;
}

static weir_status_t step(runner_t *runner, store_run_t *run, const run_objects_t *objects, weir_err_t *err)
{
    switch (run->state) {
    case RUN_EXTRACTING:
        return run_extract(runner, run, objects, err);
    case RUN_STAGED:
    case RUN_LOADING: {
        weir_status_t result = run_load(runner, run, objects, err);
        return result == WEIR_ERR_NOT_FOUND && run->state == RUN_EXTRACTING ? WEIR_OK /* extract again */ : result;
    }
    case RUN_PUBLISHED:
        return store_run_commit(runner->store, run, err);
    default:
        weir_err_set(err, "a run cannot go on from state %s", run_state_name(run->state));
        return WEIR_ERR_INTERNAL;
    }
}

/* The run is over for now: committed, held in quarantine, stopped for a restart, or failed. */
static void settle(runner_t *runner, store_run_t *run, weir_status_t *result, bool stopped, weir_err_t *err)
{
    char alert_key[320];
    alerts_run_key(run->pipeline, run->table_name, run->backfill, alert_key, sizeof alert_key);
    if (*result == WEIR_OK && run->state == RUN_COMMITTED) {
        dir_remove_flat(run->stage_dir);
        log_info("runner", "run %s committed; watermark %s", run->id,
                 run->has_watermark_to ? run->watermark_to : "(none)");
        alerts_clear(runner->store, alert_key);
        return;
    }
    if (*result == WEIR_OK && run->state == RUN_QUARANTINED)
        return; /* the staged files stay for a release; the failing checks raised their own incidents */
    if (stopped) {
        log_info("runner", "run %s stops at step %s for shutdown; it resumes when the agent starts", run->id,
                 run_state_name(run->state));
        *result = WEIR_ERR_UNAVAILABLE;
        return;
    }
    if (*result == WEIR_OK)
        weir_err_set(err, "run stopped at step %s", run_state_name(run->state));
    snprintf(run->error, sizeof run->error, "%s", err->msg);
    run->state = RUN_FAILED;
    weir_err_t save_err;
    if (store_run_save(runner->store, run, &save_err) != WEIR_OK)
        log_error("runner", "run %s: cannot record the failure: %s", run->id, save_err.msg);
    log_warn("runner", "run %s: %s %s failed: %s", run->id, run->pipeline, run->table_name, run->error);
    char summary[1200];
    snprintf(summary, sizeof summary, "run failed: %.1100s", run->error);
    alert_condition_t condition = {.key = alert_key,
                                   .pipeline = run->pipeline,
                                   .table = run->table_name,
                                   .kind = run->backfill[0] ? "backfill_chunk_failed" : "run_failed",
                                   .severity = "error",
                                   .summary = summary,
                                   .run_id = run->id};
    alerts_raise(runner->store, &condition);
    if (*result == WEIR_OK)
        *result = WEIR_ERR_INTERNAL;
}

weir_status_t runner_execute(runner_t *runner, store_run_t *run)
{
    weir_err_t err = {{0}};
    run_objects_t objects;
    log_context_set(run->id, run->pipeline, run->table_name);
    weir_status_t result = run_objects_load(runner->store, run, runner->backends, &objects, &err);
    log_info("runner", "run %s: %s %s starting at step %s (attempt %lld)", run->id, run->pipeline, run->table_name,
             run_state_name(run->state), run->attempts);
    run_failpoint(run); /* after:extracting stops a run that has just been claimed */
    /* Each step saves the run before the next begins, so a crash resumes at the last saved step.
     * A step that fails for a passing reason (source restarting, network) is tried again after a
     * growing pause; a run fails only when that does not help. A stop request is honoured between
     * steps: the run keeps its saved step for the next agent process. */
    int retries = 0;
    bool stopped = false;
    int first_pause_ms = runner->retry_pause_ms > 0 ? runner->retry_pause_ms : 1000;
    for (int steps = 0; result == WEIR_OK && steps < RUNNER_MAX_STEPS && !run_state_terminal(run->state) &&
         run->state != RUN_QUARANTINED;
         steps++) {
        if ((stopped = stop_requested(runner)))
            break;
        log_context_step(run_state_name(run->state));
        result = step(runner, run, &objects, &err);
        if (passing(result) && retries < RUNNER_STEP_RETRIES) {
            int pause_ms = first_pause_ms << retries++;
            log_warn("runner", "run %s: step %s failed (%s); retrying in %d ms", run->id, run_state_name(run->state),
                     err.msg, pause_ms);
            pause_unless_stopped(runner, pause_ms);
            result = WEIR_OK;
        }
    }
    settle(runner, run, &result, stopped, &err);
    run_objects_free(&objects);
    log_context_clear();
    return result;
}
