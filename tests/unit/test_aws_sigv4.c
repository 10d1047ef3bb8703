/* test_aws_sigv4.c — SigV4 against AWS's published example requests (tests/vectors/aws), plus the
 * session-token header and refusal of malformed headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"

static json_t *load_vectors(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/aws/sigv4.json", getenv("WEIR_VECTORS") ? getenv("WEIR_VECTORS") : "tests/vectors");
    json_error_t error;
    json_t *vectors = json_load_file(path, 0, &error);
    if (!vectors)
        fail_msg("cannot read %s: %s", path, error.text);
    return vectors;
}

static const char *text(json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static void published_examples(void **state)
{
    (void)state;
    json_t *vectors = load_vectors();
    size_t i;
    json_t *v;
    assert_true(json_array_size(vectors) >= 4);
    json_array_foreach(vectors, i, v)
    {
        const char *headers[8];
        size_t count = 0;
        size_t h;
        json_t *header;
        json_array_foreach(json_object_get(v, "headers"), h, header) headers[count++] = json_string_value(header);
        aws_credentials_t credentials = {0};
        snprintf(credentials.access_key_id, sizeof credentials.access_key_id, "%s", text(v, "access_key_id"));
        snprintf(credentials.secret_access_key, sizeof credentials.secret_access_key, "%s",
                 text(v, "secret_access_key"));
        aws_sigv4_request_t request = {.method = text(v, "method"),
                                       .host = text(v, "host"),
                                       .path = text(v, "path"),
                                       .query = text(v, "query"),
                                       .headers = headers,
                                       .header_count = count,
                                       .payload = text(v, "payload"),
                                       .payload_len = strlen(text(v, "payload")),
                                       .content_sha256_header = json_is_true(json_object_get(v, "content_sha256")),
                                       .region = text(v, "region"),
                                       .service = text(v, "service"),
                                       .when = (time_t)json_integer_value(json_object_get(v, "when"))};
        aws_sigv4_result_t result;
        weir_err_t err = {{0}};
        assert_int_equal(aws_sigv4_sign(&request, &credentials, &result, &err), WEIR_OK);
        if (strcmp(result.authorization, text(v, "authorization")) != 0)
            fail_msg("%s:\n got      %s\n expected %s", text(v, "name"), result.authorization,
                     text(v, "authorization"));
    }
    json_decref(vectors);
}

static void session_token_is_signed(void **state)
{
    (void)state;
    aws_credentials_t credentials = {.access_key_id = "ASIAEXAMPLE",
                                     .secret_access_key = "secret",
                                     .session_token = "token-from-the-instance-profile"};
    aws_sigv4_request_t request = {.method = "POST",
                                   .host = "secretsmanager.eu-central-1.amazonaws.com",
                                   .path = "/",
                                   .query = "",
                                   .payload = "{}",
                                   .payload_len = 2,
                                   .region = "eu-central-1",
                                   .service = "secretsmanager",
                                   .when = 1795431600};
    aws_sigv4_result_t result;
    weir_err_t err = {{0}};
    assert_int_equal(aws_sigv4_sign(&request, &credentials, &result, &err), WEIR_OK);
    assert_string_equal(result.amz_date, "20261123T110000Z");
    assert_non_null(strstr(result.authorization,
                           "Credential=ASIAEXAMPLE/20261123/eu-central-1/secretsmanager/aws4_request, "
                           "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="));
    /* The token changes the signature: a request without it must not verify with it. */
    aws_sigv4_result_t without;
    credentials.session_token[0] = 0;
    assert_int_equal(aws_sigv4_sign(&request, &credentials, &without, &err), WEIR_OK);
    assert_string_not_equal(strstr(result.authorization, "Signature="), strstr(without.authorization, "Signature="));
}

static void malformed_headers_are_refused(void **state)
{
    (void)state;
    const char *headers[] = {"no-colon-here"};
    aws_credentials_t credentials = {.access_key_id = "A", .secret_access_key = "B"};
    aws_sigv4_request_t request = {.method = "GET",
                                   .host = "h",
                                   .path = "/",
                                   .query = "",
                                   .headers = headers,
                                   .header_count = 1,
                                   .region = "r",
                                   .service = "s",
                                   .when = 0};
    aws_sigv4_result_t result;
    weir_err_t err = {{0}};
    assert_int_equal(aws_sigv4_sign(&request, &credentials, &result, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "malformed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(published_examples),
        cmocka_unit_test(session_token_is_signed),
        cmocka_unit_test(malformed_headers_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
