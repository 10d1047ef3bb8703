/* s3_stage.c — PUT of stage chunk files to S3 with SigV4 and server-side encryption. Signed with
 * aws_sigv4, not CURLOPT_AWS_SIGV4: libcurl 7.88 (Debian 12) orders the canonical headers by
 * "name:value", so x-amz-server-side-encryption-aws-kms-key-id lands before
 * x-amz-server-side-encryption and every SSE-KMS upload fails with SignatureDoesNotMatch. */
#include "s3_stage.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_client.h"
#include "buf.h"
#include "http_client.h"
#include "stage_reader.h"

#define S3_ATTEMPTS 4
#define S3_TIMEOUT_S 600L

/* S3 wants the payload's SHA-256 as a header. */
static weir_status_t bytes_sha256(const unsigned char *bytes, size_t size, char out[65])
{
    unsigned char digest[32];
    unsigned int len = 0;
    if (EVP_Digest(bytes, size, digest, &len, EVP_sha256(), NULL) != 1)
        return WEIR_ERR_NOMEM;
    for (unsigned int i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    return WEIR_OK;
}

/* "s3://bucket/prefix/" → bucket and prefix (prefix ends with '/' or is empty). */
static bool split_url(const char *url, char *bucket, size_t bucket_size, char *prefix, size_t prefix_size)
{
    if (strncmp(url, "s3://", 5) != 0)
        return false;
    const char *start = url + 5, *slash = strchr(start, '/');
    size_t len = slash ? (size_t)(slash - start) : strlen(start);
    if (len == 0 || len >= bucket_size)
        return false;
    snprintf(bucket, bucket_size, "%.*s", (int)len, start);
    const char *rest = slash ? slash + 1 : "";
    size_t rest_len = strlen(rest);
    snprintf(prefix, prefix_size, "%s%s", rest, rest_len && rest[rest_len - 1] != '/' ? "/" : "");
    return true;
}

static weir_status_t put_once(http_client_t *client, const char *url, const char *host, const char *path,
                              const char *region, const aws_credentials_t *credentials, const s3_stage_t *stage,
                              const unsigned char *bytes, size_t size, const char *sha256, weir_buf_t *response,
                              long *status, weir_err_t *err)
{
    char kms_signed[600];
    const char *signed_extra[3] = {"content-type:application/zstd"};
    size_t extra = 1;
    if (stage->kms_key_id && *stage->kms_key_id) {
        signed_extra[extra++] = "x-amz-server-side-encryption:aws:kms";
        snprintf(kms_signed, sizeof kms_signed, "x-amz-server-side-encryption-aws-kms-key-id:%s", stage->kms_key_id);
        signed_extra[extra++] = kms_signed;
    } else {
        signed_extra[extra++] = "x-amz-server-side-encryption:AES256";
    }
    aws_sigv4_request_t request = {.method = "PUT",
                                   .host = host,
                                   .path = path,
                                   .query = "",
                                   .headers = signed_extra,
                                   .header_count = extra,
                                   .payload_hash = sha256,
                                   .content_sha256_header = true,
                                   .region = region,
                                   .service = "s3",
                                   .when = time(NULL)};
    aws_sigv4_result_t signature;
    weir_status_t result = aws_sigv4_sign(&request, credentials, &signature, err);
    if (result != WEIR_OK)
        return result;
    /* Header lines: the signed extras, then content hash, date, token, authorization, "Expect:". */
    char lines[3 + 5][4200];
    const char *headers[3 + 5];
    size_t count = 0;
    for (size_t i = 0; i < extra; i++) {
        const char *colon = strchr(signed_extra[i], ':');
        snprintf(lines[count], sizeof lines[count], "%.*s: %s", (int)(colon - signed_extra[i]), signed_extra[i],
                 colon + 1);
        count++;
    }
    snprintf(lines[count++], sizeof lines[0], "x-amz-content-sha256: %s", signature.payload_hash);
    snprintf(lines[count++], sizeof lines[0], "x-amz-date: %s", signature.amz_date);
    if (credentials->session_token[0])
        snprintf(lines[count++], sizeof lines[0], "x-amz-security-token: %s", credentials->session_token);
    snprintf(lines[count++], sizeof lines[0], "Authorization: %s", signature.authorization);
    snprintf(lines[count++], sizeof lines[0], "Expect:"); /* not signed, so safe to drop */
    for (size_t i = 0; i < count; i++)
        headers[i] = lines[i];
    http_request_t request_http = {.method = "PUT",
                                   .url = url,
                                   .headers = headers,
                                   .header_count = count,
                                   .body = bytes,
                                   .body_len = size,
                                   .timeout_ms = S3_TIMEOUT_S * 1000};
    http_response_t answer;
    result = http_request(client, &request_http, response, &answer);
    OPENSSL_cleanse(lines, sizeof lines); /* held the session token: wiped right away */
    *status = answer.status;
    if (result != WEIR_OK) {
        weir_err_set(err, "%s", answer.error);
        return result == WEIR_ERR_NOMEM ? result : WEIR_ERR_UNAVAILABLE;
    }
    return WEIR_OK;
}

weir_status_t s3_stage_upload(const s3_stage_t *stage, const char *local_path, const char *key, const sealer_t *sealer,
                              weir_err_t *err)
{
    char bucket[128], prefix[512], region[64], endpoint[512], url[2048], sha256[65];
    if (!split_url(stage->url, bucket, sizeof bucket, prefix, sizeof prefix)) {
        weir_err_set(err, "stage url %s is not s3://bucket/prefix/", stage->url);
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = WEIR_OK;
    if (stage->region && *stage->region)
        snprintf(region, sizeof region, "%s", stage->region);
    else
        result = aws_region_get(region, sizeof region, err);
    if (result != WEIR_OK)
        return result;
    /* Virtual-hosted style on AWS; path style on an overridden endpoint (VPC endpoint, MinIO). */
    char host[512], path[1200];
    aws_endpoint("s3", region, endpoint, sizeof endpoint);
    if (getenv("AWS_ENDPOINT_URL_S3") || getenv("AWS_ENDPOINT_URL")) {
        const char *authority = strstr(endpoint, "://") ? strstr(endpoint, "://") + 3 : endpoint;
        snprintf(host, sizeof host, "%.*s", (int)strcspn(authority, "/"), authority);
        snprintf(path, sizeof path, "/%s/%s%s", bucket, prefix, key);
        snprintf(url, sizeof url, "%.*s%s", (int)(authority - endpoint) + (int)strlen(host), endpoint, path);
    } else {
        snprintf(host, sizeof host, "%s.s3.%s.amazonaws.com", bucket, region);
        snprintf(path, sizeof path, "/%s%s", prefix, key);
        snprintf(url, sizeof url, "https://%s%s", host, path);
    }
    if (strpbrk(path, " %?#+")) { /* keys are generated; anything needing escapes is a bug upstream */
        weir_err_set(err, "stage key %s%s has characters that need URI encoding", prefix, key);
        return WEIR_ERR_INVALID;
    }

    /* The chunk's plain zstd bytes (decrypted when the stage volume copy is sealed): S3 encrypts
     * them itself with the KMS key, and Snowflake must be able to read them. */
    unsigned char *bytes = NULL;
    size_t size = 0;
    result = stage_chunk_load(local_path, sealer, &bytes, &size, err);
    if (result != WEIR_OK)
        return result;
    http_client_t *client = NULL;
    weir_buf_t response;
    buf_init(&response, 64 * 1024);
    result = http_client_new(&client);
    if (result == WEIR_OK)
        result = bytes_sha256(bytes, size, sha256);
    for (int attempt = 0; result == WEIR_OK && attempt < S3_ATTEMPTS; attempt++) {
        aws_credentials_t credentials;
        long status = 0;
        result = aws_credentials_get(&credentials, err);
        if (result == WEIR_OK)
            result = put_once(client, url, host, path, region, &credentials, stage, bytes, size, sha256, &response,
                              &status, err);
        OPENSSL_cleanse(&credentials, sizeof credentials);
        if (result == WEIR_OK && status >= 200 && status <= 299)
            break;
        if (result == WEIR_OK) {
            char code[128];
            aws_xml_error_code(&response, code, sizeof code);
            weir_err_set(err, "HTTP %ld %s", status, code);
            result = status == 429 || status >= 500 ? WEIR_ERR_UNAVAILABLE : WEIR_ERR_AUTH;
        }
        if (result != WEIR_ERR_UNAVAILABLE || attempt + 1 == S3_ATTEMPTS)
            break;
        struct timespec pause = {.tv_sec = 1L << attempt, .tv_nsec = 0};
        nanosleep(&pause, NULL);
        result = WEIR_OK;
    }
    if (result != WEIR_OK) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        weir_err_set(err, "upload of %s to s3://%s/%s%s: %s", local_path, bucket, prefix, key, why);
    }
    buf_free(&response);
    http_client_free(client);
    OPENSSL_cleanse(bytes, size);
    free(bytes);
    return result;
}
