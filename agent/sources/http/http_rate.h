/* http_rate.h — how fast and how often the HTTP source asks: a token bucket per source shared by
 * every run of it in the agent, and the pause before a retry (jittered exponential backoff that
 * gives way to a server's Retry-After). */
#ifndef WEIR_HTTP_RATE_H
#define WEIR_HTTP_RATE_H

#include <stdbool.h>
#include <stdint.h>

/* A bucket holding up to `capacity` requests, refilled at `rate` per second. */
typedef struct {
    double rate;
    double capacity;
    double tokens;
    double last; /* seconds on a monotonic clock at the last refill */
} http_bucket_t;

/* A full bucket: a source's first second may use its whole rate at once, then it is steady. */
void http_bucket_init(http_bucket_t *bucket, double rate, double now);
/* Takes one request at time `now`: returns 0 when it may go now, else the seconds to wait before
 * asking again (nothing is taken then). */
double http_bucket_take(http_bucket_t *bucket, double now);

/* Waits until the bucket of source `key` (shared across sessions and threads, created at `rate` on
 * first use, re-rated when the source's rate changes) lets one request go. */
void http_rate_acquire(const char *key, double rate);

/* Retry-After as seconds: delta-seconds only (an HTTP date or garbage gives -1), capped at `cap`. */
long http_retry_after_seconds(const char *value, long cap);

/* Milliseconds to wait before attempt `attempt` (2 for the first retry): a server's Retry-After
 * when it gave one (retry_after >= 0), else full jitter over min(cap, base * 2^(attempt-2)) using
 * `random` (uniform in [0, 1)). */
long http_backoff_ms(int attempt, long retry_after, double random);

#endif
