/* test_pg_extract.c — extraction from a real PostgreSQL (started by with_postgres.sh): every value
 * of every supported type reaches the stage exactly as PostgreSQL prints it, NULL stays distinct
 * from empty, incremental runs honour the watermark, lookback and NULL cursors, chunks rotate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "pg_extract.h"
#include "source.h"

static char stage_dir[256];
static PGconn *admin;

static pg_source_t source(const char *password)
{
    pg_source_t s = {.host = getenv("WEIR_TEST_PG_HOST"),
                     .port = (int)strtol(getenv("WEIR_TEST_PG_PORT"), NULL, 10),
                     .database = getenv("WEIR_TEST_PG_DB"),
                     .user = getenv("WEIR_TEST_PG_USER"),
                     .password = password,
                     .sslmode = "disable"};
    return s;
}

static void sql(const char *statement)
{
    PGresult *res = PQexec(admin, statement);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail_msg("%s: %s", statement, PQerrorMessage(admin));
    PQclear(res);
}

static int setup(void **state)
{
    (void)state;
    weir_err_t err;
    pg_source_t s = source(getenv("WEIR_TEST_PG_PASSWORD"));
    admin = pg_source_connect(&s, &err);
    if (!admin) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    snprintf(stage_dir, sizeof stage_dir, "%s/weir-it-stage-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(stage_dir))
        return -1;
    sql("DROP SCHEMA IF EXISTS it CASCADE");
    sql("CREATE SCHEMA it");
    sql("CREATE TYPE it.mood AS ENUM ('happy', 'sad', 'it''s complicated')");
    sql("CREATE TABLE it.payments ("
        " id bigint PRIMARY KEY, small smallint, medium integer, amount numeric(18,4), huge numeric,"
        " f4 real, f8 double precision, flag boolean, day date, at_time time, ts timestamp,"
        " updated_at timestamptz, span interval, note text, code char(3), label varchar(20),"
        " doc json, docb jsonb, ref uuid, raw bytea, tags text[], mood it.mood)");
    sql("INSERT INTO it.payments VALUES"
        " (1, -32768, 2147483647, 12345678901234.5678, 123456789012345678901234567890123456789012.123456789,"
        "  3.14159, 2.718281828459045, true, '2026-11-23', '23:59:59.999999', '2026-11-23 12:00:00.123456',"
        "  '2026-11-23 10:00:00+00', '1 year 2 mons 3 days 04:05:06.7', E'tab\\there\\nnew line \\\\ back \"quoted\" "
        "''single''',"
        "  'ab', 'unicode ünïcødé ✓', '{\"a\": [1, 2, {\"b\": null}]}', '{\"z\": 1, \"a\": \"x\\ty\"}',"
        "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', ARRAY['a', 'b,c', 'd\"e', NULL], 'it''s complicated'),"
        " (2, NULL, NULL, NULL, 'NaN', 'Infinity', '-Infinity', false, 'infinity', NULL, NULL,"
        "  '2026-11-23 10:30:00+00', NULL, '', NULL, '', NULL, NULL, NULL, '\\x', '{}', 'happy'),"
        " (3, 0, 0, -0.0001, -1e-20, 'NaN', -0.0, NULL, '0001-01-01', '00:00', '1999-12-31 23:59:59',"
        "  NULL, '-1 day', NULL, '   ', NULL, 'null', '[]', NULL, NULL, NULL, NULL)");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    PQfinish(admin);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", stage_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A parsed CSV cell of our stage dialect. */
typedef struct {
    char *text;
    size_t len;
    bool is_null;
} cell_t;

typedef struct {
    cell_t *cells;
    size_t count, cap;
    char *buffers[64]; /* decompressed chunks the cells point into */
    size_t buffer_count;
} cells_t;

static void cells_free(cells_t *cells)
{
    for (size_t i = 0; i < cells->buffer_count; i++)
        free(cells->buffers[i]);
    free(cells->cells);
}

static void add_cell(cells_t *cells, char *text, size_t len, bool is_null)
{
    if (cells->count == cells->cap) {
        cells->cap = cells->cap ? cells->cap * 2 : 256;
        cells->cells = realloc(cells->cells, cells->cap * sizeof *cells->cells);
    }
    cells->cells[cells->count++] = (cell_t){text, len, is_null};
}

