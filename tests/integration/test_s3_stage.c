/* test_s3_stage.c — stage uploads against MinIO: SigV4 by libcurl, SSE-KMS with MinIO's KMS key and
 * SSE-S3 without one, idempotent re-upload, clear refusals; objects read back with our own SigV4
 * signer, which MinIO verifies too. Run under with_minio.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "s3_stage.h"
#include "sealer.h"
#include "stage_reader.h"
#include "stage_writer.h"

static char file_path[256];
static unsigned char content[300 * 1024];

static int setup(void **state)
{
    (void)state;
    snprintf(file_path, sizeof file_path, "%s/weir-s3-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(file_path);
    if (fd < 0)
        return -1;
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof content; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        content[i] = (unsigned char)x;
    }
    FILE *file = fdopen(fd, "wb");
    size_t written = fwrite(content, 1, sizeof content, file);
    fclose(file);
    return written == sizeof content ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    remove(file_path);
    return 0;
}

/* GET with our own signer; returns the HTTP status, the body and the encryption header. */
static long get_object(const char *key, weir_buf_t *body, weir_buf_t *headers)
{
    const char *endpoint = getenv("AWS_ENDPOINT_URL_S3");
    char path[512], url[1024];
    snprintf(path, sizeof path, "/%s/stage/%s", getenv("WEIR_TEST_S3_BUCKET"), key);
    snprintf(url, sizeof url, "%s%s", endpoint, path);
    aws_credentials_t credentials = {0};
    snprintf(credentials.access_key_id, sizeof credentials.access_key_id, "%s", getenv("AWS_ACCESS_KEY_ID"));
    snprintf(credentials.secret_access_key, sizeof credentials.secret_access_key, "%s",
             getenv("AWS_SECRET_ACCESS_KEY"));
    aws_sigv4_request_t request = {.method = "GET",
                                   .host = strstr(endpoint, "://") + 3,
                                   .path = path,
                                   .query = "",
                                   .content_sha256_header = true,
                                   .region = "us-east-1",
                                   .service = "s3",
                                   .when = time(NULL)};
    aws_sigv4_result_t signature;
    weir_err_t err = {{0}};
    assert_int_equal(aws_sigv4_sign(&request, &credentials, &signature, &err), WEIR_OK);
    char date[64], sha[128], auth[1100];
    snprintf(date, sizeof date, "X-Amz-Date: %s", signature.amz_date);
    snprintf(sha, sizeof sha, "X-Amz-Content-Sha256: %s", signature.payload_hash);
    snprintf(auth, sizeof auth, "Authorization: %s", signature.authorization);
    struct curl_slist *list = curl_slist_append(NULL, date);
    list = curl_slist_append(list, sha);
    list = curl_slist_append(list, auth);
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, buf_write_callback);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, buf_write_callback);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(list);
    assert_int_equal(buf_append(headers, "", 1), WEIR_OK);
    return status;
}

/* Header names are case-insensitive; values here are not. */
static const char *strcasestr_portable(const char *haystack, const char *needle)
{
    size_t len = strlen(needle);
    for (const char *p = haystack; *p; p++)
        if (strncasecmp(p, needle, len) == 0)
            return p;
    return NULL;
}

static void upload(const char *kms_key_id, const char *key, const char *expected_encryption)
{
    char url[256];
    snprintf(url, sizeof url, "s3://%s/stage/", getenv("WEIR_TEST_S3_BUCKET"));
    s3_stage_t stage = {.url = url, .region = "us-east-1", .kms_key_id = kms_key_id};
    weir_err_t err = {{0}};
    if (s3_stage_upload(&stage, file_path, key, NULL, &err) != WEIR_OK)
        fail_msg("upload: %s", err.msg);
    weir_buf_t body, headers;
    buf_init(&body, 1 << 20);
    buf_init(&headers, 64 * 1024);
    assert_int_equal(get_object(key, &body, &headers), 200);
    assert_int_equal(body.len, sizeof content);
    assert_memory_equal(body.data, content, sizeof content);
    char wanted[128];
    snprintf(wanted, sizeof wanted, "x-amz-server-side-encryption: %s", expected_encryption);
    if (!strcasestr_portable((const char *)headers.data, wanted))
        fail_msg("no \"%s\" in:\n%s", wanted, (const char *)headers.data);
    buf_free(&body);
    buf_free(&headers);
}

static void sse_kms_upload_reads_back_identical(void **state)
{
    (void)state;
    upload("weir-stage-key", "pay/transactions/run-1/00000.csv.zst", "aws:kms");
    upload("weir-stage-key", "pay/transactions/run-1/00000.csv.zst", "aws:kms"); /* a resumed run uploads again */
}

