/* sf_sql.h — a client for Snowflake's SQL API v2: submit a statement, wait for it (202 polling),
 * gather every result partition, renew the JWT on 401, retry 429/503/504 and transport failures with
 * jittered backoff (resubmitting with the same requestId and retry=true). One client per thread. */
#ifndef WEIR_SF_SQL_H
#define WEIR_SF_SQL_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "sf_auth.h"
#include "status.h"

typedef struct {
    const char *base_url; /* "https://<account>.snowflakecomputing.com"; tests use loopback */
    const char *account;
    const char *user;
    const char *role;      /* may be NULL */
    const char *warehouse; /* may be NULL */
    const char *database;
    const char *schema;
    const sf_keypair_t *keypair; /* key-pair JWT, or NULL to use `token` */
    const char *token;           /* OAuth or programmatic access token */
    const char *token_type;      /* "OAUTH" or "PROGRAMMATIC_ACCESS_TOKEN" with `token` */
    int statement_timeout_s;     /* server-side limit per statement */
    int max_attempts;            /* submissions per statement before giving up (>= 1) */
    int backoff_base_ms;         /* first retry waits about this long, doubling, with jitter */
} sf_config_t;

typedef struct sf_client sf_client_t;

/* Strings in `config` are copied. */
weir_status_t sf_client_new(const sf_config_t *config, sf_client_t **out, weir_err_t *err) WEIR_MUSTCHECK;
void sf_client_free(sf_client_t *client);

typedef struct {
    json_t *columns; /* rowType array */
    json_t *rows;    /* all partitions' rows, arrays of values */
    long long rows_inserted, rows_updated, rows_deleted;
    char statement_handle[128];
} sf_result_t;

void sf_result_free(sf_result_t *result);
size_t sf_result_row_count(const sf_result_t *result);
/* The value as text (numbers printed), or NULL for SQL NULL or out of range. Valid until free. */
const char *sf_result_text(const sf_result_t *result, size_t row, size_t column);

/* Runs one statement. On failure err carries Snowflake's code, SQL state and message. */
weir_status_t sf_execute(sf_client_t *client, const char *statement, sf_result_t *result,
                         weir_err_t *err) WEIR_MUSTCHECK;

/* Counters for tests and metrics. */
typedef struct {
    unsigned submissions, polls, partitions_fetched, token_renewals, retries;
} sf_client_stats_t;
sf_client_stats_t sf_client_stats(const sf_client_t *client);

/* SQL text helpers shared by the loader and the quality checks. */
/* "name" with inner quotes doubled: a case-sensitive Snowflake identifier. */
weir_status_t sf_put_ident(weir_buf_t *sql, const char *name) WEIR_MUSTCHECK;
/* A name the user wrote unquoted (a `references` part) as Snowflake resolves it: upper-cased, quoted. */
weir_status_t sf_put_column(weir_buf_t *sql, const char *unquoted_name) WEIR_MUSTCHECK;
/* A text value as a string literal: quotes doubled, backslashes escaped. */
weir_status_t sf_put_literal(weir_buf_t *sql, const char *value, size_t len) WEIR_MUSTCHECK;
void sf_upper_name(const char *name, char *out, size_t size);
/* Executes the statement in `sql` (then empties it); `result_out` NULL discards the result. */
weir_status_t sf_run(sf_client_t *client, weir_buf_t *sql, sf_result_t *result_out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
