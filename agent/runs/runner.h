/* runner.h — executes one run (a pipeline table) from its persisted step: extract from PostgreSQL
 * into stage chunks, load them into Snowflake, then commit the watermark. After a crash the same
 * run resumes: extraction restarts from scratch, a staged or half-loaded batch is (re)loaded —
 * the MERGE makes that harmless — and a published one is committed. */
#ifndef WEIR_RUNNER_H
#define WEIR_RUNNER_H

#include <stdint.h>

#include "sealer.h"
#include "store.h"
#include "store_runs.h"

typedef struct {
    store_t *store;          /* borrowed */
    char stage_root[512];    /* chunk files live under <root>/<pipeline>/<table>/<run>/ */
    uint64_t chunk_raw_bytes;
    const sealer_t *sealer;  /* borrowed; seals stage chunks at rest when set */
} runner_t;

/* Runs `run` (already claimed) to committed or failed, saving each step. Returns WEIR_OK when it
 * committed; otherwise the run is saved as failed with the reason in run->error. */
weir_status_t runner_execute(runner_t *runner, store_run_t *run) WEIR_MUSTCHECK;

#endif
