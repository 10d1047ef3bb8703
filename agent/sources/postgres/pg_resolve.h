/* pg_resolve.h — a source's host name resolved within a deadline, into the host and hostaddr
 * lists libpq takes, so a connection never waits on a name lookup that libpq cannot bound. */
#ifndef WEIR_PG_RESOLVE_H
#define WEIR_PG_RESOLVE_H

#include "status.h"

/* At most this many addresses are tried: libpq tries them in turn within one connect deadline,
 * so more would only split it thinner. */
#define PG_RESOLVE_MAX_ADDRS 8

/* libpq's parallel lists for one name: `hosts` repeats the name once per address (libpq uses it
 * for TLS verification and the password file), `hostaddrs` holds the numeric addresses. */
typedef struct {
    char hosts[PG_RESOLVE_MAX_ADDRS * 256];    /* a name is at most 253 characters, plus a comma */
    char hostaddrs[PG_RESOLVE_MAX_ADDRS * 48]; /* INET6_ADDRSTRLEN is 46, plus a comma */
    int count;
} pg_resolved_t;

/* Resolves `host` (a name, an IPv4 address or an IPv6 address, bracketed or not) to its stream
 * addresses, waiting at most `timeout_ms` for the system resolver. A numeric address is parsed
 * without any lookup. When the deadline passes first, the lookup is abandoned to a thread that
 * frees itself when the resolver returns: WEIR_ERR_UNAVAILABLE, err saying it timed out. A name
 * that does not resolve is WEIR_ERR_UNAVAILABLE too (it may exist later: a database created in
 * the same plan), err naming it and the resolver's reason. */
weir_status_t pg_resolve_host(const char *host, int timeout_ms, pg_resolved_t *out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
