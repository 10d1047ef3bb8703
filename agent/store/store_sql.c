/* store_sql.c — the store's statement and transaction helpers: every parameter bound through one
 * checked function, and BEGIN IMMEDIATE / COMMIT / ROLLBACK in one place. */
#include <stdarg.h>
#include <stdio.h>

#include "store_internal.h"

static weir_status_t vbind(store_t *store, sqlite3_stmt *stmt, weir_err_t *err, const char *types, va_list ap)
{
    int index = 1;
    for (const char *t = types; *t; t++, index++) {
        int rc;
        switch (*t) {
        case 't': {
            const char *text = va_arg(ap, const char *);
            rc = text ? sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC) : sqlite3_bind_null(stmt, index);
            break;
        }
        case 'c': {
            const char *text = va_arg(ap, const char *);
            rc = text ? sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, index);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int(stmt, index, va_arg(ap, int));
            break;
        case 'I':
            rc = sqlite3_bind_int64(stmt, index, (sqlite3_int64)va_arg(ap, long long));
            break;
        case 'd':
            rc = sqlite3_bind_double(stmt, index, va_arg(ap, double));
            break;
        case 'D': {
            const double *value = va_arg(ap, const double *);
            rc = value ? sqlite3_bind_double(stmt, index, *value) : sqlite3_bind_null(stmt, index);
            break;
        }
        case 'n':
            rc = sqlite3_bind_null(stmt, index);
            break;
        default:
            weir_err_set(err, "store: bad parameter type '%c' at ?%d", *t, index);
            return WEIR_ERR_INTERNAL;
        }
        if (rc != SQLITE_OK) {
            weir_err_set(err, "store: cannot bind ?%d: %s", index, sqlite3_errmsg(store->db));
            return WEIR_ERR_IO;
        }
    }
    return WEIR_OK;
}

weir_status_t store__bind(store_t *store, sqlite3_stmt *stmt, weir_err_t *err, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    weir_status_t result = vbind(store, stmt, err, types, ap);
    va_end(ap);
    return result;
}

weir_status_t store__prepare_bound(store_t *store, sqlite3_stmt **stmt, weir_err_t *err, const char *sql,
                                   const char *types, ...)
{
    *stmt = NULL;
    weir_status_t result = store__prepare(store, sql, stmt, err);
    if (result != WEIR_OK)
        return result;
    va_list ap;
    va_start(ap, types);
    result = vbind(store, *stmt, err, types, ap);
    va_end(ap);
    if (result != WEIR_OK) {
        sqlite3_finalize(*stmt);
        *stmt = NULL;
    }
    return result;
}

weir_status_t store__exec_bound(store_t *store, int *changes, weir_err_t *err, const char *sql, const char *types, ...)
{
    if (changes)
        *changes = 0;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare(store, sql, &stmt, err);
    if (result != WEIR_OK)
        return result;
    va_list ap;
    va_start(ap, types);
    result = vbind(store, stmt, err, types, ap);
    va_end(ap);
    if (result == WEIR_OK)
        result = store__step_done(store, stmt, err);
    if (result == WEIR_OK && changes)
        *changes = sqlite3_changes(store->db);
    sqlite3_finalize(stmt);
    return result;
}

weir_status_t store__transaction(store_t *store, store_transaction_fn fn, void *ctx, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = store__exec(store, "BEGIN IMMEDIATE", err);
    if (result == WEIR_OK) {
        result = fn(store, ctx, err);
        if (result == WEIR_OK)
            result = store__exec(store, "COMMIT", err);
        if (result != WEIR_OK)
            store__rollback(store);
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}
