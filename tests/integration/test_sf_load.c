/* test_sf_load.c — PostgreSQL → stage → Snowflake SQL (fakesnow behind the SQL API adapter):
 * the first load creates the table and equals the source, a repeated batch changes nothing, updates
 * merge and older versions never overwrite newer ones, new source columns are added by policy, and an
 * agent that seals its stage refuses a plain chunk before a row of it reaches Snowflake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ident.h"
#include "fileutil.h"
#include "pg_extract.h"
#include "sealer.h"
#include "sf_load.h"

static PGconn *pg;
static sf_client_t *sf;
static char stage_root[256];
static int batch_number;

static void pg_sql(const char *statement)
{
    PGresult *res = PQexec(pg, statement);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", statement, PQerrorMessage(pg));
    PQclear(res);
}

static sf_result_t sf_query(const char *statement)
{
    sf_result_t result;
    weir_err_t err;
    if (sf_execute(sf, statement, &result, &err) != WEIR_OK)
        fail_msg("%s: %s", statement, err.msg);
    return result;
}

static pg_source_t source(void)
{
    return (pg_source_t){.host = getenv("WEIR_TEST_PG_HOST"),
                         .port = (int)strtol(getenv("WEIR_TEST_PG_PORT"), NULL, 10),
                         .database = getenv("WEIR_TEST_PG_DB"),
                         .user = getenv("WEIR_TEST_PG_USER"),
                         .password = getenv("WEIR_TEST_PG_PASSWORD"),
                         .sslmode = "disable"};
}

static int setup(void **state)
{
    (void)state;
    weir_err_t err;
    pg_source_t s = source();
    pg = pg_source_connect(&s, &err);
    if (!pg)
        return -1;
    pg_sql("DROP SCHEMA IF EXISTS shop CASCADE");
    pg_sql("CREATE SCHEMA shop");
    pg_sql("CREATE TABLE shop.orders (id bigint PRIMARY KEY, amount numeric(18,4), note text, doc jsonb,"
           " paid boolean, day date, big numeric, updated_at timestamptz)");
    pg_sql("INSERT INTO shop.orders VALUES"
           " (1, 10.5, E'tab\\there\\nline \\\\ back ''quote'' \"dq\"', '{\"a\": [1, 2]}', true, '2026-11-01',"
           "  12345678901234567890123456789.123456789, '2026-11-23 10:00:00+00'),"
           " (2, NULL, '', NULL, false, NULL, NULL, '2026-11-23 10:05:00+00'),"
           " (3, -0.0001, NULL, '[]', NULL, '2026-01-31', NULL, '2026-11-23 10:10:00+00'),"
           " (4, 99999999999999.9999, 'ünïcødé ✓', '{\"k\": \"v\"}', true, '1999-12-31', 0, '2026-11-23 10:15:00+00')");
    char path[512];
    snprintf(path, sizeof path, "%s/snowflake/test_rsa_key.p8", getenv("WEIR_VECTORS"));
    char *pem = file_read_all(path, 1 << 16, &err);
    static sf_keypair_t *keypair;
    if (!pem || sf_keypair_load(pem, &keypair, &err) != WEIR_OK)
        return -1;
    free(pem);
    sf_config_t config = {.base_url = getenv("WEIR_TEST_SF_URL"),
                          .account = "myorg-analytics",
                          .user = "weir_loader",
                          .database = "RAW",
                          .schema = "SHOP",
                          .keypair = keypair,
                          .max_attempts = 2,
                          .backoff_base_ms = 10};
    if (sf_client_new(&config, &sf, &err) != WEIR_OK)
        return -1;
    sf_result_t r = sf_query("CREATE DATABASE IF NOT EXISTS \"RAW\"");
    sf_result_free(&r);
    r = sf_query("CREATE SCHEMA IF NOT EXISTS \"RAW\".\"SHOP\"");
    sf_result_free(&r);
    snprintf(stage_root, sizeof stage_root, "%s/weir-load-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(stage_root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    PQfinish(pg);
    sf_client_free(sf);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", stage_root);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct {
    char dir[300];
    unsigned chunks;
    pg_extract_result_t extract;
    char targets[16][IDENT_SIZE]; /* destination names, as the runner's column plan gives them */
    const char *target_names[16];
} batch_t;

