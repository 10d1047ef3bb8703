/* retention.h — how long rows are kept: `retention = "180d"` on a pipeline table or a transform.
 * A count and a unit: d (days), w (weeks) or y (years of 365 days), e.g. "180d", "26w", "7y". */
#ifndef WEIR_RETENTION_H
#define WEIR_RETENTION_H

#include <stdbool.h>
#include <stddef.h>

/* Days in `text` (at least 1, at most 100 years); false with a reason in `why` otherwise. */
bool retention_days(const char *text, long long *days, char *why, size_t why_size);

#endif
