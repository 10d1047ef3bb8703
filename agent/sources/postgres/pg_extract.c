/* pg_extract.c — snapshot, column discovery, filtered COPY and streaming into the stage writer. */
#include "pg_extract.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ident.h"
#include "pg_copy.h"
#include "pg_resolve.h"

weir_status_t pg_status_for_sqlstate(const char *sqlstate)
{
    if (!sqlstate || strlen(sqlstate) != 5)
        return WEIR_ERR_UNAVAILABLE; /* no answer from the server: the connection itself failed */
    if (strncmp(sqlstate, "28", 2) == 0 || strcmp(sqlstate, "42501") == 0)
        return WEIR_ERR_AUTH; /* refused credentials or privileges do not improve by retrying */
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "53", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0 ||
        strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 || strcmp(sqlstate, "55P03") == 0 ||
        strcmp(sqlstate, "57014") == 0)
        return WEIR_ERR_UNAVAILABLE; /* connection trouble, resources, shutdown, conflicts, timeouts */
    if (strncmp(sqlstate, "42", 2) == 0 || strncmp(sqlstate, "3D", 2) == 0 || strncmp(sqlstate, "3F", 2) == 0 ||
        strncmp(sqlstate, "22", 2) == 0)
        return WEIR_ERR_INVALID; /* a table, column, database or value the spec names is wrong */
    return WEIR_ERR_IO;
}

/* Splits a verbose libpq message ("FATAL:  28P01: text\nLOCATION: …") into its SQLSTATE and an
 * operator-facing line without the code and location. */
static void split_verbose(const char *message, char *sqlstate, size_t state_size, char *text, size_t text_size)
{
    sqlstate[0] = 0;
    const char *colon = strstr(message, ":  ");
    const char *body = message;
    if (colon && strlen(colon + 3) > 6 && colon[3 + 5] == ':' && colon[3 + 6] == ' ') {
        snprintf(sqlstate, state_size, "%.5s", colon + 3);
        body = colon + 3 + 7;
    }
    size_t len = strcspn(body, "\n");
    snprintf(text, text_size, "%.*s", (int)len, body);
}

/* Waits for a non-blocking connection to finish, at most `timeout_ms` (*timed_out then set). This
 * loop is the bound: libpq applies its own connect_timeout only to blocking connects. */
static PostgresPollingStatusType connect_wait(PGconn *conn, long timeout_ms, bool *timed_out)
{
    *timed_out = false;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left_ms = timeout_ms - ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L);
        if (left_ms <= 0) {
            *timed_out = true;
            return PGRES_POLLING_FAILED;
        }
        struct pollfd fd = {.fd = PQsocket(conn), .events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        if (fd.fd < 0 || poll(&fd, 1, (int)left_ms) < 0)
            return PGRES_POLLING_FAILED;
        state = PQconnectPoll(conn);
    }
    return state;
}

/* Runs' connections give up after this long: a source that does not answer in 10 s is down. */
#define PG_CONNECT_TIMEOUT_MS 10000

/* Connects to `source` within timeout_ms. `hosts` replaces source->host for libpq when set, with
 * `hostaddrs` the addresses resolved for it (pg_resolve), so libpq does no name lookup. */
