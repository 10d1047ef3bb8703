/* store_checks.h — quality check results per run, kept as history: the latest result of each check
 * is what operators and tofu see, and the observed values of committed runs are the baseline that
 * anomaly detection judges a new batch against. */
#ifndef WEIR_STORE_CHECKS_H
#define WEIR_STORE_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

typedef struct {
    char run_id[40];
    char check[128];
    char pipeline[128];
    char table_name[160];
    char kind[32];
    char severity[8];
    char stage[8]; /* batch (before publish) | target (after) */
    bool passed;
    bool has_observed;
    double observed; /* rows, a fraction, failing rows… as the kind defines */
    char detail[512];
    char created_at[64];
} store_check_result_t;

/* Records one pass of a run's checks at one stage (all results share run_id and stage), replacing
 * what an earlier pass of the same run and stage recorded (a resumed or retried run judges again),
 * so each run counts once in the history. */
weir_status_t store_check_record_pass(store_t *store, const store_check_result_t *results, size_t count,
                                      weir_err_t *err) WEIR_MUSTCHECK;
/* Observed values of `check` in published runs (committed loads, succeeded transforms), newest
 * first, at most `limit`; `hours_of_week` receives the UTC hour of the week (0 = Monday 00h) each
 * was taken at. */
weir_status_t store_check_history(store_t *store, const char *check, size_t limit, double *values, int *hours_of_week,
                                  size_t *count, weir_err_t *err) WEIR_MUSTCHECK;
/* Results of one run in check order. New array in *out. */
weir_status_t store_check_results_for_run(store_t *store, const char *run_id, store_check_result_t **out, size_t *count,
                                          weir_err_t *err) WEIR_MUSTCHECK;
/* The newest result of every check of `pipeline` ("" for all), by check name. A transform's
 * results carry its name in `pipeline` and an empty `table_name`. New array in *out. */
weir_status_t store_check_latest(store_t *store, const char *pipeline, store_check_result_t **out, size_t *count,
                                 weir_err_t *err) WEIR_MUSTCHECK;

#endif
