/* store_alerts.h — incidents and their alert deliveries. An incident key (a table's run health, or
 * one quality check) has at most one open incident, so a condition that persists over many runs
 * alerts once; resolving it queues a resolve to every channel that got the trigger. Deliveries are
 * rows retried with backoff by the alerter until sent or given up, so alerts survive restarts. */
#ifndef WEIR_STORE_ALERTS_H
#define WEIR_STORE_ALERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

typedef struct {
    char id[40];
    char key[300];
    char pipeline[128], table_name[160], kind[64], severity[8];
    char summary[1024];
    char run_id[40];
    char opened_at[64], resolved_at[64];
} store_incident_t;

typedef struct {
    long long id;
    char channel[128];
    char event[16]; /* trigger | resolve */
    long long attempts;
    store_incident_t incident;
} store_delivery_t;

/* Opens the incident for `incident->key` unless one is open (then only its summary and run are
 * updated and *opened is false); a new one gets a trigger delivery per channel. */
weir_status_t store_incident_open(store_t *store, store_incident_t *incident, char *const *channels,
                                  size_t channel_count, bool *opened, weir_err_t *err) WEIR_MUSTCHECK;
/* Resolves the open incident of `key`, if any, queuing a resolve to each channel that was sent (or
 * is sending) its trigger. */
weir_status_t store_incident_resolve(store_t *store, const char *key, bool *resolved, weir_err_t *err) WEIR_MUSTCHECK;
/* The oldest pending delivery due at `now_epoch`; WEIR_ERR_NOT_FOUND when none. */
weir_status_t store_delivery_next(store_t *store, long long now_epoch, store_delivery_t *out,
                                  weir_err_t *err) WEIR_MUSTCHECK;
/* Records an attempt: sent, failed for good, or pending again from `retry_epoch`. */
weir_status_t store_delivery_attempted(store_t *store, long long id, const char *state, long long retry_epoch,
                                       const char *error, weir_err_t *err) WEIR_MUSTCHECK;
/* Open incidents, newest first. New array in *out. */
weir_status_t store_incidents_open(store_t *store, store_incident_t **out, size_t *count,
                                   weir_err_t *err) WEIR_MUSTCHECK;

#endif
