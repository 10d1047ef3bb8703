/* timestamp.c — reads the timestamp text PostgreSQL and ISO 8601 write into seconds since the epoch. */
#include "timestamp.h"

#include <stdio.h>
#include <time.h>

bool timestamp_parse(const char *text, double *epoch)
{
    int year, month, day, hour = 0, minute = 0, consumed = 0;
    double second = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3)
        return false;
    const char *p = text + consumed;
    if (*p == ' ' || *p == 'T') {
        int more = 0;
        if (sscanf(p + 1, "%2d:%2d:%lf%n", &hour, &minute, &second, &more) != 3)
            return false;
        p += 1 + more;
    }
    int offset_s = 0;
    if (*p == '+' || *p == '-') { /* +00, +05:30 or +0530 */
        int sign = *p == '-' ? -1 : 1, oh = 0, om = 0, used = 0;
        if (sscanf(p + 1, "%2d%n", &oh, &used) != 1)
            return false;
        const char *rest = p + 1 + used;
        if (*rest == ':')
            rest++;
        if (*rest && sscanf(rest, "%2d", &om) != 1)
            return false;
        offset_s = sign * (oh * 3600 + om * 60);
    } else if (*p && *p != 'Z') {
        return false;
    }
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour, .tm_min = minute};
    *epoch = (double)timegm(&tm) + second - offset_s;
    return true;
}
