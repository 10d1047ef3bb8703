/* sealer.c — AES-256-GCM sealing of stored secrets with a file or KMS data key. */
#include "sealer.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_client.h"
#include "fileutil.h"
#include "log.h"
#include "strutil.h"

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16

struct sealer {
    unsigned char key[KEY_BYTES];
};

static weir_status_t from_key_bytes(const unsigned char *key, sealer_t **out)
{
    sealer_t *sealer = calloc(1, sizeof *sealer);
    if (!sealer)
        return WEIR_ERR_NOMEM;
    memcpy(sealer->key, key, KEY_BYTES);
    *out = sealer;
    return WEIR_OK;
}

/* Decodes base64 into out (at most `size` bytes); returns the length or -1. */
static int base64_decode(const char *text, unsigned char *out, size_t size)
{
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    if (len == 0 || len % 4 || len / 4 * 3 > size + 2)
        return -1;
    unsigned char *buffer = malloc(len / 4 * 3 + 1);
    if (!buffer)
        return -1;
    int decoded = EVP_DecodeBlock(buffer, (const unsigned char *)text, (int)len);
    if (decoded >= 0) {
        decoded -= (int)(text[len - 1] == '=') + (int)(text[len - 2] == '=');
        if ((size_t)decoded > size)
            decoded = -1;
        else
            memcpy(out, buffer, (size_t)decoded);
    }
    OPENSSL_cleanse(buffer, len / 4 * 3 + 1);
    free(buffer);
    return decoded;
}

static char *base64_encode(const unsigned char *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

weir_status_t sealer_from_key_file(const char *path, sealer_t **out, weir_err_t *err)
{
    *out = NULL;
    struct stat info;
    if (stat(path, &info) != 0) {
        weir_err_set(err, "secrets key file %s: %s", path, strerror(errno));
        return WEIR_ERR_IO;
    }
    if (info.st_mode & 077) {
        weir_err_set(err, "secrets key file %s is readable by others (mode %03o); chmod 600 it", path,
                     (unsigned)(info.st_mode & 0777));
        return WEIR_ERR_INVALID;
    }
    char *text = file_read_all(path, 4096, err);
    if (!text)
        return WEIR_ERR_IO;
    unsigned char key[KEY_BYTES + 3];
    weir_status_t result = WEIR_OK;
    size_t raw_len = (size_t)info.st_size;
    if (raw_len == KEY_BYTES) {
        memcpy(key, text, KEY_BYTES);
    } else if (base64_decode(text, key, sizeof key) != KEY_BYTES) {
        weir_err_set(err, "secrets key file %s must hold 32 bytes, raw or base64 (openssl rand -base64 32)", path);
        result = WEIR_ERR_INVALID;
    }
    if (result == WEIR_OK)
        result = from_key_bytes(key, out);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return result;
}

weir_status_t sealer_from_new_key_file(const char *path, sealer_t **out, weir_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        unsigned char key[KEY_BYTES];
        char *text = NULL;
        bool written = RAND_bytes(key, sizeof key) == 1 && (text = base64_encode(key, sizeof key)) &&
            write(fd, text, strlen(text)) == (ssize_t)strlen(text);
        OPENSSL_cleanse(key, sizeof key);
        if (text)
            OPENSSL_cleanse(text, strlen(text));
        free(text);
        if (close(fd) != 0 || !written) {
            unlink(path);
            weir_err_set(err, "cannot write the secrets key file %s", path);
            return WEIR_ERR_IO;
        }
        log_info("sealer", "created a secrets key in %s", path);
    } else if (errno != EEXIST) {
        weir_err_set(err, "cannot create %s: %s", path, strerror(errno));
        return WEIR_ERR_IO;
    }
    return sealer_from_key_file(path, out, err);
}

