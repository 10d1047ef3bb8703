/* test_plan_review.c — weir-plan-review's pieces on the vectors in tests/vectors/plan_review:
 * plan parsing and its errors, masking and unknown values, data-impact rules, schedule
 * frequency, Terragrunt reports, the exit policy and the rendered Markdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "fileutil.h"
#include "plan.h"
#include "policy.h"
#include "summary.h"
#include "review.h"
#include "schedule.h"
#include "tg_report.h"

static void vector_path(const char *name, char *out, size_t size)
{
    const char *root = getenv("WEIR_VECTORS");
    snprintf(out, size, "%s/plan_review/%s", root ? root : "tests/vectors", name);
}

static plan_t *load(const char *name, const char *unit, weir_err_t *err)
{
    char path[1024];
    vector_path(name, path, sizeof path);
    return plan_load(path, "dev", unit, err);
}

static void parses_a_plan(void **state)
{
    (void)state;
    weir_err_t err;
    plan_t *plan = load("changes.json", "a", &err);
    if (!plan)
        fail_msg("%s", err.msg);
    assert_int_equal(plan->count, 6);
    /* Sorted by address. */
    assert_string_equal(plan->changes[0].address, "data.weir_pipeline.read");
    assert_false(plan->changes[0].managed);
    assert_int_equal(plan->changes[0].action, PLAN_READ);
    assert_string_equal(plan->changes[1].address, "weir_backfill.b");
    assert_int_equal(plan->changes[1].action, PLAN_CREATE);
    assert_null(plan->changes[1].before);
    assert_int_equal(plan->changes[2].action, PLAN_DELETE);
    assert_int_equal(plan->drift_count, 1);
    review_counts_t n = review_count(plan, NULL);
    assert_int_equal(n.create, 1);
    assert_int_equal(n.update, 3);
    assert_int_equal(n.remove, 1);
    n = review_count(plan, "weir_pipeline");
    assert_int_equal(n.update, 1);
    assert_int_equal(n.create, 0);
    plan_free(plan);

    plan = load("replace.json", "b", &err);
    assert_non_null(plan);
    assert_int_equal(plan->changes[0].action, PLAN_REPLACE);
    plan_free(plan);
    plan = load("nochange.json", "c", &err);
    assert_non_null(plan);
    assert_int_equal(plan->count, 0);
    plan_free(plan);
}

static void rejects_bad_plans(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *message;
    } cases[] = {
        {"bad_not_json.txt", "not JSON"},
        {"bad_version.json", "unsupported format_version \"2.0\""},
        {"bad_state.json", "not a plan"},
        {"bad_array.json", "not a JSON object"},
        {"bad_missing_actions.json", "\"change.actions\" is missing"},
        {"bad_missing_address.json", "missing string \"address\""},
        {"bad_actions.json", "not a known combination"},
        {"does-not-exist.json", "does-not-exist.json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        weir_err_t err = {{0}};
        plan_t *plan = load(cases[i].file, "x", &err);
        if (plan)
            fail_msg("%s parsed", cases[i].file);
        if (!strstr(err.msg, cases[i].message))
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].file, err.msg, cases[i].message);
    }
    weir_err_t err;
    assert_null(plan_parse("", 0, "dev", "x", &err));
    assert_null(plan_parse("{\"format_version\": 1}", 21, "dev", "x", &err));
    assert_non_null(strstr(err.msg, "format_version"));
    /* Duplicate keys could make two readers disagree. */
    const char *dup = "{\"format_version\":\"1.2\",\"format_version\":\"1.2\",\"planned_values\":{}}";
    assert_null(plan_parse(dup, strlen(dup), "dev", "x", &err));
}

static void labels(void **state)
{
    (void)state;
    char env[PLAN_LABEL_MAX], unit[PLAN_LABEL_MAX];
    const char *path;
    weir_err_t err;
    assert_true(plan_label_parse("prod/pipelines/payments=/tmp/p.json", env, unit, &path, &err));
    assert_string_equal(env, "prod");
    assert_string_equal(unit, "pipelines/payments");
    assert_string_equal(path, "/tmp/p.json");
    assert_false(plan_label_parse("prod=/tmp/p.json", env, unit, &path, &err));
    assert_false(plan_label_parse("prod/x", env, unit, &path, &err));
    assert_false(plan_label_parse("pr od/x=p", env, unit, &path, &err));
    assert_false(plan_label_parse("dev/x/=p", env, unit, &path, &err));
}

static const diff_attr_t *find_attr(const diff_t *diff, const char *path)
{
    for (size_t i = 0; i < diff->count; i++)
        if (strcmp(diff->items[i].path, path) == 0)
            return &diff->items[i];
    return NULL;
}

