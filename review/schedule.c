/* schedule.c — counts a cron schedule's runs over a reference year. */
#include "schedule.h"

#include <stdio.h>

#include "cron.h"

#define MINUTES_PER_YEAR (365L * 24 * 60)

bool schedule_runs_per_year(const char *text, long *runs, char *why, size_t why_size)
{
    cron_t cron;
    if (!cron_parse(text, &cron, why, why_size))
        return false;
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long count = 0;
    int wday = 3; /* 1 January of the reference year is a Wednesday */
    for (int month = 1; month <= 12; month++) {
        for (int mday = 1; mday <= month_days[month - 1]; mday++) {
            for (int hour = 0; hour < 24; hour++) {
                if (!(cron.hours & (1u << hour)))
                    continue; /* spares 60 calls per hour that cannot match */
                for (int minute = 0; minute < 60; minute++)
                    if (cron_matches(&cron, minute, hour, mday, month, wday))
                        count++;
            }
            wday = (wday + 1) % 7;
        }
    }
    *runs = count;
    return true;
}

void schedule_interval_text(long runs_per_year, char *out, size_t size)
{
    if (runs_per_year <= 0) {
        snprintf(out, size, "never");
        return;
    }
    long minutes = MINUTES_PER_YEAR / runs_per_year;
    static const struct {
        long minutes;
        const char *unit;
    } units[] = {
        {365L * 24 * 60, "y"}, {30L * 24 * 60, "mo"}, {7L * 24 * 60, "w"}, {24L * 60, "d"}, {60, "h"}, {1, "m"},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (minutes >= units[i].minutes || units[i].minutes == 1) {
            long whole = minutes / units[i].minutes;
            long rest = minutes % units[i].minutes;
            snprintf(out, size, "%s%ld%s", rest ? "~" : "", whole, units[i].unit);
            return;
        }
    }
}
