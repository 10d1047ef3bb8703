/* scheduler.h — queues scheduled runs: every enabled pipeline whose cron schedule fired since the
 * last look gets one run per table (an unfinished run of a table is never doubled). The same thread
 * advances backfills (backfill.h) once a second. */
#ifndef WEIR_SCHEDULER_H
#define WEIR_SCHEDULER_H

#include <time.h>

#include "store.h"
#include "status.h"

typedef struct scheduler scheduler_t;

weir_status_t scheduler_start(store_t *store, scheduler_t **out, weir_err_t *err) WEIR_MUSTCHECK;
void scheduler_stop(scheduler_t *scheduler);

/* Queues runs for schedules that fired in the minutes (after, until]; returns how many were queued.
 * Exposed for tests: the thread calls it with the real clock. */
int scheduler_tick(store_t *store, time_t after, time_t until);

#endif
