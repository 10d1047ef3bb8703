/* tls_cert.h — fresh self-signed ECDSA P-256 certificates for AutoMTLS and the agent's --dev mode,
 * and the check of a CA bundle given by a user. */
#ifndef WEIR_TLS_CERT_H
#define WEIR_TLS_CERT_H

#include "status.h"

typedef struct {
    char *cert_pem;     /* owned */
    char *key_pem;      /* owned, PKCS#8 */
    char *cert_der_b64; /* owned: standard alphabet, no '=' padding (go-plugin's handshake form) */
} tls_cert_t;

/* Creates a CA-capable self-signed certificate for `common_name` whose SANs are the
 * comma-separated `dns_names` and `ip_addresses` (either may be NULL). Valid from a minute ago for
 * `valid_days`. */
weir_status_t tls_cert_generate(const char *common_name, const char *dns_names, const char *ip_addresses,
                                int valid_days, tls_cert_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void tls_cert_free(tls_cert_t *cert);

/* Checks that `pem` holds one or more PEM certificates and nothing else that looks like PEM (a key,
 * a truncated block): WEIR_ERR_INVALID with what is wrong, before TLS fails later with an answer
 * that names neither the file nor the cause. */
weir_status_t tls_cert_check_pem(const char *pem, weir_err_t *err) WEIR_MUSTCHECK;

#endif
