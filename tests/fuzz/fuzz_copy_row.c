/* fuzz_copy_row.c — libFuzzer target: the COPY text row parser never crashes or reads out of
 * bounds, and every field it returns lies within the input or the row's scratch. */
#include <stdint.h>
#include <stdlib.h>

#include "pg_copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    copy_row_t row;
    copy_row_init(&row);
    weir_err_t err;
    if (copy_parse_row(&row, (const char *)data, size, 0, &err) == WEIR_OK) {
        size_t total = 0;
        for (size_t i = 0; i < row.count; i++) {
            const char *p = row.fields[i].data;
            bool in_input = p >= (const char *)data && p + row.fields[i].len <= (const char *)data + size;
            bool in_scratch = p >= row.scratch && p + row.fields[i].len <= row.scratch + row.scratch_cap;
            if (!row.fields[i].is_null && !in_input && !in_scratch)
                abort();
            total += row.fields[i].len;
        }
        if (total > size)
            abort();
    }
    copy_row_free(&row);
    return 0;
}
