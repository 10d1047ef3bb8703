/* test_resource.c — planning rules (defaults, unknown id, requires-replace, write-only) and state shaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "resource.h"
#include "value_json.h"

static wv_t *conformed(const spec_kind_t *kind, const char *json)
{
    weir_err_t err;
    wv_t *raw = wv_from_json(json, strlen(json), &err);
    assert_non_null(raw);
    wv_t *value = spec_conform(&kind->block, raw, &err);
    wv_free(raw);
    assert_non_null(value);
    return value;
}

static const char *SOURCE_CONFIG = "{\"name\":\"payments\",\"host\":\"h\",\"database\":\"d\",\"user\":\"u\","
                                   "\"password_wo\":\"hunter2\"}";

static void plan_create(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("source_postgres");
    wv_t *config = conformed(kind, SOURCE_CONFIG);
    wv_t *prior = wv_null();
    res_paths_t replace;
    spec_diags_t diags;
    spec_diags_init(&diags);
    wv_t *planned = res_plan(kind, prior, config, config, &replace, &diags);
    assert_non_null(planned);
    assert_false(spec_diags_has_error(&diags));
    assert_int_equal(replace.count, 0);
    assert_int_equal(wv_map_get(planned, "id")->kind, WV_UNKNOWN);
    assert_string_equal(wv_map_get(planned, "port")->text, "5432");
    assert_string_equal(wv_map_get(planned, "sslmode")->text, "verify-full");
    assert_true(wv_is_null(wv_map_get(planned, "password_wo")));

    char *spec_json = NULL, *secrets = NULL;
    weir_err_t err;
    assert_int_equal(wv_map_set(planned, "id", wv_string("x")), WEIR_OK);
    assert_int_equal(res_agent_payload(kind, planned, config, &spec_json, &secrets, &err), WEIR_OK);
    assert_null(strstr(spec_json, "hunter2"));
    assert_null(strstr(spec_json, "\"id\""));
    assert_string_equal(secrets, "{\"password_wo\":\"hunter2\"}");
    free(spec_json);
    free(secrets);
    spec_diags_free(&diags);
    wv_free(planned);
    wv_free(prior);
    wv_free(config);
}

static void plan_update_replace_and_defaults(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("source_postgres");
    wv_t *prior = conformed(kind,
                            "{\"name\":\"payments\",\"id\":\"abc\",\"host\":\"h\",\"port\":5433,"
                            "\"database\":\"d\",\"user\":\"u\",\"sslmode\":\"require\",\"max_connections\":4}");
    /* The user renamed the source and removed port and sslmode from the configuration. */
    wv_t *config = conformed(kind, "{\"name\":\"payments2\",\"host\":\"h\",\"database\":\"d\",\"user\":\"u\"}");
    wv_t *proposed = wv_clone(config);
    assert_int_equal(wv_map_set(proposed, "port", wv_number_i64(5433)), WEIR_OK);
    assert_int_equal(wv_map_set(proposed, "sslmode", wv_string("require")), WEIR_OK);
    assert_int_equal(wv_map_set(proposed, "id", wv_string("abc")), WEIR_OK);
    res_paths_t replace;
    spec_diags_t diags;
    spec_diags_init(&diags);
    wv_t *planned = res_plan(kind, prior, proposed, config, &replace, &diags);
    assert_non_null(planned);
    assert_int_equal(replace.count, 1);
    assert_string_equal(replace.items[0].steps[0].name, "name");
    assert_string_equal(wv_map_get(planned, "port")->text, "5432");
    assert_string_equal(wv_map_get(planned, "sslmode")->text, "verify-full");
    assert_string_equal(wv_map_get(planned, "id")->text, "abc");
    spec_diags_free(&diags);
    wv_free(planned);
    wv_free(proposed);
    wv_free(config);
    wv_free(prior);
}

static void plan_reports_invalid_values_with_paths(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("pipeline");
    wv_t *config = conformed(kind,
                             "{\"name\":\"p\",\"source\":\"s\",\"destination\":\"d\",\"schedule\":\"hourly\","
                             "\"table\":[{\"name\":\"t\",\"primary_key\":[\"id\"],\"cursor\":\"u\"}]}");
    wv_t *prior = wv_null();
    res_paths_t replace;
    spec_diags_t diags;
    spec_diags_init(&diags);
    wv_t *planned = res_plan(kind, prior, config, config, &replace, &diags);
    assert_true(spec_diags_has_error(&diags));
    char path[64];
    spec_path_format(diags.items[0].path, diags.items[0].path_len, path, sizeof path);
    assert_string_equal(path, "schedule");
    spec_diags_free(&diags);
    wv_free(planned);
    wv_free(prior);
    wv_free(config);
}

static void state_from_object(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("source_postgres");
    agent_object_t object = {.kind = "source_postgres",
                             .name = "payments",
                             .id = "the-id",
                             .generation = 4,
                             .spec_json = "{\"name\":\"payments\",\"host\":\"h\",\"port\":5432,\"database\":\"d\","
                                          "\"user\":\"u\",\"sslmode\":\"verify-full\",\"max_connections\":4}",
                             .status_json = "{}"};
    weir_err_t err;
    wv_t *value = res_state_from_object(kind, &object, &err);
    assert_non_null(value);
    assert_int_equal(value->count, kind->block.count);
    assert_string_equal(wv_map_get(value, "id")->text, "the-id");
    assert_true(wv_is_null(wv_map_get(value, "password_wo")));
    wv_free(value);

    char priv[64];
    res_private_format(4, priv, sizeof priv);
    assert_int_equal(res_private_generation((const uint8_t *)priv, strlen(priv)), 4);
    assert_int_equal(res_private_generation(NULL, 0), AGENT_ANY_GENERATION);
    assert_int_equal(res_private_generation((const uint8_t *)"junk", 4), AGENT_ANY_GENERATION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_create),
        cmocka_unit_test(plan_update_replace_and_defaults),
        cmocka_unit_test(plan_reports_invalid_values_with_paths),
        cmocka_unit_test(state_from_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
