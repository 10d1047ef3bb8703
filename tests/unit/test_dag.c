/* test_dag.c — the transform graph: cycles named, readiness (never published, published since,
 * several publishes coalesced into one run, holds), the apply-time cycle check, and dag_tick
 * against a store with real committed and failed pipeline runs; DAG runs grouping a load with the
 * transform it fed, settled green only when every member succeeded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include "dag.h"
#include "dag_scheduler.h"
#include "dag_slo.h"
#include "retention.h"
#include "store_dag_runs.h"
#include "store_runs.h"
#include "store_transforms.h"
#include "temp_store.h"
#include "transform_graph.h"

static transform_input_t input(const char *text)
{
    transform_input_t parsed;
    char why[400];
    assert_true(transform_input_parse(text, &parsed, why, sizeof why));
    return parsed;
}

static void cycles_are_named(void **state)
{
    (void)state;
    transform_input_t a_in[] = {input("b"), input("raw/public.orders")}, b_in[] = {input("c")}, c_in[] = {input("a")};
    dag_node_t nodes[] = {{"a", a_in, 2}, {"b", b_in, 1}, {"c", c_in, 1}};
    char cycle[200];
    assert_true(dag_find_cycle(nodes, 3, cycle, sizeof cycle));
    assert_string_equal(cycle, "c -> b -> a -> c"); /* c feeds b feeds a feeds c */
    c_in[0] = input("raw/public.customers");
    assert_false(dag_find_cycle(nodes, 3, cycle, sizeof cycle));
    assert_string_equal(cycle, "");
}

static void inputs_parse_or_say_why(void **state)
{
    (void)state;
    transform_input_t parsed;
    char why[400];
    assert_true(transform_input_parse("shop/Public.\"Orders\"", &parsed, why, sizeof why));
    assert_true(parsed.is_table);
    assert_string_equal(parsed.object, "shop");
    assert_string_equal(parsed.table_name.schema, "public");
    assert_string_equal(parsed.table_name.name, "Orders");
    assert_false(transform_input_parse("Shop/orders", &parsed, why, sizeof why));
    assert_non_null(strstr(why, "<pipeline>/<table>"));
    assert_false(transform_input_parse("shop/a.b.c", &parsed, why, sizeof why));
}

static void readiness_coalesces_and_holds(void **state)
{
    (void)state;
    dag_input_state_t inputs[] = {{"p/a", "run-1", false}, {"p/b", "", false}};
    assert_int_equal(dag_readiness(inputs, 2, NULL, NULL), DAG_WAITING); /* b never published */
    inputs[1].token = "run-7";
    assert_int_equal(dag_readiness(inputs, 2, NULL, NULL), DAG_READY);
    json_t *consumed = json_pack("{ssss}", "p/a", "run-1", "p/b", "run-7");
    assert_int_equal(dag_readiness(inputs, 2, consumed, NULL), DAG_WAITING); /* nothing new since */
    inputs[0].token = "run-3"; /* a published twice more (run-2, run-3), b not yet: still waiting */
    assert_int_equal(dag_readiness(inputs, 2, consumed, NULL), DAG_WAITING);
    inputs[1].token = "run-9";
    assert_int_equal(dag_readiness(inputs, 2, consumed, NULL), DAG_READY); /* one run for all of them */
    inputs[1].failed = true;
    size_t held_by = 99;
    assert_int_equal(dag_readiness(inputs, 2, consumed, &held_by), DAG_HELD);
    assert_int_equal(held_by, 1);
    json_decref(consumed);
}

static temp_store_t place;
static store_t *store;

