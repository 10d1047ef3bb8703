/* test_sf_types.c — the PostgreSQL → Snowflake type mapping: every row of docs/types.md against
 * sf_types_map, the conversions (explicit date/time formats, inf forms), and the value checks
 * that fail a run instead of changing data (NaN, too many digits, infinity, BC, 24:00, json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileutil.h"
#include "sf_types.h"

static const char *mapped(const char *pg_type)
{
    static sf_type_t type;
    sf_types_map(pg_type, &type);
    return type.sql_type;
}

/* Each table row: the PostgreSQL types are the code spans of the first cell, the Snowflake type
 * the first code span of the second. */
static void docs_table_matches_code(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/../../docs/types.md", getenv("WEIR_VECTORS"));
    weir_err_t err;
    char *docs = file_read_all(path, 1 << 20, &err);
    assert_non_null(docs);
    int rows = 0, types = 0;
    char *save = NULL;
    for (char *line = strtok_r(docs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] != '|' || strncmp(line, "|---", 4) == 0 || strncmp(line, "| PostgreSQL", 12) == 0)
            continue;
        char *cell_end = strchr(line + 1, '|');
        assert_non_null(cell_end);
        char *want = strchr(cell_end, '`');
        assert_non_null(want);
        char *want_end = strchr(want + 1, '`');
        assert_non_null(want_end);
        *want_end = 0;
        int spans = 0;
        for (char *span = strchr(line, '`'); span && span < cell_end; span = strchr(span, '`')) {
            char *close = strchr(span + 1, '`');
            assert_true(close && close < cell_end);
            char pg_type[128];
            snprintf(pg_type, sizeof pg_type, "%.*s", (int)(close - span - 1), span + 1);
            if (strcmp(mapped(pg_type), want + 1) != 0)
                fail_msg("docs/types.md: %s maps to %s in the code, %s in the docs", pg_type, mapped(pg_type),
                         want + 1);
            spans++;
            span = close + 1;
        }
        assert_true(spans > 0);
        types += spans;
        rows++;
    }
    free(docs);
    assert_true(rows >= 30);
    assert_true(types >= 45);
}

static void arrays_by_the_array_not_the_element(void **state)
{
    (void)state;
    assert_string_equal(mapped("numeric[]"), "ARRAY");
    assert_string_equal(mapped("timestamp with time zone[]"), "ARRAY");
    assert_string_equal(mapped("time without time zone[]"), "ARRAY");
    assert_string_equal(mapped("integer[]"), "ARRAY");
    /* A user type whose name starts like a builtin is not that builtin. */
    assert_string_equal(mapped("timestamp_audit"), "VARCHAR");
    assert_string_equal(mapped("numeric_code"), "VARCHAR");
    assert_string_equal(mapped("time_slot"), "VARCHAR");
}

static void numeric_rules(void **state)
{
    (void)state;
    assert_string_equal(mapped("numeric"), "NUMBER(38,9)");
    assert_string_equal(mapped("numeric(38,38)"), "NUMBER(37,37)");
    assert_string_equal(mapped("numeric(38,37)"), "NUMBER(38,37)");
    assert_string_equal(mapped("numeric(60,40)"), "NUMBER(38,37)");
    assert_string_equal(mapped("numeric(3,5)"), "NUMBER(5,5)");
    assert_string_equal(mapped("numeric(5,-2)"), "NUMBER(7,0)");
    assert_string_equal(mapped("numeric(40,-5)"), "NUMBER(38,0)");
    assert_string_equal(mapped("numeric(1,0)"), "NUMBER(1,0)");
}

static void put(const char *pg_type, char *out, size_t size)
{
    sf_type_t type;
    sf_types_map(pg_type, &type);
    weir_buf_t sql;
    buf_init(&sql, 4096);
    assert_int_equal(sf_types_put_converted(&sql, &type, "\"C\""), WEIR_OK);
    assert_int_equal(buf_putc(&sql, 0), WEIR_OK);
    snprintf(out, size, "%s", (const char *)sql.data);
    buf_free(&sql);
}

static void conversions_name_their_formats(void **state)
{
    (void)state;
    char sql[512];
    put("date", sql, sizeof sql);
    assert_string_equal(sql, "TO_DATE(\"C\", 'YYYY-MM-DD')");
    put("time(3) without time zone", sql, sizeof sql);
    assert_string_equal(sql,
                        "CASE WHEN \"C\" LIKE '%.%' THEN TO_TIME(\"C\", 'HH24:MI:SS.FF') "
                        "ELSE TO_TIME(\"C\", 'HH24:MI:SS') END");
    put("timestamp with time zone", sql, sizeof sql);
    assert_string_equal(sql,
                        "CASE WHEN \"C\" LIKE '%.%' THEN TO_TIMESTAMP_TZ(\"C\", 'YYYY-MM-DD HH24:MI:SS.FFTZH') "
                        "ELSE TO_TIMESTAMP_TZ(\"C\", 'YYYY-MM-DD HH24:MI:SSTZH') END");
    put("double precision", sql, sizeof sql);
    assert_string_equal(sql,
                        "CAST(CASE \"C\" WHEN 'Infinity' THEN 'inf' WHEN '-Infinity' THEN '-inf' ELSE \"C\" END "
                        "AS FLOAT)");
    put("integer[]", sql, sizeof sql);
    assert_string_equal(sql, "CAST(PARSE_JSON(\"C\") AS ARRAY)");
    put("money", sql, sizeof sql);
    assert_string_equal(sql, "CAST(REPLACE(REPLACE(\"C\", '$', ''), ',', '') AS NUMBER(19,2))");
    put("interval", sql, sizeof sql);
    assert_string_equal(sql, "\"C\"");
}

