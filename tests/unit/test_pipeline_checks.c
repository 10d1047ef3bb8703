/* test_pipeline_checks.c — apply's source checks judged from what a source reports (no source
 * needed: the findings are built here), the cursor classes of PostgreSQL base types, the lookback
 * warning of the spec table, and diagnostics packed for the wire and read back with their paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "agent_diags.h"
#include "pg_check.h"
#include "pipeline_checks.h"
#include "value_json.h"
#include "weir/agent/v1/agent.pb-c.h"

static char *names[] = {"id", "tenant", "updated_at", "status", "ref"};
static char *types[] = {"bigint", "integer", "timestamp with time zone", "character varying(20)", "uuid"};
static source_cursor_class_t classes[] = {SOURCE_CURSOR_NUMBER, SOURCE_CURSOR_NUMBER, SOURCE_CURSOR_TIME,
                                          SOURCE_CURSOR_TEXT, SOURCE_CURSOR_UNORDERED};

static source_table_info_t info(bool key_unique)
{
    return (source_table_info_t){.columns = {.count = 5, .names = names, .types = types},
                                 .cursor_classes = classes,
                                 .key_unique = key_unique,
                                 .readable = true};
}

/* "path|E|summary" or "path|W|summary" for diagnostic i. */
static const char *line(const spec_diags_t *diags, size_t i)
{
    static char text[400];
    char path[128];
    spec_path_format(diags->items[i].path, diags->items[i].path_len, path, sizeof path);
    snprintf(text, sizeof text, "%s|%c|%s", path, diags->items[i].is_error ? 'E' : 'W', diags->items[i].summary);
    return text;
}

static void a_good_table_passes(void **state)
{
    (void)state;
    char *key[] = {"id"};
    pipeline_check_table_t table = {
        .name = "public.orders", .primary_key = key, .key_count = 1, .cursor = "updated_at"};
    source_table_info_t found = info(true);
    spec_diags_t diags;
    spec_diags_init(&diags);
    pipeline_checks_judge(&table, 0, "pg", WEIR_OK, &found, "", &diags);
    assert_int_equal(diags.count, 0);
    spec_diags_free(&diags);
}

static void each_problem_lands_at_its_path(void **state)
{
    (void)state;
    char *key[] = {"id", "region"};
    pipeline_check_table_t table = {.name = "public.orders", .primary_key = key, .key_count = 2, .cursor = "status"};
    source_table_info_t found = info(true);
    spec_diags_t diags;
    spec_diags_init(&diags);
    pipeline_checks_judge(&table, 2, "pg", WEIR_OK, &found, "", &diags);
    assert_int_equal(diags.count, 2);
    assert_string_equal(line(&diags, 0), "table[2].primary_key[1]|E|Primary key column not found");
    assert_non_null(strstr(diags.items[0].detail, "id, tenant, updated_at, status, ref"));
    assert_string_equal(line(&diags, 1), "table[2].cursor|E|Text cursor");
    assert_non_null(strstr(diags.items[1].detail, "allow_text_cursor"));
    spec_diags_free(&diags);

    /* Allowed text; an unordered type and a missing cursor are errors all the same. */
    table = (pipeline_check_table_t){
        .name = "t", .primary_key = key, .key_count = 1, .cursor = "status", .allow_text_cursor = true};
    spec_diags_init(&diags);
    pipeline_checks_judge(&table, 0, "pg", WEIR_OK, &found, "", &diags);
    assert_int_equal(diags.count, 0);
    table.cursor = "ref";
    pipeline_checks_judge(&table, 0, "pg", WEIR_OK, &found, "", &diags);
    table.cursor = "changed_at";
    pipeline_checks_judge(&table, 1, "pg", WEIR_OK, &found, "", &diags);
    assert_int_equal(diags.count, 2);
    assert_string_equal(line(&diags, 0), "table[0].cursor|E|Cursor type cannot order rows");
    assert_non_null(strstr(diags.items[0].detail, "uuid"));
    assert_string_equal(line(&diags, 1), "table[1].cursor|E|Cursor column not found");
    spec_diags_free(&diags);
}

static void missing_table_unique_key_and_unreadable(void **state)
{
    (void)state;
    char *key[] = {"tenant"};
    pipeline_check_table_t table = {.name = "public.gone", .primary_key = key, .key_count = 1};
    spec_diags_t diags;
    spec_diags_init(&diags);
    pipeline_checks_judge(&table, 0, "pg", WEIR_ERR_NOT_FOUND, NULL, "", &diags);
    pipeline_checks_judge(&table, 1, "pg", WEIR_ERR_UNAVAILABLE, NULL, "canceling statement", &diags);
    source_table_info_t found = info(false);
    found.readable = false;
    pipeline_checks_judge(&table, 2, "pg", WEIR_OK, &found, "", &diags);
    assert_int_equal(diags.count, 4);
    assert_string_equal(line(&diags, 0), "table[0].name|E|Table not found");
    assert_non_null(strstr(diags.items[0].detail, "Source pg has no table public.gone"));
    assert_string_equal(line(&diags, 1), "table[1].name|W|Table not checked");
    assert_non_null(strstr(diags.items[1].detail, "canceling statement"));
    assert_string_equal(line(&diags, 2), "table[2].name|W|Table not readable");
    assert_string_equal(line(&diags, 3), "table[2].primary_key|W|Primary key not unique at the source");
    spec_diags_free(&diags);
}

