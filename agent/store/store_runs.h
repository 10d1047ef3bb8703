/* store_runs.h — runs with their persisted step, and per-table watermarks. A run moves
 * queued → extracting → staged → loading → published → committed, or ends failed; the watermark
 * moves only in the same transaction that marks a run committed. */
#ifndef WEIR_STORE_RUNS_H
#define WEIR_STORE_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* The run lifecycle, stored as its name (run_state_name). */
typedef enum {
    RUN_QUEUED,
    RUN_EXTRACTING,
    RUN_STAGED,
    RUN_LOADING,
    RUN_PUBLISHED,
    RUN_COMMITTED,
    RUN_FAILED,
    RUN_QUARANTINED,
    RUN_DISCARDED,
} run_state_t;

/* "queued", "extracting", … */
const char *run_state_name(run_state_t state);
/* false for a name no state has (a newer agent's store). */
bool run_state_parse(const char *name, run_state_t *out);
/* Terminal states never change again: committed, failed, discarded. A quarantined run is not
 * terminal: it holds its table until an operator releases or discards it. */
bool run_state_terminal(run_state_t state);

typedef struct {
    char id[40];
    char pipeline[128];
    char table_name[160];
    char trigger[16]; /* manual | schedule | backfill */
    run_state_t state;
    char created_at[64], updated_at[64], started_at[64], finished_at[64];
    bool has_watermark_from, has_watermark_to;
    char watermark_from[128];
    char watermark_to[128];
    char stage_dir[1024];
    long long rows_extracted, rows_loaded, attempts;
    char error[1024];
    bool skip_checks;       /* released from quarantine: publish without checking again */
    double extract_seconds; /* time spent extracting and staging, and loading (checks included) */
    double load_seconds;
    long long bytes_extracted; /* CSV bytes written by the extraction, and their zstd size */
    long long bytes_staged;
    char backfill[128]; /* backfill runs: the backfill's name and cursor range [from, to) */
    char range_from[128], range_to[128];
} store_run_t;

/* Who a run works for and when it may start. */
typedef struct {
    const char *pipeline;
    const char *table_name;
    const char *trigger; /* manual | schedule */
    const char *source;  /* names, for the concurrency limits */
    const char *destination;
    const char *not_before; /* RFC 3339 UTC, or "" to start as soon as a worker is free */
} store_run_request_t;

/* Queues a run unless one for the same pipeline table is still unfinished (WEIR_ERR_EXISTS; `out`
 * then describes that run). Backfill chunks are not counted: they run beside the regular runs. */
weir_status_t store_run_enqueue(store_t *store, const store_run_request_t *request, store_run_t *out,
                                weir_err_t *err) WEIR_MUSTCHECK;
/* Takes the oldest queued run that may start — its not_before has passed, its source has fewer
 * active runs than the source's max_connections and its destination fewer than the destination's
 * max_concurrent_loads, and its pipeline has fewer regular runs active than its max_parallel_tables
 * — or else the oldest run a previous agent process left unfinished (a crash),
 * for `owner` (this process's instance id); marks it started and counts the attempt. Runs `owner`
 * already holds are never handed out twice. WEIR_ERR_NOT_FOUND when there is none. */
weir_status_t store_run_claim(store_t *store, const char *owner, store_run_t *out, weir_err_t *err) WEIR_MUSTCHECK;
/* Persists state, counters, stage directory, watermarks and error of `run`. */
weir_status_t store_run_save(store_t *store, store_run_t *run, weir_err_t *err) WEIR_MUSTCHECK;
/* Marks the run committed and moves its table's watermark to run->watermark_to, atomically. */
weir_status_t store_run_commit(store_t *store, store_run_t *run, weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t store_run_get(store_t *store, const char *id, store_run_t *out, weir_err_t *err) WEIR_MUSTCHECK;
/* Newest first; `pipeline` "" for all. Returns new array in *out. */
weir_status_t store_run_list(store_t *store, const char *pipeline, size_t limit, store_run_t **out, size_t *count,
                             weir_err_t *err) WEIR_MUSTCHECK;
/* Quarantine decisions. Release makes the run publish its staged batch without checking it
 * again; discard ends it without publishing. WEIR_ERR_CONFLICT unless the run is quarantined. */
weir_status_t store_run_release(store_t *store, const char *id, store_run_t *out, weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t store_run_discard(store_t *store, const char *id, store_run_t *out, weir_err_t *err) WEIR_MUSTCHECK;
/* Operator pause, kept apart from the pipeline's spec (which OpenTofu owns): a paused pipeline
 * queues no scheduled runs, refuses manual ones and starts no backfill chunks. */
weir_status_t store_pipeline_pause(store_t *store, const char *pipeline, const char *reason, bool paused,
                                   weir_err_t *err) WEIR_MUSTCHECK;
/* *paused and, when paused, the reason and time (either may be NULL). */
weir_status_t store_pipeline_paused(store_t *store, const char *pipeline, bool *paused, char *reason,
                                    size_t reason_size, char *since, size_t since_size, weir_err_t *err) WEIR_MUSTCHECK;
/* The newest regular (non-backfill) run of one pipeline table: *count is 0 or 1. */
weir_status_t store_run_list_table(store_t *store, const char *pipeline, const char *table_name, store_run_t **out,
                                   size_t *count, weir_err_t *err) WEIR_MUSTCHECK;
/* The committed watermark; *found false when the table has none yet. */
weir_status_t store_watermark_get(store_t *store, const char *pipeline, const char *table_name, char *value,
                                  size_t size, bool *found, weir_err_t *err) WEIR_MUSTCHECK;

#endif
