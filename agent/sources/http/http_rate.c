/* http_rate.c — per-source token buckets and retry backoff for the HTTP source. */
#include "http_rate.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* First retry waits up to half a second; waits double up to 30 s, so five attempts span about a
 * minute: long enough for a rate-limit window to pass, short enough for an hourly schedule. */
#define BACKOFF_BASE_MS 500L
#define BACKOFF_CAP_MS 30000L

/* Sources an agent serves at once are few (the reference workload has four APIs); a fixed table
 * keeps the buckets alive across runs without an allocation per source. Beyond it sources share the
 * last slot's bucket, which only makes them slower, never faster than their limits. */
#define RATE_SOURCES 64

void http_bucket_init(http_bucket_t *bucket, double rate, double now)
{
    bucket->rate = rate;
    bucket->capacity = rate < 1 ? 1 : rate;
    bucket->tokens = bucket->capacity;
    bucket->last = now;
}

double http_bucket_take(http_bucket_t *bucket, double now)
{
    if (now > bucket->last) {
        bucket->tokens += (now - bucket->last) * bucket->rate;
        if (bucket->tokens > bucket->capacity)
            bucket->tokens = bucket->capacity;
        bucket->last = now;
    }
    if (bucket->tokens >= 1) {
        bucket->tokens -= 1;
        return 0;
    }
    return (1 - bucket->tokens) / bucket->rate;
}

static double monotonic_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static struct {
    pthread_mutex_t lock;
    size_t count;
    char keys[RATE_SOURCES][128];
    http_bucket_t buckets[RATE_SOURCES];
} rates = {.lock = PTHREAD_MUTEX_INITIALIZER};

static http_bucket_t *bucket_for(const char *key, double rate, double now)
{
    for (size_t i = 0; i < rates.count; i++)
        if (strcmp(rates.keys[i], key) == 0) {
            if (rates.buckets[i].rate != rate)
                http_bucket_init(&rates.buckets[i], rate, now);
            return &rates.buckets[i];
        }
    size_t slot = rates.count < RATE_SOURCES ? rates.count++ : RATE_SOURCES - 1;
    snprintf(rates.keys[slot], sizeof rates.keys[slot], "%s", key);
    http_bucket_init(&rates.buckets[slot], rate, now);
    return &rates.buckets[slot];
}

void http_rate_acquire(const char *key, double rate)
{
    for (;;) {
        pthread_mutex_lock(&rates.lock);
        double wait = http_bucket_take(bucket_for(key, rate, monotonic_seconds()), monotonic_seconds());
        pthread_mutex_unlock(&rates.lock);
        if (wait <= 0)
            return;
        struct timespec pause = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
        while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
            continue;
    }
}

long http_retry_after_seconds(const char *value, long cap)
{
    if (!value || !*value)
        return -1;
    char *end = NULL;
    errno = 0;
    long seconds = strtol(value, &end, 10);
    while (end && (*end == ' ' || *end == '\r' || *end == '\n'))
        end++;
    if (errno || end == value || *end || seconds < 0)
        return -1;
    return seconds > cap ? cap : seconds;
}

long http_backoff_ms(int attempt, long retry_after, double random)
{
    if (retry_after >= 0)
        return retry_after * 1000L;
    long ceiling = BACKOFF_BASE_MS;
    for (int i = 2; i < attempt && ceiling < BACKOFF_CAP_MS; i++)
        ceiling *= 2;
    if (ceiling > BACKOFF_CAP_MS)
        ceiling = BACKOFF_CAP_MS;
    /* Full jitter, but never less than a tenth of the ceiling, so a burst of retries still spreads. */
    return ceiling / 10 + (long)(random * (double)(ceiling - ceiling / 10));
}
