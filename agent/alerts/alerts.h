/* alerts.h — raising and clearing alert conditions. A condition is an incident key: a table's run
 * health ("run/PIPELINE/TABLE") or one quality check ("check/NAME"). Raising an already open key
 * alerts nobody again; clearing it sends resolves. Channels are chosen when the incident opens:
 * every weir_alert_channel whose min_severity the incident reaches and whose pipelines include
 * the incident's (or are unset). The alerter (alerter.h) delivers. */
#ifndef WEIR_ALERTS_H
#define WEIR_ALERTS_H

#include <stddef.h>

#include "store.h"

typedef struct {
    const char *key;
    const char *pipeline, *table;
    const char *kind;     /* run_failed, quarantined, check:<kind>… */
    const char *severity; /* warn | error */
    const char *summary;
    const char *run_id;
} alert_condition_t;

/* Failures are logged, never returned: alerting must not fail a run. */
void alerts_raise(store_t *store, const alert_condition_t *condition);
void alerts_clear(store_t *store, const char *key);

void alerts_run_key(const char *pipeline, const char *table, const char *backfill, char *out, size_t size);
void alerts_check_key(const char *check, char *out, size_t size);

#endif
