/* test_aws_secrets.c — aws-sm: and ssm: references and the KMS envelope for stored secrets, against
 * moto (which recomputes every SigV4 signature with botocore and checks IAM policy) with
 * instance-profile credentials from the EC2 metadata mock over IMDSv2. Run under with_aws.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sealer.h"
#include "secrets.h"

static void expect_secret(const char *reference, const char *expected)
{
    weir_err_t err = {{0}};
    char *value = secret_resolve(reference, &err);
    if (!value)
        fail_msg("%s: %s", reference, err.msg);
    assert_string_equal(value, expected);
    secret_free(value);
}

static void expect_failure(const char *reference, const char *words)
{
    weir_err_t err = {{0}};
    char *value = secret_resolve(reference, &err);
    if (value)
        fail_msg("%s resolved to a value", reference);
    if (!strstr(err.msg, words) || !strstr(err.msg, reference))
        fail_msg("\"%s\" does not name the reference or say \"%s\"", err.msg, words);
}

static void instance_profile_reads_secrets_and_parameters(void **state)
{
    (void)state;
    char reference[1200];
    snprintf(reference, sizeof reference, "aws-sm:%s#password", getenv("WEIR_TEST_AWS_SECRET_ARN"));
    expect_secret(reference, "pg-pass-\xc3\xa9\"quoted\""); /* region from the ARN */
    expect_secret("aws-sm:weir/plain", "plain-value");      /* region from IMDS placement */
    expect_secret("ssm:/weir/snowflake-token", "sf-token-123");
}

static void failures_name_the_reference_not_the_value(void **state)
{
    (void)state;
    expect_failure("aws-sm:weir/missing", "ResourceNotFoundException");
    expect_failure("ssm:/weir/missing", "ParameterNotFound");
    expect_failure("aws-sm:weir/plain#password", "not a JSON object with a string field");
    char reference[1200];
    snprintf(reference, sizeof reference, "aws-sm:%s#nope", getenv("WEIR_TEST_AWS_SECRET_ARN"));
    weir_err_t err = {{0}};
    assert_null(secret_resolve(reference, &err));
    assert_null(strstr(err.msg, "pg-pass")); /* the secret's other fields never reach the message */
}

static void a_wrong_signature_is_refused(void **state)
{
    (void)state;
    /* The right key id with a wrong secret key: only a server that checks signatures refuses it. */
    setenv("AWS_ACCESS_KEY_ID", getenv("WEIR_TEST_AWS_ACCESS_KEY_ID"), 1);
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-key", 1);
    expect_failure("aws-sm:weir/plain", "SignatureDoesNotMatch");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

/* Runs first, while this process has no cached credentials. */
static void no_metadata_service_is_a_clear_error(void **state)
{
    (void)state;
    char *saved = strdup(getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    setenv("AWS_REGION", "eu-central-1", 1);
    expect_failure("ssm:/weir/snowflake-token", "instance metadata (IMDSv2)");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", saved, 1);
    unsetenv("AWS_REGION");
    free(saved);
}

static void kms_envelope_seals_stored_secrets(void **state)
{
    (void)state;
    char dir[] = "/tmp/weir-kms-XXXXXX", blob[64];
    assert_non_null(mkdtemp(dir));
    snprintf(blob, sizeof blob, "%s/secrets.key.kms", dir);
    sealer_t *sealer = NULL;
    weir_err_t err = {{0}};
    /* First start: KMS generates the data key; only its encrypted form reaches the disk. */
    if (sealer_from_kms(getenv("WEIR_TEST_KMS_KEY_ARN"), blob, &sealer, &err) != WEIR_OK)
        fail_msg("generate: %s", err.msg);
    char *sealed = sealer_seal(sealer, "source_postgres/payments", "{\"password_wo\":\"pw\"}", &err);
    assert_non_null(sealed);
    sealer_free(sealer);
    /* Next start: KMS decrypts the stored data key, and what was sealed opens. */
    sealer = NULL;
    if (sealer_from_kms(getenv("WEIR_TEST_KMS_KEY_ARN"), blob, &sealer, &err) != WEIR_OK)
        fail_msg("decrypt: %s", err.msg);
    char *plain = sealer_open(sealer, "source_postgres/payments", sealed, &err);
    assert_non_null(plain);
    assert_string_equal(plain, "{\"password_wo\":\"pw\"}");
    free(plain);
    free(sealed);
    sealer_free(sealer);
    /* A KMS key the role may not use is a clear refusal. */
    remove(blob);
    assert_int_not_equal(
        sealer_from_kms("arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000000", blob, &sealer,
                        &err),
        WEIR_OK);
    assert_non_null(strstr(err.msg, "kms"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_metadata_service_is_a_clear_error),
        cmocka_unit_test(instance_profile_reads_secrets_and_parameters),
        cmocka_unit_test(failures_name_the_reference_not_the_value),
        cmocka_unit_test(a_wrong_signature_is_refused),
        cmocka_unit_test(kms_envelope_seals_stored_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