/* Reads every chunk of a stage directory into cells, row after row (column count known). */
static size_t read_stage(const char *dir, cells_t *cells, unsigned *chunks)
{
    size_t rows = 0;
    for (unsigned c = 0;; c++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%05u.csv.zst", dir, c);
        FILE *file = fopen(path, "rb");
        if (!file) {
            *chunks = c;
            return rows;
        }
        size_t cap = 1 << 20, n = 0;
        unsigned char *compressed = malloc(cap);
        n = fread(compressed, 1, cap, file);
        fclose(file);
        size_t out_cap = 8u << 20;
        char *csv = malloc(out_cap);
        size_t len = ZSTD_decompress(csv, out_cap, compressed, n);
        assert_false(ZSTD_isError(len));
        free(compressed);
        size_t i = 0;
        while (i < len) {
            for (;;) {
                if (csv[i] == '"') {
                    char *start = csv + i + 1, *w = start;
                    i++;
                    for (;;) {
                        if (csv[i] == '"' && i + 1 < len && csv[i + 1] == '"') {
                            *w++ = '"';
                            i += 2;
                        } else if (csv[i] == '"') {
                            i++;
                            break;
                        } else {
                            *w++ = csv[i++];
                        }
                    }
                    add_cell(cells, start, (size_t)(w - start), false);
                } else {
                    assert_true(csv[i] == ',' || csv[i] == '\n');
                    add_cell(cells, "", 0, true);
                }
                if (csv[i] == '\n') {
                    i++;
                    rows++;
                    break;
                }
                assert_int_equal(csv[i], ',');
                i++;
            }
        }
        /* csv stays allocated while the cells that point into it are in use. */
        assert_true(cells->buffer_count < 64);
        cells->buffers[cells->buffer_count++] = csv;
    }
}

static void run_extract(const pg_extract_request_t *request, const char *dir, uint64_t chunk_bytes,
                        pg_extract_result_t *result)
{
    weir_err_t err;
    pg_source_t s = source(getenv("WEIR_TEST_PG_PASSWORD"));
    PGconn *conn = pg_source_connect(&s, &err);
    assert_non_null(conn);
    stage_writer_t *writer;
    assert_int_equal(stage_writer_open(dir, chunk_bytes, 1, &writer, &err), WEIR_OK);
    if (pg_extract_table(conn, request, writer, result, &err) != WEIR_OK)
        fail_msg("extract: %s", err.msg);
    stage_stats_t stats;
    assert_int_equal(stage_writer_close(writer, &stats, &err), WEIR_OK);
    assert_int_equal(stats.rows, result->rows);
    PQfinish(conn);
}

static void full_extract_is_exact(void **state)
{
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/full", stage_dir);
    pg_extract_request_t request = {.table = "it.payments"};
    pg_extract_result_t result;
    run_extract(&request, dir, 0, &result);
    assert_int_equal(result.rows, 3);
    assert_int_equal(result.column_count, 22);
    assert_string_equal(result.column_types[3], "numeric(18,4)");
    assert_null(result.new_watermark);

    cells_t cells = {0};
    unsigned chunks;
    assert_int_equal(read_stage(dir, &cells, &chunks), 3);
    assert_int_equal(cells.count, 3 * result.column_count);

    /* PostgreSQL's own text output of every column, in the same session settings, is the truth;
     * arrays travel as their JSON form (to_json), which the destination parses. */
    PGresult *res = PQexec(admin, "SELECT *, to_json(tags)::text FROM it.payments");
    assert_int_equal(PQntuples(res), 3);
    size_t matched = 0;
    for (int r = 0; r < 3; r++) {
        /* Rows may come in any order: find the staged row with this id. */
        const char *id = PQgetvalue(res, r, 0);
        size_t base = SIZE_MAX;
        for (size_t s = 0; s < 3; s++)
            if (cells.cells[s * result.column_count].len == strlen(id) &&
                memcmp(cells.cells[s * result.column_count].text, id, strlen(id)) == 0)
                base = s * result.column_count;
        assert_true(base != SIZE_MAX);
        for (size_t c = 0; c < result.column_count; c++) {
            const cell_t *cell = &cells.cells[base + c];
            int truth = strcmp(result.column_names[c], "tags") == 0 ? (int)result.column_count : (int)c;
            if (PQgetisnull(res, r, truth)) {
                if (!cell->is_null)
                    fail_msg("row %s column %s: want NULL, staged \"%.*s\"", id, result.column_names[c], (int)cell->len,
                             cell->text);
            } else {
                const char *want = PQgetvalue(res, r, truth);
                size_t want_len = (size_t)PQgetlength(res, r, truth);
                if (cell->is_null || cell->len != want_len || memcmp(cell->text, want, want_len) != 0)
                    fail_msg("row %s column %s: want \"%s\", staged \"%.*s\"", id, result.column_names[c], want,
                             (int)cell->len, cell->text);
            }
            matched++;
        }
    }
    assert_int_equal(matched, 66);
    PQclear(res);
    cells_free(&cells);
    pg_extract_result_free(&result);
}