/* Extracts shop.orders past `watermark` (NULL: all of it, as a full refresh reads). */
static void extract(const char *watermark, batch_t *batch)
{
    weir_err_t err;
    snprintf(batch->dir, sizeof batch->dir, "%s/batch%d", stage_root, batch_number++);
    pg_source_t s = source();
    PGconn *conn = pg_source_connect(&s, &err);
    assert_non_null(conn);
    stage_writer_t *writer;
    assert_int_equal(stage_writer_open(batch->dir, 0, 1, &writer, &err), WEIR_OK);
    pg_extract_request_t request = {
        .table = "shop.orders", .cursor = "updated_at", .watermark = watermark, .lookback_seconds = 0};
    if (pg_extract_table(conn, &request, writer, &batch->extract, &err) != WEIR_OK)
        fail_msg("extract: %s", err.msg);
    stage_stats_t stats;
    assert_int_equal(stage_writer_close(writer, &stats, &err), WEIR_OK);
    batch->chunks = stats.chunks;
    assert_true(batch->extract.column_count <= 16);
    for (size_t i = 0; i < batch->extract.column_count; i++) {
        ident_target_name(NAMING_UPPER, batch->extract.column_names[i], batch->targets[i]);
        batch->target_names[i] = batch->targets[i];
    }
    PQfinish(conn);
}

static weir_status_t load_sealed(const batch_t *batch, const char *run_id, bool add_columns, const sealer_t *sealer,
                                 sf_load_result_t *result, weir_err_t *err)
{
    static const char *const key[] = {"ID"};
    sf_load_request_t request = {.database = "RAW",
                                 .schema = "SHOP",
                                 .table = "ORDERS",
                                 .column_count = batch->extract.column_count,
                                 .columns = batch->target_names,
                                 .pg_types = (const char *const *)batch->extract.column_types,
                                 .key_count = 1,
                                 .primary_key = key,
                                 .cursor = "UPDATED_AT",
                                 .add_columns = add_columns,
                                 .run_id = run_id,
                                 .stage_dir = batch->dir,
                                 .chunk_count = batch->chunks,
                                 .stage_sealer = sealer};
    return sf_load_batch(sf, &request, result, err);
}

static weir_status_t load(const batch_t *batch, const char *run_id, bool add_columns, sf_load_result_t *result,
                          weir_err_t *err)
{
    return load_sealed(batch, run_id, add_columns, NULL, result, err);
}

static char *target_dump(void)
{
    sf_result_t r = sf_query("SELECT \"ID\", \"AMOUNT\", \"NOTE\", \"PAID\", \"BIG\", \"DAY\" FROM "
                             "\"RAW\".\"SHOP\".\"ORDERS\" ORDER BY \"ID\"");
    weir_buf_t out;
    buf_init(&out, 1 << 20);
    for (size_t row = 0; row < sf_result_row_count(&r); row++) {
        for (size_t col = 0; col < 6; col++) {
            const char *v = sf_result_text(&r, row, col);
            if (buf_printf(&out, "%s%s", col ? "|" : "", v ? v : "<null>") != WEIR_OK)
                fail();
        }
        if (buf_putc(&out, '\n') != WEIR_OK)
            fail();
    }
    sf_result_free(&r);
    return buf_steal(&out);
}

static void first_load_creates_and_equals_source(void **state)
{
    (void)state;
    batch_t batch;
    extract(NULL, &batch);
    sf_load_result_t result;
    weir_err_t err;
    if (load(&batch, "run-1", true, &result, &err) != WEIR_OK)
        fail_msg("load: %s", err.msg);
    assert_true(result.created_table);
    assert_int_equal(result.staged_rows, 4);
    assert_int_equal(result.inserted, 4);
    char *dump = target_dump();
    const char *want = "1|10.5000|tab\there\nline \\ back 'quote' "
                       "\"dq\"|true|12345678901234567890123456789.123456789|2026-11-01\n"
                       "2|<null>||false|<null>|<null>\n"
                       "3|-0.0001|<null>|<null>|<null>|2026-01-31\n"
                       "4|99999999999999.9999|ünïcødé ✓|true|0.000000000|1999-12-31\n";
    assert_string_equal(dump, want);
    free(dump);
    sf_result_t types = sf_query("SELECT COLUMN_NAME, DATA_TYPE FROM \"RAW\".INFORMATION_SCHEMA.COLUMNS "
                                 "WHERE TABLE_SCHEMA = 'SHOP' AND TABLE_NAME = 'ORDERS' ORDER BY ORDINAL_POSITION");
    assert_int_equal(sf_result_row_count(&types), 10);
    assert_string_equal(sf_result_text(&types, 3, 1), "VARIANT");
    assert_string_equal(sf_result_text(&types, 8, 0), "_WEIR_RUN_ID");
    sf_result_free(&types);

    /* The same batch again (a retry after a crash): nothing new, nothing lost, no duplicates. */
    if (load(&batch, "run-1", true, &result, &err) != WEIR_OK)
        fail_msg("reload: %s", err.msg);
    assert_int_equal(result.inserted, 0);
    dump = target_dump();
    assert_string_equal(dump, want);
    free(dump);
    sf_result_t count = sf_query("SELECT COUNT(*), COUNT(DISTINCT \"ID\") FROM \"RAW\".\"SHOP\".\"ORDERS\"");
    assert_string_equal(sf_result_text(&count, 0, 0), "4");
    assert_string_equal(sf_result_text(&count, 0, 1), "4");
    sf_result_free(&count);
    pg_extract_result_free(&batch.extract);
}

