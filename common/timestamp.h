/* timestamp.h — timestamp text to epoch seconds, for watermark lag and freshness. */
#ifndef WEIR_TIMESTAMP_H
#define WEIR_TIMESTAMP_H

#include <stdbool.h>

/* Seconds since the epoch for PostgreSQL timestamp text ("2026-11-23 10:23:20.5+00", a date, or
 * ISO 8601); false for anything else (an integer cursor has no lag). */
bool timestamp_parse(const char *text, double *epoch);

#endif