static void incremental_honours_watermark_lookback_and_nulls(void **state)
{
    (void)state;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/inc1", stage_dir);
    pg_extract_request_t request = {.table = "it.payments", .cursor = "updated_at", .lookback_seconds = 900};
    pg_extract_result_t first;
    run_extract(&request, dir, 0, &first);
    assert_int_equal(first.rows, 3);
    assert_int_equal(first.null_cursor_rows, 1);
    assert_string_equal(first.new_watermark, "2026-11-23 10:30:00+00");

    /* After the first run: one new row, and one that committed late with a cursor 10 minutes
     * behind the watermark (inside the 15-minute lookback), and one far older than the lookback. */
    sql("INSERT INTO it.payments (id, updated_at, note) VALUES (10, '2026-11-23 11:00:00+00', 'new'),"
        " (11, '2026-11-23 10:20:00+00', 'late commit'), (12, '2026-11-23 09:00:00+00', 'too old')");
    snprintf(dir, sizeof dir, "%s/inc2", stage_dir);
    request.watermark = first.new_watermark;
    pg_extract_result_t second;
    run_extract(&request, dir, 0, &second);
    /* 10:15 <= cursor: ids 2 (10:30), 10 (11:00), 11 (10:20); plus id 3 whose cursor is NULL. */
    assert_int_equal(second.rows, 4);
    assert_string_equal(second.new_watermark, "2026-11-23 11:00:00+00");
    cells_t cells = {0};
    unsigned chunks;
    assert_int_equal(read_stage(dir, &cells, &chunks), 4);
    bool seen[16] = {0};
    for (size_t r = 0; r < 4; r++)
        seen[strtol(cells.cells[r * second.column_count].text, NULL, 10)] = true;
    assert_true(seen[2] && seen[3] && seen[10] && seen[11]);
    assert_false(seen[12] || seen[1]);
    cells_free(&cells);

    /* Without lookback the late row (10:20 < 10:30) would be missed: the overlap is what saves it. */
    request.lookback_seconds = 0;
    snprintf(dir, sizeof dir, "%s/inc3", stage_dir);
    pg_extract_result_t third;
    run_extract(&request, dir, 0, &third);
    assert_int_equal(third.rows, 3); /* 2, 10 and the NULL-cursor row 3 */
    pg_extract_result_free(&first);
    pg_extract_result_free(&second);
    pg_extract_result_free(&third);
    sql("DELETE FROM it.payments WHERE id >= 10");
}

static void chunks_rotate_without_losing_rows(void **state)
{
    (void)state;
    sql("CREATE TABLE it.many AS SELECT g AS id, md5(g::text) AS payload, now() AS updated_at FROM generate_series(1, "
        "20000) g");
    char dir[300];
    snprintf(dir, sizeof dir, "%s/many", stage_dir);
    pg_extract_request_t request = {.table = "it.many"};
    pg_extract_result_t result;
    run_extract(&request, dir, 64 * 1024, &result);
    assert_int_equal(result.rows, 20000);
    cells_t cells = {0};
    unsigned chunks;
    assert_int_equal(read_stage(dir, &cells, &chunks), 20000);
    assert_true(chunks > 5);
    long long sum = 0;
    for (size_t r = 0; r < 20000; r++)
        sum += strtol(cells.cells[r * 3].text, NULL, 10);
    assert_int_equal(sum, 20000LL * 20001 / 2);
    cells_free(&cells);
    pg_extract_result_free(&result);
}

