/* quality.h — the quality gate of a pipeline table or a transform: batch checks judge what is about
 * to be published (the deduplicated batch the destination staged, or a transform's built result)
 * before it is (write-audit-publish), target checks judge the target after. The destination
 * measures (destination.h); the gate judges the measurement against the check's bounds and, for
 * anomalies, against the history of published runs, records each result and raises or resolves one
 * incident per check. */
#ifndef WEIR_QUALITY_H
#define WEIR_QUALITY_H

#include <stdbool.h>
#include <stddef.h>

#include "destination.h"
#include "store.h"
#include "store_checks.h"

typedef enum { QUALITY_BATCH, QUALITY_TARGET } quality_stage_t;

typedef struct {
    store_t *store;
    const destination_ops_t *destination;
    destination_session_t *session;
    /* The subject, exactly one: a pipeline table's batch (run id, pipeline and table come from it)
     * or a transform run's build (run id and transform). */
    const destination_batch_t *batch;
    const destination_transform_t *transform;
    bool judge_history; /* false for backfill chunks: not comparable with hourly batches */
} quality_context_t;

typedef struct {
    store_check_result_t *items;
    size_t count;
    bool blocking;     /* an enabled `error` batch check failed: quarantine the batch, keep the transform's target */
    char summary[512]; /* "orders-unique: 3 duplicate keys; …" of the failures */
} quality_report_t;

/* Runs the enabled checks of the context's subject for `stage`, records each result and
 * fills `report`. A check that cannot be measured (bad SQL, missing column) is a failed result
 * saying why, never a skipped one. Returns an error when the store fails, or UNAVAILABLE/IO when
 * the destination could not be reached (nothing recorded: the caller retries the step). */
weir_status_t quality_run(const quality_context_t *context, quality_stage_t stage, quality_report_t *report,
                          weir_err_t *err) WEIR_MUSTCHECK;
void quality_report_free(quality_report_t *report);

/* Robust distance of `value` from `history`: |value − median| / max(1.4826 × MAD, 5 % of the
 * median, 1). The floor keeps a perfectly steady history from calling any change an anomaly. */
double quality_robust_z(const double *history, size_t count, double value);

#endif