static void updates_merge_and_old_versions_lose(void **state)
{
    (void)state;
    batch_t old;
    extract(NULL, &old);
    pg_sql("UPDATE shop.orders SET note = 'changed', updated_at = '2026-11-23 11:00:00+00' WHERE id = 2");
    pg_sql("INSERT INTO shop.orders (id, amount, note, updated_at) VALUES (5, 1, 'new', '2026-11-23 11:05:00+00')");
    batch_t fresh;
    extract("2026-11-23 10:15:00+00", &fresh);
    assert_int_equal(fresh.extract.rows, 3); /* 4 (at the watermark), 2 (updated), 5 (new) */
    sf_load_result_t result;
    weir_err_t err;
    if (load(&fresh, "run-2", true, &result, &err) != WEIR_OK)
        fail_msg("load: %s", err.msg);
    assert_int_equal(result.inserted, 1);
    assert_int_equal(result.updated, 2);
    /* A late retry of the older batch must not roll row 2 back. */
    if (load(&old, "run-1", true, &result, &err) != WEIR_OK)
        fail_msg("late load: %s", err.msg);
    sf_result_t r = sf_query("SELECT \"NOTE\", \"_WEIR_RUN_ID\" FROM \"RAW\".\"SHOP\".\"ORDERS\" WHERE \"ID\" = 2");
    assert_string_equal(sf_result_text(&r, 0, 0), "changed");
    assert_string_equal(sf_result_text(&r, 0, 1), "run-2");
    sf_result_free(&r);
    pg_extract_result_free(&old.extract);
    pg_extract_result_free(&fresh.extract);
}

static void new_source_columns_follow_the_policy(void **state)
{
    (void)state;
    pg_sql("ALTER TABLE shop.orders ADD COLUMN channel text");
    pg_sql("UPDATE shop.orders SET channel = 'web', updated_at = '2026-11-23 12:00:00+00' WHERE id = 1");
    batch_t batch;
    extract("2026-11-23 11:05:00+00", &batch);
    sf_load_result_t result;
    weir_err_t err;
    assert_int_equal(load(&batch, "run-3", false, &result, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "CHANNEL"));
    assert_non_null(strstr(err.msg, "schema_evolution"));
    if (load(&batch, "run-3", true, &result, &err) != WEIR_OK)
        fail_msg("load: %s", err.msg);
    assert_int_equal(result.columns_added, 1);
    sf_result_t r = sf_query("SELECT \"CHANNEL\" FROM \"RAW\".\"SHOP\".\"ORDERS\" WHERE \"ID\" = 1");
    assert_string_equal(sf_result_text(&r, 0, 0), "web");
    sf_result_free(&r);
    pg_extract_result_free(&batch.extract);
}

static void full_refresh_replaces_rows_deleted_at_the_source(void **state)
{
    (void)state;
    pg_sql("DELETE FROM shop.orders WHERE id IN (3, 5)");
    pg_sql("UPDATE shop.orders SET note = 'refreshed' WHERE id = 4");
    batch_t batch;
    extract(NULL, &batch);
    static const char *const key[] = {"ID"};
    sf_load_request_t request = {.database = "RAW",
                                 .schema = "SHOP",
                                 .table = "ORDERS",
                                 .column_count = batch.extract.column_count,
                                 .columns = batch.target_names,
                                 .pg_types = (const char *const *)batch.extract.column_types,
                                 .key_count = 1,
                                 .primary_key = key,
                                 .cursor = NULL,
                                 .add_columns = true,
                                 .replace_all = true,
                                 .run_id = "run-full",
                                 .stage_dir = batch.dir,
                                 .chunk_count = batch.chunks};
    sf_load_result_t result;
    weir_err_t err;
    if (sf_load_batch(sf, &request, &result, &err) != WEIR_OK)
        fail_msg("full refresh: %s", err.msg);
    assert_int_equal(result.deleted, 2);
    assert_int_equal(result.inserted, 3);
    sf_result_t r =
        sf_query("SELECT \"ID\", \"NOTE\", \"_WEIR_RUN_ID\" FROM \"RAW\".\"SHOP\".\"ORDERS\" ORDER BY \"ID\"");
    assert_int_equal(sf_result_row_count(&r), 3);
    assert_string_equal(sf_result_text(&r, 0, 0), "1");
    assert_string_equal(sf_result_text(&r, 1, 0), "2");
    assert_string_equal(sf_result_text(&r, 2, 0), "4");
    assert_string_equal(sf_result_text(&r, 2, 1), "refreshed");
    assert_string_equal(sf_result_text(&r, 2, 2), "run-full");
    sf_result_free(&r);
    /* Repeating the refresh (a retry after a crash) leaves the same rows. */
    if (sf_load_batch(sf, &request, &result, &err) != WEIR_OK)
        fail_msg("repeated full refresh: %s", err.msg);
    assert_int_equal(result.deleted, 0);
    r = sf_query("SELECT COUNT(*) FROM \"RAW\".\"SHOP\".\"ORDERS\"");
    assert_string_equal(sf_result_text(&r, 0, 0), "3");
    sf_result_free(&r);
    pg_extract_result_free(&batch.extract);
}

