/* field_rules.c — keyed hashing and masking of single values. */
#include "field_rules.h"

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

weir_status_t field_hmac_hex(const unsigned char *key, size_t key_len, const char *value, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    static const unsigned char empty;
    /* OpenSSL wants a non-NULL pointer even for an empty value. */
    if (!HMAC(EVP_sha256(), key, (int)key_len, len ? (const unsigned char *)value : &empty, len, digest, &digest_len) ||
        digest_len != 32)
        return WEIR_ERR_INTERNAL;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < digest_len; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = 0;
    return WEIR_OK;
}

static bool continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

size_t field_mask(const char *value, size_t len, unsigned keep_last, char *out)
{
    /* Find where the kept tail starts, counting characters from the end. */
    size_t tail = len, kept = 0;
    for (; kept < keep_last && tail > 0; kept++) {
        tail--;
        while (tail > 0 && continuation((unsigned char)value[tail]))
            tail--;
    }
    /* A value no longer than the tail would be kept whole: mask all of it (a CVV under the
     * default keep_last = 4 must not land in the clear). */
    if (tail == 0)
        tail = len;
    size_t used = 0;
    for (size_t i = 0; i < tail; i++)
        if (!continuation((unsigned char)value[i]))
            out[used++] = '*';
    for (size_t i = tail; i < len; i++)
        out[used++] = value[i];
    return used;
}
