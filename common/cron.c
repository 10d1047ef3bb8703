/* cron.c — cron expression parsing into bitsets. */
#include "cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *label;
    int lo, hi;
    const char *const *names; /* names for lo..hi, or NULL */
} field_t;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static const field_t fields[5] = {
    {"minute", 0, 59, NULL},          {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day of week", 0, 7, day_names},
};

static bool parse_number(const field_t *field, const char **cursor, int *out)
{
    const char *p = *cursor;
    if (isdigit((unsigned char)*p)) {
        int value = 0;
        while (isdigit((unsigned char)*p) && value < 1000)
            value = value * 10 + (*p++ - '0');
        *out = value;
        *cursor = p;
        return true;
    }
    if (field->names && isalpha((unsigned char)p[0]) && isalpha((unsigned char)p[1]) && isalpha((unsigned char)p[2])) {
        for (int i = 0; i <= field->hi - field->lo; i++) {
            if (strncasecmp(p, field->names[i], 3) == 0) {
                *out = field->lo + i;
                *cursor = p + 3;
                return true;
            }
        }
    }
    return false;
}

/* Parses one field ("*", "*\/15", "1-5", "mon-fri", "0,30") into bits lo..hi. */
static bool parse_field(const field_t *field, const char *text, uint64_t *bits, bool *any, char *why, size_t why_size)
{
    *bits = 0;
    *any = strcmp(text, "*") == 0;
    const char *p = text;
    while (*p) {
        int start, end, step = 1;
        if (*p == '*') {
            start = field->lo;
            end = field->hi;
            p++;
        } else {
            if (!parse_number(field, &p, &start))
                goto bad;
            end = start;
            if (*p == '-') {
                p++;
                if (!parse_number(field, &p, &end))
                    goto bad;
            }
        }
        if (*p == '/') {
            p++;
            if (!isdigit((unsigned char)*p))
                goto bad;
            step = 0;
            while (isdigit((unsigned char)*p) && step < 1000)
                step = step * 10 + (*p++ - '0');
            if (step == 0)
                goto bad;
        }
        if (start < field->lo || end > field->hi || start > end) {
            snprintf(why, why_size, "%s field \"%s\": values must lie in %d-%d", field->label, text, field->lo,
                     field->hi);
            return false;
        }
        for (int v = start; v <= end; v += step)
            *bits |= 1ull << v;
        if (*p == ',') {
            p++;
            if (!*p)
                goto bad;
        } else if (*p) {
            goto bad;
        }
    }
    return true;
bad:
    snprintf(why, why_size, "%s field \"%s\" is not a number, range (a-b), list (a,b) or step (*/n)", field->label,
             text);
    return false;
}

static const struct {
    const char *macro;
    const char *expansion;
} macros[] = {
    {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"},
};

bool cron_parse(const char *text, cron_t *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    if (text[0] == '@') {
        for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
            if (strcmp(text, macros[i].macro) == 0)
                return cron_parse(macros[i].expansion, out, why, why_size);
        snprintf(why, why_size, "unknown macro \"%s\" (use @hourly, @daily, @weekly, @monthly or @yearly)", text);
        return false;
    }
    char copy[256];
    if (strlen(text) >= sizeof copy) {
        snprintf(why, why_size, "expression longer than %zu characters", sizeof copy - 1);
        return false;
    }
    snprintf(copy, sizeof copy, "%s", text);
    char *parts[6];
    int count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (count == 5) {
            count++;
            break;
        }
        parts[count++] = tok;
    }
    if (count != 5) {
        snprintf(why, why_size, "expected 5 fields (minute hour day-of-month month day-of-week), got %s",
                 count > 5 ? "more" : "fewer");
        return false;
    }
    uint64_t bits[5];
    bool any[5];
    for (int i = 0; i < 5; i++)
        if (!parse_field(&fields[i], parts[i], &bits[i], &any[i], why, why_size))
            return false;
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->mdays = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    out->wdays = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 means Sunday too */
    out->mday_any = any[2];
    out->wday_any = any[4];
    return true;
}

bool cron_matches(const cron_t *cron, int minute, int hour, int mday, int month, int wday)
{
    if (!(cron->minutes >> minute & 1) || !(cron->hours >> hour & 1) || !(cron->months >> month & 1))
        return false;
    bool mday_ok = cron->mdays >> mday & 1, wday_ok = cron->wdays >> wday & 1;
    if (cron->mday_any || cron->wday_any)
        return mday_ok && wday_ok;
    return mday_ok || wday_ok;
}
