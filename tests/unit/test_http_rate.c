/* test_http_rate.c — the HTTP source's pacing and cursor arithmetic: the token bucket, backoff with
 * Retry-After, watermark → query parameter per cursor type, the largest cursor, and the columns a
 * batch gets from declared blocks and the first page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http_cursor.h"
#include "http_rate.h"
#include "http_rows.h"

static void the_bucket_allows_its_rate_and_then_waits(void **state)
{
    (void)state;
    http_bucket_t bucket;
    http_bucket_init(&bucket, 4, 100.0);
    for (int i = 0; i < 4; i++)
        assert_true(http_bucket_take(&bucket, 100.0) == 0);
    double wait = http_bucket_take(&bucket, 100.0);
    assert_true(wait > 0.24 && wait < 0.26); /* one token every quarter second */
    assert_true(http_bucket_take(&bucket, 100.25) == 0);
    /* A slow source (below 1/s) still lets one request through, then spaces them. */
    http_bucket_init(&bucket, 0.5, 0);
    assert_true(http_bucket_take(&bucket, 0) == 0);
    assert_true(http_bucket_take(&bucket, 0) > 1.9);
}

static void backoff_is_jittered_and_gives_way_to_retry_after(void **state)
{
    (void)state;
    assert_int_equal(http_retry_after_seconds("3", 120), 3);
    assert_int_equal(http_retry_after_seconds("86400", 120), 120);
    assert_int_equal(http_retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT", 120), -1);
    assert_int_equal(http_retry_after_seconds("", 120), -1);
    assert_int_equal(http_backoff_ms(2, 3, 0.5), 3000);
    long low = http_backoff_ms(2, -1, 0.0), high = http_backoff_ms(2, -1, 0.999);
    assert_true(low >= 50 && high <= 500 && low < high);
    assert_true(http_backoff_ms(20, -1, 0.999) <= 30000); /* capped */
    assert_true(http_backoff_ms(4, -1, 0.999) > http_backoff_ms(3, -1, 0.999));
}

static void watermarks_become_parameters_by_cursor_type(void **state)
{
    (void)state;
    char out[64];
    assert_true(http_cursor_param(HTTP_CURSOR_UNIX, "1714557600", 900, out, sizeof out));
    assert_string_equal(out, "1714556700");
    assert_true(http_cursor_param(HTTP_CURSOR_UNIX, "2024-05-01T10:00:00Z", 0, out, sizeof out));
    assert_string_equal(out, "1714557600");
    assert_true(http_cursor_param(HTTP_CURSOR_TIMESTAMP, "2024-05-01T10:00:00Z", 3600, out, sizeof out));
    assert_string_equal(out, "2024-05-01T09:00:00Z");
    assert_true(http_cursor_param(HTTP_CURSOR_INTEGER, "42", 900, out, sizeof out));
    assert_string_equal(out, "42");
    assert_false(http_cursor_param(HTTP_CURSOR_INTEGER, "2024-05-01", 0, out, sizeof out));
    assert_false(http_cursor_param(HTTP_CURSOR_UNIX, "yesterday", 0, out, sizeof out));
}

static void the_largest_cursor_is_kept_as_its_text(void **state)
{
    (void)state;
    http_cursor_max_t max = {.type = HTTP_CURSOR_UNIX};
    json_t *a = json_integer(1700000100), *b = json_integer(1700000050), *s = json_string("1700009999");
    assert_true(http_cursor_offer(&max, a));
    assert_true(http_cursor_offer(&max, b));
    assert_false(http_cursor_offer(&max, s)); /* a string is not Unix seconds */
    assert_string_equal(max.text, "1700000100");
    http_cursor_max_t stamp = {.type = HTTP_CURSOR_TIMESTAMP};
    json_t *t1 = json_string("2024-05-01T10:00:00Z"), *t2 = json_string("2024-05-01T09:00:00+02:00");
    assert_true(http_cursor_offer(&stamp, t2));
    assert_true(http_cursor_offer(&stamp, t1));
    assert_string_equal(stamp.text, "2024-05-01T10:00:00Z");
    json_decref(a);
    json_decref(b);
    json_decref(s);
    json_decref(t1);
    json_decref(t2);
    char text[64];
    http_format_timestamptz(1714557600.25, text, sizeof text);
    assert_string_equal(text, "2024-05-01 10:00:00.250000+00");
}

/* Integer cursors (ids, sequence numbers) are compared as 64-bit integers: as doubles, values past
 * 2^53 round together and the watermark would stay behind (or move past) the largest one. */
static void integer_cursors_past_2_to_the_53_are_ordered_exactly(void **state)
{
    (void)state;
    http_cursor_max_t max = {.type = HTTP_CURSOR_INTEGER};
    const json_int_t offers[] = {9007199254740992LL,
                                 9007199254740993LL,
                                 9007199254740995LL,
                                 9007199254740994LL,
                                 9223372036854775806LL,
                                 9223372036854775807LL,
                                 -5};
    const char *const largest[] = {"9007199254740992",   "9007199254740993",    "9007199254740995",
                                   "9007199254740995",   "9223372036854775806", "9223372036854775807",
                                   "9223372036854775807"};
    for (size_t i = 0; i < sizeof offers / sizeof offers[0]; i++) {
        json_t *value = json_integer(offers[i]);
        assert_true(http_cursor_offer(&max, value));
        assert_string_equal(max.text, largest[i]);
        json_decref(value);
    }
    http_cursor_max_t unix_max = {.type = HTTP_CURSOR_UNIX};
    json_t *later = json_integer(9007199254740993LL), *earlier = json_integer(9007199254740992LL);
    assert_true(http_cursor_offer(&unix_max, earlier));
    assert_true(http_cursor_offer(&unix_max, later));
    assert_string_equal(unix_max.text, "9007199254740993");
    json_decref(later);
    json_decref(earlier);
}

static void columns_come_from_blocks_keys_cursor_and_the_first_page(void **state)
{
    (void)state;
    char *key[] = {"id"};
    http_column_t declared[] = {{.pointer = "/customer/id", .name = "customer_id", .type = "text"}};
    http_resource_t resource = {.name = "charges",
                                .primary_key = key,
                                .key_count = 1,
                                .cursor = "/created",
                                .cursor_type = HTTP_CURSOR_UNIX,
                                .keep_raw = true,
                                .columns = declared,
                                .column_count = 1};
    json_t *records = json_loads("[{\"id\":\"ch_1\",\"amount\":null,\"paid\":true,\"meta\":{\"a\":1}},"
                                 "{\"id\":\"ch_2\",\"amount\":12.5,\"created\":1700000000}]",
                                 0, NULL);
    http_columns_t columns;
    weir_err_t err = {{0}};
    assert_int_equal(http_columns_plan(&resource, records, &columns, &err), WEIR_OK);
    const char *names[] = {"customer_id", "id", "created", "amount", "paid", "meta", "_raw"};
    const char *types[] = {"text", "text", "bigint", "numeric", "boolean", "jsonb", "jsonb"};
    assert_int_equal(columns.count, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(columns.names[i], names[i]);
        assert_string_equal(columns.types[i], types[i]);
    }
    assert_null(columns.pointers[6]); /* _raw is the whole record */
    http_columns_free(&columns);
    json_decref(records);
    /* An empty first page still names the key and cursor columns. */
    assert_int_equal(http_columns_plan(&resource, NULL, &columns, &err), WEIR_OK);
    assert_int_equal(columns.count, 4);
    http_columns_free(&columns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_bucket_allows_its_rate_and_then_waits),
        cmocka_unit_test(backoff_is_jittered_and_gives_way_to_retry_after),
        cmocka_unit_test(watermarks_become_parameters_by_cursor_type),
        cmocka_unit_test(the_largest_cursor_is_kept_as_its_text),
        cmocka_unit_test(integer_cursors_past_2_to_the_53_are_ordered_exactly),
        cmocka_unit_test(columns_come_from_blocks_keys_cursor_and_the_first_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