weir_status_t sealer_from_kms(const char *kms_key_id, const char *blob_path, sealer_t **out, weir_err_t *err)
{
    *out = NULL;
    char region[64];
    weir_status_t result;
    if (strncmp(kms_key_id, "arn:", 4) == 0) {
        /* arn:aws:kms:REGION:ACCOUNT:key/ID */
        const char *p = kms_key_id;
        for (int colons = 0; colons < 3 && p; colons++)
            p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
        result = str_format(region, sizeof region, err, "the region in --kms-key-id", "%.*s",
                            p ? (int)strcspn(p, ":") : 0, p ? p : "");
        if (result == WEIR_OK && !region[0])
            result = aws_region_get(region, sizeof region, err);
    } else {
        result = aws_region_get(region, sizeof region, err);
    }
    if (result != WEIR_OK)
        return result;
    weir_buf_t answer;
    buf_init(&answer, 64 * 1024);
    json_t *request = NULL, *doc = NULL;
    char *body = NULL, *blob = NULL;
    unsigned char key[KEY_BYTES + 3];
    blob = file_read_all(blob_path, 64 * 1024, err);
    bool existing = blob != NULL;
    if (existing) {
        blob[strcspn(blob, "\r\n")] = 0;
        request = json_pack("{s:s, s:s}", "CiphertextBlob", blob, "KeyId", kms_key_id);
    } else {
        request = json_pack("{s:s, s:s}", "KeyId", kms_key_id, "KeySpec", "AES_256");
    }
    body = request ? json_dumps(request, JSON_COMPACT) : NULL;
    result = body ? aws_json_call("kms", region, existing ? "TrentService.Decrypt" : "TrentService.GenerateDataKey",
                                  body, &answer, err)
                  : WEIR_ERR_NOMEM;
    if (result != WEIR_OK)
        goto out;
    doc = json_loadb((const char *)answer.data, answer.len, 0, NULL);
    const char *plain = json_string_value(json_object_get(doc, "Plaintext"));
    if (!plain || base64_decode(plain, key, sizeof key) != KEY_BYTES) {
        weir_err_set(err, "KMS answered without a 32-byte data key");
        result = WEIR_ERR_INVALID;
        goto out;
    }
    if (!existing) {
        const char *encrypted = json_string_value(json_object_get(doc, "CiphertextBlob"));
        result = encrypted ? file_write_all(blob_path, encrypted, strlen(encrypted), 0600, err) : WEIR_ERR_INVALID;
        if (result != WEIR_OK)
            goto out;
        log_info("sealer", "created a data key under KMS key %s (its encrypted form is in %s)", kms_key_id, blob_path);
    }
    result = from_key_bytes(key, out);
out:
    OPENSSL_cleanse(key, sizeof key);
    if (answer.data)
        OPENSSL_cleanse(answer.data, answer.len);
    buf_free(&answer);
    json_decref(request);
    json_decref(doc);
    free(body);
    free(blob);
    return result;
}

void sealer_free(sealer_t *sealer)
{
    if (!sealer)
        return;
    OPENSSL_cleanse(sealer->key, sizeof sealer->key);
    free(sealer);
}

bool sealer_is_sealed(const char *text)
{
    return text && strncmp(text, SEALER_PREFIX, strlen(SEALER_PREFIX)) == 0;
}

char *sealer_seal(const sealer_t *sealer, const char *context, const char *plain, weir_err_t *err)
{
    size_t len = strlen(plain);
    unsigned char *packed = malloc(NONCE_BYTES + len + TAG_BYTES);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    char *encoded = NULL, *out = NULL;
    int n = 0, final = 0;
    if (!packed || !ctx || RAND_bytes(packed, NONCE_BYTES) != 1 ||
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, sealer->key, packed) != 1 ||
        EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)context, (int)strlen(context)) != 1 ||
        EVP_EncryptUpdate(ctx, packed + NONCE_BYTES, &n, (const unsigned char *)plain, (int)len) != 1 ||
        EVP_EncryptFinal_ex(ctx, packed + NONCE_BYTES + n, &final) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, packed + NONCE_BYTES + len) != 1 ||
        !(encoded = base64_encode(packed, NONCE_BYTES + len + TAG_BYTES)) ||
        !(out = malloc(strlen(SEALER_PREFIX) + strlen(encoded) + 1))) {
        weir_err_set(err, "cannot seal a secret");
    } else {
        snprintf(out, strlen(SEALER_PREFIX) + strlen(encoded) + 1, "%s%s", SEALER_PREFIX, encoded);
    }
    EVP_CIPHER_CTX_free(ctx);
    if (packed)
        OPENSSL_cleanse(packed, NONCE_BYTES + len + TAG_BYTES);
    free(packed);
    free(encoded);
    return out;
}

char *sealer_open(const sealer_t *sealer, const char *context, const char *sealed, weir_err_t *err)
{
    if (!sealer_is_sealed(sealed)) {
        weir_err_set(err, "not a sealed value");
        return NULL;
    }
    const char *encoded = sealed + strlen(SEALER_PREFIX);
    size_t cap = strlen(encoded) / 4 * 3 + 3;
    unsigned char *packed = malloc(cap);
    char *plain = NULL;
    int len = packed ? base64_decode(encoded, packed, cap) : -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, final = 0;
    if (len < NONCE_BYTES + TAG_BYTES || !ctx || !(plain = calloc((size_t)len, 1))) {
        weir_err_set(err, "a sealed value is damaged");
        goto out;
    }
    int body = len - NONCE_BYTES - TAG_BYTES;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, sealer->key, packed) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)context, (int)strlen(context)) != 1 ||
        EVP_DecryptUpdate(ctx, (unsigned char *)plain, &n, packed + NONCE_BYTES, body) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, packed + NONCE_BYTES + body) != 1 ||
        EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + n, &final) != 1) {
        weir_err_set(err,
                     "a sealed value does not open with this key (wrong key file or KMS key, or moved "
                     "between objects)");
        OPENSSL_cleanse(plain, (size_t)len);
        free(plain);
        plain = NULL;
    }
