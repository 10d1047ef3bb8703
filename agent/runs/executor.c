/* executor.c — a fixed pool of run workers polling the store for work. */
#include "executor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "strutil.h"

/* Idle workers look for new runs this often: a manual trigger starts within a second. */
#define EXECUTOR_IDLE_MS 500

struct executor {
    runner_t runner;
    char owner[64];
    atomic_int stopping;
    int workers;
    pthread_t threads[32];
};

static void *worker(void *arg)
{
    executor_t *executor = arg;
    while (!atomic_load(&executor->stopping)) {
        store_run_t run;
        weir_err_t err = {{0}};
        weir_status_t result = store_run_claim(executor->runner.store, executor->owner, &run, &err);
        if (result == WEIR_OK) {
            /* Failures are recorded on the run itself; the worker moves on. */
            (void)!runner_execute(&executor->runner, &run);
            continue;
        }
        if (result != WEIR_ERR_NOT_FOUND)
            log_error("executor", "cannot claim a run: %s", err.msg);
        struct timespec wait = {.tv_sec = 0, .tv_nsec = EXECUTOR_IDLE_MS * 1000000L};
        nanosleep(&wait, NULL);
    }
    return NULL;
}

weir_status_t executor_start(store_t *store, const char *stage_root, uint64_t chunk_raw_bytes, int workers,
                             const char *owner, const sealer_t *sealer, executor_t **out, weir_err_t *err)
{
    *out = NULL;
    executor_t *executor = calloc(1, sizeof *executor);
    if (!executor)
        return WEIR_ERR_NOMEM;
    executor->runner.store = store;
    /* A cut stage root would put chunks somewhere else; a cut owner would not recognise its runs. */
    if (str_copy(executor->runner.stage_root, sizeof executor->runner.stage_root, stage_root,
                 "the stage directory path (--stage-dir)", err) != WEIR_OK ||
        str_copy(executor->owner, sizeof executor->owner, owner, "the executor's owner id", err) != WEIR_OK) {
        free(executor);
        return WEIR_ERR_INVALID;
    }
    executor->runner.chunk_raw_bytes = chunk_raw_bytes;
    executor->runner.sealer = sealer;
    executor->runner.stopping = &executor->stopping;
    int wanted = workers < 1 ? 1 : workers > 32 ? 32 : workers;
    for (int i = 0; i < wanted; i++) {
        if (pthread_create(&executor->threads[i], NULL, worker, executor) != 0) {
            weir_err_set(err, "cannot start run worker %d", i);
            executor_stop(executor);
            return WEIR_ERR_INTERNAL;
        }
        executor->workers++;
    }
    *out = executor;
    return WEIR_OK;
}

void executor_stop(executor_t *executor)
{
    if (!executor)
        return;
    atomic_store(&executor->stopping, 1);
    for (int i = 0; i < executor->workers; i++)
        pthread_join(executor->threads[i], NULL);
    free(executor);
}
