/* pg_extract.h — extracts one table from PostgreSQL into stage chunk files: a REPEATABLE READ READ
 * ONLY snapshot, `COPY (SELECT …) TO STDOUT` streamed row by row, incremental by a cursor column
 * with a lookback overlap, or a full refresh. */
#ifndef WEIR_PG_EXTRACT_H
#define WEIR_PG_EXTRACT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "stage_writer.h"
#include "status.h"

typedef struct {
    const char *host;
    int port;
    const char *database;
    const char *user;
    const char *password; /* resolved secret, may be NULL */
    const char *sslmode;
    const char *sslrootcert; /* may be NULL */
} pg_source_t;

/* Opens a connection with session settings that make COPY text lossless and stable (UTC, ISO
 * dates, full float precision, hex bytea). Failures are classified by SQLSTATE: refused
 * credentials are WEIR_ERR_AUTH, a missing database WEIR_ERR_INVALID, anything that may pass
 * (unreachable, too many connections, shutting down) WEIR_ERR_UNAVAILABLE. err never holds the
 * password. */
weir_status_t pg_source_open(const pg_source_t *source, PGconn **out, weir_err_t *err) WEIR_MUSTCHECK;

/* pg_source_open for apply's checks: the whole attempt, name lookup included, gives up after
 * `timeout_ms` (pg_source_open's 10 s is for runs). The host is resolved first with that deadline
 * (pg_resolve.h) and libpq is given the addresses as hostaddr, since libpq's own lookup cannot be
 * bounded; the host name still serves TLS verification. A name that does not resolve, or not in
 * time, is WEIR_ERR_UNAVAILABLE. */
weir_status_t pg_source_open_within(const pg_source_t *source, int timeout_ms, PGconn **out,
                                    weir_err_t *err) WEIR_MUSTCHECK;

/* pg_source_open for callers that only need the connection: NULL (with err) on failure. */
PGconn *pg_source_connect(const pg_source_t *source, weir_err_t *err);

typedef struct {
    const char *table;          /* "schema.table" or "table" */
    const char *cursor;         /* NULL: full refresh */
    const char *watermark;      /* last committed cursor value as text; NULL on the first run */
    long long lookback_seconds; /* re-read overlap below the watermark (time-typed cursors) */
    const char *range_from;     /* backfills: [range_from, range_to) of the cursor instead of the */
    const char *range_to;       /* watermark; NULL cursors are left to the regular runs */
} pg_extract_request_t;

typedef struct {
    uint64_t rows;
    uint64_t null_cursor_rows; /* rows whose cursor is NULL: extracted on every run */
    char *new_watermark;       /* max cursor value seen, as text; NULL when no row had one (owned) */
    size_t column_count;
    char **column_names; /* owned */
    char **column_types; /* owned, format_type() text, e.g. "numeric(18,4)" */
} pg_extract_result_t;

void pg_extract_result_free(pg_extract_result_t *result);

/* How a SQLSTATE (NULL: none, the connection failed) should be treated: WEIR_ERR_AUTH (credentials,
 * privileges), WEIR_ERR_UNAVAILABLE (connection, resources, shutdown, serialization, timeouts: worth
 * a retry), WEIR_ERR_INVALID (undefined objects, bad values) or WEIR_ERR_IO (anything else). */
weir_status_t pg_status_for_sqlstate(const char *sqlstate);

/* The columns of `table` ("schema.table" or "table") in order, with format_type() types (new
 * arrays of new strings in *names and *types). WEIR_ERR_NOT_FOUND when it does not exist. */
weir_status_t pg_describe_table(PGconn *conn, const char *table, char ***names, char ***types, size_t *count,
                                weir_err_t *err) WEIR_MUSTCHECK;

/* Extracts the rows the request selects into `writer`. Rows with a NULL cursor are extracted on
 * every incremental run (they cannot be placed against a watermark; the MERGE makes repeats
 * harmless). The new watermark is the largest cursor value in the same snapshot. */
weir_status_t pg_extract_table(PGconn *conn, const pg_extract_request_t *request, stage_writer_t *writer,
                               pg_extract_result_t *result, weir_err_t *err) WEIR_MUSTCHECK;

/* Appends `table` as the pipeline names it (PostgreSQL syntax, ident.h) quoted part by part, for
 * SQL or regclass text; WEIR_ERR_INVALID when it is not a table name. */
weir_status_t pg_quote_table(PGconn *conn, const char *table, weir_buf_t *out, weir_err_t *err) WEIR_MUSTCHECK;

/* SQL for a FROM clause over pg_attribute `a`: joins `b`, whose b.typid and b.typmod are the
 * column's base type through domains over domains (what its values really are). */
#define PG_BASE_TYPE_LATERAL                                                                   \
    "CROSS JOIN LATERAL (WITH RECURSIVE d(typid, typmod, depth) AS ("                          \
    "SELECT a.atttypid, a.atttypmod, 0 UNION ALL "                                             \
    "SELECT t.typbasetype, t.typtypmod, d.depth + 1 FROM d JOIN pg_type t ON t.oid = d.typid " \
    "WHERE t.typtype = 'd') SELECT typid, typmod FROM d ORDER BY depth DESC LIMIT 1) b "

#endif
