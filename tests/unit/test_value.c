/* test_value.c — the value tree and its JSON codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "value_json.h"

static void json_round_trip(void **state)
{
    (void)state;
    const char *text = "{\"b\":[1,2.5,\"x\"],\"a\":null,\"t\":true,\"s\":\"tab\\there\"}";
    weir_err_t err;
    wv_t *value = wv_from_json(text, strlen(text), &err);
    assert_non_null(value);
    char *shown = render(value);
    assert_string_equal(shown, "{\"b\":[1,2.5,\"x\"],\"a\":null,\"t\":true,\"s\":\"tab\there\"}");
    free(shown);
    char *back = wv_to_json(value);
    assert_string_equal(back, text);
    free(back);
    wv_t *copy = wv_clone(value);
    assert_true(wv_equal(value, copy));
    wv_map_del(copy, "a");
    assert_false(wv_equal(value, copy));
    wv_free(copy);
    wv_free(value);
}

static void json_rejects_bad_input(void **state)
{
    (void)state;
    const char *bad[] = {"{", "{\"a\":1,\"a\":2}", "[1,]", "nul"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        weir_err_t err = {{0}};
        assert_null(wv_from_json(bad[i], strlen(bad[i]), &err));
        assert_true(err.msg[0] != 0);
    }
    char deep[200];
    memset(deep, '[', sizeof deep);
    weir_err_t err;
    assert_null(wv_from_json(deep, sizeof deep, &err));
}

static void numbers_are_canonical(void **state)
{
    (void)state;
    wv_t *a = wv_number_text("5432");
    wv_t *b = wv_number_double(5432.0);
    wv_t *c = wv_number_text("0.05");
    wv_t *d = wv_number_double(0.05);
    assert_true(wv_equal(a, b));
    assert_true(wv_equal(c, d));
    assert_null(wv_number_text("12abc"));
    assert_null(wv_number_text(""));
    int64_t i;
    assert_true(wv_number_as_i64(a, &i));
    assert_int_equal(i, 5432);
    wv_free(a);
    wv_free(b);
    wv_free(c);
    wv_free(d);
}

static void unknown_blocks_json(void **state)
{
    (void)state;
    wv_t *map = wv_map();
    assert_int_equal(wv_map_set(map, "x", wv_unknown()), WEIR_OK);
    assert_null(wv_to_json(map));
    wv_free(map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(json_rejects_bad_input),
        cmocka_unit_test(numbers_are_canonical),
        cmocka_unit_test(unknown_blocks_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
