/* test_backfill.c — backfill planning and chunk flow through the store: parallelism, throttle,
 * retries up to max_attempts, operator retry, resume after reopening, deletion and replacement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "store_backfill.h"
#include "store_runs.h"
#include "temp_store.h"

static temp_store_t place;
static store_t *store;

static void put(const char *kind, const char *name, const char *spec)
{
    temp_store_put(store, kind, name, spec);
}

static int setup(void **state)
{
    (void)state;
    if (temp_store_open(&place, &store) != 0)
        return -1;
    put("source_postgres", "src", "{\"name\":\"src\",\"max_connections\":10}");
    put("destination_snowflake", "dst", "{\"name\":\"dst\",\"max_concurrent_loads\":10}");
    put("pipeline", "p",
        "{\"name\":\"p\",\"source\":\"src\",\"destination\":\"dst\","
        "\"table\":[{\"name\":\"public.t\",\"cursor\":\"id\"},{\"name\":\"public.u\"}]}");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

static store_backfill_progress_t progress(const char *name)
{
    store_backfill_progress_t out;
    weir_err_t err = {{0}};
    if (store_backfill_progress(store, name, &out, &err) != WEIR_OK)
        fail_msg("progress %s: %s", name, err.msg);
    return out;
}

/* Claims the next run and ends it: committed, or failed with a reason. */
static void finish_next_run(bool commit, store_run_t *out)
{
    weir_err_t err = {{0}};
    assert_int_equal(store_run_claim(store, "test", out, &err), WEIR_OK);
    if (commit) {
        out->state = RUN_PUBLISHED;
        out->rows_loaded = 7;
        assert_int_equal(store_run_commit(store, out, &err), WEIR_OK);
    } else {
        out->state = RUN_FAILED;
        snprintf(out->error, sizeof out->error, "source went away");
        assert_int_equal(store_run_save(store, out, &err), WEIR_OK);
    }
}

static void chunks_flow_within_parallelism_and_attempts(void **state)
{
    (void)state;
    put("backfill", "bf",
        "{\"name\":\"bf\",\"pipeline\":\"p\",\"table\":\"public.t\",\"from\":\"0\",\"to\":\"100\","
        "\"chunk\":\"25\",\"parallelism\":2,\"throttle\":\"0s\",\"max_attempts\":2}");
    assert_int_equal(backfill_tick(store, 1000), 2);
    store_backfill_progress_t p = progress("bf");
    assert_int_equal(p.chunks_total, 4);
    assert_int_equal(p.chunks_queued, 2);
    assert_string_equal(p.state, "running");
    assert_string_equal(p.done_until, "0");
    assert_int_equal(backfill_tick(store, 1001), 0); /* parallelism 2 is full */

    store_run_t run;
    finish_next_run(true, &run);
    assert_string_equal(run.backfill, "bf");
    assert_string_equal(run.range_from, "0");
    assert_string_equal(run.range_to, "25");
    assert_string_equal(run.trigger, "backfill");
    bool found = true;
    char watermark[64];
    weir_err_t err = {{0}};
    assert_int_equal(store_watermark_get(store, "p", "public.t", watermark, sizeof watermark, &found, &err), WEIR_OK);
    assert_false(found); /* a backfill never moves the table's watermark */

    assert_int_equal(backfill_tick(store, 1002), 1);
    p = progress("bf");
    assert_int_equal(p.chunks_done, 1);
    assert_int_equal(p.rows_loaded, 7);
    assert_string_equal(p.done_until, "25");

    finish_next_run(false, &run); /* chunk [25, 50): first failure → pending again */
    assert_string_equal(run.range_from, "25");
    assert_int_equal(backfill_tick(store, 1003), 1);
    finish_next_run(true, &run);  /* [50, 75) */
    finish_next_run(false, &run); /* [25, 50) again: second failure → failed */
    assert_string_equal(run.range_from, "25");
    assert_int_equal(backfill_tick(store, 1004), 1); /* [75, 100) */
    finish_next_run(true, &run);
    assert_int_equal(backfill_tick(store, 1005), 0);
    p = progress("bf");
    assert_int_equal(p.chunks_done, 3);
    assert_int_equal(p.chunks_failed, 1);
    assert_string_equal(p.state, "failed");
    assert_string_equal(p.last_error, "source went away");
    assert_string_equal(p.done_until, "25");

    long long restarted = 0;
    assert_int_equal(store_backfill_retry(store, "bf", &restarted, &err), WEIR_OK);
    assert_int_equal(restarted, 1);

    /* The plan is in the store: a reopened store (a restarted agent) carries on. */
    store_close(store);
    assert_int_equal(store_open(place.path, &store, &err), WEIR_OK);
    assert_int_equal(backfill_tick(store, 1006), 1);
    finish_next_run(true, &run);
    assert_int_equal(backfill_tick(store, 1007), 0);
    p = progress("bf");
    assert_string_equal(p.state, "completed");
    assert_int_equal(p.chunks_done, 4);
    assert_string_equal(p.done_until, "100");
}

static void throttle_spaces_chunk_starts(void **state)
{
    (void)state;
    put("backfill", "slow",
        "{\"name\":\"slow\",\"pipeline\":\"p\",\"table\":\"public.t\",\"from\":\"2024-01-01\","
        "\"to\":\"2024-01-11\",\"chunk\":\"1d\",\"parallelism\":5,\"throttle\":\"1m\"}");
    assert_int_equal(backfill_tick(store, 5000), 1);
    assert_int_equal(backfill_tick(store, 5030), 0);
    assert_int_equal(backfill_tick(store, 5060), 1);
    assert_int_equal(progress("slow").chunks_total, 10);
}

static void deleted_and_replaced_backfills(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    const char *spec = "{\"name\":\"bf\",\"pipeline\":\"p\",\"table\":\"public.t\",\"from\":\"0\",\"to\":\"10\","
                       "\"chunk\":\"5\",\"parallelism\":1,\"throttle\":\"0s\"}";
    put("backfill", "bf", spec);
    assert_int_equal(backfill_tick(store, 100), 1);
    assert_int_equal(store_delete(store, "backfill", "bf", 0, &err), WEIR_OK);
    assert_int_equal(backfill_tick(store, 101), 0);
    store_backfill_progress_t p;
    assert_int_equal(store_backfill_progress(store, "bf", &p, &err), WEIR_ERR_NOT_FOUND);
    store_run_t *runs;
    size_t count;
    assert_int_equal(store_run_list(store, "p", 10, &runs, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
    assert_int_equal(runs[0].state, RUN_FAILED); /* its queued chunk will not start */
    assert_non_null(strstr(runs[0].error, "deleted"));
    free(runs);

    /* Created again under the same name: a fresh plan. */
    put("backfill", "bf", spec);
    assert_int_equal(backfill_tick(store, 102), 1);
    assert_int_equal(progress("bf").chunks_total, 2);
    assert_int_equal(progress("bf").chunks_queued, 1);
}

static void tables_without_a_cursor_are_refused(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    assert_int_equal(backfill_check_table(store, "p", "public.t", &err), WEIR_OK);
    assert_int_equal(backfill_check_table(store, "p", "public.u", &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no cursor"));
    assert_int_equal(backfill_check_table(store, "p", "public.v", &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "has no table public.v"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(chunks_flow_within_parallelism_and_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(throttle_spaces_chunk_starts, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_and_replaced_backfills, setup, teardown),
        cmocka_unit_test_setup_teardown(tables_without_a_cursor_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