static void diffs_mask_and_mark_unknown(void **state)
{
    (void)state;
    weir_err_t err;
    plan_t *plan = load("changes.json", "a", &err);
    assert_non_null(plan);
    diff_t diff;
    diff_init(&diff);
    /* weir_source_postgres.s: only the sensitive password_ref changes. */
    const plan_change_t *source = &plan->changes[5];
    assert_string_equal(source->address, "weir_source_postgres.s");
    assert_int_equal(diff_change(source, &diff, &err), WEIR_OK);
    assert_int_equal(diff.count, 1);
    assert_string_equal(diff.items[0].path, "password_ref");
    assert_string_equal(diff.items[0].before, DIFF_SENSITIVE);
    assert_string_equal(diff.items[0].after, DIFF_SENSITIVE);
    diff_free(&diff);

    /* The backfill create: every set value listed, unknown ones named; the agent's id left out. */
    assert_int_equal(diff_change(&plan->changes[1], &diff, &err), WEIR_OK);
    assert_null(find_attr(&diff, "id"));
    const diff_attr_t *throttle = find_attr(&diff, "throttle");
    assert_non_null(throttle);
    assert_null(throttle->before);
    assert_string_equal(throttle->after, DIFF_UNKNOWN);
    assert_string_equal(find_attr(&diff, "from")->after, "\"2024-01-01\"");
    diff_free(&diff);

    /* The pipeline: nested table paths; equal values are left out. */
    const plan_change_t *pipeline = &plan->changes[3];
    assert_string_equal(pipeline->address, "weir_pipeline.p");
    assert_int_equal(diff_change(pipeline, &diff, &err), WEIR_OK);
    assert_non_null(find_attr(&diff, "table[0].cursor"));
    assert_non_null(find_attr(&diff, "table[1].name"));
    assert_null(find_attr(&diff, "table[0].name"));
    assert_null(find_attr(&diff, "source"));
    diff_free(&diff);

    /* A destroyed object lists no attributes. */
    assert_int_equal(diff_change(&plan->changes[2], &diff, &err), WEIR_OK);
    assert_int_equal(diff.count, 0);
    diff_free(&diff);
    plan_free(plan);

    /* Write-only and spec-sensitive attributes are masked even without plan markers. */
    const char *doc = "{\"format_version\":\"1.2\",\"planned_values\":{},\"resource_changes\":[{"
                      "\"address\":\"weir_source_postgres.x\",\"type\":\"weir_source_postgres\",\"name\":\"x\","
                      "\"mode\":\"managed\",\"change\":{\"actions\":[\"update\"],"
                      "\"before\":{\"password_wo\":\"old-pw\"},\"after\":{\"password_wo\":\"new-pw\"}}}]}";
    plan = plan_parse(doc, strlen(doc), "dev", "x", &err);
    assert_non_null(plan);
    assert_int_equal(diff_change(&plan->changes[0], &diff, &err), WEIR_OK);
    assert_int_equal(diff.count, 1);
    assert_string_equal(diff.items[0].after, DIFF_SENSITIVE);
    diff_free(&diff);
    plan_free(plan);
}

static void renders_long_values_cut(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    json_t *value = json_string(big);
    char *text = diff_render(value);
    assert_true(strlen(text) <= DIFF_VALUE_MAX + 3);
    assert_non_null(strstr(text, "\xE2\x80\xA6"));
    free(text);
    json_decref(value);
}

static void schedules(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long runs;
        const char *every;
    } cases[] = {
        {"@hourly", 8760, "1h"},  {"@daily", 365, "1d"},    {"*/15 * * * *", 35040, "15m"},
        {"0 0 * * 1", 52, "~1w"}, {"@monthly", 12, "~1mo"}, {"0 3 * * mon-fri", 261, "~1d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long runs = 0;
        char why[128], every[32];
        if (!schedule_runs_per_year(cases[i].text, &runs, why, sizeof why))
            fail_msg("%s: %s", cases[i].text, why);
        if (runs != cases[i].runs)
            fail_msg("%s: %ld runs, want %ld", cases[i].text, runs, cases[i].runs);
        schedule_interval_text(runs, every, sizeof every);
        assert_string_equal(every, cases[i].every);
    }
    long runs;
    char why[128];
    assert_false(schedule_runs_per_year("every hour", &runs, why, sizeof why));
    assert_true(why[0] != 0);
}

static bool has_finding(const review_t *review, const char *address, const char *text)
{
    for (size_t i = 0; i < review->impacts.count; i++)
        if (strcmp(review->impacts.items[i].address, address) == 0 && strstr(review->impacts.items[i].text, text))
            return true;
    return false;
}

