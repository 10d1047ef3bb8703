/* tls_cert.c — self-signed certificate generation with OpenSSL 3. */
#include "tls_cert.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len < 0)
        return NULL;
    char *out = malloc((size_t)len + 1);
    if (!out)
        return NULL;
    memcpy(out, data, (size_t)len);
    out[len] = 0;
    return out;
}

static char *base64_raw(const unsigned char *data, int len)
{
    /* EVP_EncodeBlock pads with '='; go-plugin expects RawStdEncoding, so strip it. */
    char *out = malloc((size_t)(4 * ((len + 2) / 3) + 1));
    if (!out)
        return NULL;
    int written = EVP_EncodeBlock((unsigned char *)out, data, len);
    while (written > 0 && out[written - 1] == '=')
        out[--written] = 0;
    return out;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static int append_sans(char *out, size_t size, const char *prefix, const char *list)
{
    if (!list || !*list)
        return 1;
    char copy[512];
    if (strlen(list) >= sizeof copy)
        return 0;
    snprintf(copy, sizeof copy, "%s", list);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        size_t used = strlen(out);
        int n = snprintf(out + used, size - used, "%s%s:%s", used ? "," : "", prefix, item);
        if (n < 0 || (size_t)n >= size - used)
            return 0;
    }
    return 1;
}

weir_status_t tls_cert_generate(const char *common_name, const char *dns_names, const char *ip_addresses,
                                int valid_days, tls_cert_t *out, weir_err_t *err)
{
    weir_status_t result = WEIR_ERR_INTERNAL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    BIO *cert_bio = NULL, *key_bio = NULL;
    unsigned char *der = NULL;
    memset(out, 0, sizeof *out);
    if (err)
        err->msg[0] = 0;

    key = EVP_EC_gen("P-256");
    cert = X509_new();
    cert_bio = BIO_new(BIO_s_mem());
    key_bio = BIO_new(BIO_s_mem());
    if (!key || !cert || !cert_bio || !key_bio) {
        weir_err_set(err, "cannot allocate key or certificate");
        goto out;
    }

    /* A random positive 128-bit serial, as TLS clients reject zero or negative serials. */
    unsigned char serial_bytes[16];
    if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1)
        goto out;
    serial_bytes[0] &= 0x7f;
    serial_bytes[0] |= 0x01;
    BIGNUM *serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, NULL);
    if (!serial || !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert))) {
        BN_free(serial);
        goto out;
    }
    BN_free(serial);

    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), (long)valid_days * 86400L);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Weir", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)common_name, -1, -1, 0);
    X509_set_issuer_name(cert, name);

    char sans[1200] = "";
    if (!append_sans(sans, sizeof sans, "DNS", dns_names) || !append_sans(sans, sizeof sans, "IP", ip_addresses)) {
        weir_err_set(err, "too many subject alternative names");
        result = WEIR_ERR_INVALID;
        goto out;
    }
    if (!add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(cert, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") ||
        !add_ext(cert, NID_ext_key_usage, "serverAuth,clientAuth") ||
        !add_ext(cert, NID_subject_key_identifier, "hash") || (sans[0] && !add_ext(cert, NID_subject_alt_name, sans))) {
        weir_err_set(err, "cannot add certificate extensions");
        goto out;
    }
    if (!X509_sign(cert, key, EVP_sha256())) {
        weir_err_set(err, "cannot sign certificate");
        goto out;
    }

    if (!PEM_write_bio_X509(cert_bio, cert) || !PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL))
        goto out;
    int der_len = i2d_X509(cert, &der);
    if (der_len <= 0)
        goto out;
    out->cert_pem = bio_to_string(cert_bio);
    out->key_pem = bio_to_string(key_bio);
    out->cert_der_b64 = base64_raw(der, der_len);
    if (!out->cert_pem || !out->key_pem || !out->cert_der_b64) {
        tls_cert_free(out);
        result = WEIR_ERR_NOMEM;
        goto out;
    }
    result = WEIR_OK;
out:
    if (result != WEIR_OK && err && !err->msg[0])
        weir_err_set(err, "certificate generation failed");
    OPENSSL_free(der);
    BIO_free(cert_bio);
    BIO_free(key_bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return result;
}

void tls_cert_free(tls_cert_t *cert)
{
    if (cert->key_pem)
        OPENSSL_cleanse(cert->key_pem, strlen(cert->key_pem));
    free(cert->cert_pem);
    free(cert->key_pem);
    free(cert->cert_der_b64);
    memset(cert, 0, sizeof *cert);
}

weir_status_t tls_cert_check_pem(const char *pem, weir_err_t *err)
{
    if (!strstr(pem, "-----BEGIN CERTIFICATE-----")) {
        weir_err_set(err, "the CA is not a PEM certificate (no \"-----BEGIN CERTIFICATE-----\" line)");
        return WEIR_ERR_INVALID;
    }
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return WEIR_ERR_NOMEM;
    int certificates = 0;
    weir_status_t result = WEIR_OK;
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long len = 0;
        if (!PEM_read_bio(bio, &name, &header, &data, &len))
            break; /* end of input, or a block that does not parse: told apart below */
        if (strcmp(name, "CERTIFICATE") != 0) {
            weir_err_set(err, "the CA holds a PEM \"%.40s\" block; only certificates belong there", name);
            result = WEIR_ERR_INVALID;
        } else {
            const unsigned char *der = data;
            X509 *cert = d2i_X509(NULL, &der, len);
            if (!cert) {
                weir_err_set(err, "certificate %d of the CA is not a valid X.509 certificate", certificates + 1);
                result = WEIR_ERR_INVALID;
            }
            X509_free(cert);
            certificates++;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (result != WEIR_OK)
            break;
    }
    /* A PEM block that did not parse (cut short, bad base64) leaves an error on OpenSSL's queue
     * other than "no start line", which only means the input ended. */
    unsigned long pending = ERR_peek_last_error();
    if (result == WEIR_OK && pending && ERR_GET_REASON(pending) != PEM_R_NO_START_LINE) {
        weir_err_set(err, "the CA has a damaged PEM block after %d certificate(s)", certificates);
        result = WEIR_ERR_INVALID;
    }
    ERR_clear_error();
    BIO_free(bio);
    return result;
}
