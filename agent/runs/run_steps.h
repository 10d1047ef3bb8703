/* run_steps.h — the steps of a run, each saving the run before the next may start:
 *   run_extract       extracting → staged      source → stage chunks + manifest
 *   run_load          staged/loading → published or quarantined, through
 *     run_stage_batch   manifest → destination upload → staged (deduplicated) batch
 *     run_gate          batch checks: quarantine on a failing `error` check
 *     run_publish       MERGE (or exact replace) into the target, then target checks
 * Commit (published → committed, watermark moved) is the store's store_run_commit. */
#ifndef WEIR_RUN_STEPS_H
#define WEIR_RUN_STEPS_H

#include <stdbool.h>
#include <time.h>

#include "destination.h"
#include "manifest.h"
#include "run_columns.h"
#include "run_objects.h"
#include "runner.h"

/* Crash testing: WEIR_FAILPOINT=after:<state> ends the process abruptly right after a run saved
 * that state, as a kill -9 would, so tests can prove that every step resumes. */
void run_failpoint(const store_run_t *run);

weir_status_t run_extract(runner_t *runner, store_run_t *run, const run_objects_t *objects,
                          weir_err_t *err) WEIR_MUSTCHECK;

/* WEIR_ERR_NOT_FOUND with run->state set back to extracting when the staged batch is gone. */
weir_status_t run_load(runner_t *runner, store_run_t *run, const run_objects_t *objects,
                       weir_err_t *err) WEIR_MUSTCHECK;

/* The batch the manifest and the table describe (borrows from both and from `names`, which the
 * caller frees with run_load_columns_free once it is done with the batch). */
weir_status_t run_batch_describe(const runner_t *runner, const store_run_t *run, const run_objects_t *objects,
                                 const stage_manifest_t *manifest, run_load_columns_t *names, destination_batch_t *out,
                                 weir_err_t *err) WEIR_MUSTCHECK;

/* Upload and stage: *loaded receives the staged row count. */
weir_status_t run_stage_batch(const run_objects_t *objects, destination_session_t *session,
                              const destination_batch_t *batch, destination_load_t *loaded,
                              weir_err_t *err) WEIR_MUSTCHECK;

/* Batch checks (unless the run was released from quarantine). *held when a failing `error` check
 * quarantined the batch: the scratch tables are dropped and the run is saved as quarantined. */
weir_status_t run_gate(runner_t *runner, store_run_t *run, const run_objects_t *objects, destination_session_t *session,
                       const destination_batch_t *batch, const struct timespec *started, bool *held,
                       weir_err_t *err) WEIR_MUSTCHECK;

/* Publish, then target checks (recorded and alerted, never undoing the publish), then the run is
 * saved as published. */
weir_status_t run_publish(runner_t *runner, store_run_t *run, const run_objects_t *objects,
                          destination_session_t *session, const destination_batch_t *batch,
                          const struct timespec *started, destination_load_t *loaded, weir_err_t *err) WEIR_MUSTCHECK;

#endif
