/* test_pg_copy.c — COPY text row parsing against vectors, field counts and truncated escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "pg_copy.h"
#include "vectors.h"

static void check(const char *input, const char *expected, void *ctx)
{
    copy_row_t *row = ctx;
    char line[1024];
    size_t len = 0;
    for (const char *p = input; *p && len < sizeof line - 1;) {
        if (strncmp(p, "<TAB>", 5) == 0) {
            line[len++] = '\t';
            p += 5;
        } else {
            line[len++] = *p++;
        }
    }
    line[len++] = '\n';
    json_error_t jerr;
    json_t *want = json_loads(expected, 0, &jerr);
    if (!want)
        fail_msg("bad expectation %s: %s", expected, jerr.text);
    weir_err_t err;
    if (copy_parse_row(row, line, len, json_array_size(want), &err) != WEIR_OK)
        fail_msg("row %s: %s", input, err.msg);
    for (size_t i = 0; i < row->count; i++) {
        json_t *field = json_array_get(want, i);
        if (json_is_null(field)) {
            if (!row->fields[i].is_null)
                fail_msg("row %s field %zu: want NULL", input, i);
            continue;
        }
        if (row->fields[i].is_null || row->fields[i].len != json_string_length(field) ||
            memcmp(row->fields[i].data, json_string_value(field), row->fields[i].len) != 0)
            fail_msg("row %s field %zu: got \"%.*s\", want \"%s\"", input, i, (int)row->fields[i].len,
                     row->fields[i].data, json_string_value(field));
    }
    json_decref(want);
}

static void vectors(void **state)
{
    (void)state;
    copy_row_t row;
    copy_row_init(&row);
    assert_true(vectors_each("copy/rows.txt", check, &row) >= 17);
    copy_row_free(&row);
}

static void rejects_bad_rows(void **state)
{
    (void)state;
    copy_row_t row;
    copy_row_init(&row);
    weir_err_t err;
    assert_int_equal(copy_parse_row(&row, "a\tb\n", 4, 3, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "2 fields"));
    assert_int_equal(copy_parse_row(&row, "abc\\", 4, 0, &err), WEIR_ERR_INVALID);
    /* Unescaped fields point into the input: no copy on the common path. */
    const char *line = "plain\ttext";
    assert_int_equal(copy_parse_row(&row, line, strlen(line), 2, &err), WEIR_OK);
    assert_ptr_equal(row.fields[1].data, line + 6);
    copy_row_free(&row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(vectors), cmocka_unit_test(rejects_bad_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
