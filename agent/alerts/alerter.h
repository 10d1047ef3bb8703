/* alerter.h — delivers alert notifications queued in the store: generic webhooks (JSON signed with
 * HMAC-SHA256), Slack incoming webhooks and PagerDuty Events API v2 (trigger and resolve under a
 * dedup key stable for the incident). Failed deliveries are retried with growing pauses; a
 * delivery that still fails after ALERTER_MAX_ATTEMPTS, or is refused outright, is given up and
 * its reason kept. */
#ifndef WEIR_ALERTER_H
#define WEIR_ALERTER_H

#include <time.h>

#include "status.h"
#include "store.h"
#include "store_alerts.h"

#define ALERTER_MAX_ATTEMPTS 10
#define ALERTER_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"

typedef struct alerter alerter_t;

weir_status_t alerter_start(store_t *store, alerter_t **out, weir_err_t *err) WEIR_MUSTCHECK;
void alerter_stop(alerter_t *alerter);

/* The request body for `kind` (webhook, slack, pagerduty) as new text. */
char *alerter_body(const char *kind, const store_delivery_t *delivery, const char *routing_key);
/* "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`, into out (72 bytes). */
void alerter_signature(const char *secret, long long timestamp, const char *body, char *out, size_t size);
/* Delivers what is due at `now`; returns how many attempts it made. Exposed for tests. */
int alerter_pass(store_t *store, time_t now);

#endif