static void sse_s3_without_a_key(void **state)
{
    (void)state;
    upload(NULL, "pay/transactions/run-2/00000.csv.zst", "AES256");
}

static void refusals_are_clear_and_keep_secrets_out(void **state)
{
    (void)state;
    char url[256];
    snprintf(url, sizeof url, "s3://%s/stage/", getenv("WEIR_TEST_S3_BUCKET"));
    s3_stage_t stage = {.url = url, .region = "us-east-1", .kms_key_id = "no-such-key"};
    weir_err_t err = {{0}};
    assert_int_not_equal(s3_stage_upload(&stage, file_path, "x/00000.csv.zst", NULL, &err), WEIR_OK);
    assert_non_null(strstr(err.msg, "x/00000.csv.zst"));
    assert_non_null(strstr(err.msg, "HTTP 4"));

    char *secret = strdup(getenv("AWS_SECRET_ACCESS_KEY"));
    setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-key-value", 1);
    stage.kms_key_id = "weir-stage-key";
    assert_int_equal(s3_stage_upload(&stage, file_path, "y/00000.csv.zst", NULL, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "SignatureDoesNotMatch"));
    assert_null(strstr(err.msg, "wrong-secret-key-value"));
    setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
    free(secret);

    stage.url = "https://not-s3/";
    assert_int_equal(s3_stage_upload(&stage, file_path, "z", NULL, &err), WEIR_ERR_INVALID);
}

static void sealed_chunks_upload_in_the_clear_for_s3(void **state)
{
    (void)state;
    char dir[300], key_path[330], chunk[340];
    snprintf(dir, sizeof dir, "%s.d/run-9", file_path);
    char parent[310];
    snprintf(parent, sizeof parent, "%s.d", file_path);
    assert_int_equal(mkdir(parent, 0700), 0);
    snprintf(key_path, sizeof key_path, "%s/secrets.key", parent);
    sealer_t *sealer = NULL;
    weir_err_t err = {{0}};
    assert_int_equal(sealer_from_new_key_file(key_path, &sealer, &err), WEIR_OK);
    stage_writer_t *writer;
    assert_int_equal(stage_writer_open(dir, 0, 1, &writer, &err), WEIR_OK);
    stage_writer_seal(writer, sealer);
    for (int row = 0; row < 1000; row++) {
        char value[32];
        snprintf(value, sizeof value, "4111111111111111-%d", row); /* card-number shaped */
        assert_int_equal(stage_writer_field(writer, value, strlen(value), &err), WEIR_OK);
        assert_int_equal(stage_writer_end_row(writer, &err), WEIR_OK);
    }
    stage_stats_t stats;
    assert_int_equal(stage_writer_close(writer, &stats, &err), WEIR_OK);
    snprintf(chunk, sizeof chunk, "%s/00000.csv.zst", dir);
    unsigned char *plain;
    size_t plain_len;
    assert_int_equal(stage_chunk_load(chunk, sealer, &plain, &plain_len, &err), WEIR_OK);
    FILE *on_disk = fopen(chunk, "rb");
    unsigned char magic[8];
    assert_int_equal(fread(magic, 1, 8, on_disk), 8);
    fclose(on_disk);
    assert_memory_equal(magic, SEALER_FILE_MAGIC, 8);
    char url[256];
    snprintf(url, sizeof url, "s3://%s/stage/", getenv("WEIR_TEST_S3_BUCKET"));
    s3_stage_t stage = {.url = url, .region = "us-east-1", .kms_key_id = "weir-stage-key"};
    assert_int_equal(s3_stage_upload(&stage, chunk, "sealed/00000.csv.zst", NULL, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "without the key"));
    if (s3_stage_upload(&stage, chunk, "sealed/00000.csv.zst", sealer, &err) != WEIR_OK)
        fail_msg("upload: %s", err.msg);
    weir_buf_t body, headers;
    buf_init(&body, 1 << 20);
    buf_init(&headers, 64 * 1024);
    assert_int_equal(get_object("sealed/00000.csv.zst", &body, &headers), 200);
    assert_int_equal(body.len, plain_len);
    assert_memory_equal(body.data, plain, plain_len);
    assert_true(body.data[0] == 0x28 && body.data[1] == 0xB5); /* a zstd frame Snowflake can read */
    buf_free(&body);
    buf_free(&headers);
    free(plain);
    sealer_free(sealer);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", parent);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sse_kms_upload_reads_back_identical),
        cmocka_unit_test(sse_s3_without_a_key),
        cmocka_unit_test(refusals_are_clear_and_keep_secrets_out),
        cmocka_unit_test(sealed_chunks_upload_in_the_clear_for_s3),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return failed;
}
