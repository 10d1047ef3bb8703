/* retention.c — parses retention periods (retention.h). */
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define RETENTION_MAX_DAYS (100LL * 365)

bool retention_days(const char *text, long long *days, char *why, size_t why_size)
{
    char *end = NULL;
    errno = 0;
    long long count = text && *text >= '0' && *text <= '9' ? strtoll(text, &end, 10) : -1;
    long long per = !end || end[0] == '\0' || end[1] != '\0' ? 0
        : *end == 'd'                                        ? 1
        : *end == 'w'                                        ? 7
        : *end == 'y'                                        ? 365
                                                             : 0;
    if (count < 1 || errno || per == 0) {
        snprintf(why, why_size, "\"%s\" is not a retention period: write a count and d, w or y, e.g. 180d or 7y",
                 text ? text : "");
        return false;
    }
    if (count > RETENTION_MAX_DAYS / per) {
        snprintf(why, why_size, "\"%s\" is longer than 100 years; leave retention unset to keep rows forever", text);
        return false;
    }
    *days = count * per;
    return true;
}
