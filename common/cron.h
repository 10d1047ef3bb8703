/* cron.h — parser for 5-field cron expressions (minute hour day-of-month month day-of-week) and
 * the @hourly/@daily/@weekly/@monthly/@yearly macros. Self-contained: no daemon headers. */
#ifndef WEIR_CRON_H
#define WEIR_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t minutes; /* bit n = minute n (0..59) */
    uint32_t hours;   /* 0..23 */
    uint32_t mdays;   /* 1..31 */
    uint16_t months;  /* 1..12 */
    uint8_t wdays;    /* 0..6, Sunday = 0 (7 is accepted as Sunday) */
    bool mday_any;    /* '*' in day-of-month: only day-of-week restricts */
    bool wday_any;
} cron_t;

/* Returns true on success; on failure writes a one-line reason naming the bad field. */
bool cron_parse(const char *text, cron_t *out, char *why, size_t why_size);

/* Whether the schedule fires at the given UTC minute. Day of month and day of week combine as in
 * Vixie cron: when both are restricted, either may match. */
bool cron_matches(const cron_t *cron, int minute, int hour, int mday, int month, int wday);

#endif
