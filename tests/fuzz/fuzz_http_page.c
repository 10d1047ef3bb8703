/* fuzz_http_page.c — libFuzzer target for the HTTP source's page parser and Link-header parser
 * (bodies and headers come from the API): any bytes parse to a document with a records array or are
 * refused with a reason that never quotes the body, and never crash. The first line of the input is
 * the records pointer, the rest the body; the whole input is also read as a Link header. */
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
    char *newline = memchr(text, '\n', size);
    const char *pointer = "/data";
    const char *body = text;
    size_t body_len = size;
    if (newline) {
        *newline = 0;
        pointer = text;
        body = newline + 1;
        body_len = size - (size_t)(body - text);
    }
    const json_t *records = NULL;
    char why[300];
    json_t *doc = http_page_parse(body, body_len, pointer, &records, why, sizeof why);
    if (doc && !json_is_array(records))
        abort();
    if (!doc && (records || !why[0]))
        abort();
    json_decref(doc);
    char next[512];
    memcpy(text, data, size);
    if (http_link_next(text, next, sizeof next) && (next[0] == 0 || strlen(next) >= sizeof next))
        abort();
    free(text);
    return 0;
}
