/* schedule.h — how often a pipeline schedule fires, so a plan can tell a slowed schedule from a
 * faster one: cron text or an @macro in, runs per (non-leap) year out. */
#ifndef WEIR_REVIEW_SCHEDULE_H
#define WEIR_REVIEW_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

/* Counts the minutes of a reference year (365 days starting on a Wednesday, like 2025) at which
 * `text` fires. Returns false with the parser's reason for text that is not a schedule. */
bool schedule_runs_per_year(const char *text, long *runs, char *why, size_t why_size);

/* Writes the mean interval between runs in its largest whole unit: "15m", "1h", "1d", "1w",
 * "1mo", "1y", with a leading "~" when the unit does not divide it; "never" for zero runs. */
void schedule_interval_text(long runs_per_year, char *out, size_t size);

#endif
