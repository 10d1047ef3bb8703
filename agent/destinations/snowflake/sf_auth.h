/* sf_auth.h — Snowflake key-pair authentication: the RS256 JWT the SQL API accepts, with the
 * account and user normalised as Snowflake's own drivers do. */
#ifndef WEIR_SF_AUTH_H
#define WEIR_SF_AUTH_H

#include <stddef.h>
#include <time.h>

#include "status.h"

typedef struct sf_keypair sf_keypair_t;

/* Loads an unencrypted PKCS#8 (or PKCS#1) PEM RSA private key of at least 2048 bits. */
weir_status_t sf_keypair_load(const char *pem, sf_keypair_t **out, weir_err_t *err) WEIR_MUSTCHECK;
void sf_keypair_free(sf_keypair_t *keypair);
/* "SHA256:" + base64 of SHA-256 over the DER SubjectPublicKeyInfo (what DESCRIBE USER shows). */
const char *sf_keypair_fingerprint(const sf_keypair_t *keypair);

/* The account as the JWT names it: upper case, region and cloud segments removed
 * ("xy12345.us-east-2.aws" → "XY12345"); for legacy ".global" names, cut at the first '-'. An
 * account that does not fit `size` is an error (out is then ""), never cut. */
weir_status_t sf_account_for_jwt(const char *account, char *out, size_t size, weir_err_t *err) WEIR_MUSTCHECK;

/* Returns a new JWT valid from `now` for `lifetime_seconds` (at most 3600). */
weir_status_t sf_jwt_make(const sf_keypair_t *keypair, const char *account, const char *user, time_t now,
                          int lifetime_seconds, char **out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
