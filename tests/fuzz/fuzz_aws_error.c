/* fuzz_aws_error.c — libFuzzer target for AWS error bodies: extracting the XML <Code> of any answer
 * never crashes, and the code it returns is a NUL-terminated string within the output buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_buf_t body;
    buf_init(&body, 1u << 20);
    if (buf_append(&body, data, size) == WEIR_OK) {
        char code[64];
        memset(code, 'x', sizeof code);
        aws_xml_error_code(&body, code, sizeof code);
        if (!memchr(code, 0, sizeof code) || body.len != size)
            abort();
    }
    buf_free(&body);
    return 0;
}