static int setup(void **state)
{
    (void)state;
    if (temp_store_open(&place, &store) != 0)
        return -1;
    temp_store_put(store, "source_postgres", "pg",
                   "{\"name\":\"pg\",\"host\":\"db\",\"port\":5432,\"database\":\"d\",\"user\":\"u\"}");
    temp_store_put(store, "destination_snowflake", "wh",
                   "{\"name\":\"wh\",\"account\":\"a\",\"user\":\"U\",\"warehouse\":\"W\",\"database\":\"RAW\","
                   "\"schema\":\"S\"}");
    temp_store_put(store, "pipeline", "shop",
                   "{\"name\":\"shop\",\"source\":\"pg\",\"destination\":\"wh\",\"table\":["
                   "{\"name\":\"public.orders\",\"primary_key\":[\"id\"],\"mode\":\"full_refresh\"},"
                   "{\"name\":\"public.customers\",\"primary_key\":[\"id\"],\"mode\":\"full_refresh\"}]}");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

static const char *transform_spec(const char *name, const char *inputs)
{
    static char spec[800];
    snprintf(spec, sizeof spec,
             "{\"name\":\"%s\",\"destination\":\"wh\",\"sql\":\"SELECT 1 AS X\",\"target\":\"T_%s\","
             "\"materialization\":\"table\",\"lookback\":\"15m\",\"enabled\":true,\"inputs\":%s}",
             name, name, inputs);
    return spec;
}

/* One run of shop/<table> that ends `committed` or `failed`. */
static void finish_run(const char *table, bool commit)
{
    weir_err_t err = {{0}};
    store_run_t run;
    store_run_request_t request = {.pipeline = "shop", .table_name = table, .trigger = "manual", .not_before = ""};
    assert_int_equal(store_run_enqueue(store, &request, &run, &err), WEIR_OK);
    run.state = commit ? RUN_PUBLISHED : RUN_FAILED;
    assert_int_equal(store_run_save(store, &run, &err), WEIR_OK);
    if (commit)
        assert_int_equal(store_run_commit(store, &run, &err), WEIR_OK);
}

static void cycle_refused_at_apply(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    temp_store_put(store, "transform", "joined", transform_spec("joined", "[\"shop/public.orders\",\"totals\"]"));
    assert_int_equal(transform_check_graph(store, "totals", transform_spec("totals", "[\"joined\"]"), NULL, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "joined -> totals -> joined"));
    spec_diags_t diags;
    spec_diags_init(&diags);
    assert_int_equal(
        transform_check_graph(store, "totals", transform_spec("totals", "[\"shop/public.customers\"]"), &diags, &err),
        WEIR_OK);
    assert_false(spec_diags_has_error(&diags));
    spec_diags_free(&diags);
}

static void tick_runs_once_when_all_inputs_published(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    temp_store_put(store, "transform", "joined",
                   transform_spec("joined", "[\"shop/public.orders\",\"shop/public.customers\"]"));
    time_t now = time(NULL);
    assert_int_equal(dag_tick(store, now - 1, now), 0); /* nothing published */
    finish_run("public.orders", true);
    assert_int_equal(dag_tick(store, now - 1, now), 0); /* customers not yet */
    finish_run("public.customers", true);
    assert_int_equal(dag_tick(store, now - 1, now), 1);
    assert_int_equal(dag_tick(store, now - 1, now), 0); /* queued already: at most one at a time */
    store_transform_run_t run;
    assert_int_equal(store_transform_run_claim(store, "me", &run, &err), WEIR_OK);
    run.state = TRUN_SUCCEEDED;
    assert_int_equal(store_transform_run_save(store, &run, &err), WEIR_OK);
    assert_int_equal(dag_tick(store, now - 1, now), 0); /* consumed what was published */
    finish_run("public.orders", true);
    finish_run("public.orders", true);
    assert_int_equal(dag_tick(store, now - 1, now), 0); /* orders twice, customers not since */
    finish_run("public.customers", false);
    assert_int_equal(dag_tick(store, now - 1, now), 0); /* held by the failed customers run */
    finish_run("public.customers", true);
    assert_int_equal(dag_tick(store, now - 1, now), 1); /* three publishes, one run */
}

/* A load run of shop/<table> in DAG run `dag_run` ("" opens one), ending committed or failed. */
static void load_in_dag_run(char dag_run[STORE_DAG_RUN_ID_SIZE], const char *table, bool commit)
{
    weir_err_t err = {{0}};
    store_run_t run;
    store_run_request_t request = {.pipeline = "shop", .table_name = table, .trigger = "schedule", .not_before = ""};
    assert_int_equal(store_run_enqueue(store, &request, &run, &err), WEIR_OK);
    assert_int_equal(store_dag_run_join(store, dag_run, "schedule", "pipeline shop", "load", run.id, &err), WEIR_OK);
    run.state = commit ? RUN_PUBLISHED : RUN_FAILED;
    assert_int_equal(store_run_save(store, &run, &err), WEIR_OK);
    if (commit)
        assert_int_equal(store_run_commit(store, &run, &err), WEIR_OK);
}

static void dag_runs_group_loads_and_transforms(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    temp_store_put(store, "transform", "orderscopy", transform_spec("orderscopy", "[\"shop/public.orders\"]"));
    char dag_run[STORE_DAG_RUN_ID_SIZE] = "";
    load_in_dag_run(dag_run, "public.orders", true);
    time_t now = time(NULL);
    assert_int_equal(dag_tick(store, now - 1, now), 1); /* the transform joins the load's DAG run */
    int settled = -1;
    assert_int_equal(store_dag_run_settle(store, "9999-12-31T00:00:00.000Z", &settled, &err), WEIR_OK);
    assert_int_equal(settled, 0); /* the transform has not ended */
    store_transform_run_t run;
    assert_int_equal(store_transform_run_claim(store, "me", &run, &err), WEIR_OK);
    run.state = TRUN_SUCCEEDED;
    assert_int_equal(store_transform_run_save(store, &run, &err), WEIR_OK);
    assert_int_equal(store_dag_run_settle(store, "2000-01-01T00:00:00.000Z", &settled, &err), WEIR_OK);
    assert_int_equal(settled, 0); /* ended, but not quiet long enough for a downstream to join */
    assert_int_equal(store_dag_run_settle(store, "9999-12-31T00:00:00.000Z", &settled, &err), WEIR_OK);
    assert_int_equal(settled, 1);
    store_dag_run_t found;
    store_dag_member_t *members = NULL;
    size_t count = 0;
    assert_int_equal(store_dag_run_get(store, dag_run, &found, &members, &count, &err), WEIR_OK);
    assert_string_equal(found.state, "succeeded");
    assert_int_equal(found.members, 2);
    assert_int_equal(count, 2);
    assert_string_equal(members[0].kind, "load");
    assert_string_equal(members[0].name, "shop/public.orders");
    assert_string_equal(members[1].kind, "transform");
    assert_string_equal(members[1].name, "orderscopy");
    assert_string_equal(members[1].outcome, "succeeded");
    free(members);

    char failed_run[STORE_DAG_RUN_ID_SIZE] = "";
    load_in_dag_run(failed_run, "public.orders", false); /* red, and its transform is held */
    assert_int_equal(dag_tick(store, now - 1, now), 0);
    assert_int_equal(store_dag_run_settle(store, "9999-12-31T00:00:00.000Z", &settled, &err), WEIR_OK);
    assert_int_equal(settled, 1);
    long long succeeded = 0, failed = 0;
    assert_int_equal(store_dag_run_counts(store, "", &succeeded, &failed, &err), WEIR_OK);
    assert_int_equal(succeeded, 1);
    assert_int_equal(failed, 1);
    store_dag_run_t *runs = NULL;
    assert_int_equal(store_dag_run_list(store, 10, &runs, &count, &err), WEIR_OK);
    assert_int_equal(count, 2);
    assert_string_equal(runs[0].id, failed_run); /* newest first */
    assert_string_equal(runs[0].state, "failed");
    assert_int_equal(runs[0].failed, 1);
    free(runs);
    assert_int_equal(store_dag_run_get(store, "nope", &found, &members, &count, &err), WEIR_ERR_NOT_FOUND);

    /* The SLO counts the DAG runs of a table input however the input spells the table. */
    transform_spec_t spelled;
    assert_int_equal(
        transform_spec_parse(transform_spec("spelled", "[\"shop/PUBLIC.Orders\"]"), "spelled", &spelled, &err),
        WEIR_OK);
    dag_slo_t slo;
    assert_int_equal(dag_slo_read(store, &spelled, time(NULL), &slo, &err), WEIR_OK);
    assert_int_equal(slo.runs_30d, 2);
    assert_int_equal(slo.failed_30d, 1);
    transform_spec_free(&spelled);
}

static void slo_arithmetic(void **state)
{
    (void)state;
    double sorted[] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    assert_true(dag_slo_percentile(sorted, 10, 50) == 50);
    assert_true(dag_slo_percentile(sorted, 10, 95) == 100);
    assert_true(dag_slo_percentile(sorted, 1, 95) == 10);
    /* 1 failure in 1000 runs spends a 0.999 objective's budget exactly as fast as it accrues */
    assert_true(fabs(dag_slo_burn_rate(1000, 1, 0.999) - 1.0) < 1e-9);
    assert_true(fabs(dag_slo_burn_rate(100, 1, 0.999) - 10.0) < 1e-9);
    assert_true(dag_slo_burn_rate(100, 0, 0.999) == 0);
    assert_true(isinf(dag_slo_burn_rate(10, 1, 1.0))); /* no budget at all */
    assert_true(dag_slo_burn_rate(10, 0, 1.0) == 0);
}

static void retention_periods(void **state)
{
    (void)state;
    long long days = 0;
    char why[200];
    assert_true(retention_days("180d", &days, why, sizeof why));
    assert_int_equal(days, 180);
    assert_true(retention_days("7y", &days, why, sizeof why));
    assert_int_equal(days, 7 * 365);
    assert_true(retention_days("26w", &days, why, sizeof why));
    assert_int_equal(days, 182);
    assert_false(retention_days("0d", &days, why, sizeof why));
    assert_non_null(strstr(why, "e.g. 180d or 7y"));
    assert_false(retention_days("15m", &days, why, sizeof why));
    assert_false(retention_days("d", &days, why, sizeof why));
    assert_false(retention_days("7yy", &days, why, sizeof why));
    assert_false(retention_days("101y", &days, why, sizeof why));
    assert_non_null(strstr(why, "100 years"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cycles_are_named),
        cmocka_unit_test(inputs_parse_or_say_why),
        cmocka_unit_test(readiness_coalesces_and_holds),
        cmocka_unit_test(slo_arithmetic),
        cmocka_unit_test(retention_periods),
        cmocka_unit_test_setup_teardown(cycle_refused_at_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(tick_runs_once_when_all_inputs_published, setup, teardown),
        cmocka_unit_test_setup_teardown(dag_runs_group_loads_and_transforms, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
