/* store_dag_runs.h — DAG runs: the loads one schedule tick (or one operator command) queued and
 * the transforms they fed, grouped under one id with one status. A member is a load run or a
 * transform run; a transform run joins the DAG run of a publish it consumed. A DAG run is
 * `running` until every member has ended and nothing has joined for a short quiet period, then
 * settles `succeeded` (every member succeeded: loads committed, transforms succeeded) or `failed`
 * (any member failed, was quarantined or discarded). */
#ifndef WEIR_STORE_DAG_RUNS_H
#define WEIR_STORE_DAG_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define STORE_DAG_RUN_ID_SIZE 40

typedef struct {
    char id[STORE_DAG_RUN_ID_SIZE];
    char trigger[16]; /* schedule | manual | inputs | retry */
    char origin[200]; /* what started it: "pipeline shop", "transform customer-totals" */
    char state[16];   /* running | succeeded | failed */
    char created_at[64], finished_at[64];
    long long members, succeeded, failed, running;
} store_dag_run_t;

typedef struct {
    char kind[16]; /* load | transform */
    char run_id[40];
    char name[400];   /* "<pipeline>/<table>" or the transform */
    char state[16];   /* the run's own state */
    char outcome[16]; /* succeeded | failed | running */
    char finished_at[64];
    char error[512];
} store_dag_member_t;

/* Adds run `run_id` of `kind` to DAG run `dag_run`; with dag_run "" first opens a new DAG run
 * (trigger, origin) and writes its id back. */
weir_status_t store_dag_run_join(store_t *store, char dag_run[STORE_DAG_RUN_ID_SIZE], const char *trigger,
                                 const char *origin, const char *kind, const char *run_id,
                                 weir_err_t *err) WEIR_MUSTCHECK;
/* Adds transform run `run_id` to the newest running DAG run that holds one of the publishes in
 * `consumed_json` (input → run id); without one, opens a DAG run of its own. */
weir_status_t store_dag_run_join_transform(store_t *store, const char *run_id, const char *trigger,
                                           const char *transform, const char *consumed_json,
                                           weir_err_t *err) WEIR_MUSTCHECK;
/* Settles the running DAG runs whose members have all ended, the last before `quiet_before`
 * (RFC 3339 UTC); *settled (may be NULL) counts them. */
weir_status_t store_dag_run_settle(store_t *store, const char *quiet_before, int *settled,
                                   weir_err_t *err) WEIR_MUSTCHECK;
/* Newest first (`limit` 0: 50); a new array in *out. */
weir_status_t store_dag_run_list(store_t *store, size_t limit, store_dag_run_t **out, size_t *count,
                                 weir_err_t *err) WEIR_MUSTCHECK;
/* One DAG run and its members (a new array in *members, in the order they joined). */
weir_status_t store_dag_run_get(store_t *store, const char *id, store_dag_run_t *out, store_dag_member_t **members,
                                size_t *count, weir_err_t *err) WEIR_MUSTCHECK;
/* Settled DAG runs that finished at or after `since` (RFC 3339 UTC), by result. */
weir_status_t store_dag_run_counts(store_t *store, const char *since, long long *succeeded, long long *failed,
                                   weir_err_t *err) WEIR_MUSTCHECK;

#endif