/* A batch staged in plain (or a plain file put in a chunk's place) while the agent seals its stage:
 * the inline load refuses it naming the chunk, and the target is left as it was. */
static void plain_chunks_are_refused_when_the_stage_is_sealed(void **state)
{
    (void)state;
    char key_path[300], chunk[500];
    snprintf(key_path, sizeof key_path, "%s/secrets.key", stage_root);
    sealer_t *sealer = NULL;
    weir_err_t err;
    assert_int_equal(sealer_from_new_key_file(key_path, &sealer, &err), WEIR_OK);
    pg_sql("UPDATE shop.orders SET note = 'not yet', updated_at = '2026-11-23 12:10:00+00' WHERE id = 2");
    batch_t batch;
    extract("2026-11-23 12:05:00+00", &batch);
    assert_true(batch.chunks >= 1);
    char *before = target_dump();
    sf_load_result_t result;
    assert_int_equal(load_sealed(&batch, "run-sealed", true, sealer, &result, &err), WEIR_ERR_AUTH);
    snprintf(chunk, sizeof chunk, "stage: %s/00000.csv.zst is not sealed but the stage is configured to seal chunks",
             batch.dir);
    if (!strstr(err.msg, chunk))
        fail_msg("unexpected error: %s", err.msg);
    char *after = target_dump();
    assert_string_equal(after, before);
    free(after);
    free(before);
    pg_extract_result_free(&batch.extract);
    sealer_free(sealer);
}

static void widenings_apply_and_scale_changes_are_refused(void **state)
{
    (void)state;
    pg_sql("ALTER TABLE shop.orders ALTER COLUMN amount TYPE numeric(24,4)");
    pg_sql("UPDATE shop.orders SET amount = 12345678901234567890.1234, updated_at = '2026-11-23 13:00:00+00' WHERE id "
           "= 1");
    batch_t batch;
    extract("2026-11-23 12:30:00+00", &batch);
    sf_load_result_t result;
    weir_err_t err;
    if (load(&batch, "run-4", true, &result, &err) != WEIR_OK)
        fail_msg("load: %s", err.msg);
    assert_int_equal(result.columns_widened, 1);
    sf_result_t r = sf_query("SELECT CAST(\"AMOUNT\" AS VARCHAR) FROM \"RAW\".\"SHOP\".\"ORDERS\" WHERE \"ID\" = 1");
    assert_string_equal(sf_result_text(&r, 0, 0), "12345678901234567890.1234");
    sf_result_free(&r);
    pg_extract_result_free(&batch.extract);

    pg_sql("ALTER TABLE shop.orders ALTER COLUMN amount TYPE numeric(24,2)");
    pg_sql("UPDATE shop.orders SET updated_at = '2026-11-23 14:00:00+00' WHERE id = 1");
    extract("2026-11-23 13:30:00+00", &batch);
    assert_int_equal(load(&batch, "run-5", true, &result, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "AMOUNT"));
    assert_non_null(strstr(err.msg, "scale 4"));
    pg_extract_result_free(&batch.extract);
}

int main(void)
{
    if (!getenv("WEIR_TEST_PG_PORT") || !getenv("WEIR_TEST_SF_URL")) {
        fprintf(stderr, "run through with_postgres.sh and with_snowflake.sh\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_load_creates_and_equals_source),
        cmocka_unit_test(updates_merge_and_old_versions_lose),
        cmocka_unit_test(new_source_columns_follow_the_policy),
        cmocka_unit_test(full_refresh_replaces_rows_deleted_at_the_source),
        cmocka_unit_test(plain_chunks_are_refused_when_the_stage_is_sealed),
        cmocka_unit_test(widenings_apply_and_scale_changes_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
