/* quality.h — quality checks of a pipeline table: batch checks read the deduplicated batch in its
 * Snowflake scratch table before it is published (write-audit-publish), target checks read the
 * target after publish. Results are stored with their observed values, whose history of committed
 * runs is the baseline for anomaly detection. */
#ifndef WEIR_QUALITY_H
#define WEIR_QUALITY_H

#include <stdbool.h>
#include <stddef.h>

#include "sf_sql.h"
#include "store.h"
#include "store_checks.h"

typedef struct {
    store_t *store;
    sf_client_t *client;
    const char *run_id;
    const char *pipeline;
    const char *table;           /* source table as the pipeline names it */
    const char *database;        /* destination database and schema (for `references`) */
    const char *schema;
    const char *batch_table;     /* quoted name of the deduplicated batch */
    const char *target_table;    /* quoted name of the target */
    const char *const *primary_key;
    size_t key_count;
    const char *cursor;          /* source cursor column, or NULL */
    bool judge_history;          /* false for backfill chunks: not comparable with hourly batches */
} quality_context_t;

typedef struct {
    store_check_result_t *items;
    size_t count;
    bool blocking;               /* an enabled `error` batch check failed: quarantine */
    char summary[512];           /* "orders-unique: 3 duplicate keys; …" of the failures */
} quality_report_t;

/* Runs the enabled checks of the context's pipeline table for `stage` ("batch" or "target"),
 * records each result and fills `report`. A check that cannot run (bad SQL, missing column) is a
 * failed result saying why, never a skipped one. Returns an error only when the store fails. */
weir_status_t quality_run(const quality_context_t *context, const char *stage, quality_report_t *report,
                          weir_err_t *err) WEIR_MUSTCHECK;
void quality_report_free(quality_report_t *report);

/* Robust distance of `value` from `history`: |value − median| / max(1.4826 × MAD, 5 % of the
 * median, 1). The floor keeps a perfectly steady history from calling any change an anomaly. */
double quality_robust_z(const double *history, size_t count, double value);

#endif