/* Whether `value` of `pg_type` lands; when not, the reason contains `reason`. */
static void expect(const char *pg_type, const char *value, const char *reason)
{
    sf_type_t type;
    sf_types_map(pg_type, &type);
    char why[384] = "";
    bool ok = sf_types_check(&type, value, strlen(value), why, sizeof why);
    if (!reason && !ok)
        fail_msg("%s value %s refused: %s", pg_type, value, why);
    if (reason && (ok || !strstr(why, reason)))
        fail_msg("%s value %s: expected a refusal with \"%s\", got %s", pg_type, value, reason, ok ? "ok" : why);
}

static void values_that_would_change_are_refused(void **state)
{
    (void)state;
    expect("numeric(38,2)", "1e40", "is not a decimal number");
    expect("numeric(38,2)", "1234567890123456789012345678901234567", "does not fit NUMBER(38,2)");
    expect("numeric(38,2)", "123456789012345678901234567890123456.25", NULL);
    expect("numeric", "NaN", "NaN and infinity exist only in FLOAT");
    expect("numeric", "-Infinity", "only in FLOAT");
    expect("numeric", "123456789012345678901234567890123456789012.5", "does not fit NUMBER(38,9)");
    expect("numeric", "0.1234567891", "does not fit NUMBER(38,9)");
    expect("numeric", "-0.1234567890000", NULL);
    expect("numeric", "00012.5", NULL);
    expect("numeric(38,38)", "0.12345678901234567890123456789012345670", NULL);
    expect("numeric(38,38)", "0.12345678901234567890123456789012345678", "does not fit NUMBER(37,37)");
    expect("money", "-$1,234.56", NULL);
    expect("money", "1.234,56 €", "lc_monetary");
    expect("date", "2026-11-23", NULL);
    expect("date", "infinity", "infinity");
    expect("date", "-infinity", "infinity");
    expect("date", "0044-03-15 BC", "BC date");
    expect("date", "12026-01-01", "above 9999");
    expect("time without time zone", "24:00:00", "24:00:00");
    expect("time without time zone", "23:59:59.999999", NULL);
    expect("timestamp without time zone", "2026-11-23 10:00:00", NULL);
    expect("timestamp without time zone", "2026-11-23 10:00:00.5", NULL);
    expect("timestamp without time zone", "infinity", "infinity");
    expect("timestamp with time zone", "2026-11-23 10:00:00.123456+00", NULL);
    expect("timestamp with time zone", "0099-01-01 00:00:00+00 BC", "BC date");
    expect("timestamp with time zone", "10000-01-01 00:00:00+00", "above 9999");
    expect("json", "{\"a\": 1, \"a\": 2}", "duplicate");
    expect("json", "{\"a\": {\"b\": 1, \"c\": [1, {\"d\": 2, \"d\": 3}]}}", "duplicate");
    expect("json", "{\"a\": \"x\\\"\", \"b\": [1.5, -2, 3e10]}", NULL);
    expect("jsonb", "{\"n\": 123456789012345678901234567890123456789}", "more than NUMBER's 38 digits");
    expect("jsonb", "{\"n\": \"123456789012345678901234567890123456789\"}", NULL);
    expect("json", "[1e400]", "DOUBLE");
    expect("integer[]", "[1,2,null]", NULL);
    expect("numeric[]", "[1.5,123456789012345678901234567890123456789.5]", "DOUBLE");
    expect("double precision", "NaN", NULL);
    expect("double precision", "-Infinity", NULL);
}

/* A column block's `type` converts and checks as that type, and matches the catalog's name for it. */
static void overrides_convert_and_check_as_declared(void **state)
{
    (void)state;
    sf_type_t type;
    char why[256];
    assert_true(sf_types_override("number(38, 10)", &type));
    assert_int_equal(type.kind, SF_KIND_NUMBER);
    assert_string_equal(type.sql_type, "NUMBER(38,10)");
    assert_true(sf_types_check(&type, "1.0123456789", 12, why, sizeof why));
    assert_false(sf_types_check(&type, "1.01234567891", 13, why, sizeof why));
    assert_true(sf_types_override("VARCHAR", &type));
    assert_int_equal(type.kind, SF_KIND_TEXT);
    assert_true(sf_types_check(&type, "1e400", 5, why, sizeof why)); /* beyond NUMBER, kept as text */
    assert_true(sf_types_override("TIMESTAMP_NTZ(0)", &type));
    assert_true(sf_types_check(&type, "2026-11-23 10:00:00", 19, why, sizeof why));
    assert_false(sf_types_check(&type, "2026-11-23 10:00:00.25", 22, why, sizeof why));
    assert_non_null(strstr(why, "would round"));
    assert_true(sf_types_same_family("TIMESTAMP_NTZ", &type)); /* the catalog drops the (0) */
    assert_false(sf_types_same_family("TIMESTAMP_TZ", &type));
    assert_true(sf_types_override("float8", &type));
    assert_int_equal(type.kind, SF_KIND_FLOAT);
    assert_false(sf_types_override("NUMBER(38,38)", &type));
    assert_false(sf_types_override("OBJECT", &type));
    assert_false(sf_types_override("MONEY", &type));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(docs_table_matches_code),
        cmocka_unit_test(arrays_by_the_array_not_the_element),
        cmocka_unit_test(numeric_rules),
        cmocka_unit_test(conversions_name_their_formats),
        cmocka_unit_test(values_that_would_change_are_refused),
        cmocka_unit_test(overrides_convert_and_check_as_declared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