static weir_status_t open_conn(const pg_source_t *source, const char *hosts, const char *hostaddrs, long timeout_ms,
                               PGconn **out, weir_err_t *err)
{
    *out = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", source->port);
    /* libpq ignores a NULL value: without resolved addresses it looks the host up itself. */
    const char *keys[] = {"host",
                          "port",
                          "dbname",
                          "user",
                          "password",
                          "sslmode",
                          "sslrootcert",
                          "application_name",
                          "client_encoding",
                          "hostaddr",
                          NULL};
    const char *values[] = {hosts ? hosts : source->host,
                            port,
                            source->database,
                            source->user,
                            source->password ? source->password : "",
                            source->sslmode ? source->sslmode : "verify-full",
                            source->sslrootcert ? source->sslrootcert : "",
                            "weir-agent",
                            "UTF8",
                            hostaddrs,
                            NULL};
    PGconn *conn = PQconnectStartParams(keys, values, 0);
    if (!conn)
        return WEIR_ERR_NOMEM;
    /* Verbose errors carry the SQLSTATE, so failures are classified by code, not by wording. */
    PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
    bool timed_out = false;
    bool connected = PQstatus(conn) != CONNECTION_BAD && connect_wait(conn, timeout_ms, &timed_out) == PGRES_POLLING_OK;
    if (!connected) {
        char sqlstate[8], text[600];
        split_verbose(PQerrorMessage(conn), sqlstate, sizeof sqlstate, text, sizeof text);
        /* libpq's message is only its "connection to server … failed:" prefix while it still waits. */
        if (timed_out)
            snprintf(text, sizeof text, "timed out: no answer within %ld ms", timeout_ms);
        weir_err_set(err, "cannot connect to PostgreSQL %s:%d/%s as %s: %s%s%s", source->host, source->port,
                     source->database, source->user, text[0] ? text : "timed out", sqlstate[0] ? " (SQLSTATE " : "",
                     sqlstate[0] ? sqlstate : "");
        if (sqlstate[0])
            snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg), ")");
        PQfinish(conn);
        return pg_status_for_sqlstate(sqlstate[0] ? sqlstate : NULL);
    }
    PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
    /* Text output that round-trips exactly and does not depend on server defaults. */
    PGresult *res = PQexec(conn,
                           "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; "
                           "SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 3; "
                           "SET bytea_output = 'hex'; SET lc_monetary = 'C'; SET client_min_messages = warning");
    weir_status_t result = WEIR_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        weir_err_set(err, "cannot set session parameters: %s", PQerrorMessage(conn));
        result = pg_status_for_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
    }
    PQclear(res);
    if (result != WEIR_OK) {
        PQfinish(conn);
        return result;
    }
    *out = conn;
    return WEIR_OK;
}

weir_status_t pg_source_open(const pg_source_t *source, PGconn **out, weir_err_t *err)
{
    return open_conn(source, NULL, NULL, PG_CONNECT_TIMEOUT_MS, out, err);
}

weir_status_t pg_source_open_within(const pg_source_t *source, int timeout_ms, PGconn **out, weir_err_t *err)
{
    *out = NULL;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pg_resolved_t *resolved = malloc(sizeof *resolved);
    if (!resolved) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    weir_status_t result = pg_resolve_host(source->host, timeout_ms, resolved, err);
    if (result == WEIR_OK) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent_ms = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
        /* The connection gets what the lookup left, and never less than a moment to try. */
        long left_ms = timeout_ms - spent_ms > 100 ? timeout_ms - spent_ms : 100;
        result = open_conn(source, resolved->hosts, resolved->hostaddrs, left_ms, out, err);
    } else {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        weir_err_set(err, "cannot connect to PostgreSQL %s:%d/%s as %s: %s", source->host, source->port,
                     source->database, source->user, why);
    }
    free(resolved);
    return result;
}

PGconn *pg_source_connect(const pg_source_t *source, weir_err_t *err)
{
    PGconn *conn = NULL;
    return pg_source_open(source, &conn, err) == WEIR_OK ? conn : NULL;
}

void pg_extract_result_free(pg_extract_result_t *result)
{
    for (size_t i = 0; i < result->column_count; i++) {
        free(result->column_names[i]);
        free(result->column_types[i]);
    }
    free(result->column_names);
    free(result->column_types);
    free(result->new_watermark);
    memset(result, 0, sizeof *result);
}

