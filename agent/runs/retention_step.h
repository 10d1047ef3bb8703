/* retention_step.h — the daily retention step: for every pipeline table and transform with
 * `retention`, deletes the target's rows older than that (by `_WEIR_LOADED_AT`, or a transform's
 * `retention_column`) in bounded batches through the destination, once a day each, recording
 * every pass (store_retention.h). A table whose newest run is quarantined, and a transform that is
 * held or has a run in flight, is skipped and tried at the next pass: retention never changes
 * data an operator has yet to judge, nor a target being rebuilt. */
#ifndef WEIR_RETENTION_STEP_H
#define WEIR_RETENTION_STEP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "store.h"

/* A pass starts for an object when its previous one started at least this long ago. */
#define RETENTION_EVERY_SECONDS 86400
/* Rows one DELETE removes at most, unless WEIR_RETENTION_BATCH_ROWS says otherwise. */
#define RETENTION_BATCH_ROWS 100000
/* DELETE statements one pass runs at most; the next day's pass goes on. */
#define RETENTION_MAX_BATCHES 200

/* The retention thread looks for due passes this often (a pass is daily; a scan parses every
 * pipeline and transform), and at once when an operator asks. */
#define RETENTION_SCAN_SECONDS 60

/* Makes the next retention_tick pass over every object now, due or not (`ctl retention run`). */
void retention_request_now(void);
/* Whether an operator's request waits for retention_tick. */
bool retention_requested(void);

/* Runs the passes due at `now`; returns how many objects it passed over. Stops between objects
 * when `stopping` (may be NULL) is set. */
int retention_tick(store_t *store, time_t now, const atomic_int *stopping);

#endif
