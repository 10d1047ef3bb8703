/* fuzz_cron.c — libFuzzer target for the cron parser (pipeline schedules): any text parses or is
 * refused with a reason, never a crash; an accepted schedule's bit sets lie inside their fields'
 * ranges and are never empty, parsing is deterministic, and matching any valid minute never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    cron_t cron, again;
    char why[160];
    memset(why, 'x', sizeof why);
    if (cron_parse(text, &cron, why, sizeof why)) {
        if (!cron.minutes || cron.minutes >> 60 || !cron.hours || cron.hours >> 24 || !cron.mdays || (cron.mdays & 1) ||
            !cron.months || (cron.months & 1) || cron.months >> 13 || !cron.wdays || cron.wdays >> 7)
            abort();
        char why_again[160];
        if (!cron_parse(text, &again, why_again, sizeof why_again) || memcmp(&cron, &again, sizeof cron) != 0)
            abort();
        unsigned seed = size ? data[0] : 0;
        for (int i = 0; i < 64; i++, seed = seed * 1103515245u + 12345u)
            (void)cron_matches(&cron, (int)(seed % 60), (int)(seed / 60 % 24), (int)(seed / 7 % 31) + 1,
                               (int)(seed / 11 % 12) + 1, (int)(seed / 13 % 7));
    } else if (!memchr(why, 0, sizeof why) || !why[0]) {
        abort(); /* a refusal always says why, within the buffer */
    }
    free(text);
    return 0;
}
