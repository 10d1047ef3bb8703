/* transform_runs.h — executes one transform run through the destination interface: fix {{since}},
 * build the result into the run's scratch table (building → built), publish it (built →
 * succeeded). Each step is saved before the next; after a crash the run resumes: a build is
 * repeated, a publish whose scratch table is gone (it had finished) builds again. Passing failures
 * (network, throttling) are retried with pauses of 1, 2, 4 and 8 s as load steps are. */
#ifndef WEIR_TRANSFORM_RUNS_H
#define WEIR_TRANSFORM_RUNS_H

#include <stdatomic.h>

#include "destination.h"
#include "store.h"
#include "store_transforms.h"

typedef struct {
    store_t *store;             /* borrowed */
    const atomic_int *stopping; /* borrowed, may be NULL: stop at the next step boundary */
    int retry_pause_ms;         /* first pause before a retry (then doubling); 0: 1000 */
} transform_runner_t;

/* Runs `run` (already claimed) to succeeded or failed. On failure the run is saved as failed with
 * the reason, and the transform's incident is raised; a stop request leaves it at its saved step. */
weir_status_t transform_run_execute(transform_runner_t *runner, store_transform_run_t *run) WEIR_MUSTCHECK;

/* "<start of the last succeeded run> - lookback", or the epoch before any success (RFC 3339 UTC). */
void transform_since(const char *last_success_start, long long lookback_seconds, char *out, size_t size);

/* The incident key of a transform (failures and holds share it: one alert per transform). */
void transform_alert_key(const char *transform, char *out, size_t size);

#endif
