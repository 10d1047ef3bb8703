/* pg_source.c — binds a source_postgres spec, resolves its password and serves the source
 * interface with pg_extract. */
#include "pg_source.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pg_check.h"
#include "pg_extract.h"
#include "secrets.h"
#include "spec.h"
#include "spec_bind.h"

typedef struct {
    char *host;
    long long port;
    char *database;
    char *user;
    char *password_ref;
    char *sslmode;
    char *sslrootcert;
} pg_spec_t;

static const bind_field_t pg_spec_fields[] = {
    {"host", BIND_TEXT, offsetof(pg_spec_t, host), 0, NULL},
    {"port", BIND_INT, offsetof(pg_spec_t, port), 0, NULL},
    {"database", BIND_TEXT, offsetof(pg_spec_t, database), 0, NULL},
    {"user", BIND_TEXT, offsetof(pg_spec_t, user), 0, NULL},
    {"password_ref", BIND_TEXT, offsetof(pg_spec_t, password_ref), 0, NULL},
    {"sslmode", BIND_TEXT, offsetof(pg_spec_t, sslmode), 0, NULL},
    {"sslrootcert", BIND_TEXT, offsetof(pg_spec_t, sslrootcert), 0, NULL},
};
static const bind_table_t pg_spec_binding = {"source_postgres", BIND_FIELDS(pg_spec_t, pg_spec_fields)};

struct source_session {
    PGconn *conn;
};

/* The password: a reference resolved now, else the write-only value the provider sent. */
static char *resolve_password(const pg_spec_t *spec, const char *write_only_json, weir_err_t *err, bool *failed)
{
    *failed = false;
    if (spec->password_ref) {
        char *password = secret_resolve(spec->password_ref, err);
        *failed = password == NULL;
        return password;
    }
    if (!write_only_json || !*write_only_json)
        return NULL;
    json_t *values = json_loads(write_only_json, 0, NULL);
    const char *value = json_string_value(json_object_get(values, "password_wo"));
    char *password = value ? strdup(value) : NULL;
    log_redact(password);
    json_decref(values);
    return password;
}

/* A session on the source; within timeout_ms when it is positive, else with runs' own limits. */
static weir_status_t open_session(const char *spec_json, const char *write_only_json, int timeout_ms,
                                  source_session_t **out, weir_err_t *err)
{
    *out = NULL;
    arena_t arena;
    arena_init(&arena);
    pg_spec_t spec;
    char *password = NULL;
    json_t *object = json_loads(spec_json, 0, NULL);
    const spec_kind_t *kind = spec_kind_by_kind("source_postgres");
    weir_status_t result = spec_bind(&pg_spec_binding, &kind->block, object, &arena, &spec, "source_postgres", err);
    if (result != WEIR_OK)
        goto out;
    bool failed;
    password = resolve_password(&spec, write_only_json, err, &failed);
    if (failed) {
        result = WEIR_ERR_AUTH;
        goto out;
    }
    pg_source_t source = {.host = spec.host,
                          .port = (int)spec.port,
                          .database = spec.database,
                          .user = spec.user,
                          .password = password,
                          .sslmode = spec.sslmode,
                          .sslrootcert = spec.sslrootcert};
    PGconn *conn = NULL;
    result =
        timeout_ms > 0 ? pg_source_open_within(&source, timeout_ms, &conn, err) : pg_source_open(&source, &conn, err);
    if (result != WEIR_OK)
        goto out;
    source_session_t *session = calloc(1, sizeof *session);
    if (!session) {
        PQfinish(conn);
        result = WEIR_ERR_NOMEM;
        goto out;
    }
    session->conn = conn;
    *out = session;
out:
    secret_free(password);
    json_decref(object);
    arena_free(&arena);
    return result;
}

static weir_status_t pg_open(const char *spec_json, const char *write_only_json, source_session_t **out,
                             weir_err_t *err)
{
    return open_session(spec_json, write_only_json, 0, out, err);
}

static weir_status_t pg_open_inspect(const char *spec_json, const char *write_only_json, int timeout_ms,
                                     source_session_t **out, weir_err_t *err)
{
    return open_session(spec_json, write_only_json, timeout_ms > 0 ? timeout_ms : 1, out, err);
}

static weir_status_t pg_describe(source_session_t *session, const char *table, source_columns_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    return pg_describe_table(session->conn, table, &out->names, &out->types, &out->count, err);
}

static weir_status_t pg_extract(source_session_t *session, const source_window_t *window, stage_writer_t *writer,
                                source_extract_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    pg_extract_request_t request = {.table = window->table,
                                    .cursor = window->cursor,
                                    .watermark = window->watermark,
                                    .lookback_seconds = window->lookback_seconds,
                                    .range_from = window->range_from,
                                    .range_to = window->range_to};
    pg_extract_result_t extracted = {0};
    weir_status_t result = pg_extract_table(session->conn, &request, writer, &extracted, err);
    if (result == WEIR_OK) {
        /* Ownership moves to the interface's result. */
        out->rows = extracted.rows;
        out->new_watermark = extracted.new_watermark;
        out->columns.count = extracted.column_count;
        out->columns.names = extracted.column_names;
        out->columns.types = extracted.column_types;
        memset(&extracted, 0, sizeof extracted);
    }
    pg_extract_result_free(&extracted);
    return result;
}

static weir_status_t pg_inspect(source_session_t *session, const char *table, char *const *key, size_t key_count,
                                source_table_info_t *out, weir_err_t *err)
{
    return pg_inspect_table(session->conn, table, key, key_count, out, err);
}

static void pg_close(source_session_t *session)
{
    if (!session)
        return;
    PQfinish(session->conn);
    free(session);
}

const source_ops_t pg_source_ops = {
    .kind = "source_postgres",
    .capabilities = SOURCE_CAN_CURSOR | SOURCE_CAN_RANGES,
    .open = pg_open,
    .describe = pg_describe,
    .extract = pg_extract,
    .close = pg_close,
    .inspect = pg_inspect,
    .open_inspect = pg_open_inspect,
};
