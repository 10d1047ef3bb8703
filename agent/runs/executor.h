/* executor.h — worker threads that claim queued (or crash-interrupted) runs and execute them. */
#ifndef WEIR_EXECUTOR_H
#define WEIR_EXECUTOR_H

#include <stdint.h>

#include "runner.h"
#include "sealer.h"
#include "status.h"

typedef struct executor executor_t;

/* Starts `workers` threads. `owner` identifies this agent process in run records (copied);
 * `sealer` (borrowed, may be NULL) encrypts stage chunks at rest. */
weir_status_t executor_start(store_t *store, const char *stage_root, uint64_t chunk_raw_bytes, int workers,
                             const char *owner, const sealer_t *sealer, executor_t **out,
                             weir_err_t *err) WEIR_MUSTCHECK;
/* Asks the workers to stop after their current run and waits for them. */
void executor_stop(executor_t *executor);

#endif
