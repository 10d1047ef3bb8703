/* aws_sigv4.c — canonical request, string to sign and the HMAC-SHA256 key chain of SigV4. */
#include "aws_sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define SIGV4_MAX_HEADERS 16

static void hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = 0;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(data, len, digest);
    hex(digest, sizeof digest, out);
}

static void hmac(const unsigned char *key, size_t key_len, const char *data, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, strlen(data), out, &len);
}

typedef struct {
    char name[64];
    const char *value;
    size_t value_len;
} header_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const header_t *)a)->name, ((const header_t *)b)->name);
}

static bool add_header(header_t *headers, size_t *count, const char *name, size_t name_len, const char *value)
{
    if (*count >= SIGV4_MAX_HEADERS || name_len == 0 || name_len >= sizeof headers[0].name)
        return false;
    header_t *h = &headers[(*count)++];
    for (size_t i = 0; i < name_len; i++)
        h->name[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    h->name[name_len] = 0;
    /* Values are trimmed at both ends; inner runs of spaces collapse only in values we never send. */
    while (*value == ' ')
        value++;
    size_t len = strlen(value);
    while (len && value[len - 1] == ' ')
        len--;
    h->value = value;
    h->value_len = len;
    return true;
}

weir_status_t aws_sigv4_sign(const aws_sigv4_request_t *request, const aws_credentials_t *credentials,
                             aws_sigv4_result_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    struct tm tm;
    if (!gmtime_r(&request->when, &tm)) {
        weir_err_set(err, "SigV4: invalid time");
        return WEIR_ERR_INVALID;
    }
    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
    char day[9];
    memcpy(day, out->amz_date, 8);
    day[8] = 0;
    if (request->payload_hash) {
        if (strlen(request->payload_hash) != sizeof out->payload_hash - 1) {
            weir_err_set(err, "SigV4: the payload hash must be %zu hex digits", sizeof out->payload_hash - 1);
            return WEIR_ERR_INVALID;
        }
        memcpy(out->payload_hash, request->payload_hash, sizeof out->payload_hash);
    } else
        sha256_hex(request->payload ? request->payload : "", request->payload_len, out->payload_hash);

    header_t headers[SIGV4_MAX_HEADERS];
    size_t count = 0;
    bool ok = add_header(headers, &count, "host", 4, request->host) &&
        add_header(headers, &count, "x-amz-date", 10, out->amz_date);
    if (ok && credentials->session_token[0])
        ok = add_header(headers, &count, "x-amz-security-token", 20, credentials->session_token);
    if (ok && request->content_sha256_header)
        ok = add_header(headers, &count, "x-amz-content-sha256", 20, out->payload_hash);
    for (size_t i = 0; ok && i < request->header_count; i++) {
        const char *colon = strchr(request->headers[i], ':');
        ok =
            colon && add_header(headers, &count, request->headers[i], (size_t)(colon - request->headers[i]), colon + 1);
    }
    if (!ok) {
        weir_err_set(err, "SigV4: malformed or too many headers to sign");
        return WEIR_ERR_INVALID;
    }
    qsort(headers, count, sizeof headers[0], by_name);

    weir_buf_t canonical, signed_names, to_sign;
    buf_init(&canonical, 64 * 1024);
    buf_init(&signed_names, 4096);
    buf_init(&to_sign, 4096);
    weir_status_t result = buf_printf(&canonical, "%s\n%s\n%s\n", request->method, request->path, request->query);
    for (size_t i = 0; result == WEIR_OK && i < count; i++) {
        result = buf_printf(&canonical, "%s:%.*s\n", headers[i].name, (int)headers[i].value_len, headers[i].value);
        if (result == WEIR_OK)
            result = buf_printf(&signed_names, "%s%s", i ? ";" : "", headers[i].name);
    }
    if (result == WEIR_OK)
        result = buf_printf(&canonical, "\n%s\n%s", (const char *)signed_names.data, out->payload_hash);
    char canonical_hash[65];
    if (result == WEIR_OK) {
        sha256_hex(canonical.data, canonical.len, canonical_hash);
        result = buf_printf(&to_sign, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", out->amz_date, day,
                            request->region, request->service, canonical_hash);
    }
    if (result == WEIR_OK) {
        char secret[160]; /* "AWS4" and a secret_access_key of at most 127 characters always fit */
        snprintf(secret, sizeof secret, "AWS4%s", credentials->secret_access_key);
        unsigned char key[32], signature[32];
        hmac((const unsigned char *)secret, strlen(secret), day, key);
        hmac(key, sizeof key, request->region, key);
        hmac(key, sizeof key, request->service, key);
        hmac(key, sizeof key, "aws4_request", key);
        hmac(key, sizeof key, (const char *)to_sign.data, signature);
        char signature_hex[65];
        hex(signature, sizeof signature, signature_hex);
        int n = snprintf(out->authorization, sizeof out->authorization,
                         "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
                         credentials->access_key_id, day, request->region, request->service,
                         (const char *)signed_names.data, signature_hex);
        if (n < 0 || (size_t)n >= sizeof out->authorization) {
            weir_err_set(err, "SigV4: authorization header too long");
            result = WEIR_ERR_INVALID;
        }
        OPENSSL_cleanse(secret, sizeof secret);
        OPENSSL_cleanse(key, sizeof key);
    }
    if (result == WEIR_ERR_NOMEM)
        weir_err_set(err, "SigV4: request too large to sign");
    buf_free(&canonical);
    buf_free(&signed_names);
    buf_free(&to_sign);
    return result;
}