static void finds_data_impact(void **state)
{
    (void)state;
    weir_err_t err;
    review_t *review = calloc(1, sizeof *review);
    review_init(review);
    assert_int_equal(review_add_plan(review, load("changes.json", "a", &err), &err), WEIR_OK);
    assert_int_equal(review_add_plan(review, load("replace.json", "b", &err), &err), WEIR_OK);
    /* The same label twice is refused. */
    assert_int_equal(review_add_plan(review, load("nochange.json", "b", &err), &err), WEIR_ERR_EXISTS);
    assert_int_equal(review_finish(review, &err), WEIR_OK);
    assert_true(has_finding(review, "weir_quality_check.fresh", "`severity` `error` → `warn`"));
    assert_true(has_finding(review, "weir_quality_check.fresh", "`max_age` `45m` → `3h`"));
    assert_true(has_finding(review, "weir_pipeline.p", "disabled"));
    assert_true(has_finding(review, "weir_pipeline.p", "schedule slows from `*/15 * * * *`"));
    assert_true(has_finding(review, "weir_pipeline.p", "of pipeline `p` becomes `public.v`"));
    assert_true(has_finding(review, "weir_pipeline.p", "`cursor` `updated_at` → `changed_at`"));
    assert_true(has_finding(review, "weir_backfill.b", "(5 chunks)"));
    assert_true(has_finding(review, "weir_destination_snowflake.d", "destroyed"));
    assert_true(has_finding(review, "weir_pipeline.p", "`old` is replaced by `new`"));
    /* A sensitive-only change of a source is no data impact, and never shows its value. */
    for (size_t i = 0; i < review->impacts.count; i++) {
        assert_string_not_equal(review->impacts.items[i].address, "weir_source_postgres.s");
        assert_null(strstr(review->impacts.items[i].text, "SECRET_REF"));
    }
    assert_int_equal(review->impacts.count, 8);

    char *md = summary_render(review, SUMMARY_DEFAULT_MAX_BYTES, &err);
    assert_non_null(md);
    assert_non_null(strstr(md, "### Data impact (8)"));
    assert_non_null(strstr(md, "| dev | a | 1 | 3 | 0 | 1 | 7 |"));
    assert_non_null(strstr(md, "| `password_ref` | `(sensitive)` | `(sensitive)` |"));
    assert_null(strstr(md, "SECRET_REF"));
    /* Too small for the attribute tables: they are left out, the findings stay. */
    char *small = summary_render(review, 3000, &err);
    assert_non_null(small);
    assert_non_null(strstr(small, "Attribute tables are left out"));
    assert_null(strstr(small, "<details>"));
    assert_non_null(strstr(small, "### Data impact (8)"));
    free(small);
    assert_null(summary_render(review, 300, &err));
    free(md);

    /* Exit policy. */
    unsigned policy;
    assert_true(policy_parse("destroy,replace", &policy, &err));
    FILE *sink = tmpfile();
    assert_int_equal(policy_check(policy, review, sink), 2);
    assert_true(policy_parse("data-impact", &policy, &err));
    assert_int_equal(policy_check(policy, review, sink), 8);
    fclose(sink);
    assert_false(policy_parse("destroy,bogus", &policy, &err));
    assert_non_null(strstr(err.msg, "bogus"));
    assert_false(policy_parse("", &policy, &err));
    assert_false(policy_parse("destroy,", &policy, &err));
    review_free(review);
    free(review);
}

static void terragrunt_reports(void **state)
{
    (void)state;
    tg_report_t report;
    tg_report_init(&report);
    weir_err_t err;
    char path[1024], arg[1100];
    vector_path("report.json", path, sizeof path);
    snprintf(arg, sizeof arg, "dev=%s", path);
    assert_int_equal(tg_report_load(arg, &report, &err), WEIR_OK);
    assert_int_equal(report.count, 2);
    assert_string_equal(report.runs[0].env, "dev");
    assert_string_equal(report.runs[0].unit, "pipelines");
    assert_true(tg_run_ok(&report.runs[0]));
    assert_false(tg_run_ok(&report.runs[1]));
    assert_string_equal(report.runs[1].reason, "run error");

    vector_path("report.csv", path, sizeof path);
    assert_int_equal(tg_report_load(path, &report, &err), WEIR_OK);
    assert_int_equal(report.count, 4);
    assert_string_equal(report.runs[2].env, "dev");
    assert_string_equal(report.runs[2].unit, "pipelines");
    assert_string_equal(report.runs[3].env, "prod");
    assert_string_equal(report.runs[3].result, "early exit");
    assert_string_equal(report.runs[3].reason, "ancestor error");

    static const char *const bad[] = {"bad_report.csv", "bad_report_fields.csv", "bad_not_json.txt", "bad_array.json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vector_path(bad[i], path, sizeof path);
        if (tg_report_load(path, &report, &err) == WEIR_OK)
            fail_msg("%s parsed as a report", bad[i]);
        assert_int_equal(report.count, 4); /* nothing half-added */
    }
    const char *lower = "[{\"name\": \"a/b\", \"result\": \"excluded\", \"reason\": \"exclude block\"}]";
    assert_int_equal(tg_report_parse(lower, strlen(lower), NULL, &report, &err), WEIR_OK);
    assert_string_equal(report.runs[4].env, "a");
    assert_true(tg_run_ok(&report.runs[4]));
    assert_int_not_equal(tg_report_parse("[{\"Name\": 1}]", 13, NULL, &report, &err), WEIR_OK);
    assert_int_not_equal(tg_report_parse("", 0, NULL, &report, &err), WEIR_OK);
    tg_report_free(&report);
}

