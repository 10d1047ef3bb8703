/* pg_check.c — inspects a PostgreSQL table for apply's checks from the catalogs: columns and base
 * types, unique constraints and indexes, and the SELECT privilege. */
#include "pg_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ident.h"
#include "pg_extract.h"

/* Apply waits for these statements: catalog lookups answer in milliseconds, so a server that takes
 * longer is overloaded or locked, and the check gives up rather than hold tofu. */
#define PG_CHECK_STATEMENT_TIMEOUT "5s"

source_cursor_class_t pg_cursor_class(const char *typname)
{
    static const struct {
        const char *name;
        source_cursor_class_t cls;
    } classes[] = {
        {"timestamptz", SOURCE_CURSOR_TIME}, {"timestamp", SOURCE_CURSOR_TIME}, {"date", SOURCE_CURSOR_TIME},
        {"int2", SOURCE_CURSOR_NUMBER},      {"int4", SOURCE_CURSOR_NUMBER},    {"int8", SOURCE_CURSOR_NUMBER},
        {"numeric", SOURCE_CURSOR_NUMBER},   {"text", SOURCE_CURSOR_TEXT},      {"varchar", SOURCE_CURSOR_TEXT},
        {"bpchar", SOURCE_CURSOR_TEXT},
    };
    for (size_t i = 0; typname && i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(classes[i].name, typname) == 0)
            return classes[i].cls;
    return SOURCE_CURSOR_UNORDERED;
}

/* `names` as a text[] literal: {"a","b"} with '"' and '\' escaped inside each element. */
static weir_status_t text_array_literal(char *const *names, size_t count, weir_buf_t *out)
{
    weir_status_t result = buf_printf(out, "{");
    for (size_t i = 0; result == WEIR_OK && i < count; i++) {
        result = buf_printf(out, "%s\"", i ? "," : "");
        for (const char *p = names[i]; result == WEIR_OK && *p; p++)
            result = buf_printf(out, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
        if (result == WEIR_OK)
            result = buf_printf(out, "\"");
    }
    return result == WEIR_OK ? buf_printf(out, "}") : result;
}

/* Runs `sql` with text parameters; NULL (with err) unless it returned rows. */
static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *params, weir_status_t *result,
                       weir_err_t *err)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK)
        return res;
    *result = pg_status_for_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
    weir_err_set(err, "PostgreSQL: %s", PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

static weir_status_t read_columns(PGconn *conn, const char *oid, source_table_info_t *out, weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    const char *params[] = {oid};
    /* A domain counts as its base type, through domains over domains (as extraction reads it): an
     * `updated_at` of domain audit_ts over timestamptz is a time cursor. */
    PGresult *res = query(conn,
                          "SELECT a.attname, format_type(a.atttypid, a.atttypmod), bt.typname "
                          "FROM pg_attribute a " PG_BASE_TYPE_LATERAL "JOIN pg_type bt ON bt.oid = b.typid "
                          "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                          1, params, &result, err);
    if (!res)
        return result;
    size_t rows = (size_t)PQntuples(res);
    out->columns.names = calloc(rows + 1, sizeof *out->columns.names);
    out->columns.types = calloc(rows + 1, sizeof *out->columns.types);
    out->cursor_classes = calloc(rows + 1, sizeof *out->cursor_classes);
    if (!out->columns.names || !out->columns.types || !out->cursor_classes)
        result = WEIR_ERR_NOMEM;
    for (size_t i = 0; result == WEIR_OK && i < rows; i++) {
        out->columns.names[i] = strdup(PQgetvalue(res, (int)i, 0));
        out->columns.types[i] = strdup(PQgetvalue(res, (int)i, 1));
        out->cursor_classes[i] = pg_cursor_class(PQgetvalue(res, (int)i, 2));
        out->columns.count++;
        if (!out->columns.names[i] || !out->columns.types[i])
            result = WEIR_ERR_NOMEM;
    }
    PQclear(res);
    if (result == WEIR_ERR_NOMEM)
        weir_err_set(err, "out of memory");
    return result;
}

/* Whether a valid, non-partial unique index (a primary key and unique constraints are backed by
 * one) has only plain columns, all of them among `key`: then no two rows share a key. */
static weir_status_t read_key_unique(PGconn *conn, const char *oid, char *const *key, size_t key_count, bool *unique,
                                     weir_err_t *err)
{
    weir_buf_t names;
    buf_init(&names, 64 * 1024);
    weir_status_t result = text_array_literal(key, key_count, &names);
    if (result != WEIR_OK) {
        buf_free(&names);
        weir_err_set(err, "the primary key's column names are too long");
        return result;
    }
    const char *params[] = {oid, (const char *)names.data};
    PGresult *res = query(conn,
                          "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique "
                          "AND i.indisvalid AND i.indpred IS NULL AND NOT (0 = ANY (i.indkey::int2[])) "
                          "AND ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = i.indrelid "
                          "AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])) <@ $2::text[])",
                          2, params, &result, err);
    buf_free(&names);
    if (!res)
        return result;
    *unique = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return WEIR_OK;
}

weir_status_t pg_inspect_table(PGconn *conn, const char *table, char *const *key, size_t key_count,
                               source_table_info_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    weir_status_t result = WEIR_OK;
    weir_buf_t regclass;
    buf_init(&regclass, 1024);
    PGresult *res = query(conn, "SET statement_timeout = '" PG_CHECK_STATEMENT_TIMEOUT "'", 0, NULL, &result, err);
    if (!res)
        goto out;
    PQclear(res);
    result = pg_quote_table(conn, table, &regclass, err);
    if (result != WEIR_OK)
        goto out;
    const char *params[] = {(const char *)regclass.data};
    res = query(conn,
                "SELECT c.oid::text, has_any_column_privilege(c.oid, 'SELECT') FROM pg_class c "
                "WHERE c.oid = to_regclass($1)",
                1, params, &result, err);
    if (!res)
        goto out;
    if (PQntuples(res) != 1) {
        PQclear(res);
        weir_err_set(err, "table %s does not exist", (const char *)regclass.data);
        result = WEIR_ERR_NOT_FOUND;
        goto out;
    }
    char oid[32];
    snprintf(oid, sizeof oid, "%s", PQgetvalue(res, 0, 0));
    out->readable = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    result = read_columns(conn, oid, out, err);
    if (result == WEIR_OK)
        result = read_key_unique(conn, oid, key, key_count, &out->key_unique, err);
out:
    if (result != WEIR_OK)
        source_table_info_free(out);
    buf_free(&regclass);
    return result;
}
