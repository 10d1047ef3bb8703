/* http_cursor.c — watermark arithmetic for the HTTP source's three cursor types. */
#include "http_cursor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timestamp.h"

static bool integer_text(const char *value, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long number = strtoll(value, &end, 10);
    if (errno || end == value || *end)
        return false;
    *out = number;
    return true;
}

bool http_cursor_epoch(http_cursor_type_t type, const char *value, double *epoch)
{
    long long seconds;
    if (type != HTTP_CURSOR_INTEGER && integer_text(value, &seconds)) {
        *epoch = (double)seconds;
        return true;
    }
    return type != HTTP_CURSOR_INTEGER && timestamp_parse(value, epoch);
}

bool http_cursor_param(http_cursor_type_t type, const char *value, long long minus_seconds, char *out, size_t size)
{
    long long integer;
    double epoch;
    if (type == HTTP_CURSOR_INTEGER) {
        if (!integer_text(value, &integer))
            return false;
        snprintf(out, size, "%lld", integer);
        return true;
    }
    if (!http_cursor_epoch(type, value, &epoch))
        return false;
    /* Whole seconds, rounded down: an inclusive lower bound may only widen the listing. */
    long long seconds = (long long)epoch - (epoch < 0 && (double)(long long)epoch != epoch) - minus_seconds;
    if (type == HTTP_CURSOR_UNIX) {
        snprintf(out, size, "%lld", seconds);
        return true;
    }
    time_t at = (time_t)seconds;
    struct tm tm;
    gmtime_r(&at, &tm);
    return strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

bool http_cursor_offer(http_cursor_max_t *max, const json_t *value)
{
    double order = 0;
    json_int_t number = 0;
    bool larger;
    char text[sizeof max->text];
    if (max->type == HTTP_CURSOR_TIMESTAMP) {
        if (!json_is_string(value) || json_string_length(value) >= sizeof text ||
            !timestamp_parse(json_string_value(value), &order))
            return false;
        snprintf(text, sizeof text, "%s", json_string_value(value));
        larger = order > max->order;
    } else {
        /* As integers, not doubles: ids past 2^53 would round together and misorder. */
        if (!json_is_integer(value))
            return false;
        number = json_integer_value(value);
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, number);
        larger = number > max->number;
    }
    if (!max->has || larger) {
        max->has = true;
        max->order = order;
        max->number = number;
        memcpy(max->text, text, sizeof text);
    }
    return true;
}
