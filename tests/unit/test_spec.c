/* test_spec.c — the spec tables: valid specs pass, invalid ones fail at the right attribute path,
 * defaults fill, conformance and stripping shape values for state and storage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "spec.h"
#include "value_json.h"
#include "vectors.h"

static wv_t *conformed(const spec_kind_t *kind, const char *json)
{
    weir_err_t err;
    wv_t *raw = wv_from_json(json, strlen(json), &err);
    if (!raw)
        fail_msg("bad JSON in vector: %s", err.msg);
    wv_t *value = spec_conform(&kind->block, raw, &err);
    wv_free(raw);
    if (!value)
        fail_msg("cannot conform: %s", err.msg);
    assert_int_equal(spec_fill_defaults(&kind->block, value), WEIR_OK);
    return value;
}

static void check_valid(const char *kind_name, const char *json, void *ctx)
{
    (void)ctx;
    const spec_kind_t *kind = spec_kind_by_kind(kind_name);
    assert_non_null(kind);
    wv_t *value = conformed(kind, json);
    spec_diags_t diags;
    spec_diags_init(&diags);
    spec_validate(kind, value, &diags);
    if (spec_diags_has_error(&diags)) {
        char path[128];
        spec_path_format(diags.items[0].path, diags.items[0].path_len, path, sizeof path);
        fail_msg("%s %s rejected at %s: %s", kind_name, json, path, diags.items[0].detail);
    }
    spec_diags_free(&diags);
    wv_free(value);
}

static void check_invalid(const char *kind_name, const char *rest, void *ctx)
{
    (void)ctx;
    const spec_kind_t *kind = spec_kind_by_kind(kind_name);
    assert_non_null(kind);
    const char *sep = strstr(rest, " :: ");
    assert_non_null(sep);
    char want_path[128];
    snprintf(want_path, sizeof want_path, "%.*s", (int)(sep - rest), rest);
    wv_t *value = conformed(kind, sep + 4);
    spec_diags_t diags;
    spec_diags_init(&diags);
    spec_validate(kind, value, &diags);
    if (!spec_diags_has_error(&diags))
        fail_msg("%s accepted %s", kind_name, sep + 4);
    char path[128];
    spec_path_format(diags.items[0].path, diags.items[0].path_len, path, sizeof path);
    if (strcmp(path, want_path) != 0)
        fail_msg("%s %s: error at %s (%s), expected %s", kind_name, sep + 4, path, diags.items[0].detail, want_path);
    assert_true(strlen(diags.items[0].detail) > 10);
    spec_diags_free(&diags);
    wv_free(value);
}

static void valid_specs(void **state)
{
    (void)state;
    assert_true(vectors_each("spec/valid.txt", check_valid, NULL) >= 9);
}

static void invalid_specs(void **state)
{
    (void)state;
    assert_true(vectors_each("spec/invalid.txt", check_invalid, NULL) >= 18);
}

static void defaults_and_shape(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("pipeline");
    wv_t *value = conformed(kind,
                            "{\"name\":\"p\",\"source\":\"s\",\"destination\":\"d\",\"extra\":1,"
                            "\"table\":[{\"name\":\"t\",\"primary_key\":[\"id\"],\"cursor\":\"u\"}]}");
    assert_null(wv_map_get(value, "extra"));
    assert_string_equal(wv_map_get(value, "schedule")->text, "@hourly");
    assert_true(wv_map_get(value, "enabled")->boolean);
    const wv_t *table = wv_map_get(value, "table")->items[0];
    assert_string_equal(wv_map_get(table, "lookback")->text, "15m");
    assert_string_equal(wv_map_get(table, "mode")->text, "incremental");
    assert_true(wv_is_null(wv_map_get(table, "target")));
    assert_int_equal(value->count, kind->block.count);
    spec_strip_for_store(&kind->block, value);
    assert_null(wv_map_get(value, "id"));
    wv_free(value);
}

static void sets_sorted_and_write_only_stripped(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("alert_channel");
    wv_t *value = conformed(kind,
                            "{\"name\":\"a\",\"kind\":\"webhook\",\"url_ref\":\"env:U\","
                            "\"signing_secret_wo\":\"k\",\"pipelines\":[\"z\",\"b\",\"m\"]}");
    char *pipelines = render(wv_map_get(value, "pipelines"));
    assert_string_equal(pipelines, "[\"b\",\"m\",\"z\"]");
    free(pipelines);
    spec_strip_for_store(&kind->block, value);
    assert_null(wv_map_get(value, "signing_secret_wo"));
    wv_free(value);
}

static void unknown_values_are_not_judged(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("pipeline");
    wv_t *value = conformed(kind,
                            "{\"name\":\"p\",\"destination\":\"d\",\"table\":[{\"name\":\"t\","
                            "\"primary_key\":[\"id\"],\"cursor\":\"u\"}]}");
    assert_int_equal(wv_map_set(value, "source", wv_unknown()), WEIR_OK);
    assert_int_equal(wv_map_set(value, "schedule", wv_unknown()), WEIR_OK);
    spec_diags_t diags;
    spec_diags_init(&diags);
    spec_validate(kind, value, &diags);
    assert_false(spec_diags_has_error(&diags));
    spec_diags_free(&diags);
    wv_free(value);
}

static void secret_refs(void **state)
{
    (void)state;
    char why[200];
    assert_true(spec_secret_ref_valid("env:PG_PASSWORD", why, sizeof why));
    assert_true(spec_secret_ref_valid("file:/run/secrets/pg", why, sizeof why));
    assert_true(spec_secret_ref_valid("ssm:/weir/pg", why, sizeof why));
    assert_true(
        spec_secret_ref_valid("aws-sm:arn:aws:secretsmanager:eu-central-1:1:secret:x#password", why, sizeof why));
    assert_false(spec_secret_ref_valid("env:lower", why, sizeof why));
    assert_false(spec_secret_ref_valid("file:relative", why, sizeof why));
    assert_false(spec_secret_ref_valid("plaintext", why, sizeof why));
    long long seconds;
    assert_true(spec_duration_seconds("1h30m", &seconds));
    assert_int_equal(seconds, 5400);
    assert_false(spec_duration_seconds("15", &seconds));
    assert_false(spec_duration_seconds("", &seconds));
}

static void check_defaults_in(const spec_block_t *block)
{
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        if (attr->block)
            check_defaults_in(attr->block);
        if (!attr->default_json)
            continue;
        /* The fast literal reader must agree with a real JSON parser on every default. */
        weir_err_t err;
        wv_t *parsed = wv_from_json(attr->default_json, strlen(attr->default_json), &err);
        wv_t *fast = spec_default_value(attr);
        assert_non_null(parsed);
        assert_non_null(fast);
        if (!wv_equal(parsed, fast))
            fail_msg("default of %s reads differently: %s", attr->name, attr->default_json);
        assert_true(attr->flags & SA_OPTIONAL);
        assert_true(attr->flags & SA_COMPUTED);
        wv_free(parsed);
        wv_free(fast);
    }
}

static void defaults_are_plain_literals(void **state)
{
    (void)state;
    for (size_t k = 0; k < spec_kind_count; k++)
        check_defaults_in(&spec_kinds[k]->block);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_specs),
        cmocka_unit_test(invalid_specs),
        cmocka_unit_test(defaults_and_shape),
        cmocka_unit_test(sets_sorted_and_write_only_stripped),
        cmocka_unit_test(unknown_values_are_not_judged),
        cmocka_unit_test(secret_refs),
        cmocka_unit_test(defaults_are_plain_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
