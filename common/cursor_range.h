/* cursor_range.h — a backfill's cursor range [from, to) split into chunks: integers, dates or UTC
 * timestamps. Shared by plan-time validation (provider) and chunk planning (agent). */
#ifndef WEIR_CURSOR_RANGE_H
#define WEIR_CURSOR_RANGE_H

#include <stdbool.h>
#include <stddef.h>

/* More chunks than this is a mistake in `chunk` (two years of hourly chunks are 17,520). */
#define CURSOR_RANGE_MAX_CHUNKS 100000

typedef enum { CURSOR_RANGE_INTEGER, CURSOR_RANGE_DATE, CURSOR_RANGE_TIMESTAMP } cursor_range_kind_t;

typedef struct {
    cursor_range_kind_t kind;
    long long from, to; /* integers, or seconds since the epoch for dates and timestamps */
    long long step;     /* chunk width in the same unit */
} cursor_range_t;

/* Parses `from` and `to` (both integers, both dates YYYY-MM-DD, or both timestamps
 * YYYY-MM-DDTHH:MM[:SS] with Z or ±HH:MM) and `chunk` (a positive integer for integers, a duration
 * otherwise; whole days for dates). On failure names the attribute at fault in *bad_attr and says
 * why. */
bool cursor_range_parse(const char *from, const char *to, const char *chunk, cursor_range_t *out, const char **bad_attr,
                        char *why, size_t why_size);

/* Number of chunks; the last one may be shorter. */
long long cursor_range_chunk_count(const cursor_range_t *range);

/* Bound `index` (0 … chunk_count) as text in the range's own form: "1200", "2024-03-01" or
 * "2024-03-01T06:00:00Z". Bound chunk_count is `to` itself. */
void cursor_range_bound(const cursor_range_t *range, long long index, char *out, size_t size);

#endif
