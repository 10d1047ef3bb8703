/* test_msgpack.c — the msgpack codec: decoder vectors, encoder forms, round trips, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tfp_msgpack.h"
#include "render.h"
#include "vectors.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap, int *odd)
{
    size_t n = 0;
    int digits = 0;
    unsigned byte = 0;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ')
            continue;
        unsigned v = (unsigned)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
        byte = byte * 16 + v;
        if (++digits % 2 == 0 && n < cap) {
            out[n++] = (uint8_t)byte;
            byte = 0;
        }
    }
    *odd = digits % 2;
    return n;
}

static void check_vector(const char *input, const char *expected, void *ctx)
{
    (void)ctx;
    uint8_t bytes[512];
    int odd;
    size_t len = unhex(input, bytes, sizeof bytes, &odd);
    weir_err_t err = {{0}};
    /* An odd digit count stands for a truncated final byte: decode what is whole. */
    wv_t *value = tfp_msgpack_decode(bytes, len, &err);
    if (strcmp(expected, "ERROR") == 0) {
        if (value)
            fail_msg("vector %s: expected an error, got %s", input, render(value));
        assert_true(err.msg[0] != 0);
        return;
    }
    if (!value)
        fail_msg("vector %s: %s", input, err.msg);
    char *text = render(value);
    if (strcmp(text, expected) != 0)
        fail_msg("vector %s: expected %s, got %s", input, expected, text);
    free(text);
    wv_free(value);
}

static void decoder_vectors(void **state)
{
    (void)state;
    assert_true(vectors_each("msgpack/decode.txt", check_vector, NULL) > 30);
}

static void encode_hex(const wv_t *value, char *out)
{
    weir_buf_t buf;
    buf_init(&buf, 1 << 20);
    assert_int_equal(tfp_msgpack_encode(value, &buf), WEIR_OK);
    for (size_t i = 0; i < buf.len; i++)
        snprintf(out + 2 * i, 3, "%02x", buf.data[i]);
    buf_free(&buf);
}

static void encoder_forms(void **state)
{
    (void)state;
    char hex[256];
    struct {
        wv_t *value;
        const char *hex;
    } cases[] = {
        {wv_null(), "c0"},
        {wv_unknown(), "d40000"},
        {wv_bool(true), "c3"},
        {wv_number_i64(5), "05"},
        {wv_number_i64(-5), "fb"},
        {wv_number_i64(300), "cd012c"},
        {wv_number_i64(-300), "d1fed4"},
        {wv_number_i64(70000), "ce00011170"},
        {wv_number_i64(INT64_MIN), "d38000000000000000"},
        {wv_number_text("0.1"), "cb3fb999999999999a"},
        /* Too many digits for a float64: sent as decimal text, as OpenTofu does. */
        {wv_number_text("123456789012345678901234567890"),
         "be313233343536373839303132333435363738393031323334353637383930"},
        {wv_string("hi"), "a26869"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_non_null(cases[i].value);
        encode_hex(cases[i].value, hex);
        assert_string_equal(hex, cases[i].hex);
        wv_free(cases[i].value);
    }
}

static void round_trip_nested(void **state)
{
    (void)state;
    wv_t *object = wv_map();
    wv_t *list = wv_list();
    assert_int_equal(wv_list_push(list, wv_string("a\tb\n\"c\"")), WEIR_OK);
    assert_int_equal(wv_list_push(list, wv_unknown()), WEIR_OK);
    assert_int_equal(wv_map_set(object, "items", list), WEIR_OK);
    assert_int_equal(wv_map_set(object, "n", wv_number_text("-12.25")), WEIR_OK);
    char long_text[70000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    assert_int_equal(wv_map_set(object, "long", wv_string(long_text)), WEIR_OK);
    weir_buf_t buf;
    buf_init(&buf, 1 << 20);
    assert_int_equal(tfp_msgpack_encode(object, &buf), WEIR_OK);
    weir_err_t err;
    wv_t *back = tfp_msgpack_decode(buf.data, buf.len, &err);
    assert_non_null(back);
    assert_true(wv_equal(object, back));
    assert_false(wv_wholly_known(back));
    wv_free(back);
    wv_free(object);
    buf_free(&buf);
}

static void rejects_deep_nesting(void **state)
{
    (void)state;
    uint8_t bytes[TFP_MSGPACK_MAX_DEPTH + 10];
    memset(bytes, 0x91, sizeof bytes);
    bytes[sizeof bytes - 1] = 0xc0;
    weir_err_t err;
    assert_null(tfp_msgpack_decode(bytes, sizeof bytes, &err));
    assert_non_null(strstr(err.msg, "deeper"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decoder_vectors),
        cmocka_unit_test(encoder_forms),
        cmocka_unit_test(round_trip_nested),
        cmocka_unit_test(rejects_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
