/* sf_auth.c — RSA key loading, public-key fingerprint and RS256 JWT signing with OpenSSL 3; the
 * claims are built with jansson so any name is escaped as JSON requires. */
#include "sf_auth.h"

#include <ctype.h>
#include <jansson.h>
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

const char *sf_keypair_fingerprint(const sf_keypair_t *keypair)
{
    return keypair->fingerprint;
}

weir_status_t sf_account_for_jwt(const char *account, char *out, size_t size, weir_err_t *err)
{
    size_t len = strcspn(account, strstr(account, ".global") ? "-" : ".");
    if (len >= size) {
        if (size)
            out[0] = 0;
        weir_err_set(err, "the Snowflake account name is too long (%zu characters; at most %zu)", len,
                     size ? size - 1 : 0);
        return WEIR_ERR_INVALID;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = (char)toupper((unsigned char)account[i]);
    out[len] = 0;
    return WEIR_OK;
}

/* "ISS" claim parts joined with '.': returns new text or NULL when out of memory. */
static char *join3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = c ? strlen(c) : 0;
    char *out = malloc(la + lb + lc + 3);
    if (!out)
        return NULL;
    memcpy(out, a, la);
    out[la] = '.';
    memcpy(out + la + 1, b, lb);
    if (c) {
        out[la + 1 + lb] = '.';
        memcpy(out + la + lb + 2, c, lc + 1);
    } else {
        out[la + 1 + lb] = 0;
    }
    return out;
}

/* The claims Snowflake expects, as compact JSON in this order:
 * {"iss":"ACCOUNT.USER.SHA256:fp","sub":"ACCOUNT.USER","iat":now,"exp":now+lifetime}.
 * jansson escapes quotes, backslashes and control characters in the names. */
static weir_status_t jwt_payload(const char *account, const char *user, const char *fingerprint, time_t now,
                                 int lifetime_seconds, char **out, weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    char *iss = join3(account, user, fingerprint), *sub = join3(account, user, NULL);
    json_t *claims = NULL;
    if (!iss || !sub) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
    } else if (!(claims = json_pack("{s:s, s:s, s:I, s:I}", "iss", iss, "sub", sub, "iat", (json_int_t)now, "exp",
                                    (json_int_t)now + lifetime_seconds))) {
        weir_err_set(err, "the Snowflake account or user name is not valid UTF-8");
        result = WEIR_ERR_INVALID;
    } else if (!(*out = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
        weir_err_set(err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    json_decref(claims);
    free(iss);
    free(sub);
    return result;
}

static weir_status_t put_base64url(weir_buf_t *out, const unsigned char *data, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; i < len && result == WEIR_OK; i += 3) {
        unsigned v =
            (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0) | (i + 2 < len ? data[i + 2] : 0);
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
    /* Snowflake identifiers are at most 255 characters. */
    char acct[256], usr[256];
    if (sf_account_for_jwt(account, acct, sizeof acct, err) != WEIR_OK)
        return WEIR_ERR_INVALID;
    size_t user_len = strlen(user);
    if (user_len >= sizeof usr) {
        weir_err_set(err, "the Snowflake user name is too long (%zu characters; at most %zu)", user_len,
                     sizeof usr - 1);
        return WEIR_ERR_INVALID;
    }
    for (size_t i = 0; i <= user_len; i++)
        usr[i] = (char)toupper((unsigned char)user[i]);
    char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    char *payload = NULL;
    weir_status_t made = jwt_payload(acct, usr, keypair->fingerprint, now, lifetime_seconds, &payload, err);
    if (made != WEIR_OK)
        return made;
    weir_buf_t token;
    /* Two 255-character names, even if every character needed a six-byte JSON escape, plus an
     * 8192-bit signature stay under this once base64url-encoded. */
    buf_init(&token, 32 * 1024);
    weir_status_t result = put_base64url(&token, (const unsigned char *)header, strlen(header));
    if (result == WEIR_OK)
        result = buf_putc(&token, '.');
    if (result == WEIR_OK)
        result = put_base64url(&token, (const unsigned char *)payload, strlen(payload));
    free(payload);
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
