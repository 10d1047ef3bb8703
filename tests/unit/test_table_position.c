/* test_table_position.c — which spec changes keep a table's resume position: names compared as
 * PostgreSQL and Snowflake resolve them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "table_position.h"

/* Whether `after` keeps the position of the one table of `before` (pipeline specs as JSON). */
static bool kept(const char *before, const char *after)
{
    json_t *old_pipeline = json_loads(before, 0, NULL), *new_pipeline = json_loads(after, 0, NULL);
    assert_non_null(old_pipeline);
    assert_non_null(new_pipeline);
    bool result = table_position_kept(old_pipeline, json_array_get(json_object_get(old_pipeline, "table"), 0),
                                      new_pipeline, json_array_get(json_object_get(new_pipeline, "table"), 0));
    json_decref(old_pipeline);
    json_decref(new_pipeline);
    return result;
}

#define SPEC(source, naming, table) \
    "{\"source\":\"" source "\",\"destination\":\"dst\",\"naming\":\"" naming "\",\"table\":[" table "]}"

static void spellings_of_the_same_names_keep_it(void **state)
{
    (void)state;
    const char *base = SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\"}");
    assert_true(kept(base, base));
    assert_true(kept(base, SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"UPDATED_AT\"}")));
    assert_true(kept(base, SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"\\\"updated_at\\\"\"}")));
    assert_true(kept(
        base, SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\",\"target\":\"orders\"}")));
    assert_true(kept(
        base,
        SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\",\"target\":\"\\\"ORDERS\\\"\"}")));
}

static void other_columns_tables_or_objects_drop_it(void **state)
{
    (void)state;
    const char *base = SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\"}");
    assert_false(kept(base, SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"\\\"UPDATED_AT\\\"\"}")));
    assert_false(kept(base, SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"changed_at\"}")));
    assert_false(kept(base, SPEC("src", "upper", "{\"name\":\"public.orders\"}")));
    assert_false(kept(
        base,
        SPEC("src", "upper", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\",\"target\":\"\\\"orders\\\"\"}")));
    assert_false(kept(base, SPEC("src", "preserve", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\"}")));
    assert_false(kept(base, SPEC("other", "upper", "{\"name\":\"public.orders\",\"cursor\":\"updated_at\"}")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spellings_of_the_same_names_keep_it),
        cmocka_unit_test(other_columns_tables_or_objects_drop_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
