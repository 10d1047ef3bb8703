/* test_fileutil.c — `mkdir -p` (dir_make_all): nested creation, existing trees, odd slashes, and a
 * file in the way; whole-file write and read round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"

static char root[256];

static bool is_dir(const char *path, mode_t *mode)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    if (mode)
        *mode = st.st_mode & 07777;
    return true;
}

static void creates_nested(void **state)
{
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/a/b/c", root);
    weir_err_t err = {{0}};
    assert_int_equal(dir_make_all(path, 0700, &err), WEIR_OK);
    mode_t mode;
    assert_true(is_dir(path, &mode));
    assert_int_equal(mode, 0700);
    /* Existing is fine, and so are doubled and trailing slashes. */
    assert_int_equal(dir_make_all(path, 0700, &err), WEIR_OK);
    snprintf(path, sizeof path, "%s//a/b//d/", root);
    assert_int_equal(dir_make_all(path, 0700, &err), WEIR_OK);
    snprintf(path, sizeof path, "%s/a/b/d", root);
    assert_true(is_dir(path, NULL));
}

static void file_in_the_way(void **state)
{
    (void)state;
    char file[400], path[500];
    snprintf(file, sizeof file, "%s/plain", root);
    weir_err_t err = {{0}};
    assert_int_equal(file_write_all(file, "x", 1, 0600, &err), WEIR_OK);
    char *back = file_read_all(file, 16, &err);
    assert_non_null(back);
    assert_string_equal(back, "x");
    free(back);
    assert_int_equal(dir_make_all(file, 0700, &err), WEIR_ERR_IO);
    assert_non_null(strstr(err.msg, "a file of that name is in the way"));
    snprintf(path, sizeof path, "%s/below", file);
    assert_int_equal(dir_make_all(path, 0700, &err), WEIR_ERR_IO);
    assert_non_null(strstr(err.msg, file));
    assert_int_equal(dir_make_all("", 0700, &err), WEIR_ERR_INVALID);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/weir-fileutil-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    return system(command) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(creates_nested),
        cmocka_unit_test(file_in_the_way),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
