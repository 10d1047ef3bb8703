/* fuzz_spec_json.c — libFuzzer target: the agent's spec parser (JSON → normalised spec for every
 * kind) never crashes, and a normalised spec normalises to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "objects.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* The first byte picks the kind; the rest is the spec document. */
    const spec_kind_t *kind = spec_kinds[data[0] % spec_kind_count];
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    weir_err_t err;
    char *canonical = NULL, *secrets = NULL;
    if (objects_normalise(kind, "p", text, "", &canonical, &secrets, &err) == WEIR_OK) {
        char *again = NULL, *secrets_again = NULL;
        if (objects_normalise(kind, "p", canonical, secrets, &again, &secrets_again, &err) != WEIR_OK ||
            strcmp(again, canonical) != 0)
            abort();
        free(again);
        free(secrets_again);
    }
    free(canonical);
    free(secrets);
    free(text);
    return 0;
}
