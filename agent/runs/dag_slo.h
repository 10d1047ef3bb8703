/* dag_slo.h — a transform's service-level figures, as numbers: the 30-day success ratio of the DAG
 * runs that fed it (runs touching it or anything upstream), the failure burn rate of the last 24
 * hours against its `slo_success_ratio`, and p50/p95 source-to-analytics-ready latency over 30
 * days against its `slo_latency`. Alerts: "transform/<name>/slo_budget" while the burn rate is
 * above 1 (at that rate the month's error budget runs out before the month does) or the 30-day
 * ratio is already below the objective; "transform/<name>/slo_latency" while p95 is above it. */
#ifndef WEIR_DAG_SLO_H
#define WEIR_DAG_SLO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "specs.h"
#include "store.h"

#define DAG_SLO_WINDOW_DAYS 30

typedef struct {
    long long runs_30d, failed_30d, runs_24h, failed_24h;
    bool has_ratio; /* runs_30d > 0 */
    double ratio_30d;
    bool has_burn_rate; /* an objective and runs_24h > 0 */
    double burn_rate_24h;
    size_t latency_count; /* succeeded runs with a known source snapshot, 30 days */
    double latency_p50, latency_p95, latency_last;
    bool budget_alarm, latency_alarm;
} dag_slo_t;

/* The figures of `spec` at `now`. */
weir_status_t dag_slo_read(store_t *store, const transform_spec_t *spec, time_t now, dag_slo_t *out,
                           weir_err_t *err) WEIR_MUSTCHECK;

/* Raises or clears every transform's SLO incidents from its figures at `now`. */
void dag_slo_evaluate_all(store_t *store, time_t now);

/* Nearest-rank percentile `p` (0..100) of `sorted` (ascending, count > 0). */
double dag_slo_percentile(const double *sorted, size_t count, double p);

/* Burn rate: the failure share over the error budget (1 - objective); a zero budget burns at
 * HUGE_VAL with any failure. */
double dag_slo_burn_rate(long long runs, long long failed, double objective);

#endif
