/* test_ident.c — PostgreSQL and Snowflake identifier syntax as each system reads it, canonical
 * spellings, and the naming policies that map source names to destination names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ident.h"

static void pg_columns_fold_and_quote(void **state)
{
    (void)state;
    char out[IDENT_PG_MAX + 1], why[256];
    assert_true(ident_pg_parse("amount", out, why, sizeof why));
    assert_string_equal(out, "amount");
    assert_true(ident_pg_parse("CustomerId", out, why, sizeof why));
    assert_string_equal(out, "customerid"); /* unquoted folds, as in SQL */
    assert_true(ident_pg_parse("\"CustomerId\"", out, why, sizeof why));
    assert_string_equal(out, "CustomerId");
    assert_true(ident_pg_parse("\"a \"\"quoted\"\" b\"", out, why, sizeof why));
    assert_string_equal(out, "a \"quoted\" b");
    assert_true(ident_pg_parse("\"select\"", out, why, sizeof why));
    assert_string_equal(out, "select");
    assert_true(ident_pg_parse("  _x$1  ", out, why, sizeof why));
    assert_string_equal(out, "_x$1");
    assert_true(ident_pg_parse("Größe", out, why, sizeof why)); /* only ASCII folds */
    assert_string_equal(out, "größe");
}

static void pg_columns_refused_with_reasons(void **state)
{
    (void)state;
    char out[IDENT_PG_MAX + 1], why[256];
    assert_false(ident_pg_parse("", out, why, sizeof why));
    assert_string_equal(why, "a name is missing");
    assert_false(ident_pg_parse("order items", out, why, sizeof why));
    assert_non_null(strstr(why, "quote a name"));
    assert_false(ident_pg_parse("1st", out, why, sizeof why));
    assert_non_null(strstr(why, "'1' cannot start a name"));
    assert_false(ident_pg_parse("\"open", out, why, sizeof why));
    assert_non_null(strstr(why, "not closed"));
    assert_false(ident_pg_parse("\"\"", out, why, sizeof why));
    assert_non_null(strstr(why, "empty"));
    assert_false(ident_pg_parse("a.b", out, why, sizeof why));
    assert_non_null(strstr(why, "too many parts"));
    assert_false(ident_pg_parse("U&\"d\\0061t\"", out, why, sizeof why));
    assert_non_null(strstr(why, "Unicode-escaped"));
    char long_name[80];
    memset(long_name, 'a', 64);
    long_name[64] = 0;
    assert_false(ident_pg_parse(long_name, out, why, sizeof why)); /* PostgreSQL would cut it to 63 */
    assert_non_null(strstr(why, "longer than 63 bytes"));
    long_name[63] = 0;
    assert_true(ident_pg_parse(long_name, out, why, sizeof why));
}

static void pg_tables(void **state)
{
    (void)state;
    pg_table_name_t t;
    char why[256], canonical[IDENT_SIZE];
    assert_true(ident_pg_parse_table("public.orders", &t, why, sizeof why));
    assert_string_equal(t.schema, "public");
    assert_string_equal(t.name, "orders");
    assert_true(ident_pg_parse_table("\"Billing\" . \"Order Items\"", &t, why, sizeof why));
    assert_string_equal(t.schema, "Billing");
    assert_string_equal(t.name, "Order Items");
    ident_pg_canonical_table(&t, canonical, sizeof canonical);
    assert_string_equal(canonical, "\"Billing\".\"Order Items\"");
    assert_true(ident_pg_parse_table("Orders", &t, why, sizeof why));
    assert_string_equal(t.schema, "");
    assert_string_equal(t.name, "orders");
    ident_pg_canonical_table(&t, canonical, sizeof canonical);
    assert_string_equal(canonical, "orders");
    assert_true(ident_pg_parse_table("\"a.b\".c", &t, why, sizeof why)); /* a dot inside quotes is a character */
    assert_string_equal(t.schema, "a.b");
    assert_false(ident_pg_parse_table("db.public.orders", &t, why, sizeof why));
    assert_non_null(strstr(why, "too many parts"));
    assert_false(ident_pg_parse_table("public.", &t, why, sizeof why));
    assert_false(ident_pg_parse_table("public.orders;drop", &t, why, sizeof why));
    assert_non_null(strstr(why, "unexpected ';'"));
}

