/* test_quality.c — the robust anomaly score, check history from committed runs only, and the
 * quarantine decisions on runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quality.h"
#include "store_checks.h"
#include "store_runs.h"
#include "temp_store.h"

static temp_store_t place;
static store_t *store;

static int setup(void **state)
{
    (void)state;
    return temp_store_open(&place, &store);
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

static void robust_z_judges_by_median_and_mad(void **state)
{
    (void)state;
    double steady[] = {1000, 1010, 990, 1005, 995, 1000, 1020, 980};
    /* MAD 10 → scale max(14.8, 50, 1) = 50: the 5 % floor keeps small wobbles quiet. */
    assert_true(fabs(quality_robust_z(steady, 8, 1000) - 0) < 1e-9);
    assert_true(fabs(quality_robust_z(steady, 8, 1100) - 2.0) < 1e-9);
    assert_true(quality_robust_z(steady, 8, 100) > 17); /* a 90 % drop */
    double noisy[] = {100, 300, 200, 250, 150, 220, 180, 260};
    /* median 210, MAD 45 → scale 66.7; an outlier in the history barely moves either. */
    assert_true(fabs(quality_robust_z(noisy, 8, 210 + 66.717) - 1.0) < 1e-3);
    double zeros[] = {0, 0, 0, 0};
    assert_true(fabs(quality_robust_z(zeros, 4, 3) - 3.0) < 1e-9); /* floor of one row */
    assert_true(quality_robust_z(NULL, 0, 5) == 0);
}

static store_run_t new_run(const char *table)
{
    store_run_t run;
    weir_err_t err;
    store_run_request_t request = {
        .pipeline = "p", .table_name = table, .trigger = "manual", .source = "s", .destination = "d", .not_before = ""};
    assert_int_equal(store_run_enqueue(store, &request, &run, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &run, &err), WEIR_OK);
    return run;
}

static void record(const store_run_t *run, double observed)
{
    store_check_result_t result = {.passed = true, .has_observed = true, .observed = observed};
    snprintf(result.run_id, sizeof result.run_id, "%s", run->id);
    snprintf(result.check, sizeof result.check, "volume");
    snprintf(result.pipeline, sizeof result.pipeline, "p");
    snprintf(result.table_name, sizeof result.table_name, "%s", run->table_name);
    snprintf(result.kind, sizeof result.kind, "row_count");
    snprintf(result.severity, sizeof result.severity, "error");
    snprintf(result.stage, sizeof result.stage, "batch");
    weir_err_t err;
    assert_int_equal(store_check_record(store, &result, &err), WEIR_OK);
}

static void history_counts_committed_runs_only(void **state)
{
    (void)state;
    weir_err_t err;
    store_run_t a = new_run("t");
    record(&a, 1000);
    a.state = RUN_PUBLISHED;
    assert_int_equal(store_run_commit(store, &a, &err), WEIR_OK);
    store_run_t b = new_run("t");
    record(&b, 5); /* quarantined, never committed: not part of the baseline */
    b.state = RUN_QUARANTINED;
    assert_int_equal(store_run_save(store, &b, &err), WEIR_OK);
    double values[8];
    int hours[8];
    size_t count;
    assert_int_equal(store_check_history(store, "volume", 8, values, hours, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
    assert_true(values[0] == 1000);
    assert_true(hours[0] >= 0 && hours[0] < 168);
    store_check_result_t *latest;
    assert_int_equal(store_check_latest(store, "p", &latest, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
    assert_string_equal(latest[0].run_id, b.id);
    free(latest);
}

static void quarantine_holds_until_released_or_discarded(void **state)
{
    (void)state;
    weir_err_t err;
    store_run_t run = new_run("t"), other, claimed;
    run.state = RUN_QUARANTINED;
    assert_int_equal(store_run_save(store, &run, &err), WEIR_OK);
    /* The table is held: no second run, and nobody claims the quarantined one. */
    store_run_request_t request = {
        .pipeline = "p", .table_name = "t", .trigger = "schedule", .source = "s", .destination = "d", .not_before = ""};
    assert_int_equal(store_run_enqueue(store, &request, &other, &err), WEIR_ERR_EXISTS);
    assert_string_equal(other.id, run.id);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_ERR_NOT_FOUND);

    store_run_t decided;
    assert_int_equal(store_run_release(store, run.id, &decided, &err), WEIR_OK);
    assert_int_equal(decided.state, RUN_STAGED);
    assert_true(decided.skip_checks);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK); /* resumes, unchecked */
    assert_string_equal(claimed.id, run.id);
    assert_true(claimed.skip_checks);
    assert_int_equal(store_run_release(store, run.id, &decided, &err), WEIR_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "not quarantined"));

    store_run_t second = new_run("u");
    second.state = RUN_QUARANTINED;
    assert_int_equal(store_run_save(store, &second, &err), WEIR_OK);
    assert_int_equal(store_run_discard(store, second.id, &decided, &err), WEIR_OK);
    assert_int_equal(decided.state, RUN_DISCARDED);
    assert_true(run_state_terminal(decided.state));
    request.table_name = "u";
    assert_int_equal(store_run_enqueue(store, &request, &other, &err), WEIR_OK); /* the table is free again */
    assert_int_equal(store_run_discard(store, "no-such-run", &decided, &err), WEIR_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(robust_z_judges_by_median_and_mad),
        cmocka_unit_test_setup_teardown(history_counts_committed_runs_only, setup, teardown),
        cmocka_unit_test_setup_teardown(quarantine_holds_until_released_or_discarded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
