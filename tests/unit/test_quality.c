/* test_quality.c — the robust anomaly score, check history from published runs only, the
 * quarantine decisions on runs, and the gate on a transform's build. The destination here is an
 * in-process test backend answering fixed measurements (the Snowflake SQL behind them is tested
 * against the emulator in tests/integration/run_transforms.sh). */
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
#include "store_alerts.h"
#include "store_checks.h"
#include "store_runs.h"
#include "store_transforms.h"
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
    assert_int_equal(store_check_record_pass(store, &result, 1, &err), WEIR_OK);
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

/* Failing rows by check name: "neg" finds two, everything else none. */
static weir_status_t measure_build(destination_session_t *session, const destination_transform_t *transform,
                                   const check_spec_t *check, destination_measure_t *out, weir_err_t *err)
{
    (void)session;
    (void)transform;
    (void)err;
    memset(out, 0, sizeof *out);
    out->value = strcmp(check->name, "neg") == 0 ? 2 : 0;
    return WEIR_OK;
}

static void transform_checks_judge_the_build(void **state)
{
    (void)state;
    weir_err_t err;
    temp_store_put(store, "destination_snowflake", "wh",
                   "{\"name\":\"wh\",\"account\":\"A-B\",\"user\":\"U\",\"warehouse\":\"W\",\"database\":\"D\","
                   "\"schema\":\"S\",\"auth\":\"key_pair\"}");
    temp_store_put(store, "transform", "totals",
                   "{\"name\":\"totals\",\"destination\":\"wh\",\"target\":\"TOTALS\",\"sql\":\"SELECT 1 AS X\"}");
    temp_store_put(store, "quality_check", "neg",
                   "{\"name\":\"neg\",\"transform\":\"totals\",\"kind\":\"custom_sql\",\"sql\":\"SELECT 2\"}");
    temp_store_put(store, "quality_check", "soft",
                   "{\"name\":\"soft\",\"transform\":\"totals\",\"kind\":\"row_count\",\"severity\":\"warn\"}");
    /* Another subject's check is not this build's to run. */
    temp_store_put(store, "transform", "other",
                   "{\"name\":\"other\",\"destination\":\"wh\",\"target\":\"OTHER\",\"sql\":\"SELECT 1 AS X\"}");
    temp_store_put(store, "quality_check", "elsewhere",
                   "{\"name\":\"elsewhere\",\"transform\":\"other\",\"kind\":\"custom_sql\",\"sql\":\"SELECT 2\"}");
    store_transform_run_t run;
    assert_int_equal(store_transform_run_enqueue(store, "totals", "manual", "{}", &run, &err), WEIR_OK);
    destination_ops_t ops = {.kind = "destination_snowflake", .transform_measure = measure_build};
    destination_transform_t build = {.run_id = run.id, .transform = "totals", .target = "TOTALS"};
    quality_context_t context = {.store = store, .destination = &ops, .transform = &build, .judge_history = true};
    quality_report_t report;
    assert_int_equal(quality_run(&context, QUALITY_BATCH, &report, &err), WEIR_OK);
    assert_int_equal(report.count, 2);
    assert_true(report.blocking);
    assert_non_null(strstr(report.summary, "neg (error): 2 failing rows"));
    quality_report_free(&report);
    store_check_result_t *results;
    size_t count;
    assert_int_equal(store_check_results_for_run(store, run.id, &results, &count, &err), WEIR_OK);
    assert_int_equal(count, 2);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(results[i].pipeline, "totals"); /* the subject: the transform */
        assert_string_equal(results[i].table_name, "");
        assert_string_equal(results[i].stage, "batch");
    }
    free(results);
    store_incident_t *incidents;
    assert_int_equal(store_incidents_open(store, &incidents, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
    assert_string_equal(incidents[0].key, "check/neg");
    assert_non_null(strstr(incidents[0].summary, "the target keeps its previous rows"));
    free(incidents);

    /* The observed values of succeeded transform runs are the history; a failed run's are not. */
    double values[8];
    int hours[8];
    assert_int_equal(store_check_history(store, "soft", 8, values, hours, &count, &err), WEIR_OK);
    assert_int_equal(count, 0);
    run.state = TRUN_SUCCEEDED;
    assert_int_equal(store_transform_run_save(store, &run, &err), WEIR_OK);
    assert_int_equal(store_check_history(store, "soft", 8, values, hours, &count, &err), WEIR_OK);
    assert_int_equal(count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(robust_z_judges_by_median_and_mad),
        cmocka_unit_test_setup_teardown(history_counts_committed_runs_only, setup, teardown),
        cmocka_unit_test_setup_teardown(quarantine_holds_until_released_or_discarded, setup, teardown),
        cmocka_unit_test_setup_teardown(transform_checks_judge_the_build, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
