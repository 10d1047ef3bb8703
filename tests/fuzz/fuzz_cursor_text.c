/* fuzz_cursor_text.c — libFuzzer target for the time and range text the agent parses: backfill
 * ranges (from, to and chunk, one per line) never crash, and a range that parses splits into
 * increasing bounds ending at `to`; watermark timestamps for the lag metric never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor_range.h"
#include "timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    double epoch;
    (void)timestamp_parse(text, &epoch);
    char *to = strchr(text, '\n');
    char *chunk = to ? strchr(to + 1, '\n') : NULL;
    if (chunk) {
        *to++ = 0;
        *chunk++ = 0;
        cursor_range_t range;
        const char *bad = NULL;
        char why[320], bound[64], last[64] = "";
        if (cursor_range_parse(text, to, chunk, &range, &bad, why, sizeof why)) {
            long long count = cursor_range_chunk_count(&range);
            if (count < 1 || count > CURSOR_RANGE_MAX_CHUNKS)
                abort();
            long long previous = 0;
            for (long long i = 0; i <= count && i < 200; i++) {
                long long value = i >= count ? range.to
                                             : (long long)((unsigned long long)range.from +
                                                           (unsigned long long)i * (unsigned long long)range.step);
                if (i > 0 && value <= previous)
                    abort();
                previous = value;
                cursor_range_bound(&range, i, bound, sizeof bound);
            }
            cursor_range_bound(&range, count, last, sizeof last);
            if (!last[0])
                abort();
        } else if (!bad) {
            abort(); /* a refusal always names the attribute */
        }
    }
    free(text);
    return 0;
}
