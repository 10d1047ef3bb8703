/* test_column_plan.c — how a table block's columns land: names by the pipeline's naming, column
 * blocks renaming, retyping, excluding and transforming, and the collisions refused with both
 * columns named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "column_plan.h"
#include "specs.h"

static pipeline_spec_t parse(const char *naming, const char *columns)
{
    char json[2000];
    snprintf(json, sizeof json,
             "{\"name\":\"p\",\"source\":\"s\",\"destination\":\"d\",\"naming\":\"%s\","
             "\"hash_key_ref\":\"env:KEY\",\"table\":[{\"name\":\"\\\"Billing\\\".\\\"Order Items\\\"\","
             "\"primary_key\":[\"\\\"Id\\\"\"],\"cursor\":\"updated_at\",\"column\":[%s]}]}",
             naming, columns);
    pipeline_spec_t spec;
    weir_err_t err = {{0}};
    if (pipeline_spec_parse(json, "p", &spec, &err) != WEIR_OK)
        fail_msg("parse: %s", err.msg);
    return spec;
}

static void names_are_resolved_at_parse(void **state)
{
    (void)state;
    pipeline_spec_t spec = parse("upper", "");
    const table_spec_t *table = &spec.tables[0];
    assert_string_equal(table->source_schema, "Billing");
    assert_string_equal(table->source_table, "Order Items");
    assert_string_equal(table->target_name, "ORDER_ITEMS");
    assert_string_equal(table->primary_key[0], "Id");
    assert_string_equal(table->cursor, "updated_at");
    /* A check or run may name the table in another spelling of the same name. */
    assert_ptr_equal(pipeline_spec_table(&spec, "\"Billing\" . \"Order Items\""), table);
    assert_null(pipeline_spec_table(&spec, "billing.\"Order Items\""));
    pipeline_spec_free(&spec);
    spec = parse("preserve", "");
    assert_string_equal(spec.tables[0].target_name, "Order Items");
    pipeline_spec_free(&spec);
}

static void columns_land_by_naming_and_blocks(void **state)
{
    (void)state;
    pipeline_spec_t spec =
        parse("upper",
              "{\"name\":\"card_number\",\"transform\":\"hash\"},"
              "{\"name\":\"cvv\",\"exclude\":true},"
              "{\"name\":\"\\\"Amount\\\"\",\"target\":\"\\\"amount_eur\\\"\",\"type\":\"NUMBER(38,4)\"},"
              "{\"name\":\"pan_display\",\"transform\":\"mask\",\"keep_last\":4}");
    const char *names[] = {"Id", "updated_at", "card_number", "cvv", "Amount", "pan_display", "note text"};
    const char *types[] = {"bigint", "timestamptz", "text", "text", "numeric", "text", "text"};
    column_plan_t plan;
    weir_err_t err = {{0}};
    if (column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, names, types, 7, &plan, &err) != WEIR_OK)
        fail_msg("plan: %s", err.msg);
    assert_int_equal(plan.count, 7);
    assert_string_equal(plan.entries[0].target, "ID");
    assert_string_equal(plan.entries[2].target, "CARD_NUMBER");
    assert_int_equal(plan.entries[2].transform, TRANSFORM_HASH);
    assert_true(plan.entries[3].exclude);
    assert_string_equal(plan.entries[4].target, "amount_eur");
    assert_string_equal(plan.entries[4].type, "NUMBER(38,4)");
    assert_int_equal(plan.entries[5].transform, TRANSFORM_MASK);
    assert_int_equal(plan.entries[5].keep_last, 4);
    assert_string_equal(plan.entries[6].target, "NOTE_TEXT");
    assert_ptr_equal(column_plan_find(&plan, "cvv"), &plan.entries[3]);
    column_plan_free(&plan);

    /* At load the staged columns lack the excluded one, and that is no error. */
    const char *staged[] = {"Id", "updated_at", "card_number", "Amount", "pan_display", "note text"};
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_STAGED, staged, NULL, 6, &plan, &err), WEIR_OK);
    column_plan_free(&plan);
    /* At extraction it is: the source lost a column a block names. */
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, staged, NULL, 6, &plan, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "has no column \"cvv\""));
    pipeline_spec_free(&spec);
}

static void collisions_are_refused_naming_both(void **state)
{
    (void)state;
    pipeline_spec_t spec = parse("upper", "");
    weir_err_t err = {{0}};
    column_plan_t plan;
    const char *case_only[] = {"Id", "updated_at", "val", "VAL"};
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, case_only, NULL, 4, &plan, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "columns \"val\" and \"VAL\""));
    assert_non_null(strstr(err.msg, "both land as \"VAL\""));
    assert_non_null(strstr(err.msg, "naming = \"preserve\""));
    const char *spaced[] = {"Id", "updated_at", "a b", "a_b"};
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, spaced, NULL, 4, &plan, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "columns \"a b\" and \"a_b\""));
    const char *reserved[] = {"Id", "updated_at", "_weir_run_id"};
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, reserved, NULL, 3, &plan, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "_WEIR_RUN_ID"));
    const char *no_key[] = {"id", "updated_at"};
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, no_key, NULL, 2, &plan, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no primary-key column \"Id\""));
    pipeline_spec_free(&spec);

    /* preserve keeps case apart; a rename settles an upper-case collision. */
    spec = parse("preserve", "");
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, case_only, NULL, 4, &plan, &err), WEIR_OK);
    column_plan_free(&plan);
    pipeline_spec_free(&spec);
    spec = parse("upper", "{\"name\":\"\\\"VAL\\\"\",\"target\":\"VAL_2\"}");
    assert_int_equal(column_plan_build(&spec, &spec.tables[0], PLAN_SOURCE, case_only, NULL, 4, &plan, &err), WEIR_OK);
    assert_string_equal(plan.entries[3].target, "VAL_2");
    column_plan_free(&plan);
    pipeline_spec_free(&spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_are_resolved_at_parse),
        cmocka_unit_test(columns_land_by_naming_and_blocks),
        cmocka_unit_test(collisions_are_refused_naming_both),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
