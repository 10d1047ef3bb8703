/* test_strutil.c — checked copies and formats: a value that does not fit is an error naming it,
 * and never leaves a cut value in the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "strutil.h"

static void copy_fits(void **state)
{
    (void)state;
    char dst[8];
    weir_err_t err = {{0}};
    assert_int_equal(str_copy(dst, sizeof dst, "1234567", "name", &err), WEIR_OK);
    assert_string_equal(dst, "1234567");
    assert_int_equal(str_copy(dst, sizeof dst, "", "name", &err), WEIR_OK);
    assert_string_equal(dst, "");
    assert_string_equal(err.msg, "");
}

static void copy_too_long(void **state)
{
    (void)state;
    char dst[8];
    memcpy(dst, "garbage", 8);
    weir_err_t err = {{0}};
    assert_int_equal(str_copy(dst, sizeof dst, "12345678", "table name", &err), WEIR_ERR_INVALID);
    assert_string_equal(dst, "");
    assert_string_equal(err.msg, "table name is too long (8 bytes; at most 7)");
    /* err is optional */
    assert_int_equal(str_copy(dst, sizeof dst, "far too long for it", "x", NULL), WEIR_ERR_INVALID);
}

static void format_fits_and_not(void **state)
{
    (void)state;
    char dst[16];
    weir_err_t err = {{0}};
    assert_int_equal(str_format(dst, sizeof dst, &err, "path", "%s/%d", "dir", 42), WEIR_OK);
    assert_string_equal(dst, "dir/42");
    assert_int_equal(str_format(dst, sizeof dst, &err, "path", "%s/%s", "directory", "file.txt"), WEIR_ERR_INVALID);
    assert_string_equal(dst, "");
    assert_string_equal(err.msg, "path is too long (18 bytes; at most 15)");
    /* Exactly full (15 characters and the NUL) still fits. */
    assert_int_equal(str_format(dst, sizeof dst, &err, "path", "%s", "123456789012345"), WEIR_OK);
    assert_string_equal(dst, "123456789012345");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_fits),
        cmocka_unit_test(copy_too_long),
        cmocka_unit_test(format_fits_and_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
