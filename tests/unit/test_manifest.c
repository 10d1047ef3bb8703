/* test_manifest.c — the staged batch's manifest round-trips, a missing one is NOT_FOUND (the run
 * extracts again) and a damaged one is refused rather than half-read; also the PostgreSQL error
 * classification the source's retries rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileutil.h"
#include "manifest.h"
#include "pg_extract.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/weir-manifest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dir_remove_flat(dir);
    return 0;
}

static void round_trip(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    char *columns[] = {"id", "Amount \"EUR\""}, *types[] = {"bigint", "numeric(18,4)"};
    stage_manifest_t written = {.column_count = 2, .columns = columns, .types = types, .chunks = 3, .rows = 12345};
    assert_int_equal(stage_manifest_write(dir, &written, &err), WEIR_OK);
    stage_manifest_t read;
    assert_int_equal(stage_manifest_read(dir, &read, &err), WEIR_OK);
    assert_int_equal(read.column_count, 2);
    assert_string_equal(read.columns[1], "Amount \"EUR\"");
    assert_string_equal(read.types[1], "numeric(18,4)");
    assert_int_equal(read.chunks, 3);
    assert_int_equal(read.rows, 12345);
    stage_manifest_free(&read);
}

static void missing_and_damaged(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    stage_manifest_t read;
    assert_int_equal(stage_manifest_read(dir, &read, &err), WEIR_ERR_NOT_FOUND);
    char path[400];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    const char *damaged[] = {"{", "[]", "{\"columns\":[\"a\"],\"types\":[],\"chunks\":1,\"rows\":1}",
                             "{\"columns\":[1],\"types\":[\"int\"],\"chunks\":1,\"rows\":1}",
                             "{\"columns\":[],\"types\":[],\"chunks\":-1,\"rows\":1}"};
    for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
        assert_int_equal(file_write_all(path, damaged[i], strlen(damaged[i]), 0600, &err), WEIR_OK);
        assert_int_equal(stage_manifest_read(dir, &read, &err), WEIR_ERR_INVALID);
        assert_non_null(strstr(err.msg, "damaged"));
    }
}

static void sqlstates_are_classified(void **state)
{
    (void)state;
    assert_int_equal(pg_status_for_sqlstate("28P01"), WEIR_ERR_AUTH); /* wrong password */
    assert_int_equal(pg_status_for_sqlstate("28000"), WEIR_ERR_AUTH); /* no pg_hba entry */
    assert_int_equal(pg_status_for_sqlstate("42501"), WEIR_ERR_AUTH); /* no privilege */
    assert_int_equal(pg_status_for_sqlstate("08006"), WEIR_ERR_UNAVAILABLE);
    assert_int_equal(pg_status_for_sqlstate("53300"), WEIR_ERR_UNAVAILABLE); /* too many connections */
    assert_int_equal(pg_status_for_sqlstate("57P01"), WEIR_ERR_UNAVAILABLE); /* admin shutdown */
    assert_int_equal(pg_status_for_sqlstate("40001"), WEIR_ERR_UNAVAILABLE);
    assert_int_equal(pg_status_for_sqlstate("42P01"), WEIR_ERR_INVALID); /* no such table */
    assert_int_equal(pg_status_for_sqlstate("3D000"), WEIR_ERR_INVALID); /* no such database */
    assert_int_equal(pg_status_for_sqlstate("XX000"), WEIR_ERR_IO);
    assert_int_equal(pg_status_for_sqlstate(NULL), WEIR_ERR_UNAVAILABLE);
    assert_int_equal(pg_status_for_sqlstate("28"), WEIR_ERR_UNAVAILABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_and_damaged, setup, teardown),
        cmocka_unit_test(sqlstates_are_classified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