/* Terragrunt writes a report's rows in the order its units finish; the summary lists them in the
 * plans' order (environments as first given, units by name; failed runs first), so the same run
 * always gives the same text. Seen with a two-unit stack whose rows swapped between runs. */
static void orders_report_runs(void **state)
{
    (void)state;
    weir_err_t err;
    char path[1024], arg[1100];
    review_t *review = calloc(1, sizeof *review);
    review_init(review);
    assert_int_equal(review_add_plan(review, load("nochange.json", "pipelines/payments", &err), &err), WEIR_OK);
    plan_t *prod = NULL;
    vector_path("nochange.json", path, sizeof path);
    prod = plan_load(path, "prod", "pipelines/ledger", &err);
    assert_non_null(prod);
    assert_int_equal(review_add_plan(review, prod, &err), WEIR_OK);
    assert_int_equal(review_add_plan(review, load("nochange.json", "pipelines/ledger", &err), &err), WEIR_OK);
    vector_path("report_completion_order.json", path, sizeof path);
    /* prod's report first, then staging's (no plan given), then dev's: environments follow the plans. */
    snprintf(arg, sizeof arg, "prod=%s", path);
    assert_int_equal(tg_report_load(arg, &review->report, &err), WEIR_OK);
    snprintf(arg, sizeof arg, "staging=%s", path);
    assert_int_equal(tg_report_load(arg, &review->report, &err), WEIR_OK);
    snprintf(arg, sizeof arg, "dev=%s", path);
    assert_int_equal(tg_report_load(arg, &review->report, &err), WEIR_OK);
    assert_int_equal(review->report.count, 9);
    assert_int_equal(review_finish(review, &err), WEIR_OK);
    static const char *const order[][2] = {
        {"dev", "pipelines/audit"},     {"dev", "pipelines/ledger"},     {"dev", "pipelines/payments"},
        {"prod", "pipelines/audit"},    {"prod", "pipelines/ledger"},    {"prod", "pipelines/payments"},
        {"staging", "pipelines/audit"}, {"staging", "pipelines/ledger"}, {"staging", "pipelines/payments"},
    };
    for (size_t i = 0; i < 9; i++) {
        if (strcmp(review->report.runs[i].env, order[i][0]) != 0 ||
            strcmp(review->report.runs[i].unit, order[i][1]) != 0)
            fail_msg("run %zu is %s/%s, want %s/%s", i, review->report.runs[i].env, review->report.runs[i].unit,
                     order[i][0], order[i][1]);
    }
    assert_string_equal(review->report.runs[0].reason, "run error"); /* fields move with their run */
    char *md = summary_render(review, SUMMARY_DEFAULT_MAX_BYTES, &err);
    assert_non_null(md);
    const char *rows[] = {
        "| dev | pipelines/audit | **failed** | run error | no plan given |",
        "| prod | pipelines/audit | **failed** | run error | no plan given |",
        "| staging | pipelines/audit | **failed** | run error | no plan given |",
        "| dev | pipelines/ledger | succeeded |  | reviewed |",
        "| dev | pipelines/payments | succeeded |  | reviewed |",
        "| prod | pipelines/ledger | succeeded |  | reviewed |",
        "| prod | pipelines/payments | succeeded |  | no plan given |",
        "| staging | pipelines/ledger | succeeded |  | no plan given |",
        "| staging | pipelines/payments | succeeded |  | no plan given |",
    };
    const char *at = md;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *found = strstr(at, rows[i]);
        if (!found)
            fail_msg("row %zu \"%s\" missing or out of order in:\n%s", i, rows[i], md);
        at = found + strlen(rows[i]);
    }
    free(md);
    review_free(review);
    free(review);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_plan),
        cmocka_unit_test(rejects_bad_plans),
        cmocka_unit_test(labels),
        cmocka_unit_test(diffs_mask_and_mark_unknown),
        cmocka_unit_test(renders_long_values_cut),
        cmocka_unit_test(schedules),
        cmocka_unit_test(finds_data_impact),
        cmocka_unit_test(terragrunt_reports),
        cmocka_unit_test(orders_report_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
