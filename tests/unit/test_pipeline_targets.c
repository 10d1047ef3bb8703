/* test_pipeline_targets.c — one writer per destination table, checked at apply: within a pipeline,
 * across pipelines, across destination objects naming the same account, database and schema, and
 * with Snowflake's case folding; a target rename or another schema is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "pipeline_targets.h"
#include "temp_store.h"

static temp_store_t place;
static store_t *store;

static int setup(void **state)
{
    (void)state;
    if (temp_store_open(&place, &store) != 0)
        return -1;
    temp_store_put(store, "source_postgres", "pg",
                   "{\"name\":\"pg\",\"host\":\"db\",\"port\":5432,\"database\":\"d\",\"user\":\"u\"}");
    const char *destinations[][2] = {{"wh", "PAYMENTS"}, {"wh-again", "payments"}, {"wh-other", "LEDGER"}};
    for (size_t i = 0; i < 3; i++) {
        char spec[400];
        snprintf(spec, sizeof spec,
                 "{\"name\":\"%s\",\"account\":\"myorg-analytics\",\"user\":\"U\",\"warehouse\":\"W\","
                 "\"database\":\"RAW\",\"schema\":\"%s\"}",
                 destinations[i][0], destinations[i][1]);
        temp_store_put(store, "destination_snowflake", destinations[i][0], spec);
    }
    temp_store_put(store, "pipeline", "orders",
                   "{\"name\":\"orders\",\"source\":\"pg\",\"destination\":\"wh\","
                   "\"table\":[{\"name\":\"public.orders\",\"primary_key\":[\"id\"],\"mode\":\"full_refresh\"}]}");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

/* A pipeline "p2" writing `table` (with `target`, "" for none) through `destination`. */
static weir_status_t check(const char *destination, const char *table, const char *target, weir_err_t *err)
{
    char spec[600];
    snprintf(spec, sizeof spec,
             "{\"name\":\"p2\",\"source\":\"pg\",\"destination\":\"%s\",\"table\":[{\"name\":\"%s\","
             "\"primary_key\":[\"id\"],\"mode\":\"full_refresh\"%s%s%s}]}",
             destination, table, *target ? ",\"target\":\"" : "", target, *target ? "\"" : "");
    return pipeline_check_targets(store, "p2", spec, NULL, err);
}

static void a_second_writer_is_refused_naming_both(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    assert_int_equal(check("wh", "sales.orders", "", &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "table[0] (sales.orders)"));
    assert_non_null(strstr(err.msg, "MYORG-ANALYTICS/RAW.PAYMENTS.ORDERS"));
    assert_non_null(strstr(err.msg, "pipeline orders"));
    assert_non_null(strstr(err.msg, "public.orders"));
    /* Another destination object naming the same schema (case folded), or an explicit target that
     * folds to the same name, is the same table. */
    assert_int_equal(check("wh-again", "sales.orders", "", &err), WEIR_ERR_INVALID);
    assert_int_equal(check("wh", "sales.sales_orders", "orders", &err), WEIR_ERR_INVALID);
}

static void other_names_are_accepted(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    assert_int_equal(check("wh", "sales.orders", "SALES_ORDERS", &err), WEIR_OK);
    assert_int_equal(check("wh-other", "sales.orders", "", &err), WEIR_OK);
    /* The pipeline itself may be applied again with the same tables. */
    assert_int_equal(pipeline_check_targets(store, "orders",
                                            "{\"name\":\"orders\",\"source\":\"pg\",\"destination\":\"wh\","
                                            "\"table\":[{\"name\":\"public.orders\",\"primary_key\":[\"id\"],"
                                            "\"mode\":\"full_refresh\"}]}",
                                            NULL, &err),
                     WEIR_OK);
    /* A destination that does not exist is left to the store's reference check. */
    assert_int_equal(check("nowhere", "sales.orders", "", &err), WEIR_OK);
}

static void two_blocks_of_one_pipeline_collide(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    spec_diags_t diags;
    spec_diags_init(&diags);
    assert_int_equal(pipeline_check_targets(store, "p3",
                                            "{\"name\":\"p3\",\"source\":\"pg\",\"destination\":\"wh-other\","
                                            "\"table\":[{\"name\":\"eu.invoices\",\"primary_key\":[\"id\"],"
                                            "\"mode\":\"full_refresh\"},{\"name\":\"us.invoices\","
                                            "\"primary_key\":[\"id\"],\"mode\":\"full_refresh\"}]}",
                                            &diags, &err),
                     WEIR_ERR_INVALID);
    /* The refusal also travels as a diagnostic at the block that chose the table. */
    assert_int_equal(diags.count, 1);
    char path[64];
    spec_path_format(diags.items[0].path, diags.items[0].path_len, path, sizeof path);
    assert_string_equal(path, "table[1].name");
    assert_true(diags.items[0].is_error);
    spec_diags_free(&diags);
    assert_non_null(strstr(err.msg, "table[1] (us.invoices)"));
    assert_non_null(strstr(err.msg, "this pipeline"));
    assert_non_null(strstr(err.msg, "eu.invoices"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_second_writer_is_refused_naming_both, setup, teardown),
        cmocka_unit_test_setup_teardown(other_names_are_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(two_blocks_of_one_pipeline_collide, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