static void canonical_spellings_quote_only_what_needs_it(void **state)
{
    (void)state;
    char out[IDENT_SIZE];
    ident_pg_canonical("orders", out, sizeof out);
    assert_string_equal(out, "orders");
    ident_pg_canonical("Orders", out, sizeof out);
    assert_string_equal(out, "\"Orders\"");
    ident_pg_canonical("say \"hi\"", out, sizeof out);
    assert_string_equal(out, "\"say \"\"hi\"\"\"");
    ident_pg_canonical("2fa", out, sizeof out);
    assert_string_equal(out, "\"2fa\"");
}

static void snowflake_names_resolve(void **state)
{
    (void)state;
    char out[IDENT_SIZE], why[256];
    assert_true(ident_sf_parse("raw", out, why, sizeof why));
    assert_string_equal(out, "RAW"); /* unquoted resolves upper case: not the object "raw" */
    assert_true(ident_sf_parse("\"raw\"", out, why, sizeof why));
    assert_string_equal(out, "raw");
    assert_true(ident_sf_parse("Load_WH$2", out, why, sizeof why));
    assert_string_equal(out, "LOAD_WH$2");
    assert_true(ident_sf_parse("\"Order Items\"", out, why, sizeof why));
    assert_string_equal(out, "Order Items");
    assert_false(ident_sf_parse("größe", out, why, sizeof why)); /* Snowflake takes only ASCII unquoted */
    assert_false(ident_sf_parse("$x", out, why, sizeof why));
    assert_false(ident_sf_parse("two words", out, why, sizeof why));
    char long_name[300];
    memset(long_name, 'A', 256);
    long_name[256] = 0;
    assert_false(ident_sf_parse(long_name, out, why, sizeof why));
    assert_non_null(strstr(why, "255 characters"));
}

static void naming_policies(void **state)
{
    (void)state;
    char out[IDENT_SIZE];
    naming_policy_t policy;
    assert_true(naming_policy_parse(NULL, &policy));
    assert_int_equal(policy, NAMING_UPPER);
    assert_true(naming_policy_parse("preserve", &policy));
    assert_int_equal(policy, NAMING_PRESERVE);
    assert_false(naming_policy_parse("lower", &policy));
    ident_target_name(NAMING_UPPER, "order items", out);
    assert_string_equal(out, "ORDER_ITEMS");
    ident_target_name(NAMING_UPPER, "order_items", out);
    assert_string_equal(out, "ORDER_ITEMS"); /* the collision the column plan refuses */
    ident_target_name(NAMING_UPPER, "val", out);
    assert_string_equal(out, "VAL");
    ident_target_name(NAMING_UPPER, "VAL", out);
    assert_string_equal(out, "VAL");
    ident_target_name(NAMING_UPPER, "2fa", out);
    assert_string_equal(out, "_2FA");
    ident_target_name(NAMING_UPPER, "größe", out);
    assert_string_equal(out, "GR__E"); /* one '_' per character */
    ident_target_name(NAMING_UPPER, "a\"b", out);
    assert_string_equal(out, "A_B");
    ident_target_name(NAMING_PRESERVE, "Order Items", out);
    assert_string_equal(out, "Order Items");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pg_columns_fold_and_quote),
        cmocka_unit_test(pg_columns_refused_with_reasons),
        cmocka_unit_test(pg_tables),
        cmocka_unit_test(canonical_spellings_quote_only_what_needs_it),
        cmocka_unit_test(snowflake_names_resolve),
        cmocka_unit_test(naming_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
