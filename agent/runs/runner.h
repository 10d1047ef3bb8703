/* runner.h — executes one run (a pipeline table) from its persisted step: extract from the source
 * into stage chunks, load them into the destination through the quality gate, then commit the
 * watermark. After a crash the same run resumes: extraction restarts from scratch, a staged or
 * half-loaded batch is (re)loaded — the MERGE makes that harmless — and a published one is
 * committed. The runner reaches sources and destinations only through their interfaces. */
#ifndef WEIR_RUNNER_H
#define WEIR_RUNNER_H

#include <stdatomic.h>
#include <stdint.h>

#include "run_objects.h"
#include "sealer.h"
#include "store.h"
#include "store_runs.h"

typedef struct {
    store_t *store;       /* borrowed */
    char stage_root[512]; /* chunk files live under <root>/<pipeline>/<table>/<run>/ */
    uint64_t chunk_raw_bytes;
    const sealer_t *sealer;         /* borrowed; seals stage chunks at rest when set */
    const atomic_int *stopping;     /* borrowed, may be NULL: when set, stop at the next step boundary */
    int retry_pause_ms;             /* first pause before retrying a failed step (then doubling); 0: 1000 */
    const run_backends_t *backends; /* borrowed; NULL: the source and destination registries */
} runner_t;

/* Runs `run` (already claimed) to committed, quarantined or failed, saving each step. Returns WEIR_OK
 * when it committed or was quarantined; otherwise the run is saved as failed with the reason in
 * run->error — unless the runner was told to stop, when the run keeps its last saved step (and
 * WEIR_ERR_UNAVAILABLE is returned) so the next agent process resumes it. */
weir_status_t runner_execute(runner_t *runner, store_run_t *run) WEIR_MUSTCHECK;

#endif
