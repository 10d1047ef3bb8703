/* policy.c — decides the exit code from the review and says why. */
#include "policy.h"

#include <string.h>

static const struct {
    const char *word;
    unsigned bit;
} words[] = {
    {"destroy", POLICY_DESTROY},
    {"replace", POLICY_REPLACE},
    {"data-impact", POLICY_DATA_IMPACT},
    {"run-failure", POLICY_RUN_FAILURE},
};

bool policy_parse(const char *list, unsigned *policy, weir_err_t *err)
{
    unsigned bits = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof words / sizeof words[0] && !found; i++)
            if (len == strlen(words[i].word) && strncmp(p, words[i].word, len) == 0) {
                bits |= words[i].bit;
                found = true;
            }
        if (!found) {
            weir_err_set(err,
                         "--fail-on: unknown policy \"%.*s\" (use destroy, replace, data-impact, "
                         "run-failure, separated by commas)",
                         (int)(len > 60 ? 60 : len), p);
            return false;
        }
        if (!end)
            break;
        p = end + 1;
    }
    *policy = bits;
    return true;
}

size_t policy_check(unsigned policy, const review_t *review, FILE *out)
{
    size_t matched = 0;
    for (size_t i = 0; i < review->plan_count; i++) {
        const plan_t *plan = review->plans[i];
        if ((policy & POLICY_RUN_FAILURE) && plan->errored) {
            fprintf(out, "fail-on run-failure: the plan for %s/%s errored\n", plan->env, plan->unit);
            matched++;
        }
        for (size_t j = 0; j < plan->count; j++) {
            const plan_change_t *c = &plan->changes[j];
            if (!c->managed)
                continue;
            if ((policy & POLICY_DESTROY) && c->action == PLAN_DELETE) {
                fprintf(out, "fail-on destroy: %s/%s %s is destroyed\n", plan->env, plan->unit, c->address);
                matched++;
            }
            if ((policy & POLICY_REPLACE) && c->action == PLAN_REPLACE) {
                fprintf(out, "fail-on replace: %s/%s %s is replaced\n", plan->env, plan->unit, c->address);
                matched++;
            }
        }
    }
    if (policy & POLICY_DATA_IMPACT) {
        for (size_t i = 0; i < review->impacts.count; i++) {
            const impact_t *item = &review->impacts.items[i];
            fprintf(out, "fail-on data-impact: %s/%s %s has data impact (see the summary)\n", item->plan->env,
                    item->plan->unit, item->address);
            matched++;
        }
    }
    if (policy & POLICY_RUN_FAILURE) {
        for (size_t i = 0; i < review->report.count; i++) {
            const tg_run_t *run = &review->report.runs[i];
            if (!tg_run_ok(run)) {
                fprintf(out, "fail-on run-failure: Terragrunt unit %s/%s: %s%s%s\n", run->env, run->unit, run->result,
                        run->reason ? ", " : "", run->reason ? run->reason : "");
                matched++;
            }
        }
    }
    return matched;
}
