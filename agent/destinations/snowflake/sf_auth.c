/* sf_auth.c — RSA key loading, public-key fingerprint and RS256 JWT signing with OpenSSL 3. */
#include "sf_auth.h"

#include <ctype.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct sf_keypair {
    EVP_PKEY *key;
    char fingerprint[64];
};

weir_status_t sf_keypair_load(const char *pem, sf_keypair_t **out, weir_err_t *err)
{
    *out = NULL;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!key) {
        weir_err_set(err, "the Snowflake private key is not an unencrypted PEM private key");
        return WEIR_ERR_INVALID;
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 2048) {
        EVP_PKEY_free(key);
        weir_err_set(err, "the Snowflake private key must be RSA with at least 2048 bits");
        return WEIR_ERR_INVALID;
    }
    sf_keypair_t *keypair = calloc(1, sizeof *keypair);
    unsigned char *der = NULL;
    int der_len = i2d_PUBKEY(key, &der);
    if (!keypair || der_len <= 0) {
        free(keypair);
        OPENSSL_free(der);
        EVP_PKEY_free(key);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(der, (size_t)der_len, digest);
    OPENSSL_free(der);
    memcpy(keypair->fingerprint, "SHA256:", 7);
    EVP_EncodeBlock((unsigned char *)keypair->fingerprint + 7, digest, sizeof digest);
    keypair->key = key;
    *out = keypair;
    return WEIR_OK;
}

void sf_keypair_free(sf_keypair_t *keypair)
{
    if (!keypair)
        return;
    EVP_PKEY_free(keypair->key);
    free(keypair);
}

const char *sf_keypair_fingerprint(const sf_keypair_t *keypair) { return keypair->fingerprint; }

void sf_account_for_jwt(const char *account, char *out, size_t size)
{
    size_t len = strcspn(account, strstr(account, ".global") ? "-" : ".");
    if (len >= size)
        len = size - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)toupper((unsigned char)account[i]);
    out[len] = 0;
}

static weir_status_t put_base64url(weir_buf_t *out, const unsigned char *data, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; i < len && result == WEIR_OK; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0) |
                     (i + 2 < len ? data[i + 2] : 0);
        char chunk[4] = {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63], alphabet[v & 63]};
        size_t keep = i + 2 < len ? 4 : i + 1 < len ? 3 : 2;
        result = buf_append(out, chunk, keep);
    }
    return result;
}

weir_status_t sf_jwt_make(const sf_keypair_t *keypair, const char *account, const char *user, time_t now,
                          int lifetime_seconds, char **out, weir_err_t *err)
{
    *out = NULL;
    if (err)
        err->msg[0] = 0;
    if (lifetime_seconds <= 0 || lifetime_seconds > 3600) {
        weir_err_set(err, "a Snowflake JWT lives at most one hour");
        return WEIR_ERR_INVALID;
    }
    char acct[256], usr[256];
    sf_account_for_jwt(account, acct, sizeof acct);
    snprintf(usr, sizeof usr, "%s", user);
    for (char *p = usr; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    char payload[1024];
    int n = snprintf(payload, sizeof payload,
                     "{\"iss\":\"%s.%s.%s\",\"sub\":\"%s.%s\",\"iat\":%lld,\"exp\":%lld}", acct, usr,
                     keypair->fingerprint, acct, usr, (long long)now, (long long)now + lifetime_seconds);
    if (n < 0 || (size_t)n >= sizeof payload) {
        weir_err_set(err, "account or user name too long");
        return WEIR_ERR_INVALID;
    }
    weir_buf_t token;
    buf_init(&token, 8192);
    weir_status_t result = put_base64url(&token, (const unsigned char *)header, strlen(header));
    if (result == WEIR_OK)
        result = buf_putc(&token, '.');
    if (result == WEIR_OK)
        result = put_base64url(&token, (const unsigned char *)payload, (size_t)n);
    unsigned char signature[1024];
    size_t signature_len = sizeof signature;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (result == WEIR_OK &&
        (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, keypair->key) != 1 ||
         EVP_DigestSign(md, signature, &signature_len, token.data, token.len) != 1)) {
        weir_err_set(err, "cannot sign the Snowflake JWT");
        result = WEIR_ERR_INTERNAL;
    }
    EVP_MD_CTX_free(md);
    if (result == WEIR_OK)
        result = buf_putc(&token, '.');
    if (result == WEIR_OK)
        result = put_base64url(&token, signature, signature_len);
    if (result != WEIR_OK) {
        if (err && !err->msg[0])
            weir_err_set(err, "out of memory");
        buf_free(&token);
        return result;
    }
    *out = buf_steal(&token);
    return WEIR_OK;
}
