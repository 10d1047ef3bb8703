/* test_http_client.c — the agent's one HTTP request (agent/http_client) against a real HTTP server
 * (tests/integration/http_peer.py): methods and bodies, headers sent and captured (long ones whole
 * or refused by name), statuses passed
 * through, the response cap, timeouts, refused connections, a reused connection that forgets the
 * previous request's headers, and TLS verified against the system's roots or a given CA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

static char url[512];

static const char *at(const char *base_env, const char *path)
{
    const char *base = getenv(base_env);
    if (!base)
        fail_msg("%s is not set: run under tests/integration/with_http_peer.sh", base_env);
    snprintf(url, sizeof url, "%s%s", base, path);
    return url;
}

static const char *text(weir_buf_t *body)
{
    if (buf_putc(body, 0) != WEIR_OK)
        fail_msg("body buffer full");
    body->len--;
    return (const char *)body->data;
}

static void get_captures_headers(void **state)
{
    (void)state;
    weir_buf_t body;
    buf_init(&body, 1 << 16);
    const char *capture[] = {"retry-after", "X-Absent", "X-Long"};
    const char *headers[] = {"X-Weir-Test: one"};
    http_request_t request = {.url = at("WEIR_TEST_HTTP_URL", "/echo"),
                              .headers = headers,
                              .header_count = 1,
                              .timeout_ms = 10000,
                              .capture = capture,
                              .capture_count = 3};
    http_response_t response;
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_OK);
    assert_int_equal(response.status, 200);
    assert_string_equal(text(&body), "GET length=none header=one body=");
    assert_string_equal(response.captured[0], "7"); /* names match whatever their case */
    assert_string_equal(response.captured[1], "");
    assert_int_equal(strlen(response.captured[2]), 400);
    buf_free(&body);
}

/* A captured value is kept whole up to HTTP_CAPTURE_VALUE_MAX bytes (a Link header with long cursor
 * tokens); a longer one fails the request naming the header, never a value cut short. */
static void long_captured_headers_are_whole_or_refused(void **state)
{
    (void)state;
    weir_buf_t body;
    buf_init(&body, 1 << 16);
    const char *capture[] = {"Retry-After", "x-long"};
    http_request_t request = {.timeout_ms = 10000, .capture = capture, .capture_count = 2};
    http_response_t response;
    char path[64];
    snprintf(path, sizeof path, "/header/%d", HTTP_CAPTURE_VALUE_MAX);
    request.url = at("WEIR_TEST_HTTP_URL", path);
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_OK);
    assert_int_equal(response.status, 200);
    assert_int_equal(strlen(response.captured[1]), HTTP_CAPTURE_VALUE_MAX);
    assert_int_equal(response.captured[1][HTTP_CAPTURE_VALUE_MAX - 1], 'z');
    assert_string_equal(text(&body), "long header");
    snprintf(path, sizeof path, "/header/%d", HTTP_CAPTURE_VALUE_MAX + 1);
    request.url = at("WEIR_TEST_HTTP_URL", path);
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_ERR_INVALID);
    assert_int_equal(response.status, 0);
    assert_string_equal(response.captured[1], "");
    assert_string_equal(response.error, "the response header x-long is longer than 8192 bytes");
    /* A long header that is not captured is no concern of the caller's. */
    request.capture_count = 1;
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_OK);
    assert_int_equal(response.status, 200);
    buf_free(&body);
}

static void post_and_put_send_their_bodies(void **state)
{
    (void)state;
    weir_buf_t body;
    buf_init(&body, 1 << 16);
    http_response_t response;
    http_request_t post = {
        .url = at("WEIR_TEST_HTTP_URL", "/echo"), .body = "a=1&b", .body_len = 5, .timeout_ms = 10000};
    assert_int_equal(http_request(NULL, &post, &body, &response), WEIR_OK);
    assert_string_equal(text(&body), "POST length=5 header=none body=a=1&b");
    unsigned char bytes[3] = {'z', 0, 'z'}; /* a binary body goes as is, NUL included */
    http_request_t put = {.method = "PUT",
                          .url = at("WEIR_TEST_HTTP_URL", "/echo"),
                          .body = bytes,
                          .body_len = sizeof bytes,
                          .timeout_ms = 10000};
    assert_int_equal(http_request(NULL, &put, &body, &response), WEIR_OK);
    assert_int_equal(body.len, strlen("PUT length=3 header=none body=") + 3);
    assert_memory_equal(body.data, "PUT length=3 header=none body=z\0z", body.len);
    http_request_t empty_put = {.method = "PUT", .url = at("WEIR_TEST_HTTP_URL", "/echo"), .timeout_ms = 10000};
    assert_int_equal(http_request(NULL, &empty_put, &body, &response), WEIR_OK);
    assert_int_equal(response.status, 200);
    assert_true(strncmp(text(&body), "PUT length=", 11) == 0);
    buf_free(&body);
}

