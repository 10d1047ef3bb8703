/* fuzz_ca_pem.c — libFuzzer target for the check of a user's CA bundle (provider ca_cert, ctl
 * --ca-cert, WEIR_CA_CERT): any text is accepted as certificates or refused with a reason, never a
 * crash, and the verdict is the same twice (OpenSSL's error queue is left clean). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    weir_err_t err = {{0}}, again = {{0}};
    weir_status_t first = tls_cert_check_pem(text, &err);
    weir_status_t second = tls_cert_check_pem(text, &again);
    if (first != second || (first != WEIR_OK && (!err.msg[0] || strcmp(err.msg, again.msg) != 0)))
        abort();
    free(text);
    return 0;
}
