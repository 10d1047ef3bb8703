/* store_retention.h — passes of the daily retention step, one row per pipeline table or transform
 * per pass: what it deleted (or why it skipped), up to which cutoff. */
#ifndef WEIR_STORE_RETENTION_H
#define WEIR_STORE_RETENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

typedef struct {
    char object_kind[16]; /* table | transform */
    char object[400];     /* "<pipeline>/<table>" or the transform */
    char target[300];
    char cutoff[64];
    char state[16]; /* succeeded | failed | skipped */
    long long rows_deleted;
    long long batches;
    char started_at[64], finished_at[64];
    char detail[512];        /* skipped: why; failed: the error; succeeded: "" or "more next pass" */
    long long total_deleted; /* store_retention_latest: every pass's rows together */
} store_retention_run_t;

weir_status_t store_retention_record(store_t *store, const store_retention_run_t *run, weir_err_t *err) WEIR_MUSTCHECK;
/* When the newest pass over `object` started ("" when none did). */
weir_status_t store_retention_last_start(store_t *store, const char *object_kind, const char *object, char *out,
                                         size_t size, weir_err_t *err) WEIR_MUSTCHECK;
/* The newest pass of every object, by kind and name; a new array in *out. */
weir_status_t store_retention_latest(store_t *store, store_retention_run_t **out, size_t *count,
                                     weir_err_t *err) WEIR_MUSTCHECK;

#endif
