/* backfill.h — drives backfills: plans each new backfill object into chunks, queues chunks as runs
 * within its parallelism and throttle, and folds finished runs back into chunk progress. Called
 * from the scheduler's loop every second; all state lives in the store, so a restarted agent
 * resumes every backfill where it stopped. */
#ifndef WEIR_BACKFILL_H
#define WEIR_BACKFILL_H

#include <time.h>

#include "status.h"
#include "store.h"

/* Checks that `table` of `pipeline` can be backfilled (the pipeline has it, with a cursor). */
weir_status_t backfill_check_table(store_t *store, const char *pipeline, const char *table,
                                   weir_err_t *err) WEIR_MUSTCHECK;

/* One pass over every backfill; returns how many chunk runs it queued. */
int backfill_tick(store_t *store, time_t now);

#endif
