/* test_token.c — the bearer-token order shared by `serve` and `ctl`: --token-file, WEIR_TOKEN,
 * WEIR_TOKEN_FILE; a set but unusable source is an error, never a fall-through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fileutil.h"
#include "token.h"

typedef struct {
    char dir[256];
    char flag_file[300];
    char env_file[300];
    char empty_file[300];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s/weir-token-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->flag_file, sizeof f->flag_file, "%s/flag", f->dir);
    snprintf(f->env_file, sizeof f->env_file, "%s/env", f->dir);
    snprintf(f->empty_file, sizeof f->empty_file, "%s/empty", f->dir);
    weir_err_t err;
    if (file_write_all(f->flag_file, "from-the-flag-file\r\nsecond line\n", 32, 0600, &err) != WEIR_OK ||
        file_write_all(f->env_file, "from-the-env-file\n", 18, 0600, &err) != WEIR_OK ||
        file_write_all(f->empty_file, "\n", 1, 0600, &err) != WEIR_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    dir_remove_flat(f->dir);
    free(f);
    return 0;
}

static void expect(const token_sources_t *sources, const char *want, token_source_t want_source)
{
    char *token = (char *)"untouched";
    token_source_t source = TOKEN_FROM_ENV;
    weir_err_t err = {{0}};
    assert_int_equal(token_resolve(sources, &token, &source, &err), WEIR_OK);
    assert_int_equal(source, want_source);
    if (want) {
        assert_non_null(token);
        assert_string_equal(token, want);
    } else {
        assert_null(token);
    }
    token_free(token);
}

static void order(void **state)
{
    fixture_t *f = *state;
    token_sources_t all = {.flag_file = f->flag_file, .env_token = "from-the-environment", .env_file = f->env_file};
    expect(&all, "from-the-flag-file", TOKEN_FROM_FLAG_FILE);
    token_sources_t no_flag = {.env_token = "from-the-environment", .env_file = f->env_file};
    expect(&no_flag, "from-the-environment", TOKEN_FROM_ENV);
    token_sources_t only_file = {.flag_file = "", .env_token = "", .env_file = f->env_file};
    expect(&only_file, "from-the-env-file", TOKEN_FROM_ENV_FILE);
    token_sources_t none = {0};
    expect(&none, NULL, TOKEN_FROM_NONE);
}

static void from_env(void **state)
{
    fixture_t *f = *state;
    setenv("WEIR_TOKEN", "env-token-0123456789", 1);
    setenv("WEIR_TOKEN_FILE", f->env_file, 1);
    token_sources_t sources = token_sources_from_env(NULL);
    expect(&sources, "env-token-0123456789", TOKEN_FROM_ENV);
    sources = token_sources_from_env(f->flag_file);
    expect(&sources, "from-the-flag-file", TOKEN_FROM_FLAG_FILE);
    unsetenv("WEIR_TOKEN");
    sources = token_sources_from_env(NULL);
    expect(&sources, "from-the-env-file", TOKEN_FROM_ENV_FILE);
    unsetenv("WEIR_TOKEN_FILE");
}

static void unusable_source_is_an_error(void **state)
{
    fixture_t *f = *state;
    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing", f->dir);
    char *token = NULL;
    token_source_t source;
    weir_err_t err = {{0}};
    /* A missing flag file does not fall through to WEIR_TOKEN. */
    token_sources_t bad_flag = {.flag_file = missing, .env_token = "from-the-environment"};
    assert_int_equal(token_resolve(&bad_flag, &token, &source, &err), WEIR_ERR_INVALID);
    assert_null(token);
    assert_non_null(strstr(err.msg, "--token-file"));
    assert_non_null(strstr(err.msg, missing));
    token_sources_t bad_env_file = {.env_file = missing};
    assert_int_equal(token_resolve(&bad_env_file, &token, &source, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "WEIR_TOKEN_FILE"));
    token_sources_t empty = {.flag_file = f->empty_file, .env_token = "from-the-environment"};
    assert_int_equal(token_resolve(&empty, &token, &source, &err), WEIR_ERR_INVALID);
    assert_null(token);
    assert_string_equal(err.msg, "the bearer token from --token-file is empty");
}

/* `serve` applies the same order: its --token-file flag beats WEIR_TOKEN, which beats
 * WEIR_TOKEN_FILE (both names fill one setting, so the parser must tell them apart). */
static void serve_uses_the_order(void **state)
{
    fixture_t *f = *state;
    setenv("WEIR_TOKEN", "env-token-0123456789", 1);
    setenv("WEIR_TOKEN_FILE", f->env_file, 1);
    agent_config_t config;
    bool help;
    weir_err_t err = {{0}};
    char *with_flag[] = {"--dev", "--token-file", f->flag_file};
    assert_int_equal(config_parse(3, with_flag, &config, &help, &err), WEIR_OK);
    assert_string_equal(config.token, "from-the-flag-file");
    config_free(&config);
    char *without[] = {"--dev"};
    assert_int_equal(config_parse(1, without, &config, &help, &err), WEIR_OK);
    assert_string_equal(config.token, "env-token-0123456789");
    config_free(&config);
    unsetenv("WEIR_TOKEN");
    assert_int_equal(config_parse(1, without, &config, &help, &err), WEIR_OK);
    assert_string_equal(config.token, "from-the-env-file");
    config_free(&config);
    unsetenv("WEIR_TOKEN_FILE");
    char *short_token[] = {"--dev", "--token-file", f->env_file};
    assert_int_equal(file_write_all(f->env_file, "short\n", 6, 0600, &err), WEIR_OK);
    assert_int_equal(config_parse(3, short_token, &config, &help, &err), WEIR_ERR_INVALID);
    assert_string_equal(err.msg, "the bearer token (from --token-file) must be at least 16 characters");
    config_free(&config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(order, setup, teardown),
        cmocka_unit_test_setup_teardown(from_env, setup, teardown),
        cmocka_unit_test_setup_teardown(unusable_source_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(serve_uses_the_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
