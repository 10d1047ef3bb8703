/* test_sf_auth.c — Snowflake key-pair JWT: account normalisation, exact claims with a fixed clock,
 * claims that stay valid JSON whatever the names hold, and fingerprint and signature checked
 * independently with the openssl command-line tool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "sf_auth.h"

static char key_path[512];

static char *run(const char *command)
{
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    static char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, pipe);
    out[n] = 0;
    assert_int_equal(pclose(pipe), 0);
    out[strcspn(out, "\n")] = 0;
    return out;
}

static void accounts(void **state)
{
    (void)state;
    char out[64];
    weir_err_t err = {{0}};
    assert_int_equal(sf_account_for_jwt("myorg-analytics", out, sizeof out, &err), WEIR_OK);
    assert_string_equal(out, "MYORG-ANALYTICS");
    assert_int_equal(sf_account_for_jwt("xy12345.us-east-2.aws", out, sizeof out, &err), WEIR_OK);
    assert_string_equal(out, "XY12345");
    assert_int_equal(sf_account_for_jwt("xy12345", out, sizeof out, &err), WEIR_OK);
    assert_string_equal(out, "XY12345");
    assert_int_equal(sf_account_for_jwt("myacct-abcdefg.global", out, sizeof out, &err), WEIR_OK);
    assert_string_equal(out, "MYACCT");
    /* Too long for the buffer: an error, never a cut account. */
    char small[8];
    assert_int_equal(sf_account_for_jwt("abcdefgh.us-east-2", small, sizeof small, &err), WEIR_ERR_INVALID);
    assert_string_equal(small, "");
    assert_non_null(strstr(err.msg, "too long"));
}

static size_t b64url_decode(const char *in, size_t len, unsigned char *out)
{
    size_t n = 0;
    unsigned bits = 0, value = 0;
    for (size_t i = 0; i < len; i++) {
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *p = strchr(alphabet, in[i]);
        assert_non_null(p);
        value = (value << 6) | (unsigned)(p - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(value >> bits);
            value &= (1u << bits) - 1;
        }
    }
    return n;
}

static void jwt_claims_and_signature(void **state)
{
    (void)state;
    weir_err_t err;
    char *pem = file_read_all(key_path, 1 << 16, &err);
    assert_non_null(pem);
    sf_keypair_t *keypair;
    assert_int_equal(sf_keypair_load(pem, &keypair, &err), WEIR_OK);

    char command[1200];
    snprintf(
        command, sizeof command,
        "openssl pkey -in '%s' -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | openssl base64 -A",
        key_path);
    char expected[128];
    snprintf(expected, sizeof expected, "SHA256:%.100s", run(command)); /* a digest is 44 characters */
    assert_string_equal(sf_keypair_fingerprint(keypair), expected);

    char *jwt;
    assert_int_equal(sf_jwt_make(keypair, "xy12345.eu-central-1", "weir_loader", 1795000000, 3540, &jwt, &err),
                     WEIR_OK);
    char *dot1 = strchr(jwt, '.'), *dot2 = strrchr(jwt, '.');
    assert_true(dot1 && dot2 && dot1 != dot2);
    unsigned char payload[1024];
    size_t payload_len = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload);
    payload[payload_len] = 0;
    char want[600];
    snprintf(
        want, sizeof want,
        "{\"iss\":\"XY12345.WEIR_LOADER.%s\",\"sub\":\"XY12345.WEIR_LOADER\",\"iat\":1795000000,\"exp\":1795003540}",
        sf_keypair_fingerprint(keypair));
    assert_string_equal((char *)payload, want);

    /* Verify the RS256 signature with the openssl tool, not with our own code. */
    char dir[256];
    snprintf(dir, sizeof dir, "%s/weir-jwt-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    char path[400];
    snprintf(path, sizeof path, "%s/signed", dir);
    assert_int_equal(file_write_all(path, jwt, (size_t)(dot2 - jwt), 0600, &err), WEIR_OK);
    unsigned char signature[600];
    size_t signature_len = b64url_decode(dot2 + 1, strlen(dot2 + 1), signature);
    snprintf(path, sizeof path, "%s/sig", dir);
    assert_int_equal(file_write_all(path, (char *)signature, signature_len, 0600, &err), WEIR_OK);
    snprintf(command, sizeof command,
             "cd '%s' && openssl pkey -in '%s' -pubout -out pub.pem 2>/dev/null && "
             "openssl dgst -sha256 -verify pub.pem -signature sig signed && rm -rf '%s'",
             dir, key_path, dir);
    assert_string_equal(run(command), "Verified OK");
    free(jwt);

    assert_int_equal(sf_jwt_make(keypair, "a", "b", 0, 7200, &jwt, &err), WEIR_ERR_INVALID);
    assert_null(jwt);
    free(pem);
    sf_keypair_free(keypair);
}

