/* test_cursor_range.c — backfill ranges: the three forms, chunk bounds that tile [from, to) exactly,
 * and errors that name the attribute at fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cursor_range.h"

static void integers_split_with_a_short_last_chunk(void **state)
{
    (void)state;
    cursor_range_t range;
    const char *bad = NULL;
    char why[320], bound[64];
    assert_true(cursor_range_parse("-5", "20", "10", &range, &bad, why, sizeof why));
    assert_int_equal(range.kind, CURSOR_RANGE_INTEGER);
    assert_int_equal(cursor_range_chunk_count(&range), 3);
    const char *expected[] = {"-5", "5", "15", "20"};
    for (int i = 0; i <= 3; i++) {
        cursor_range_bound(&range, i, bound, sizeof bound);
        assert_string_equal(bound, expected[i]);
    }
}

static void timestamps_honour_offsets_and_print_utc(void **state)
{
    (void)state;
    cursor_range_t range;
    const char *bad = NULL;
    char why[320], bound[64];
    assert_true(
        cursor_range_parse("2024-02-28T22:00:00-02:00", "2024-03-01T12:30:00Z", "6h", &range, &bad, why, sizeof why));
    assert_int_equal(range.kind, CURSOR_RANGE_TIMESTAMP);
    cursor_range_bound(&range, 0, bound, sizeof bound);
    assert_string_equal(bound, "2024-02-29T00:00:00Z"); /* leap day, offset applied */
    assert_int_equal(cursor_range_chunk_count(&range), 7);
    cursor_range_bound(&range, 6, bound, sizeof bound);
    assert_string_equal(bound, "2024-03-01T12:00:00Z");
    cursor_range_bound(&range, 7, bound, sizeof bound);
    assert_string_equal(bound, "2024-03-01T12:30:00Z");
}

static void dates_split_by_whole_days(void **state)
{
    (void)state;
    cursor_range_t range;
    const char *bad = NULL;
    char why[320], bound[64];
    assert_true(cursor_range_parse("2023-12-30", "2024-01-06", "2d", &range, &bad, why, sizeof why));
    assert_int_equal(range.kind, CURSOR_RANGE_DATE);
    assert_int_equal(cursor_range_chunk_count(&range), 4);
    cursor_range_bound(&range, 2, bound, sizeof bound);
    assert_string_equal(bound, "2024-01-03");
    cursor_range_bound(&range, 4, bound, sizeof bound);
    assert_string_equal(bound, "2024-01-06");
}

static void expect_error(const char *from, const char *to, const char *chunk, const char *attr, const char *words)
{
    cursor_range_t range;
    const char *bad = NULL;
    char why[320];
    assert_false(cursor_range_parse(from, to, chunk, &range, &bad, why, sizeof why));
    assert_string_equal(bad, attr);
    if (!strstr(why, words))
        fail_msg("\"%s\" does not say \"%s\"", why, words);
}

static void errors_name_the_attribute(void **state)
{
    (void)state;
    expect_error("yesterday", "2024-01-01", "1d", "from", "neither an integer");
    expect_error("2024-01-01", "2024-01-01T00:00:00Z", "1d", "to", "date");
    expect_error("2024-01-01T00:00:00", "2024-01-02T00:00:00Z", "1h", "from", "neither"); /* no zone */
    expect_error("2024-02-30", "2024-03-02", "1d", "from", "neither");
    expect_error("1", "x", "1", "to", "integer");
    expect_error("1", "100", "1h", "chunk", "positive integer");
    expect_error("2024-01-01", "2024-01-05", "12h", "chunk", "whole days");
    expect_error("2024-01-05", "2024-01-01", "1d", "to", "empty");
    expect_error("0", "1000000000", "1", "chunk", "more than");
    expect_error("-9223372036854775807", "9223372036854775807", "1", "chunk", "more than");
    expect_error("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "0s", "chunk", "duration");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_split_with_a_short_last_chunk),
        cmocka_unit_test(timestamps_honour_offsets_and_print_utc),
        cmocka_unit_test(dates_split_by_whole_days),
        cmocka_unit_test(errors_name_the_attribute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
