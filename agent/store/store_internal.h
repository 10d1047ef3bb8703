/* store_internal.h — what the store's files share among themselves; not for other modules. */
#ifndef WEIR_STORE_INTERNAL_H
#define WEIR_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "sealer.h"
#include "store.h"
#include "store_runs.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t lock;   /* one connection, so statements and transactions are serialised */
    const sealer_t *sealer; /* borrowed; NULL: write-only values are refused */
};

/* RFC 3339 UTC with milliseconds; `out` must hold 64 bytes. */
void store__now(char *out, size_t size);
/* A random UUID v4. */
void store__new_id(char *out, size_t size);
/* Runs SQL without results; on failure fills err (may be NULL). Caller holds the lock. */
weir_status_t store__exec(store_t *store, const char *sql, weir_err_t *err) WEIR_MUSTCHECK;

weir_status_t store__prepare(store_t *store, const char *sql, sqlite3_stmt **stmt, weir_err_t *err) WEIR_MUSTCHECK;

/* Inserts a queued run (backfill "" for a regular one). Caller holds the lock and a transaction. */
weir_status_t store__insert_run(store_t *store, const store_run_request_t *request, const char *backfill,
                                const char *range_from, const char *range_to, store_run_t *out,
                                weir_err_t *err) WEIR_MUSTCHECK;

/* Drops the watermarks of pipeline `pipeline`'s tables whose position `new_spec` does not keep
 * from `old_spec` (NULL new_spec: the pipeline is being deleted, so all of them, and its pause),
 * and fails its queued runs of tables `new_spec` no longer has. Refuses (WEIR_ERR_IN_USE, naming
 * the run and what to do) while a table losing its position has a run in flight or quarantined.
 * Caller holds the lock and a transaction. */
weir_status_t store__pipeline_positions_reset(store_t *store, const char *pipeline, const char *old_spec,
                                              const char *new_spec, weir_err_t *err) WEIR_MUSTCHECK;

/* Copies a text column into `out` ("" for NULL), truncating to `size`. */
void store__column_text(sqlite3_stmt *stmt, int column, char *out, size_t size);
/* Steps a statement that returns no rows; fills err on failure. */
weir_status_t store__step_done(store_t *store, sqlite3_stmt *stmt, weir_err_t *err) WEIR_MUSTCHECK;

/* Rolls back the open transaction; a failure here leaves nothing further to do. */
void store__rollback(store_t *store);

/* Binds parameters ?1, ?2, ... from `types`, one letter each, every bind checked (the first failure
 * fills err and returns WEIR_ERR_IO):
 *   t  const char *, bound in place (SQLITE_STATIC); NULL binds SQL NULL
 *   c  const char *, copied (SQLITE_TRANSIENT): for buffers reused before the step
 *   i  int     I  long long     d  double     D  const double *, NULL binds SQL NULL
 *   n  SQL NULL (no argument) */
weir_status_t store__bind(store_t *store, sqlite3_stmt *stmt, weir_err_t *err, const char *types, ...) WEIR_MUSTCHECK;
/* Prepares `sql` and binds as store__bind; on failure *stmt is NULL. Caller holds the lock. */
weir_status_t store__prepare_bound(store_t *store, sqlite3_stmt **stmt, weir_err_t *err, const char *sql,
                                   const char *types, ...) WEIR_MUSTCHECK;
/* Prepares, binds, steps to the end and finalizes a statement that returns no rows; `changes`
 * (may be NULL) receives the rows it changed. Caller holds the lock. */
weir_status_t store__exec_bound(store_t *store, int *changes, weir_err_t *err, const char *sql, const char *types,
                                ...) WEIR_MUSTCHECK;

/* The body of a transaction; returns WEIR_OK to commit. */
typedef weir_status_t (*store_transaction_fn)(store_t *store, void *ctx, weir_err_t *err);
/* Takes the lock and runs `fn` between BEGIN IMMEDIATE and COMMIT; rolls back when `fn` or the
 * commit fails and returns that failure. The one place the store opens a transaction. */
weir_status_t store__transaction(store_t *store, store_transaction_fn fn, void *ctx, weir_err_t *err) WEIR_MUSTCHECK;

/* Metrics: appends `,name="value"` (no comma when `first`) with the exposition format's escapes;
 * store_dag_metrics.c's families (DAG runs, ready latency, retention). Caller holds the lock. */
weir_status_t store__metric_label(weir_buf_t *out, const char *name, const unsigned char *value, bool first);
weir_status_t store__dag_metrics_write(store_t *store, weir_buf_t *out, weir_err_t *err);

#endif