static void errors_are_clear_and_secret_free(void **state)
{
    (void)state;
    weir_err_t err;
    pg_source_t wrong = source("definitely-not-the-password");
    assert_null(pg_source_connect(&wrong, &err));
    assert_non_null(strstr(err.msg, "password authentication failed"));
    assert_null(strstr(err.msg, "definitely-not-the-password"));

    char dir[300];
    snprintf(dir, sizeof dir, "%s/missing", stage_dir);
    pg_source_t s = source(getenv("WEIR_TEST_PG_PASSWORD"));
    PGconn *conn = pg_source_connect(&s, &err);
    stage_writer_t *writer;
    assert_int_equal(stage_writer_open(dir, 0, 1, &writer, &err), WEIR_OK);
    pg_extract_request_t request = {.table = "it.nope"};
    pg_extract_result_t result;
    assert_int_equal(pg_extract_table(conn, &request, writer, &result, &err), WEIR_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "it\".\"nope"));
    pg_extract_result_free(&result);
    pg_extract_request_t bad_cursor = {.table = "it.payments", .cursor = "no_such_column", .watermark = "x"};
    assert_int_equal(pg_extract_table(conn, &bad_cursor, writer, &result, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no cursor column"));
    pg_extract_result_free(&result);
    stage_writer_abort(writer);
    PQfinish(conn);
}

static void failures_are_classified_by_sqlstate(void **state)
{
    (void)state;
    weir_err_t err;
    PGconn *conn = NULL;
    pg_source_t wrong = source("definitely-not-the-password");
    assert_int_equal(pg_source_open(&wrong, &conn, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "SQLSTATE 28P01"));
    assert_null(strstr(err.msg, "definitely-not-the-password"));
    pg_source_t no_db = source(getenv("WEIR_TEST_PG_PASSWORD"));
    no_db.database = "no_such_database";
    assert_int_equal(pg_source_open(&no_db, &conn, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "SQLSTATE 3D000"));
    pg_source_t closed = source(getenv("WEIR_TEST_PG_PASSWORD"));
    closed.port = 1; /* nothing listens there: worth a retry, not a failure of credentials */
    assert_int_equal(pg_source_open(&closed, &conn, &err), WEIR_ERR_UNAVAILABLE);
    assert_null(conn);
}

static void source_interface_opens_and_describes(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    const source_ops_t *ops = source_for_kind("source_postgres");
    assert_non_null(ops);
    assert_null(source_for_kind("source_nope"));
    assert_int_equal(setenv("WEIR_IT_PG_PASSWORD", getenv("WEIR_TEST_PG_PASSWORD"), 1), 0);
    char spec[1024];
    snprintf(spec, sizeof spec,
             "{\"name\":\"it\",\"host\":\"%s\",\"port\":%s,\"database\":\"%s\",\"user\":\"%s\","
             "\"password_ref\":\"env:WEIR_IT_PG_PASSWORD\",\"sslmode\":\"disable\"}",
             getenv("WEIR_TEST_PG_HOST"), getenv("WEIR_TEST_PG_PORT"), getenv("WEIR_TEST_PG_DB"),
             getenv("WEIR_TEST_PG_USER"));
    source_session_t *session = NULL;
    if (ops->open(spec, NULL, &session, &err) != WEIR_OK)
        fail_msg("open: %s", err.msg);
    source_columns_t columns;
    assert_int_equal(ops->describe(session, "it.payments", &columns, &err), WEIR_OK);
    assert_true(columns.count > 10);
    assert_string_equal(columns.names[0], "id");
    assert_string_equal(columns.types[0], "bigint");
    assert_string_equal(columns.types[3], "numeric(18,4)");
    source_columns_free(&columns);
    assert_int_equal(ops->describe(session, "it.nope", &columns, &err), WEIR_ERR_NOT_FOUND);
    ops->close(session);
    /* A reference that resolves to nothing is refused before any connection is tried. */
    snprintf(spec, sizeof spec,
             "{\"name\":\"it\",\"host\":\"%s\",\"port\":%s,\"database\":\"%s\",\"user\":\"%s\","
             "\"password_ref\":\"env:WEIR_IT_NOT_SET\",\"sslmode\":\"disable\"}",
             getenv("WEIR_TEST_PG_HOST"), getenv("WEIR_TEST_PG_PORT"), getenv("WEIR_TEST_PG_DB"),
             getenv("WEIR_TEST_PG_USER"));
    assert_int_equal(ops->open(spec, NULL, &session, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "WEIR_IT_NOT_SET"));
}

static void tls_verify_full(void **state)
{
    (void)state;
    weir_err_t err;
    pg_source_t s = source(getenv("WEIR_TEST_PG_PASSWORD"));
    s.sslmode = "verify-full";
    s.sslrootcert = getenv("WEIR_TEST_PG_CA");
    PGconn *conn = pg_source_connect(&s, &err);
    if (!conn)
        fail_msg("verify-full with the right CA: %s", err.msg);
    assert_int_equal(PQsslInUse(conn), 1);
    PQfinish(conn);
    /* A CA that did not sign the server certificate must be refused, not ignored. */
    s.sslrootcert = getenv("WEIR_TEST_PG_OTHER_CA");
    assert_null(pg_source_connect(&s, &err));
    assert_non_null(strstr(err.msg, "certificate"));
    s.sslrootcert = getenv("WEIR_TEST_PG_CA");
    s.host = "localhost";
    conn = pg_source_connect(&s, &err);
    if (!conn)
        fail_msg("verify-full by host name: %s", err.msg);
    PQfinish(conn);
}

int main(void)
{
    if (!getenv("WEIR_TEST_PG_PORT")) {
        fprintf(stderr, "run through tests/integration/with_postgres.sh\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_extract_is_exact),
        cmocka_unit_test(incremental_honours_watermark_lookback_and_nulls),
        cmocka_unit_test(chunks_rotate_without_losing_rows),
        cmocka_unit_test(errors_are_clear_and_secret_free),
        cmocka_unit_test(failures_are_classified_by_sqlstate),
        cmocka_unit_test(source_interface_opens_and_describes),
        cmocka_unit_test(tls_verify_full),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
