/* cursor_range.c — parsing and splitting backfill cursor ranges. */
#include "cursor_range.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spec.h"

#define SECONDS_PER_DAY 86400LL

static bool parse_integer(const char *text, long long *out)
{
    if (!*text)
        return false;
    const char *p = text[0] == '-' ? text + 1 : text;
    if (!isdigit((unsigned char)*p))
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    errno = 0;
    char *end;
    *out = strtoll(text, &end, 10);
    return errno == 0 && *end == 0;
}

/* Reads exactly `width` digits. */
static bool digits(const char **p, int width, int *out)
{
    int value = 0;
    for (int i = 0; i < width; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        value = value * 10 + ((*p)[i] - '0');
    }
    *p += width;
    *out = value;
    return true;
}

static bool valid_date(int year, int month, int day)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

/* YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS] and Z or ±HH:MM (a time needs a zone: the
 * range must mean the same instant whatever the server's time zone). */
static bool parse_time(const char *text, long long *epoch, bool *has_time)
{
    const char *p = text;
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &month) || *p++ != '-' || !digits(&p, 2, &day) ||
        !valid_date(year, month, day))
        return false;
    *has_time = *p != 0;
    long long offset = 0;
    if (*has_time) {
        if ((*p != 'T' && *p != ' ') || (p++, !digits(&p, 2, &hour)) || *p++ != ':' || !digits(&p, 2, &minute))
            return false;
        if (*p == ':' && (p++, !digits(&p, 2, &second)))
            return false;
        if (hour > 23 || minute > 59 || second > 59)
            return false;
        if (*p == 'Z' && p[1] == 0) {
            offset = 0;
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
            int sign = *p == '-' ? -1 : 1, oh, om;
            p++;
            if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
                return false;
            offset = sign * (oh * 3600LL + om * 60LL);
        } else {
            return false;
        }
    }
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = month - 1,
                    .tm_mday = day,
                    .tm_hour = hour,
                    .tm_min = minute,
                    .tm_sec = second};
    *epoch = (long long)timegm(&tm) - offset;
    return true;
}

bool cursor_range_parse(const char *from, const char *to, const char *chunk, cursor_range_t *out, const char **bad_attr,
                        char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    bool from_time = false, to_time = false;
    if (parse_integer(from, &out->from)) {
        out->kind = CURSOR_RANGE_INTEGER;
        if (!parse_integer(to, &out->to)) {
            *bad_attr = "to";
            snprintf(why, why_size, "\"from\" is an integer, so \"to\" must be one too, not \"%s\".", to);
            return false;
        }
        if (!parse_integer(chunk, &out->step) || out->step <= 0) {
            *bad_attr = "chunk";
            snprintf(why, why_size, "An integer range needs a positive integer chunk width, not \"%s\".", chunk);
            return false;
        }
    } else if (parse_time(from, &out->from, &from_time)) {
        out->kind = from_time ? CURSOR_RANGE_TIMESTAMP : CURSOR_RANGE_DATE;
        if (!parse_time(to, &out->to, &to_time) || to_time != from_time) {
            *bad_attr = "to";
            snprintf(why, why_size, "\"from\" is a %s, so \"to\" must be one too, not \"%s\".",
                     from_time ? "timestamp with a zone" : "date (YYYY-MM-DD)", to);
            return false;
        }
        if (!spec_duration_seconds(chunk, &out->step) || out->step <= 0) {
            *bad_attr = "chunk";
            snprintf(why, why_size, "A time range needs a duration such as \"6h\" or \"1d\" as chunk, not \"%s\".",
                     chunk);
            return false;
        }
        if (!from_time && out->step % SECONDS_PER_DAY != 0) {
            *bad_attr = "chunk";
            snprintf(why, why_size, "A date range splits into whole days; \"%s\" is not a multiple of 1d.", chunk);
            return false;
        }
    } else {
        *bad_attr = "from";
        snprintf(why, why_size,
                 "\"%s\" is neither an integer, a date (2024-01-31) nor a timestamp with a zone "
                 "(2024-01-31T00:00:00Z).",
                 from);
        return false;
    }
    if (out->to <= out->from) {
        *bad_attr = "to";
        snprintf(why, why_size, "The range is empty: \"to\" (%s) must come after \"from\" (%s).", to, from);
        return false;
    }
    if (cursor_range_chunk_count(out) > CURSOR_RANGE_MAX_CHUNKS) {
        *bad_attr = "chunk";
        snprintf(why, why_size, "\"%s\" splits the range into more than %d chunks; choose a wider chunk.", chunk,
                 CURSOR_RANGE_MAX_CHUNKS);
        return false;
    }
    return true;
}

long long cursor_range_chunk_count(const cursor_range_t *range)
{
    /* Computed in unsigned arithmetic: from and to may span nearly the whole long long range. */
    unsigned long long width = (unsigned long long)range->to - (unsigned long long)range->from;
    unsigned long long step = (unsigned long long)range->step;
    unsigned long long count = width / step + (width % step != 0);
    return count > (unsigned long long)CURSOR_RANGE_MAX_CHUNKS ? CURSOR_RANGE_MAX_CHUNKS + 1LL : (long long)count;
}

void cursor_range_bound(const cursor_range_t *range, long long index, char *out, size_t size)
{
    long long count = cursor_range_chunk_count(range);
    /* In unsigned arithmetic: index × step may pass LLONG_MAX on the way even though the bound
     * itself lies within [from, to]. */
    long long value = index >= count
        ? range->to
        : (long long)((unsigned long long)range->from + (unsigned long long)index * (unsigned long long)range->step);
    if (range->kind == CURSOR_RANGE_INTEGER) {
        snprintf(out, size, "%lld", value);
        return;
    }
    time_t seconds = (time_t)value;
    struct tm tm;
    gmtime_r(&seconds, &tm);
    if (range->kind == CURSOR_RANGE_DATE)
        snprintf(out, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    else
        snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
}
