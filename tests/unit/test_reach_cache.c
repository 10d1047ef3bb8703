/* test_reach_cache.c — the memory of unreachable sources: a failure is found within its window and
 * not after, a changed spec or another source is a different key, a reached source is forgotten,
 * a full table reuses its oldest slot, and concurrent workers share it safely. Time is passed in,
 * so nothing here waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "reach_cache.h"

static const char spec_a[] = "{\"host\":\"10.0.0.1\",\"port\":5432}";
static const char spec_b[] = "{\"host\":\"10.0.0.1\",\"port\":5433}";

static void a_failure_holds_for_its_window(void **state)
{
    (void)state;
    int64_t t0 = 1000000;
    reach_miss_t miss;
    assert_false(reach_cache_get("source_postgres", "window", spec_a, t0, &miss));
    reach_cache_put("source_postgres", "window", spec_a, t0, "cannot connect: timed out");
    assert_true(reach_cache_get("source_postgres", "window", spec_a, t0 + 12500, &miss));
    assert_int_equal(miss.age_s, 12);
    assert_int_equal(miss.left_s, 48); /* 47.5 s rounded up */
    assert_string_equal(miss.reason, "cannot connect: timed out");
    assert_true(miss.retry_at > 0);
    assert_true(reach_cache_get("source_postgres", "window", spec_a, t0 + REACH_CACHE_WINDOW_S * 1000 - 1, &miss));
    assert_int_equal(miss.left_s, 1);
    assert_false(reach_cache_get("source_postgres", "window", spec_a, t0 + REACH_CACHE_WINDOW_S * 1000, &miss));
}

static void a_changed_spec_or_another_source_is_not_found(void **state)
{
    (void)state;
    int64_t t0 = 2000000;
    reach_miss_t miss;
    reach_cache_put("source_postgres", "keyed", spec_a, t0, "timed out");
    assert_false(reach_cache_get("source_postgres", "keyed", spec_b, t0 + 1, &miss));
    assert_false(reach_cache_get("source_postgres", "other", spec_a, t0 + 1, &miss));
    assert_false(reach_cache_get("source_http", "keyed", spec_a, t0 + 1, &miss));
    /* A name and a spec that concatenate alike are still different keys. */
    assert_false(reach_cache_get("source_postgres", "keyed{", spec_a + 1, t0 + 1, &miss));
    assert_true(reach_cache_get("source_postgres", "keyed", spec_a, t0 + 1, &miss));
}

static void a_reached_source_is_forgotten_and_a_new_failure_replaces_the_old(void **state)
{
    (void)state;
    int64_t t0 = 3000000;
    reach_miss_t miss;
    reach_cache_put("source_postgres", "forget", spec_a, t0, "first");
    reach_cache_put("source_postgres", "forget", spec_a, t0 + 5000, "second");
    assert_true(reach_cache_get("source_postgres", "forget", spec_a, t0 + 6000, &miss));
    assert_string_equal(miss.reason, "second");
    assert_int_equal(miss.age_s, 1);
    reach_cache_forget("source_postgres", "forget", spec_a);
    assert_false(reach_cache_get("source_postgres", "forget", spec_a, t0 + 6000, &miss));
    /* Forgetting what was never remembered is harmless. */
    reach_cache_forget("source_postgres", "never", spec_a);
}

static void a_full_table_reuses_its_oldest_slot(void **state)
{
    (void)state;
    int64_t t0 = 4000000;
    reach_miss_t miss;
    char name[32];
    /* More sources than slots, all within one window: the earliest ones give way. */
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "full%d", i);
        reach_cache_put("source_postgres", name, spec_a, t0 + i, "timed out");
    }
    assert_false(reach_cache_get("source_postgres", "full0", spec_a, t0 + 100, &miss));
    assert_true(reach_cache_get("source_postgres", "full99", spec_a, t0 + 100, &miss));
    assert_true(reach_cache_get("source_postgres", "full40", spec_a, t0 + 100, &miss));
    /* A long reason is cut to fit, never overrun. */
    char reason[3000];
    memset(reason, 'x', sizeof reason - 1);
    reason[sizeof reason - 1] = 0;
    reach_cache_put("source_postgres", "long", spec_a, t0, reason);
    assert_true(reach_cache_get("source_postgres", "long", spec_a, t0 + 1, &miss));
    assert_int_equal(strlen(miss.reason), sizeof miss.reason - 1);
}

static void *worker(void *arg)
{
    int id = *(int *)arg;
    char name[32];
    snprintf(name, sizeof name, "worker%d", id);
    int64_t t0 = 5000000;
    reach_miss_t miss;
    for (int i = 0; i < 2000; i++) {
        reach_cache_put("source_postgres", name, spec_a, t0 + i, name);
        if (!reach_cache_get("source_postgres", name, spec_a, t0 + i, &miss) || strcmp(miss.reason, name) != 0)
            return (void *)1;
        reach_cache_forget("source_postgres", name, spec_a);
    }
    return NULL;
}

static void workers_share_it(void **state)
{
    (void)state;
    pthread_t threads[4];
    int ids[4];
    for (int i = 0; i < 4; i++) {
        ids[i] = i;
        assert_int_equal(pthread_create(&threads[i], NULL, worker, &ids[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *failed = NULL;
        assert_int_equal(pthread_join(threads[i], &failed), 0);
        assert_null(failed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failure_holds_for_its_window),
        cmocka_unit_test(a_changed_spec_or_another_source_is_not_found),
        cmocka_unit_test(a_reached_source_is_forgotten_and_a_new_failure_replaces_the_old),
        cmocka_unit_test(a_full_table_reuses_its_oldest_slot),
        cmocka_unit_test(workers_share_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
