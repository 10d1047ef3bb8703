/* test_specs.c — typed specs: every binding agrees with the shared spec tables, defaults come from
 * the tables, nested blocks and lists bind, and a damaged spec is refused with the object named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "spec.h"
#include "spec_bind.h"
#include "specs.h"

static void bindings_agree_with_the_spec_tables(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    assert_int_equal(specs_check_bindings(&err), WEIR_OK);
}

static void a_binding_the_table_lacks_is_refused(void **state)
{
    (void)state;
    typedef struct {
        char *name;
        char *colour;
    } odd_t;
    static const bind_field_t fields[] = {{"name", BIND_TEXT, offsetof(odd_t, name), 0, NULL},
                                          {"colour", BIND_TEXT, offsetof(odd_t, colour), 0, NULL}};
    static const bind_table_t odd = {"odd", BIND_FIELDS(odd_t, fields)};
    static const bind_field_t wrong_type[] = {{"max_parallel_tables", BIND_TEXT, 0, 0, NULL}};
    static const bind_table_t wrong = {"wrong", sizeof(char *), wrong_type, 1};
    weir_err_t err = {{0}};
    const spec_kind_t *pipeline = spec_kind_by_kind("pipeline");
    assert_int_equal(spec_bind_check(&odd, &pipeline->block, &err), WEIR_ERR_INTERNAL);
    assert_non_null(strstr(err.msg, "odd.colour"));
    assert_int_equal(spec_bind_check(&wrong, &pipeline->block, &err), WEIR_ERR_INTERNAL);
}

static void pipeline_binds_with_defaults(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    pipeline_spec_t p;
    assert_int_equal(pipeline_spec_parse("{\"name\":\"orders\",\"source\":\"pg\",\"destination\":\"sf\","
                                         "\"table\":[{\"name\":\"public.orders\",\"primary_key\":[\"id\",\"region\"],"
                                         "\"cursor\":\"updated_at\"},{\"name\":\"public.codes\",\"primary_key\":"
                                         "[\"code\"],\"mode\":\"full_refresh\",\"target\":\"CODES_V2\"}]}",
                                         "orders", &p, &err),
                     WEIR_OK);
    assert_string_equal(p.name, "orders");
    assert_string_equal(p.schedule, "@hourly"); /* the table's default */
    assert_true(p.enabled);
    assert_int_equal(p.max_parallel_tables, 2);
    assert_true(p.add_columns);
    assert_int_equal(p.table_count, 2);
    assert_int_equal(p.tables[0].key_count, 2);
    assert_string_equal(p.tables[0].primary_key[1], "region");
    assert_int_equal(p.tables[0].lookback_seconds, 15 * 60);
    assert_int_equal(p.tables[0].mode, TABLE_INCREMENTAL);
    assert_int_equal(p.tables[1].mode, TABLE_FULL_REFRESH);
    assert_null(p.tables[1].cursor);
    assert_string_equal(pipeline_spec_table(&p, "public.codes")->target, "CODES_V2");
    assert_null(pipeline_spec_table(&p, "public.nope"));
    pipeline_spec_free(&p);
}

static void check_and_channel_bind(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    check_spec_t c;
    assert_int_equal(check_spec_parse("{\"name\":\"fresh\",\"pipeline\":\"orders\",\"table\":\"public.orders\","
                                      "\"kind\":\"freshness\",\"max_age\":\"45m\",\"severity\":\"warn\"}",
                                      "fresh", &c, &err),
                     WEIR_OK);
    assert_int_equal(c.kind, CHECK_FRESHNESS);
    assert_int_equal(c.max_age_seconds, 45 * 60);
    assert_false(c.is_error);
    assert_true(c.enabled);
    assert_false(c.has_min_rows);
    assert_true(c.has_anomaly_threshold); /* defaulted by the table */
    check_spec_free(&c);
    /* A transform check names its result's Snowflake columns: unquoted resolves upper case. */
    assert_int_equal(check_spec_parse("{\"name\":\"u\",\"transform\":\"totals\",\"kind\":\"unique\","
                                      "\"columns\":[\"customer_id\",\"\\\"Region\\\"\"]}",
                                      "u", &c, &err),
                     WEIR_OK);
    assert_null(c.pipeline);
    assert_string_equal(c.transform, "totals");
    assert_string_equal(c.columns[0], "CUSTOMER_ID");
    assert_string_equal(c.columns[1], "Region");
    check_spec_free(&c);
    assert_int_equal(check_spec_parse("{\"name\":\"u\",\"transform\":\"totals\",\"pipeline\":\"p\",\"table\":\"t\","
                                      "\"kind\":\"row_count\"}",
                                      "u", &c, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "either pipeline and table or transform"));
    channel_spec_t ch;
    assert_int_equal(channel_spec_parse("{\"name\":\"ops\",\"kind\":\"slack\",\"url_ref\":\"env:URL\","
                                        "\"pipelines\":[\"a\",\"b\"]}",
                                        "ops", &ch, &err),
                     WEIR_OK);
    assert_int_equal(ch.pipeline_count, 2);
    assert_string_equal(ch.min_severity, "warn");
    channel_spec_free(&ch);
}

static void damaged_specs_are_refused(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    pipeline_spec_t p;
    assert_int_equal(pipeline_spec_parse("not json", "orders", &p, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "pipeline orders"));
    assert_int_equal(pipeline_spec_parse("{\"name\":\"orders\",\"table\":[{\"name\":\"t\",\"lookback\":\"soon\"}]}",
                                         "orders", &p, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "table[0]"));
    assert_non_null(strstr(err.msg, "lookback"));
    assert_int_equal(pipeline_spec_parse("{\"name\":7}", "orders", &p, &err), WEIR_ERR_INVALID);
    /* Whole numbers are never truncated: 0.5 chunks in flight is refused, 3.0 is 3. */
    backfill_spec_t b;
    assert_int_equal(backfill_spec_parse("{\"name\":\"b\",\"parallelism\":0.5}", "b", &b, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "parallelism is not a valid whole number"));
    assert_int_equal(backfill_spec_parse("{\"name\":\"b\",\"parallelism\":1e300}", "b", &b, &err), WEIR_ERR_INVALID);
    assert_int_equal(backfill_spec_parse("{\"name\":\"b\",\"parallelism\":3.0}", "b", &b, &err), WEIR_OK);
    assert_int_equal(b.parallelism, 3);
    backfill_spec_free(&b);
    check_spec_t c;
    assert_int_equal(check_spec_parse("{\"name\":\"x\",\"kind\":\"vibes\"}", "x", &c, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown kind vibes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bindings_agree_with_the_spec_tables), cmocka_unit_test(a_binding_the_table_lacks_is_refused),
        cmocka_unit_test(pipeline_binds_with_defaults),        cmocka_unit_test(check_and_channel_bind),
        cmocka_unit_test(damaged_specs_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