/* The table as the pipeline names it (PostgreSQL syntax, see ident.h), quoted part by part for SQL. */
weir_status_t pg_quote_table(PGconn *conn, const char *table, weir_buf_t *out, weir_err_t *err)
{
    pg_table_name_t name;
    char why[256];
    if (!ident_pg_parse_table(table, &name, why, sizeof why)) {
        weir_err_set(err, "%s is not a table name: %s", table, why);
        return WEIR_ERR_INVALID;
    }
    const char *parts[] = {name.schema, name.name};
    for (int i = 0; i < 2; i++) {
        if (!parts[i][0])
            continue;
        char *quoted = PQescapeIdentifier(conn, parts[i], strlen(parts[i]));
        if (!quoted)
            return WEIR_ERR_NOMEM;
        weir_status_t result = buf_printf(out, "%s%s", i == 1 && name.schema[0] ? "." : "", quoted);
        PQfreemem(quoted);
        if (result != WEIR_OK)
            return result;
    }
    return WEIR_OK;
}

static weir_status_t exec_ok(PGconn *conn, const char *sql, ExecStatusType want, weir_err_t *err)
{
    PGresult *res = PQexec(conn, sql);
    weir_status_t result =
        PQresultStatus(res) == want ? WEIR_OK : pg_status_for_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
    if (result != WEIR_OK && err)
        weir_err_set(err, "PostgreSQL: %s", PQerrorMessage(conn));
    PQclear(res);
    return result;
}

