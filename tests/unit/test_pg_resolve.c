/* test_pg_resolve.c — a source's host resolved within a deadline into libpq's host and hostaddr
 * lists: numeric IPv4 and IPv6 addresses (bracketed too) without any lookup, "localhost" through
 * the system resolver, a name that cannot resolve failing within its bound with an error naming
 * it, a lookup abandoned at its deadline, and an empty or overlong name refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "pg_resolve.h"

static void numeric_addresses_need_no_lookup(void **state)
{
    (void)state;
    pg_resolved_t out;
    weir_err_t err = {{0}};
    assert_int_equal(pg_resolve_host("127.0.0.1", 1000, &out, &err), WEIR_OK);
    assert_int_equal(out.count, 1);
    assert_string_equal(out.hosts, "127.0.0.1");
    assert_string_equal(out.hostaddrs, "127.0.0.1");
    /* Parsed, not looked up: even a zero deadline is enough. */
    assert_int_equal(pg_resolve_host("[::1]", 0, &out, &err), WEIR_OK);
    assert_string_equal(out.hosts, "::1");
    assert_string_equal(out.hostaddrs, "::1");
    assert_int_equal(pg_resolve_host("::1", 0, &out, &err), WEIR_OK);
    assert_string_equal(out.hostaddrs, "::1");
}

static void localhost_resolves_to_parallel_lists(void **state)
{
    (void)state;
    pg_resolved_t out;
    weir_err_t err = {{0}};
    assert_int_equal(pg_resolve_host("localhost", 2000, &out, &err), WEIR_OK);
    assert_true(out.count >= 1 && out.count <= PG_RESOLVE_MAX_ADDRS);
    /* One name per address, each address once. */
    int names = 1, addrs = 1;
    for (const char *p = out.hosts; *p; p++)
        names += *p == ',';
    for (const char *p = out.hostaddrs; *p; p++)
        addrs += *p == ',';
    assert_int_equal(names, out.count);
    assert_int_equal(addrs, out.count);
    assert_memory_equal(out.hosts, "localhost", 9);
    assert_true(strstr(out.hostaddrs, "127.0.0.1") || strstr(out.hostaddrs, "::1"));
}

static void a_bogus_name_fails_within_its_bound(void **state)
{
    (void)state;
    pg_resolved_t out;
    weir_err_t err = {{0}};
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* .invalid never resolves (RFC 6761); offline, the resolver may instead not answer at all,
     * and then the deadline ends the wait. Either way: unavailable, naming the host. */
    assert_int_equal(pg_resolve_host("weir-no-such-host.invalid", 1500, &out, &err), WEIR_ERR_UNAVAILABLE);
    clock_gettime(CLOCK_MONOTONIC, &end);
    assert_non_null(strstr(err.msg, "cannot resolve host weir-no-such-host.invalid: "));
    assert_int_equal(out.count, 0);
    /* The bound plus generous slack for a loaded machine, far below the resolver's own 10 s. */
    assert_true(end.tv_sec - start.tv_sec < 5);
}

/* A lookup given no time is abandoned to its thread, which frees itself when the resolver returns
 * (valgrind and the sanitizer builds see that nothing leaks or races). The thread may also win
 * the race, so both outcomes are accepted, each checked in full. */
static void an_abandoned_lookup_frees_itself(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        pg_resolved_t out;
        weir_err_t err = {{0}};
        weir_status_t result = pg_resolve_host("localhost", 0, &out, &err);
        if (result == WEIR_OK) {
            assert_true(out.count >= 1);
            continue;
        }
        assert_int_equal(result, WEIR_ERR_UNAVAILABLE);
        assert_string_equal(err.msg, "cannot resolve host localhost: no answer from the name resolver within 0 ms");
        assert_int_equal(out.count, 0);
    }
    /* Give the abandoned threads a moment to finish before the process ends. */
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
    nanosleep(&pause, NULL);
}

static void empty_and_overlong_names_are_refused(void **state)
{
    (void)state;
    pg_resolved_t out;
    weir_err_t err = {{0}};
    assert_int_equal(pg_resolve_host("", 1000, &out, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "a host name has 1 to 253 characters"));
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = 0;
    assert_int_equal(pg_resolve_host(name, 1000, &out, &err), WEIR_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numeric_addresses_need_no_lookup),     cmocka_unit_test(localhost_resolves_to_parallel_lists),
        cmocka_unit_test(a_bogus_name_fails_within_its_bound),  cmocka_unit_test(an_abandoned_lookup_frees_itself),
        cmocka_unit_test(empty_and_overlong_names_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
