/* fuzz_json_pointer.c — libFuzzer target for the JSON pointer evaluator (pointers come from users'
 * configurations and from API bodies' shapes): the first line is a pointer, the rest a document.
 * Evaluation never crashes; an invalid pointer selects nothing; a pointer that selects a value
 * selects the same one when evaluated again on a copy of the document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_pointer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *newline = strchr(text, '\n');
    if (!newline) {
        free(text);
        return 0;
    }
    *newline = 0;
    json_t *doc = json_loads(newline + 1, JSON_DECODE_ANY, NULL);
    const json_t *found = json_pointer_get(doc, text);
    if (found && !json_pointer_valid(text))
        abort();
    if (doc && !json_pointer_valid(text) && json_pointer_get(doc, text))
        abort();
    if (found) {
        json_t *copy = json_deep_copy(doc);
        const json_t *again = json_pointer_get(copy, text);
        if (!again || !json_equal(found, again))
            abort();
        json_decref(copy);
    }
    json_decref(doc);
    free(text);
    return 0;
}
