/* store_dag_slo.h — the raw figures behind a transform's service-level objectives: how many DAG
 * runs that touched it (or what feeds it) settled, and how many failed, since a time; and the
 * source-to-analytics-ready latency of its succeeded runs (publish minus the oldest extract
 * snapshot it consumed, transform_runs.source_at). */
#ifndef WEIR_STORE_DAG_SLO_H
#define WEIR_STORE_DAG_SLO_H

#include <stddef.h>

#include "store.h"

/* Settled DAG runs since `since` (RFC 3339 UTC) with a member named in `names_json` (a JSON array
 * of "<pipeline>/<table>" and transform names). */
weir_status_t store_dag_runs_touching(store_t *store, const char *names_json, const char *since, long long *settled,
                                      long long *failed, weir_err_t *err) WEIR_MUSTCHECK;
/* Latencies in seconds of `transform`'s succeeded runs that finished since `since`, ascending; a
 * new array in *out. */
weir_status_t store_transform_latencies(store_t *store, const char *transform, const char *since, double **out,
                                        size_t *count, weir_err_t *err) WEIR_MUSTCHECK;

/* The latency of `transform`'s newest succeeded run with a known source snapshot (0 without). */
void store_transform_latest_latency(store_t *store, const char *transform, double *out);

#endif
