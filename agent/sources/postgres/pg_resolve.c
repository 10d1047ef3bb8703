/* pg_resolve.c — getaddrinfo with a deadline: the lookup runs on a detached thread that the caller
 * stops waiting for when the deadline passes (getaddrinfo itself cannot be interrupted). */
#include "pg_resolve.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* An abandoned lookup keeps its thread until the system resolver gives up by itself (resolv.conf's
 * timeout × attempts: 10 s by default). Past this many at once, new lookups fail at once instead
 * of piling threads up behind a resolver that does not answer. */
#define PG_RESOLVE_MAX_PENDING 16

static atomic_int pending;

/* One lookup, shared by the waiting caller and the resolver thread: the last to let go frees it. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int refs;
    bool done;
    int status; /* getaddrinfo's */
    struct addrinfo *addrs;
    char name[256];
} lookup_t;

/* Drops one reference; called with the lock held, returns with it released. */
static void lookup_release(lookup_t *lookup)
{
    bool last = --lookup->refs == 0;
    pthread_mutex_unlock(&lookup->lock);
    if (!last)
        return;
    if (lookup->addrs)
        freeaddrinfo(lookup->addrs);
    pthread_cond_destroy(&lookup->done_cond);
    pthread_mutex_destroy(&lookup->lock);
    free(lookup);
}

static void *lookup_run(void *arg)
{
    lookup_t *lookup = arg;
    /* The hints libpq itself resolves with: any address family, stream sockets. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addrs = NULL;
    int status = getaddrinfo(lookup->name, NULL, &hints, &addrs);
    pthread_mutex_lock(&lookup->lock);
    lookup->status = status;
    lookup->addrs = status == 0 ? addrs : NULL;
    lookup->done = true;
    pthread_cond_signal(&lookup->done_cond);
    atomic_fetch_sub(&pending, 1);
    lookup_release(lookup);
    return NULL;
}

static lookup_t *lookup_new(const char *name)
{
    lookup_t *lookup = calloc(1, sizeof *lookup);
    if (!lookup)
        return NULL;
    snprintf(lookup->name, sizeof lookup->name, "%s", name);
    lookup->refs = 2;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    /* The deadline is on the monotonic clock, so a wall-clock step does not stretch it. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&lookup->lock, NULL);
    pthread_cond_init(&lookup->done_cond, &attr);
    pthread_condattr_destroy(&attr);
    return lookup;
}

static bool lookup_start(lookup_t *lookup)
{
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bool started = pthread_create(&thread, &attr, lookup_run, lookup) == 0;
    pthread_attr_destroy(&attr);
    return started;
}

/* getaddrinfo(name) on a thread, waited for at most timeout_ms. *out (owned, freeaddrinfo) on
 * WEIR_OK. */
static weir_status_t lookup_bounded(const char *name, int timeout_ms, struct addrinfo **out, weir_err_t *err)
{
    *out = NULL;
    if (atomic_fetch_add(&pending, 1) >= PG_RESOLVE_MAX_PENDING) {
        atomic_fetch_sub(&pending, 1);
        weir_err_set(err, "cannot resolve host %s: %d earlier name lookups are still waiting for the system resolver",
                     name, PG_RESOLVE_MAX_PENDING);
        return WEIR_ERR_UNAVAILABLE;
    }
    lookup_t *lookup = lookup_new(name);
    if (!lookup) {
        atomic_fetch_sub(&pending, 1);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lookup->lock);
    if (!lookup_start(lookup)) {
        lookup->refs--; /* the thread's reference: it never ran */
        atomic_fetch_sub(&pending, 1);
        lookup_release(lookup);
        weir_err_set(err, "cannot resolve host %s: cannot start a lookup thread", name);
        return WEIR_ERR_IO;
    }
    int waited = 0;
    while (!lookup->done && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&lookup->done_cond, &lookup->lock, &deadline);
    weir_status_t result = WEIR_OK;
    if (!lookup->done) {
        weir_err_set(err, "cannot resolve host %s: no answer from the name resolver within %d ms", name, timeout_ms);
        result = WEIR_ERR_UNAVAILABLE;
    } else if (lookup->status != 0) {
        weir_err_set(err, "cannot resolve host %s: %s", name, gai_strerror(lookup->status));
        result = lookup->status == EAI_MEMORY ? WEIR_ERR_NOMEM : WEIR_ERR_UNAVAILABLE;
    } else {
        *out = lookup->addrs; /* ownership moves to the caller */
        lookup->addrs = NULL;
    }
    lookup_release(lookup);
    return result;
}

/* Appends each distinct address of `addrs` to the lists, naming it `name`. */
static weir_status_t fill_lists(const char *name, const struct addrinfo *addrs, pg_resolved_t *out, weir_err_t *err)
{
    char seen[PG_RESOLVE_MAX_ADDRS][NI_MAXHOST];
    size_t hosts_used = 0, addrs_used = 0;
    for (const struct addrinfo *a = addrs; a && out->count < PG_RESOLVE_MAX_ADDRS; a = a->ai_next) {
        char text[NI_MAXHOST];
        if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, NULL, 0, NI_NUMERICHOST) != 0)
            continue;
        bool duplicate = false;
        for (int i = 0; i < out->count && !duplicate; i++)
            duplicate = strcmp(seen[i], text) == 0;
        if (duplicate)
            continue;
        const char *comma = out->count ? "," : "";
        int host_len = snprintf(out->hosts + hosts_used, sizeof out->hosts - hosts_used, "%s%s", comma, name);
        int addr_len = snprintf(out->hostaddrs + addrs_used, sizeof out->hostaddrs - addrs_used, "%s%s", comma, text);
        if (host_len < 0 || addr_len < 0 || hosts_used + (size_t)host_len >= sizeof out->hosts ||
            addrs_used + (size_t)addr_len >= sizeof out->hostaddrs)
            break; /* cannot happen within the sizes above; keep the lists whole if it does */
        hosts_used += (size_t)host_len;
        addrs_used += (size_t)addr_len;
        snprintf(seen[out->count], sizeof seen[0], "%s", text);
        out->count++;
    }
    out->hosts[hosts_used] = 0;
    out->hostaddrs[addrs_used] = 0;
    if (out->count == 0) {
        weir_err_set(err, "cannot resolve host %s: it has no address to connect to", name);
        return WEIR_ERR_UNAVAILABLE;
    }
    return WEIR_OK;
}

weir_status_t pg_resolve_host(const char *host, int timeout_ms, pg_resolved_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    char name[256];
    size_t len = host ? strlen(host) : 0;
    if (len == 0 || len > 253) {
        weir_err_set(err, "cannot resolve host \"%.40s\": a host name has 1 to 253 characters", host ? host : "");
        return WEIR_ERR_INVALID;
    }
    /* An IPv6 address may come bracketed, as in URLs; getaddrinfo and libpq take it bare. */
    if (host[0] == '[' && host[len - 1] == ']')
        snprintf(name, sizeof name, "%.*s", (int)len - 2, host + 1);
    else
        snprintf(name, sizeof name, "%s", host);
    /* A numeric address is parsed in place, with no lookup to wait for. */
    struct addrinfo numeric = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
    struct addrinfo *addrs = NULL;
    weir_status_t result = WEIR_OK;
    if (getaddrinfo(name, NULL, &numeric, &addrs) != 0) {
        addrs = NULL;
        result = lookup_bounded(name, timeout_ms, &addrs, err);
    }
    if (result == WEIR_OK)
        result = fill_lists(name, addrs, out, err);
    if (addrs)
        freeaddrinfo(addrs);
    return result;
}