out:
    EVP_CIPHER_CTX_free(ctx);
    if (packed)
        OPENSSL_cleanse(packed, cap);
    free(packed);
    return plain;
}

struct sealer_stream {
    EVP_CIPHER_CTX *ctx;
    bool encrypting;
};

bool sealer_file_header_is_sealed(const unsigned char *bytes, size_t len)
{
    return len >= SEALER_FILE_HEADER && memcmp(bytes, SEALER_FILE_MAGIC, 8) == 0;
}

static sealer_stream_t *stream_start(const sealer_t *sealer, const char *context, const unsigned char *nonce,
                                     bool encrypting)
{
    sealer_stream_t *stream = calloc(1, sizeof *stream);
    if (!stream)
        return NULL;
    stream->encrypting = encrypting;
    stream->ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = stream->ctx &&
        (encrypting ? EVP_EncryptInit_ex(stream->ctx, EVP_aes_256_gcm(), NULL, sealer->key, nonce)
                    : EVP_DecryptInit_ex(stream->ctx, EVP_aes_256_gcm(), NULL, sealer->key, nonce)) == 1 &&
        (encrypting
             ? EVP_EncryptUpdate(stream->ctx, NULL, &n, (const unsigned char *)context, (int)strlen(context))
             : EVP_DecryptUpdate(stream->ctx, NULL, &n, (const unsigned char *)context, (int)strlen(context))) == 1;
    if (!ok) {
        sealer_stream_free(stream);
        return NULL;
    }
    return stream;
}

sealer_stream_t *sealer_stream_encrypt(const sealer_t *sealer, const char *context,
                                       unsigned char header[SEALER_FILE_HEADER])
{
    memcpy(header, SEALER_FILE_MAGIC, 8);
    if (RAND_bytes(header + 8, NONCE_BYTES) != 1)
        return NULL;
    return stream_start(sealer, context, header + 8, true);
}

sealer_stream_t *sealer_stream_decrypt(const sealer_t *sealer, const char *context,
                                       const unsigned char header[SEALER_FILE_HEADER])
{
    if (!sealer_file_header_is_sealed(header, SEALER_FILE_HEADER))
        return NULL;
    return stream_start(sealer, context, header + 8, false);
}

weir_status_t sealer_stream_update(sealer_stream_t *stream, const unsigned char *in, size_t len, unsigned char *out)
{
    while (len) {
        int part = len > (1u << 30) ? 1 << 30 : (int)len, n = 0;
        int ok = stream->encrypting ? EVP_EncryptUpdate(stream->ctx, out, &n, in, part)
                                    : EVP_DecryptUpdate(stream->ctx, out, &n, in, part);
        if (ok != 1 || n != part) /* GCM is a stream mode: output keeps pace with input */
            return WEIR_ERR_INTERNAL;
        in += part;
        out += part;
        len -= (size_t)part;
    }
    return WEIR_OK;
}

weir_status_t sealer_stream_finish(sealer_stream_t *stream, unsigned char tag[SEALER_FILE_TAG])
{
    unsigned char none[16];
    int n = 0;
    if (stream->encrypting)
        return EVP_EncryptFinal_ex(stream->ctx, none, &n) == 1 &&
                EVP_CIPHER_CTX_ctrl(stream->ctx, EVP_CTRL_GCM_GET_TAG, SEALER_FILE_TAG, tag) == 1
            ? WEIR_OK
            : WEIR_ERR_INTERNAL;
    return EVP_CIPHER_CTX_ctrl(stream->ctx, EVP_CTRL_GCM_SET_TAG, SEALER_FILE_TAG, tag) == 1 &&
            EVP_DecryptFinal_ex(stream->ctx, none, &n) == 1
        ? WEIR_OK
        : WEIR_ERR_AUTH;
}

void sealer_stream_free(sealer_stream_t *stream)
{
    if (!stream)
        return;
    EVP_CIPHER_CTX_free(stream->ctx);
    free(stream);
}
