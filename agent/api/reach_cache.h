/* reach_cache.h — sources found unreachable by apply's checks, remembered for a minute so that the
 * applies that follow warn at once instead of each waiting out the connection bound again (1,500
 * pipelines on one black-holed host would otherwise wait 1,500 times). Thread-safe: the RPC
 * server's workers share it. Only failures are remembered; a reachable source is checked every
 * time, since its catalog can change. */
#ifndef WEIR_REACH_CACHE_H
#define WEIR_REACH_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "status.h"

/* How long a failure is remembered: long enough to cover one `tofu apply` of many pipelines,
 * short enough that a source brought up meanwhile is checked again soon. */
#define REACH_CACHE_WINDOW_S 60

/* Only failures that took at least this long are remembered: one that came back at once (a
 * refused connection, a name that does not exist) costs nothing to try again. */
#define REACH_CACHE_SLOW_MS 1000

/* A remembered failure. */
typedef struct {
    long long age_s;                 /* since the failed attempt */
    long long left_s;                /* until the source is tried again */
    time_t retry_at;                 /* the same, on the wall clock, for messages */
    char reason[sizeof(weir_err_t)]; /* the failed attempt's error text */
} reach_miss_t;

/* Milliseconds on the monotonic clock: the `now_ms` the functions below take. */
int64_t reach_cache_now_ms(void);

/* True, with *out filled, when source `name` of object kind `kind` with spec `spec_json` failed
 * within the window before `now_ms`. Any change to the spec is a different key, so a corrected
 * host or port is tried at once. All arguments are borrowed. */
bool reach_cache_get(const char *kind, const char *name, const char *spec_json, int64_t now_ms, reach_miss_t *out);

/* Remembers that the source failed at `now_ms` with `reason` (copied, cut to fit). When every slot
 * is taken, the oldest is reused. */
void reach_cache_put(const char *kind, const char *name, const char *spec_json, int64_t now_ms, const char *reason);

/* Forgets a failure of the source with this spec, after it was reached. */
void reach_cache_forget(const char *kind, const char *name, const char *spec_json);

#endif
