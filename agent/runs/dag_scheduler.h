/* dag_scheduler.h — starts transforms when their inputs publish (or on their cron) and runs them:
 * a thread that looks at the graph twice a second (and settles DAG runs, judges SLOs), a worker
 * that executes transform runs (transform_runs.h), one at a time per transform, and a thread for
 * the daily retention passes (retention_step.h). A held transform (a failed or quarantined
 * input) is not started; its hold raises one incident, resolved when the input recovers. */
#ifndef WEIR_DAG_SCHEDULER_H
#define WEIR_DAG_SCHEDULER_H

#include <time.h>

#include "status.h"
#include "store.h"

typedef struct dag_scheduler dag_scheduler_t;

/* `owner` identifies this agent process in run records (copied), as executor_start's. */
weir_status_t dag_scheduler_start(store_t *store, const char *owner, dag_scheduler_t **out,
                                  weir_err_t *err) WEIR_MUSTCHECK;
void dag_scheduler_stop(dag_scheduler_t *scheduler);

/* Queues the runs due now: transforms without a schedule whose inputs all published since their
 * newest run, and scheduled ones whose cron fired in the minutes (after, until]. Returns how many
 * were queued. Exposed for tests; the thread calls it with the real clock. */
int dag_tick(store_t *store, time_t after, time_t until);

#endif
