/* test_sf_sql.c — the Snowflake SQL API client against the declared fake (sf_fake.py): polling,
 * partitions, JWT renewal, retries with the same requestId, and clear errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "sf_sql.h"

static sf_keypair_t *keypair;

static sf_client_t *client(int max_attempts)
{
    sf_config_t config = {.base_url = getenv("WEIR_TEST_SF_FAKE_URL"),
                          .account = "xy12345.eu-central-1",
                          .user = "weir_loader",
                          .role = "LOADER",
                          .warehouse = "LOAD_WH",
                          .database = "RAW",
                          .schema = "PAYMENTS",
                          .keypair = keypair,
                          .max_attempts = max_attempts,
                          .backoff_base_ms = 10};
    sf_client_t *c;
    weir_err_t err;
    assert_int_equal(sf_client_new(&config, &c, &err), WEIR_OK);
    return c;
}

static void plain_statement(void **state)
{
    (void)state;
    sf_client_t *c = client(3);
    sf_result_t result;
    weir_err_t err;
    assert_int_equal(sf_execute(c, "SELECT 1", &result, &err), WEIR_OK);
    assert_int_equal(sf_result_row_count(&result), 1);
    assert_string_equal(sf_result_text(&result, 0, 0), "SELECT 1");
    sf_result_free(&result);
    sf_client_free(c);
}

static void polls_until_done(void **state)
{
    (void)state;
    sf_client_t *c = client(3);
    sf_result_t result;
    weir_err_t err;
    assert_int_equal(sf_execute(c, "SELECT 'async'", &result, &err), WEIR_OK);
    assert_int_equal(sf_result_row_count(&result), 2);
    assert_string_equal(sf_result_text(&result, 0, 0), "done");
    assert_null(sf_result_text(&result, 1, 0));
    assert_int_equal(sf_client_stats(c).polls, 3);
    sf_result_free(&result);
    sf_client_free(c);
}

static void gathers_partitions(void **state)
{
    (void)state;
    sf_client_t *c = client(3);
    sf_result_t result;
    weir_err_t err;
    assert_int_equal(sf_execute(c, "SELECT 'partitions'", &result, &err), WEIR_OK);
    assert_int_equal(sf_result_row_count(&result), 4);
    assert_string_equal(sf_result_text(&result, 1, 0), "p0-b");
    assert_string_equal(sf_result_text(&result, 2, 0), "p1");
    assert_string_equal(sf_result_text(&result, 3, 0), "p2");
    assert_int_equal(sf_client_stats(c).partitions_fetched, 2);
    sf_result_free(&result);
    sf_client_free(c);
}

static void renews_token_on_401(void **state)
{
    (void)state;
    sf_client_t *c = client(3);
    sf_result_t result;
    weir_err_t err;
    assert_int_equal(sf_execute(c, "SELECT 'expired'", &result, &err), WEIR_OK);
    assert_string_equal(sf_result_text(&result, 0, 0), "renewed");
    assert_int_equal(sf_client_stats(c).token_renewals, 1);
    sf_result_free(&result);
    sf_client_free(c);
}

static void retries_bursts_with_same_request_id(void **state)
{
    (void)state;
    sf_client_t *c = client(5);
    sf_result_t result;
    weir_err_t err;
    /* The fake refuses a resubmission that changes requestId or omits retry=true. */
    assert_int_equal(sf_execute(c, "SELECT 'busy'", &result, &err), WEIR_OK);
    assert_string_equal(sf_result_text(&result, 0, 0), "after retries");
    assert_int_equal(sf_client_stats(c).submissions, 3);
    assert_int_equal(sf_client_stats(c).retries, 2);
    sf_result_free(&result);
    /* 500 and 502 are documented as retryable the same way. */
    assert_int_equal(sf_execute(c, "SELECT 'flaky'", &result, &err), WEIR_OK);
    assert_string_equal(sf_result_text(&result, 0, 0), "after server errors");
    assert_int_equal(sf_client_stats(c).submissions, 6);
    assert_int_equal(sf_client_stats(c).retries, 4);
    sf_result_free(&result);
    sf_client_free(c);
}

static void errors_are_reported(void **state)
{
    (void)state;
    sf_client_t *c = client(3);
    sf_result_t result;
    weir_err_t err;
    assert_int_equal(sf_execute(c, "SELECT 'broken'", &result, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "002003"));
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_int_equal(sf_execute(c, "SELECT 'down'", &result, &err), WEIR_ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "503"));
    /* A refused role or warehouse is classified by its status, and not retried. */
    assert_int_equal(sf_execute(c, "SELECT 'forbidden'", &result, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "390102"));
    assert_int_equal(sf_client_stats(c).submissions, 1 + 3 + 1);
    sf_client_free(c);

    sf_config_t closed = {.base_url = "http://127.0.0.1:9",
                          .account = "a",
                          .user = "u",
                          .database = "d",
                          .schema = "s",
                          .token = "t",
                          .max_attempts = 2,
                          .backoff_base_ms = 10};
    assert_int_equal(sf_client_new(&closed, &c, &err), WEIR_OK);
    assert_int_equal(sf_execute(c, "SELECT 1", &result, &err), WEIR_ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "127.0.0.1:9"));
    sf_client_free(c);
}

int main(void)
{
    if (!getenv("WEIR_TEST_SF_FAKE_URL")) {
        fprintf(stderr, "run through tests/integration/with_sf_fake.sh\n");
        return 1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/snowflake/test_rsa_key.p8",
             getenv("WEIR_VECTORS") ? getenv("WEIR_VECTORS") : "tests/vectors");
    weir_err_t err;
    char *pem = file_read_all(path, 1 << 16, &err);
    if (!pem || sf_keypair_load(pem, &keypair, &err) != WEIR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    free(pem);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_statement),
        cmocka_unit_test(polls_until_done),
        cmocka_unit_test(gathers_partitions),
        cmocka_unit_test(renews_token_on_401),
        cmocka_unit_test(retries_bursts_with_same_request_id),
        cmocka_unit_test(errors_are_reported),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sf_keypair_free(keypair);
    return failed;
}
