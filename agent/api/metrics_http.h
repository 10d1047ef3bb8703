/* metrics_http.h — the agent's HTTP endpoint for operators and orchestrators (libmicrohttpd):
 * GET /metrics (Prometheus text), /healthz (the process answers) and /readyz (the store answers and
 * the agent is not shutting down). Plain HTTP on the address given: bind it to a private interface. */
#ifndef WEIR_METRICS_HTTP_H
#define WEIR_METRICS_HTTP_H

#include "status.h"
#include "store.h"

typedef struct metrics_http metrics_http_t;

/* Listens on `address` ("HOST:PORT", an IPv4 literal or localhost). */
weir_status_t metrics_http_start(const char *address, store_t *store, metrics_http_t **out,
                                 weir_err_t *err) WEIR_MUSTCHECK;
/* /readyz answers 503 from now on (called when shutdown starts). */
void metrics_http_draining(metrics_http_t *http);
void metrics_http_stop(metrics_http_t *http);

#endif
