/* reach_cache.c — a small fixed table of recent source failures behind one mutex. */
#include "reach_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* One slot per source that failed lately: an agent reads from a handful of sources, and losing
 * an entry to a full table only costs one more bounded attempt. */
#define REACH_CACHE_SLOTS 64

typedef struct {
    bool used;
    uint64_t key;
    int64_t failed_ms; /* monotonic */
    time_t failed_at;  /* wall clock */
    char reason[sizeof(weir_err_t)];
} slot_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot_t slots[REACH_CACHE_SLOTS];

int64_t reach_cache_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* FNV-1a over one string and its terminator, so that ("ab","c") and ("a","bc") differ. */
static uint64_t fnv1a(uint64_t hash, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    do {
        hash ^= *p;
        hash *= 0x100000001b3ULL;
    } while (*p++);
    return hash;
}

/* The key of a source: its kind, its name and its whole spec. A 64-bit hash stands for them; two
 * sources colliding would at worst share a warning for a minute. */
static uint64_t key_of(const char *kind, const char *name, const char *spec_json)
{
    return fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, kind), name), spec_json);
}

static bool live(const slot_t *slot, int64_t now_ms)
{
    return slot->used && now_ms - slot->failed_ms < (int64_t)REACH_CACHE_WINDOW_S * 1000;
}

bool reach_cache_get(const char *kind, const char *name, const char *spec_json, int64_t now_ms, reach_miss_t *out)
{
    uint64_t key = key_of(kind, name, spec_json);
    bool found = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < REACH_CACHE_SLOTS && !found; i++) {
        const slot_t *slot = &slots[i];
        if (slot->key != key || !live(slot, now_ms))
            continue;
        found = true;
        long long age_ms = now_ms - slot->failed_ms;
        out->age_s = age_ms / 1000;
        /* Rounded up, so a warning never says "again in 0 s" while the entry still holds. */
        out->left_s = ((long long)REACH_CACHE_WINDOW_S * 1000 - age_ms + 999) / 1000;
        out->retry_at = slot->failed_at + REACH_CACHE_WINDOW_S;
        snprintf(out->reason, sizeof out->reason, "%s", slot->reason);
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void reach_cache_put(const char *kind, const char *name, const char *spec_json, int64_t now_ms, const char *reason)
{
    uint64_t key = key_of(kind, name, spec_json);
    pthread_mutex_lock(&lock);
    /* The source's own slot if it has one, else a free or expired one, else the oldest. */
    slot_t *target = NULL;
    for (size_t i = 0; i < REACH_CACHE_SLOTS && !target; i++)
        if (slots[i].used && slots[i].key == key)
            target = &slots[i];
    for (size_t i = 0; i < REACH_CACHE_SLOTS && !target; i++)
        if (!live(&slots[i], now_ms))
            target = &slots[i];
    if (!target) {
        target = &slots[0];
        for (size_t i = 1; i < REACH_CACHE_SLOTS; i++)
            if (slots[i].failed_ms < target->failed_ms)
                target = &slots[i];
    }
    target->used = true;
    target->key = key;
    target->failed_ms = now_ms;
    target->failed_at = time(NULL);
    snprintf(target->reason, sizeof target->reason, "%s", reason);
    pthread_mutex_unlock(&lock);
}

void reach_cache_forget(const char *kind, const char *name, const char *spec_json)
{
    uint64_t key = key_of(kind, name, spec_json);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < REACH_CACHE_SLOTS; i++)
        if (slots[i].used && slots[i].key == key)
            slots[i].used = false;
    pthread_mutex_unlock(&lock);
}
