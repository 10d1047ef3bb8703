/* store_metrics.h — the agent's Prometheus metrics, computed from the store at scrape time (so they
 * survive restarts and need no bookkeeping in the run path). */
#ifndef WEIR_STORE_METRICS_H
#define WEIR_STORE_METRICS_H

#include <time.h>

#include "buf.h"
#include "store.h"

/* Appends the exposition text (format 0.0.4) to `out`. On a store failure writes weir_store_up 0
 * and returns the error. */
weir_status_t store_metrics_write(store_t *store, time_t now, weir_buf_t *out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
