/* store_backfill.h — backfill plans in the agent's store: one row per backfill and one per chunk.
 * A chunk is pending, queued (its run is in the runs table), done or failed; chunks become runs
 * with trigger "backfill" and a cursor range, and their outcome is folded back by
 * store_backfill_settle. Everything survives a restart, which is what makes a backfill resumable. */
#ifndef WEIR_STORE_BACKFILL_H
#define WEIR_STORE_BACKFILL_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "store_runs.h"

typedef struct {
    char name[128], pipeline[128], table_name[160];
    char state[16]; /* running | completed | failed */
    long long chunks_total, chunks_pending, chunks_queued, chunks_done, chunks_failed;
    long long rows_loaded;
    char done_until[128]; /* the range below this is loaded (the first unfinished chunk's start) */
    char last_error[512];
} store_backfill_progress_t;

/* The object id `name` was planned for; *found false when it has no plan. */
weir_status_t store_backfill_planned(store_t *store, const char *name, char *object_id, size_t size, bool *found,
                                     weir_err_t *err) WEIR_MUSTCHECK;
/* Replaces any plan under `name` by chunks [bounds[i], bounds[i+1]) for i < chunk_count. */
weir_status_t store_backfill_plan(store_t *store, const char *name, const char *object_id, const char *pipeline,
                                  const char *table_name, char *const *bounds, size_t chunk_count,
                                  weir_err_t *err) WEIR_MUSTCHECK;
/* Forgets plans whose backfill object is gone; their queued runs fail with a reason, running
 * ones finish (a MERGE is safe to complete). Returns how many plans went in *forgotten. */
weir_status_t store_backfill_forget_deleted(store_t *store, int *forgotten, weir_err_t *err) WEIR_MUSTCHECK;
/* Folds finished runs into their chunks: committed → done; failed → pending again, or failed once
 * the chunk has had max_attempts runs. */
weir_status_t store_backfill_settle(store_t *store, const char *name, long long max_attempts,
                                    weir_err_t *err) WEIR_MUSTCHECK;
/* Queues the lowest pending chunk as a run when fewer than `parallelism` chunks are queued or
 * running and at least throttle_s seconds passed since the previous start. *started says whether
 * it did; `run` then describes the new run. */
weir_status_t store_backfill_start_next(store_t *store, const char *name, const store_run_request_t *request,
                                        long long parallelism, long long throttle_s, long long now_epoch, bool *started,
                                        store_run_t *run, weir_err_t *err) WEIR_MUSTCHECK;
/* WEIR_ERR_NOT_FOUND when `name` has no plan (yet). */
weir_status_t store_backfill_progress(store_t *store, const char *name, store_backfill_progress_t *out,
                                      weir_err_t *err) WEIR_MUSTCHECK;
/* Every planned backfill of `pipeline` ("" for all), by name. Returns a new array in *out. */
weir_status_t store_backfill_list(store_t *store, const char *pipeline, store_backfill_progress_t **out, size_t *count,
                                  weir_err_t *err) WEIR_MUSTCHECK;
/* Makes failed chunks pending again with fresh attempts; *restarted counts them. */
weir_status_t store_backfill_retry(store_t *store, const char *name, long long *restarted,
                                   weir_err_t *err) WEIR_MUSTCHECK;

#endif
