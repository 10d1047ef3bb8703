/* store_transforms.h — runs of weir_transforms and what their inputs last published. A transform
 * run moves queued → building → built → succeeded, or ends failed; at most one run of a transform
 * is unfinished at a time. Each run records, per input, the publish it consumed (a committed run
 * id of a pipeline table, or a succeeded run id of a transform), so the DAG can tell which inputs
 * have published since. */
#ifndef WEIR_STORE_TRANSFORMS_H
#define WEIR_STORE_TRANSFORMS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

typedef enum { TRUN_QUEUED, TRUN_BUILDING, TRUN_BUILT, TRUN_SUCCEEDED, TRUN_FAILED } transform_run_state_t;

const char *transform_run_state_name(transform_run_state_t state);

/* Room for the consumed map of a transform with many inputs (a few dozen ids and names). */
#define STORE_CONSUMED_SIZE 8192

typedef struct {
    char id[40];
    char transform[64];
    char trigger[16]; /* inputs | schedule | manual */
    transform_run_state_t state;
    char created_at[64], started_at[64], finished_at[64];
    char since[64]; /* what {{since}} stands for, fixed when the run first starts */
    char consumed_json[STORE_CONSUMED_SIZE];
    long long rows, inserted, updated, attempts;
    char error[1024];
} store_transform_run_t;

/* Queues a run unless one of `transform` is unfinished (WEIR_ERR_EXISTS; `out` then describes it). */
weir_status_t store_transform_run_enqueue(store_t *store, const char *transform, const char *trigger,
                                          const char *consumed_json, store_transform_run_t *out,
                                          weir_err_t *err) WEIR_MUSTCHECK;
/* Takes the oldest run a previous agent process left building or built (a crash), else the oldest
 * queued one, for `owner`; counts the attempt. WEIR_ERR_NOT_FOUND when there is none. */
weir_status_t store_transform_run_claim(store_t *store, const char *owner, store_transform_run_t *out,
                                        weir_err_t *err) WEIR_MUSTCHECK;
/* Persists state, since, counters and error; a succeeded or failed run gets its finish time. */
weir_status_t store_transform_run_save(store_t *store, store_transform_run_t *run, weir_err_t *err) WEIR_MUSTCHECK;
/* The run `id`; WEIR_ERR_NOT_FOUND (naming it) when there is none. */
weir_status_t store_transform_run_get(store_t *store, const char *id, store_transform_run_t *out,
                                      weir_err_t *err) WEIR_MUSTCHECK;
/* Newest first; `transform` "" for all. Returns a new array in *out. */
weir_status_t store_transform_run_list(store_t *store, const char *transform, size_t limit, store_transform_run_t **out,
                                       size_t *count, weir_err_t *err) WEIR_MUSTCHECK;
/* The newest run of `transform` (succeeded_only: the newest succeeded one); *found false if none. */
weir_status_t store_transform_run_newest(store_t *store, const char *transform, bool succeeded_only,
                                         store_transform_run_t *out, bool *found, weir_err_t *err) WEIR_MUSTCHECK;

/* What a pipeline table last published: the id of its newest committed run ("" when none) in
 * `token`, and whether its newest regular run failed or is quarantined (*failed, with that run's
 * state in `state`). `table_name` is the table block's name as the pipeline writes it. */
weir_status_t store_table_publish_state(store_t *store, const char *pipeline, const char *table_name, char *token,
                                        size_t token_size, bool *failed, char *state, size_t state_size,
                                        weir_err_t *err) WEIR_MUSTCHECK;

#endif