/* The payload of `jwt` parsed as JSON (the test fails when it is not valid JSON). */
static json_t *payload_of(const char *jwt)
{
    const char *dot1 = strchr(jwt, '.'), *dot2 = strrchr(jwt, '.');
    assert_true(dot1 && dot2 && dot1 != dot2);
    unsigned char payload[4096];
    assert_true((size_t)(dot2 - dot1) < sizeof payload * 4 / 3);
    size_t len = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload);
    json_error_t error;
    json_t *claims = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &error);
    if (!claims)
        fail_msg("payload is not JSON: %s: %.*s", error.text, (int)len, (const char *)payload);
    return claims;
}

/* Names with a quote and a backslash used to end the JSON string early; now they are escaped and
 * come back exactly (upper-cased) from the decoded claims. */
static void jwt_claims_escape_names(void **state)
{
    (void)state;
    weir_err_t err;
    char *pem = file_read_all(key_path, 1 << 16, &err);
    assert_non_null(pem);
    sf_keypair_t *keypair;
    assert_int_equal(sf_keypair_load(pem, &keypair, &err), WEIR_OK);
    char *jwt = NULL;
    assert_int_equal(
        sf_jwt_make(keypair, "my\"org\\x.eu-west-1", "lo\"ad\\er\",\"admin\":true", 1795000000, 60, &jwt, &err),
        WEIR_OK);
    json_t *claims = payload_of(jwt);
    assert_int_equal(json_object_size(claims), 4);
    char want_iss[256];
    snprintf(want_iss, sizeof want_iss, "MY\"ORG\\X.LO\"AD\\ER\",\"ADMIN\":TRUE.%s", sf_keypair_fingerprint(keypair));
    assert_string_equal(json_string_value(json_object_get(claims, "iss")), want_iss);
    assert_string_equal(json_string_value(json_object_get(claims, "sub")), "MY\"ORG\\X.LO\"AD\\ER\",\"ADMIN\":TRUE");
    assert_int_equal(json_integer_value(json_object_get(claims, "iat")), 1795000000);
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")), 1795000060);
    assert_null(json_object_get(claims, "admin"));
    assert_null(json_object_get(claims, "ADMIN"));
    json_decref(claims);
    free(jwt);

    /* Names that are not UTF-8 or too long are errors, not broken tokens. */
    assert_int_equal(sf_jwt_make(keypair, "xy12345", "bad\xff", 0, 60, &jwt, &err), WEIR_ERR_INVALID);
    assert_null(jwt);
    assert_non_null(strstr(err.msg, "UTF-8"));
    char long_user[300];
    memset(long_user, 'u', sizeof long_user - 1);
    long_user[sizeof long_user - 1] = 0;
    assert_int_equal(sf_jwt_make(keypair, "xy12345", long_user, 0, 60, &jwt, &err), WEIR_ERR_INVALID);
    assert_null(jwt);
    assert_non_null(strstr(err.msg, "user name is too long"));
    free(pem);
    sf_keypair_free(keypair);
}

static void rejects_bad_keys(void **state)
{
    (void)state;
    sf_keypair_t *keypair;
    weir_err_t err;
    assert_int_equal(sf_keypair_load("not a key", &keypair, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "PEM"));
}

int main(void)
{
    snprintf(key_path, sizeof key_path, "%s/snowflake/test_rsa_key.p8",
             getenv("WEIR_VECTORS") ? getenv("WEIR_VECTORS") : "tests/vectors");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accounts),
        cmocka_unit_test(jwt_claims_and_signature),
        cmocka_unit_test(jwt_claims_escape_names),
        cmocka_unit_test(rejects_bad_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
