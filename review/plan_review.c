/* plan_review.c — weir-plan-review: reads `tofu show -json` plans (and Terragrunt's run report)
 * and writes a Markdown summary for a pull request; exits non-zero when --fail-on matches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "policy.h"
#include "summary.h"
#include "review.h"

enum { EXIT_OK = 0, EXIT_POLICY = 1, EXIT_USAGE = 2 };

static const char usage[] =
    "usage: weir-plan-review --plan ENV/UNIT=PLAN.json [--plan ...] [--report [ENV=]REPORT]\n"
    "                        [--fail-on destroy,replace,data-impact,run-failure]\n"
    "                        [--output FILE] [--max-bytes N]\n"
    "\n"
    "  --plan ENV/UNIT=PATH   output of `tofu show -json PLANFILE` for one unit of one environment\n"
    "  --report [ENV=]PATH    Terragrunt run report (--report-file, .json or .csv); ENV labels a\n"
    "                         `stack run` made in one environment's directory\n"
    "  --fail-on LIST         exit 1 when the review holds a matching change (reasons on stderr)\n"
    "  --output FILE          write the Markdown there instead of standard output\n"
    "  --max-bytes N          largest summary (default 60000; GitHub comments hold 65536)\n"
    "\n"
    "Exit status: 0 reviewed, 1 a --fail-on policy matched, 2 bad usage or unreadable input.\n";

static int fail(const char *message)
{
    fprintf(stderr, "weir-plan-review: %s\n", message);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    review_t *review = calloc(1, sizeof *review);
    char *text = NULL;
    const char *output = NULL;
    unsigned policy = 0;
    size_t max_bytes = SUMMARY_DEFAULT_MAX_BYTES;
    weir_err_t err = {{0}};
    int code = EXIT_USAGE;
    if (!review)
        return fail("out of memory");
    review_init(review);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            code = EXIT_OK;
            goto out;
        }
        bool known = strcmp(arg, "--plan") == 0 || strcmp(arg, "--report") == 0 || strcmp(arg, "--fail-on") == 0 ||
            strcmp(arg, "--output") == 0 || strcmp(arg, "--max-bytes") == 0;
        if (!known) {
            fprintf(stderr, "weir-plan-review: unknown argument \"%.100s\"\n%s", arg, usage);
            goto out;
        }
        if (!value) {
            fprintf(stderr, "weir-plan-review: %s needs a value\n", arg);
            goto out;
        }
        i++;
        if (strcmp(arg, "--plan") == 0) {
            char env[PLAN_LABEL_MAX], unit[PLAN_LABEL_MAX];
            const char *path;
            if (!plan_label_parse(value, env, unit, &path, &err))
                goto error;
            plan_t *plan = plan_load(path, env, unit, &err);
            if (!plan || review_add_plan(review, plan, &err) != WEIR_OK)
                goto error;
        } else if (strcmp(arg, "--report") == 0) {
            if (tg_report_load(value, &review->report, &err) != WEIR_OK)
                goto error;
        } else if (strcmp(arg, "--fail-on") == 0) {
            if (!policy_parse(value, &policy, &err))
                goto error;
        } else if (strcmp(arg, "--output") == 0) {
            output = value;
        } else {
            char *end = NULL;
            errno = 0;
            long long n = strtoll(value, &end, 10);
            /* Below 1 KiB not even the totals fit; 16 MiB is far past any comment system. */
            if (errno || !end || *end || n < 1024 || n > (16 << 20)) {
                weir_err_set(&err, "--max-bytes wants a number from 1024 to 16777216, got \"%.40s\"", value);
                goto error;
            }
            max_bytes = (size_t)n;
        }
    }
    if (review->plan_count == 0) {
        fprintf(stderr, "weir-plan-review: give at least one --plan\n%s", usage);
        goto out;
    }
    if (review_finish(review, &err) != WEIR_OK)
        goto error;
    text = summary_render(review, max_bytes, &err);
    if (!text)
        goto error;
    if (output) {
        if (file_write_all(output, text, strlen(text), 0644, &err) != WEIR_OK)
            goto error;
    } else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
        weir_err_set(&err, "cannot write the summary to standard output");
        goto error;
    }
    code = policy && policy_check(policy, review, stderr) > 0 ? EXIT_POLICY : EXIT_OK;
    goto out;
error:
    code = fail(err.msg);
out:
    free(text);
    review_free(review);
    free(review);
    return code;
}
