/* secrets.c — secret reference resolution for env: and file: references. */
#include "secrets.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "spec.h"

/* Secrets are short: keys and passwords. A larger file is a mistake (a wrong path). */
#define SECRET_MAX_BYTES (64 * 1024)

char *secret_resolve(const char *reference, weir_err_t *err)
{
    char why[256];
    if (!spec_secret_ref_valid(reference, why, sizeof why)) {
        weir_err_set(err, "invalid secret reference: %s", why);
        return NULL;
    }
    char *value = NULL;
    if (strncmp(reference, "env:", 4) == 0) {
        const char *found = getenv(reference + 4);
        if (!found) {
            weir_err_set(err, "secret %s: the agent's environment has no %s", reference, reference + 4);
            return NULL;
        }
        value = strdup(found);
    } else if (strncmp(reference, "file:", 5) == 0) {
        weir_err_t read_err;
        value = file_read_all(reference + 5, SECRET_MAX_BYTES, &read_err);
        if (!value) {
            weir_err_set(err, "secret %s: %s", reference, read_err.msg);
            return NULL;
        }
    } else {
        weir_err_set(err, "secret %s: AWS Secrets Manager and SSM references are not supported by this "
                          "agent build yet; use env: or file:", reference);
        return NULL;
    }
    if (!value) {
        weir_err_set(err, "out of memory");
        return NULL;
    }
    size_t len = strlen(value);
    while (len && (value[len - 1] == '\n' || value[len - 1] == '\r'))
        value[--len] = 0;
    return value;
}

void secret_free(char *value)
{
    if (!value)
        return;
    OPENSSL_cleanse(value, strlen(value));
    free(value);
}