static void statuses_pass_through(void **state)
{
    (void)state;
    weir_buf_t body;
    buf_init(&body, 1 << 16);
    const char *capture[] = {"Retry-After"};
    http_response_t response;
    http_request_t request = {
        .url = at("WEIR_TEST_HTTP_URL", "/status/429"), .timeout_ms = 10000, .capture = capture, .capture_count = 1};
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_OK);
    assert_int_equal(response.status, 429);
    assert_string_equal(response.captured[0], "30");
    assert_string_equal(text(&body), "status body");
    /* NULL discards the body. */
    request.url = at("WEIR_TEST_HTTP_URL", "/status/503");
    assert_int_equal(http_request(NULL, &request, NULL, &response), WEIR_OK);
    assert_int_equal(response.status, 503);
    buf_free(&body);
}

static void failures_have_no_status(void **state)
{
    (void)state;
    weir_buf_t small;
    buf_init(&small, 100);
    http_response_t response;
    http_request_t big = {.url = at("WEIR_TEST_HTTP_URL", "/big"), .timeout_ms = 10000};
    assert_int_equal(http_request(NULL, &big, &small, &response), WEIR_ERR_UNAVAILABLE);
    assert_int_equal(response.status, 0);
    assert_string_equal(response.error, "response larger than 100 bytes");
    http_request_t slow = {.url = at("WEIR_TEST_HTTP_URL", "/slow"), .timeout_ms = 300};
    assert_int_equal(http_request(NULL, &slow, &small, &response), WEIR_ERR_UNAVAILABLE);
    assert_int_equal(response.status, 0);
    assert_non_null(strstr(response.error, "imeout"));
    /* Port 1 on loopback: nothing listens there. */
    http_request_t refused = {.url = "http://127.0.0.1:1/", .timeout_ms = 5000};
    assert_int_equal(http_request(NULL, &refused, &small, &response), WEIR_ERR_UNAVAILABLE);
    assert_true(response.error[0] != 0);
    http_request_t other_scheme = {.url = "file:///etc/hostname", .timeout_ms = 5000};
    assert_int_equal(http_request(NULL, &other_scheme, &small, &response), WEIR_ERR_UNAVAILABLE);
    buf_free(&small);
}

static void reused_client_forgets_previous_request(void **state)
{
    (void)state;
    http_client_t *client = NULL;
    assert_int_equal(http_client_new(&client), WEIR_OK);
    weir_buf_t body;
    buf_init(&body, 1 << 16);
    http_response_t response;
    const char *headers[] = {"X-Weir-Test: first"};
    http_request_t first = {.method = "POST",
                            .url = at("WEIR_TEST_HTTP_URL", "/echo"),
                            .headers = headers,
                            .header_count = 1,
                            .body = "12",
                            .body_len = 2,
                            .timeout_ms = 10000};
    assert_int_equal(http_request(client, &first, &body, &response), WEIR_OK);
    assert_string_equal(text(&body), "POST length=2 header=first body=12");
    http_request_t second = {.url = at("WEIR_TEST_HTTP_URL", "/echo"), .timeout_ms = 10000};
    assert_int_equal(http_request(client, &second, &body, &response), WEIR_OK);
    assert_string_equal(text(&body), "GET length=none header=none body=");
    http_client_free(client);
    buf_free(&body);
}

static void tls_is_verified(void **state)
{
    (void)state;
    weir_buf_t body;
    buf_init(&body, 1 << 16);
    http_response_t response;
    /* A self-signed certificate is refused against the system's roots… */
    http_request_t request = {.url = at("WEIR_TEST_HTTPS_URL", "/echo"), .timeout_ms = 10000};
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_ERR_UNAVAILABLE);
    assert_int_equal(response.status, 0);
    assert_true(response.error[0] != 0);
    /* …and accepted with it given as the CA. */
    request.ca_file = getenv("WEIR_TEST_HTTPS_CA");
    assert_non_null(request.ca_file);
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_OK);
    assert_int_equal(response.status, 200);
    assert_string_equal(text(&body), "GET length=none header=none body=");
    /* The name is checked too: the certificate is for 127.0.0.1, not localhost. */
    char by_name[512];
    snprintf(by_name, sizeof by_name, "https://localhost:%s/echo", strrchr(getenv("WEIR_TEST_HTTPS_URL"), ':') + 1);
    request.url = by_name;
    assert_int_equal(http_request(NULL, &request, &body, &response), WEIR_ERR_UNAVAILABLE);
    buf_free(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_captures_headers),
        cmocka_unit_test(long_captured_headers_are_whole_or_refused),
        cmocka_unit_test(post_and_put_send_their_bodies),
        cmocka_unit_test(statuses_pass_through),
        cmocka_unit_test(failures_have_no_status),
        cmocka_unit_test(reused_client_forgets_previous_request),
        cmocka_unit_test(tls_is_verified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
