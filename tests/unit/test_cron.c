/* test_cron.c — cron parsing from the vectors file, and the bits it sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cron.h"
#include "vectors.h"

static void check(const char *input, const char *expected, void *ctx)
{
    (void)ctx;
    cron_t cron;
    char why[256] = "";
    bool ok = cron_parse(input, &cron, why, sizeof why);
    if (ok != (strcmp(expected, "ok") == 0))
        fail_msg("cron \"%s\": expected %s (%s)", input, expected, why);
    if (!ok)
        assert_true(why[0] != 0);
}

static void vectors(void **state)
{
    (void)state;
    assert_true(vectors_each("cron.txt", check, NULL) >= 20);
}

static void bits(void **state)
{
    (void)state;
    cron_t cron;
    char why[256];
    assert_true(cron_parse("*/15 3 * * mon-fri", &cron, why, sizeof why));
    assert_int_equal(cron.minutes, (1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45));
    assert_int_equal(cron.hours, 1u << 3);
    assert_int_equal(cron.wdays, 0x3e);
    assert_true(cron.mday_any);
    assert_false(cron.wday_any);
    assert_true(cron_parse("0 0 * * 7", &cron, why, sizeof why));
    assert_int_equal(cron.wdays, 1);
}

static void matching(void **state)
{
    (void)state;
    cron_t cron;
    char why[256];
    assert_true(cron_parse("@hourly", &cron, why, sizeof why));
    assert_true(cron_matches(&cron, 0, 13, 23, 11, 1));
    assert_false(cron_matches(&cron, 1, 13, 23, 11, 1));
    assert_true(cron_parse("30 2 * * mon-fri", &cron, why, sizeof why));
    assert_true(cron_matches(&cron, 30, 2, 23, 11, 1));  /* Monday */
    assert_false(cron_matches(&cron, 30, 2, 22, 11, 0)); /* Sunday */
    /* Both day fields restricted: either one matching is enough. */
    assert_true(cron_parse("0 0 1 * mon", &cron, why, sizeof why));
    assert_true(cron_matches(&cron, 0, 0, 1, 12, 2));
    assert_true(cron_matches(&cron, 0, 0, 23, 11, 1));
    assert_false(cron_matches(&cron, 0, 0, 24, 11, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(vectors), cmocka_unit_test(bits), cmocka_unit_test(matching)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