static void postgres_cursor_classes(void **state)
{
    (void)state;
    assert_int_equal(pg_cursor_class("timestamptz"), SOURCE_CURSOR_TIME);
    assert_int_equal(pg_cursor_class("timestamp"), SOURCE_CURSOR_TIME);
    assert_int_equal(pg_cursor_class("date"), SOURCE_CURSOR_TIME);
    assert_int_equal(pg_cursor_class("int8"), SOURCE_CURSOR_NUMBER);
    assert_int_equal(pg_cursor_class("numeric"), SOURCE_CURSOR_NUMBER);
    assert_int_equal(pg_cursor_class("varchar"), SOURCE_CURSOR_TEXT);
    assert_int_equal(pg_cursor_class("bpchar"), SOURCE_CURSOR_TEXT);
    assert_int_equal(pg_cursor_class("time"), SOURCE_CURSOR_UNORDERED);
    assert_int_equal(pg_cursor_class("float8"), SOURCE_CURSOR_UNORDERED);
    assert_int_equal(pg_cursor_class("uuid"), SOURCE_CURSOR_UNORDERED);
    assert_int_equal(pg_cursor_class(NULL), SOURCE_CURSOR_UNORDERED);
}

/* Validates a pipeline spec and returns its diagnostics' lines joined by ';'. */
static const char *validate(const char *json)
{
    static char joined[800];
    weir_err_t err;
    const spec_kind_t *kind = spec_kind_by_kind("pipeline");
    wv_t *raw = wv_from_json(json, strlen(json), &err);
    assert_non_null(raw);
    wv_t *spec = spec_conform(&kind->block, raw, &err);
    assert_non_null(spec);
    assert_int_equal(spec_fill_defaults(&kind->block, spec), WEIR_OK);
    spec_diags_t diags;
    spec_diags_init(&diags);
    spec_validate(kind, spec, &diags);
    joined[0] = 0;
    for (size_t i = 0; i < diags.count; i++)
        snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s;", line(&diags, i));
    spec_diags_free(&diags);
    wv_free(spec);
    wv_free(raw);
    return joined;
}

static void lookback_zero_warns_at_plan(void **state)
{
    (void)state;
    const char *base = "{\"name\":\"p\",\"source\":\"pg\",\"destination\":\"wh\",\"table\":[";
    char json[600];
    snprintf(json, sizeof json,
             "%s{\"name\":\"a\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"},"
             "{\"name\":\"b\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\",\"lookback\":\"0s\"}]}",
             base);
    assert_string_equal(validate(json), "table[1].lookback|W|No lookback;");
    /* Without a cursor, or on a full refresh, lookback means nothing and nothing is said. */
    snprintf(json, sizeof json,
             "%s{\"name\":\"b\",\"primary_key\":[\"id\"],\"mode\":\"full_refresh\","
             "\"lookback\":\"0m\"}]}",
             base);
    assert_string_equal(validate(json), "");
}

static void diagnostics_cross_the_wire_with_paths(void **state)
{
    (void)state;
    spec_diags_t diags;
    spec_diags_init(&diags);
    spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                          {.kind = PATH_INDEX, .index = 3},
                          {.kind = PATH_ATTR, .name = "primary_key"},
                          {.kind = PATH_INDEX, .index = 1}};
    spec_diag_add(&diags, true, path, 4, "Primary key column not found", "no column \"x\"");
    spec_step_t key[] = {{.kind = PATH_ATTR, .name = "labels"}, {.kind = PATH_KEY, .name = "team"}};
    spec_diag_add(&diags, false, key, 2, "Careful", "a warning");
    spec_diag_add(&diags, false, NULL, 0, "Whole object", "%s", "");

    /* Errors left out, as a stored object's reply does. */
    Weir__Agent__V1__Diagnostic **packed = NULL;
    size_t n = 0;
    assert_int_equal(agent_diags_pack(&diags, false, true, &packed, &n), WEIR_OK);
    assert_int_equal(n, 2);
    agent_diags_pack_free(packed, n);

    assert_int_equal(agent_diags_pack(&diags, true, true, &packed, &n), WEIR_OK);
    Weir__Agent__V1__PutObjectResponse response = WEIR__AGENT__V1__PUT_OBJECT_RESPONSE__INIT;
    response.diagnostics = packed;
    response.n_diagnostics = n;
    uint8_t wire[2048];
    size_t len = weir__agent__v1__put_object_response__pack(&response, wire);
    agent_diags_pack_free(packed, n);
    Weir__Agent__V1__PutObjectResponse *back = weir__agent__v1__put_object_response__unpack(NULL, len, wire);
    assert_non_null(back);
    agent_diags_t got;
    assert_int_equal(agent_diags_unpack(back->diagnostics, back->n_diagnostics, &got), WEIR_OK);
    weir__agent__v1__put_object_response__free_unpacked(back, NULL);
    spec_diags_free(&diags);

    assert_int_equal(got.count, 3);
    assert_true(agent_diags_has_error(&got));
    char text[256];
    spec_path_format(got.items[0].path, got.items[0].path_len, text, sizeof text);
    assert_string_equal(text, "table[3].primary_key[1]");
    spec_path_format(got.items[1].path, got.items[1].path_len, text, sizeof text);
    assert_string_equal(text, "labels[\"team\"]");
    assert_false(got.items[1].is_error);
    assert_int_equal(got.items[2].path_len, 0);
    agent_diags_describe(&got, text, sizeof text);
    assert_string_equal(text, "table[3].primary_key[1]: no column \"x\"");
    agent_diags_free(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_good_table_passes),
        cmocka_unit_test(each_problem_lands_at_its_path),
        cmocka_unit_test(missing_table_unique_key_and_unreadable),
        cmocka_unit_test(postgres_cursor_classes),
        cmocka_unit_test(lookback_zero_warns_at_plan),
        cmocka_unit_test(diagnostics_cross_the_wire_with_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