static weir_status_t discover_columns(PGconn *conn, const char *quoted_table, const char *cursor,
                                      pg_extract_result_t *out, int *cursor_index, weir_err_t *err)
{
    const char *params[] = {quoted_table};
    PGresult *res =
        PQexecParams(conn,
                     /* A domain reports its base type (through domains over domains). */
                     "SELECT a.attname, format_type(b.typid, b.typmod) FROM pg_attribute a " PG_BASE_TYPE_LATERAL
                     "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                     "ORDER BY a.attnum",
                     1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        weir_err_set(err, "table %s: %s", quoted_table, PQerrorMessage(conn));
        const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        weir_status_t result = sqlstate && (strcmp(sqlstate, "42P01") == 0 || strcmp(sqlstate, "3F000") == 0)
            ? WEIR_ERR_NOT_FOUND
            : pg_status_for_sqlstate(sqlstate);
        PQclear(res);
        return result;
    }
    int rows = PQntuples(res);
    out->column_names = calloc((size_t)rows + 1, sizeof *out->column_names);
    out->column_types = calloc((size_t)rows + 1, sizeof *out->column_types);
    if (!out->column_names || !out->column_types) {
        PQclear(res);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    *cursor_index = -1;
    for (int i = 0; i < rows; i++) {
        out->column_names[i] = strdup(PQgetvalue(res, i, 0));
        out->column_types[i] = strdup(PQgetvalue(res, i, 1));
        out->column_count++;
        if (cursor && strcmp(PQgetvalue(res, i, 0), cursor) == 0)
            *cursor_index = i;
    }
    PQclear(res);
    if (rows == 0) {
        weir_err_set(err, "table %s has no columns", quoted_table);
        return WEIR_ERR_INVALID;
    }
    if (cursor && *cursor_index < 0) {
        weir_err_set(err, "table %s has no cursor column \"%s\"", quoted_table, cursor);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

static bool time_typed(const char *type)
{
    return strncmp(type, "timestamp", 9) == 0 || strcmp(type, "date") == 0;
}

/* Builds " WHERE …": a backfill's [range_from, range_to), or rows at or past watermark - lookback
 * plus NULL cursors. */
static weir_status_t build_filter(PGconn *conn, const pg_extract_request_t *request, const char *cursor_type,
                                  weir_buf_t *out)
{
    bool ranged = request->range_from && request->range_to;
    if (!request->cursor || (!request->watermark && !ranged))
        return WEIR_OK;
    char *column = PQescapeIdentifier(conn, request->cursor, strlen(request->cursor));
    const char *low = ranged ? request->range_from : request->watermark;
    char *literal = PQescapeLiteral(conn, low, strlen(low));
    char *upper = ranged ? PQescapeLiteral(conn, request->range_to, strlen(request->range_to)) : NULL;
    weir_status_t result = WEIR_ERR_NOMEM;
    if (column && literal && (upper || !ranged)) {
        /* >= not >: rows equal to the watermark may have committed after it was taken. */
        if (ranged)
            result = buf_printf(out, " WHERE %s >= %s::%s AND %s < %s::%s", column, literal, cursor_type, column, upper,
                                cursor_type);
        else if (time_typed(cursor_type) && request->lookback_seconds > 0)
            result = buf_printf(out, " WHERE %s >= (%s::%s - interval '%lld seconds') OR %s IS NULL", column, literal,
                                cursor_type, request->lookback_seconds, column);
        else
            result = buf_printf(out, " WHERE %s >= %s::%s OR %s IS NULL", column, literal, cursor_type, column);
    }
    PQfreemem(column);
    PQfreemem(literal);
    PQfreemem(upper);
    return result;
}

/* The largest cursor value the filter selects and how many rows have none, read in the extract's
 * snapshot, so no row can fall between the new watermark and the rows. */
static weir_status_t read_new_watermark(PGconn *conn, const char *cursor, const char *table, const char *filter,
                                        pg_extract_result_t *out, weir_err_t *err)
{
    weir_buf_t sql;
    buf_init(&sql, 64 * 1024);
    char *column = PQescapeIdentifier(conn, cursor, strlen(cursor));
    weir_status_t result = column
        ? buf_printf(&sql, "SELECT max(%s)::text, count(*) FILTER (WHERE %s IS NULL) FROM %s%s", column, column, table,
                     filter)
        : WEIR_ERR_NOMEM;
    PQfreemem(column);
    if (result != WEIR_OK) {
        buf_free(&sql);
        return result;
    }
    PGresult *res = PQexec(conn, (const char *)sql.data);
    buf_free(&sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        weir_err_set(err, "table %s: %s", table, PQerrorMessage(conn));
        result = pg_status_for_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
        PQclear(res);
        return result;
    }
    if (!PQgetisnull(res, 0, 0))
        out->new_watermark = strdup(PQgetvalue(res, 0, 0));
    out->null_cursor_rows = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return WEIR_OK;
}

/* COPY (SELECT …) of the columns the stage writer keeps: a column its rules drop (a column block's
 * exclude) is not even read, so its values never leave the database. */
static weir_status_t build_copy(PGconn *conn, const pg_extract_result_t *columns, stage_writer_t *writer,
                                const char *table, const char *filter, weir_buf_t *sql, size_t *selected)
{
    buf_reset(sql);
    *selected = 0;
    stage_writer_omit_dropped(writer);
    weir_status_t result = buf_puts(sql, "COPY (SELECT ");
    for (size_t i = 0; result == WEIR_OK && i < columns->column_count; i++) {
        if (!stage_writer_keeps(writer, i))
            continue;
        char *column = PQescapeIdentifier(conn, columns->column_names[i], strlen(columns->column_names[i]));
        /* Arrays travel as JSON (to_json), which destinations parse; PostgreSQL's {…} text they cannot. */
        bool array = strstr(columns->column_types[i], "[]") != NULL;
        result =
            column ? buf_printf(sql, array ? "%sto_json(%s)" : "%s%s", *selected ? ", " : "", column) : WEIR_ERR_NOMEM;
        PQfreemem(column);
        (*selected)++;
    }
    return result == WEIR_OK ? buf_printf(sql, " FROM %s%s) TO STDOUT", table, filter) : result;
}

weir_status_t pg_extract_table(PGconn *conn, const pg_extract_request_t *request, stage_writer_t *writer,
                               pg_extract_result_t *out, weir_err_t *err)
{
    weir_status_t result;
    weir_buf_t table, filter, sql;
    buf_init(&table, 1024);
    buf_init(&filter, 4096);
    buf_init(&sql, 64 * 1024);
    copy_row_t row;
    copy_row_init(&row);
    memset(out, 0, sizeof *out);
    bool in_transaction = false;
    int cursor_index = -1;

    result = pg_quote_table(conn, request->table, &table, err);
    if (result != WEIR_OK)
        goto out;
    result = exec_ok(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, err);
    if (result != WEIR_OK)
        goto out;
    in_transaction = true;
    result = discover_columns(conn, (const char *)table.data, request->cursor, out, &cursor_index, err);
    if (result != WEIR_OK)
        goto out;
    result = stage_writer_columns(writer, (const char *const *)out->column_names,
                                  (const char *const *)out->column_types, out->column_count, err);
    if (result != WEIR_OK)
        goto out;
    result = build_filter(conn, request, request->cursor ? out->column_types[cursor_index] : "", &filter);
    if (result != WEIR_OK)
        goto out;

    if (request->cursor)
        result = read_new_watermark(conn, request->cursor, (const char *)table.data,
                                    filter.data ? (const char *)filter.data : "", out, err);
    if (result != WEIR_OK)
        goto out;

    size_t selected = 0;
    result = build_copy(conn, out, writer, (const char *)table.data, filter.data ? (const char *)filter.data : "", &sql,
                        &selected);
    if (result != WEIR_OK)
        goto out;
    PGresult *res = PQexec(conn, (const char *)sql.data);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        weir_err_set(err, "table %s: %s", (const char *)table.data, PQerrorMessage(conn));
        result = pg_status_for_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
        PQclear(res);
        goto out;
    }
    PQclear(res);

    /* One PQgetCopyData call returns one whole row in text format. */
    for (;;) {
        char *line = NULL;
        int len = PQgetCopyData(conn, &line, 0);
        if (len == -1)
            break;
        if (len < 0) {
            weir_err_set(err, "table %s: COPY failed: %s", (const char *)table.data, PQerrorMessage(conn));
            result = WEIR_ERR_IO;
            goto out;
        }
        result = copy_parse_row(&row, line, (size_t)len, selected, err);
        for (size_t i = 0; result == WEIR_OK && i < row.count; i++)
            result =
                stage_writer_field(writer, row.fields[i].is_null ? NULL : row.fields[i].data, row.fields[i].len, err);
        if (result == WEIR_OK)
            result = stage_writer_end_row(writer, err);
        PQfreemem(line);
        if (result != WEIR_OK) {
            /* Stop the server's COPY by leaving the connection: the caller closes it. */
            goto out;
        }
        out->rows++;
    }
    res = PQgetResult(conn);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        weir_err_set(err, "table %s: COPY ended with an error: %s", (const char *)table.data, PQerrorMessage(conn));
        result = pg_status_for_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
    }
    PQclear(res);
    while ((res = PQgetResult(conn)))
        PQclear(res);
    if (result == WEIR_OK) {
        result = exec_ok(conn, "COMMIT", PGRES_COMMAND_OK, err);
        in_transaction = false;
    }
out:
    if (in_transaction && PQtransactionStatus(conn) != PQTRANS_ACTIVE)
        (void)exec_ok(conn, "ROLLBACK", PGRES_COMMAND_OK, NULL);
    copy_row_free(&row);
    buf_free(&table);
    buf_free(&filter);
    buf_free(&sql);
    return result;
}

weir_status_t pg_describe_table(PGconn *conn, const char *table, char ***names, char ***types, size_t *count,
                                weir_err_t *err)
{
    weir_buf_t quoted;
    buf_init(&quoted, 1024);
    pg_extract_result_t columns = {0};
    int cursor_index;
    weir_status_t result = pg_quote_table(conn, table, &quoted, err);
    if (result == WEIR_OK)
        result = discover_columns(conn, (const char *)quoted.data, NULL, &columns, &cursor_index, err);
    if (result == WEIR_OK) {
        *names = columns.column_names;
        *types = columns.column_types;
        *count = columns.column_count;
        memset(&columns, 0, sizeof columns);
    }
    pg_extract_result_free(&columns);
    buf_free(&quoted);
    return result;
}
