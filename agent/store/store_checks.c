/* store_checks.c — quality check results in the agent's SQLite store. */
#include "store_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

#define RESULT_COLUMNS \
    "run_id, check_name, pipeline, table_name, kind, severity, stage, passed, observed, detail, created_at"

static void row_to_result(sqlite3_stmt *stmt, store_check_result_t *out)
{
    memset(out, 0, sizeof *out);
    store__column_text(stmt, 0, out->run_id, sizeof out->run_id);
    store__column_text(stmt, 1, out->check, sizeof out->check);
    store__column_text(stmt, 2, out->pipeline, sizeof out->pipeline);
    store__column_text(stmt, 3, out->table_name, sizeof out->table_name);
    store__column_text(stmt, 4, out->kind, sizeof out->kind);
    store__column_text(stmt, 5, out->severity, sizeof out->severity);
    store__column_text(stmt, 6, out->stage, sizeof out->stage);
    out->passed = sqlite3_column_int(stmt, 7) != 0;
    out->has_observed = sqlite3_column_type(stmt, 8) != SQLITE_NULL;
    out->observed = sqlite3_column_double(stmt, 8);
    store__column_text(stmt, 9, out->detail, sizeof out->detail);
    store__column_text(stmt, 10, out->created_at, sizeof out->created_at);
}

typedef struct {
    const store_check_result_t *results;
    size_t count;
} check_pass_t;

static weir_status_t record_pass(store_t *store, void *ctx, weir_err_t *err)
{
    const check_pass_t *pass = ctx;
    char stamp[64];
    store__now(stamp, sizeof stamp);
    weir_status_t status =
        store__exec_bound(store, NULL, err, "DELETE FROM check_results WHERE run_id = ?1 AND stage = ?2", "tt",
                          pass->results[0].run_id, pass->results[0].stage);
    for (size_t i = 0; status == WEIR_OK && i < pass->count; i++) {
        const store_check_result_t *r = &pass->results[i];
        status = store__exec_bound(store, NULL, err,
                                   "INSERT INTO check_results (" RESULT_COLUMNS
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                   "tttttttiDtt", r->run_id, r->check, r->pipeline, r->table_name, r->kind, r->severity,
                                   r->stage, (int)r->passed, r->has_observed ? &r->observed : NULL, r->detail, stamp);
    }
    return status;
}

weir_status_t store_check_record_pass(store_t *store, const store_check_result_t *results, size_t count,
                                      weir_err_t *err)
{
    if (count == 0)
        return WEIR_OK;
    check_pass_t pass = {results, count};
    return store__transaction(store, record_pass, &pass, err);
}

/* 0 = Monday 00h UTC … 167 = Sunday 23h, from an RFC 3339 UTC stamp. */
static int hour_of_week(const char *stamp)
{
    struct tm tm = {0};
    if (sscanf(stamp, "%4d-%2d-%2dT%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour) != 4)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    struct tm utc;
    gmtime_r(&t, &utc);
    return ((utc.tm_wday + 6) % 7) * 24 + utc.tm_hour;
}

weir_status_t store_check_history(store_t *store, const char *check, size_t limit, double *values, int *hours_of_week,
                                  size_t *count, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t status =
        store__prepare_bound(store, &stmt, err,
                             "SELECT c.observed, c.created_at FROM check_results c "
                             "WHERE c.check_name = ?1 AND c.observed IS NOT NULL AND ("
                             "EXISTS (SELECT 1 FROM runs r WHERE r.id = c.run_id AND r.state = 'committed') OR "
                             "EXISTS (SELECT 1 FROM transform_runs t WHERE t.id = c.run_id AND t.state = 'succeeded')) "
                             "ORDER BY c.created_at DESC LIMIT ?2",
                             "tI", check, (long long)limit);
    if (status == WEIR_OK) {
        while (*count < limit && sqlite3_step(stmt) == SQLITE_ROW) {
            values[*count] = sqlite3_column_double(stmt, 0);
            const unsigned char *stamp = sqlite3_column_text(stmt, 1);
            hours_of_week[*count] = stamp ? hour_of_week((const char *)stamp) : -1;
            (*count)++;
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return status;
}

static weir_status_t select_results(store_t *store, const char *sql, const char *param, store_check_result_t **out,
                                    size_t *count, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    store_check_result_t *items = NULL;
    size_t used = 0, cap = 0;
    *out = NULL;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t status = store__prepare_bound(store, &stmt, err, sql, "t", param);
    if (status == WEIR_OK) {
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            if (used == cap) {
                size_t grown = cap ? cap * 2 : 8;
                store_check_result_t *bigger = realloc(items, grown * sizeof *items);
                if (!bigger) {
                    status = WEIR_ERR_NOMEM;
                    break;
                }
                items = bigger;
                cap = grown;
            }
            row_to_result(stmt, &items[used++]);
        }
    }
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    if (status != WEIR_OK) {
        free(items);
        return status;
    }
    *out = items;
    *count = used;
    return WEIR_OK;
}

weir_status_t store_check_results_for_run(store_t *store, const char *run_id, store_check_result_t **out, size_t *count,
                                          weir_err_t *err)
{
    return select_results(store, "SELECT " RESULT_COLUMNS " FROM check_results WHERE run_id = ?1 ORDER BY id", run_id,
                          out, count, err);
}

weir_status_t store_check_latest(store_t *store, const char *pipeline, store_check_result_t **out, size_t *count,
                                 weir_err_t *err)
{
    return select_results(store,
                          "SELECT " RESULT_COLUMNS " FROM check_results WHERE id IN (SELECT MAX(id) FROM "
                          "check_results WHERE ?1 = '' OR pipeline = ?1 GROUP BY check_name) ORDER BY check_name",
                          pipeline, out, count, err);
}
