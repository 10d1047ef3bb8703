/* review.c — assembles plans, the run report and findings into one ordered review. */
#include "review.h"

#include <stdlib.h>
#include <string.h>

void review_init(review_t *review)
{
    review->plan_count = 0;
    tg_report_init(&review->report);
    impacts_init(&review->impacts);
}

void review_free(review_t *review)
{
    for (size_t i = 0; i < review->plan_count; i++)
        plan_free(review->plans[i]);
    review->plan_count = 0;
    tg_report_free(&review->report);
    impacts_free(&review->impacts);
}

const plan_t *review_find_plan(const review_t *review, const char *env, const char *unit)
{
    for (size_t i = 0; i < review->plan_count; i++)
        if (strcmp(review->plans[i]->env, env) == 0 && strcmp(review->plans[i]->unit, unit) == 0)
            return review->plans[i];
    return NULL;
}

weir_status_t review_add_plan(review_t *review, plan_t *plan, weir_err_t *err)
{
    if (review_find_plan(review, plan->env, plan->unit)) {
        weir_err_set(err, "two plans are labelled %s/%s", plan->env, plan->unit);
        plan_free(plan);
        return WEIR_ERR_EXISTS;
    }
    if (review->plan_count >= REVIEW_MAX_PLANS) {
        weir_err_set(err, "more than %d plans", REVIEW_MAX_PLANS);
        plan_free(plan);
        return WEIR_ERR_TOO_BIG;
    }
    review->plans[review->plan_count++] = plan;
    return WEIR_OK;
}

/* Insertion order of environments, captured before sorting. */
static int env_rank(plan_t *const *plans, size_t count, const char *env)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(plans[i]->env, env) == 0)
            return (int)i;
    return (int)count;
}

typedef struct {
    int rank;     /* environment's rank among the plans; environments without a plan come last */
    size_t index; /* position in the report(s), the last tie-break, so equal keys keep their order */
    tg_run_t run;
} ranked_run_t;

static int ranked_run_cmp(const void *pa, const void *pb)
{
    const ranked_run_t *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    int by_env = strcmp(a->run.env, b->run.env);
    if (by_env != 0)
        return by_env;
    int by_unit = strcmp(a->run.unit, b->run.unit);
    if (by_unit != 0)
        return by_unit;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Terragrunt writes a report's rows in the order its units finish, which differs from run to run
 * when units run in parallel. The runs take the plans' order (environments as first given, units
 * by name), so the same run gives the same text. */
static void sort_runs(tg_report_t *report, plan_t *const *given, size_t plan_count)
{
    if (report->count < 2)
        return;
    ranked_run_t *ranked = malloc(report->count * sizeof *ranked);
    if (!ranked) /* the order is cosmetic: keep the report's own on allocation failure */
        return;
    for (size_t i = 0; i < report->count; i++) {
        ranked[i].rank = env_rank(given, plan_count, report->runs[i].env);
        ranked[i].index = i;
        ranked[i].run = report->runs[i];
    }
    qsort(ranked, report->count, sizeof *ranked, ranked_run_cmp);
    for (size_t i = 0; i < report->count; i++)
        report->runs[i] = ranked[i].run;
    free(ranked);
}

weir_status_t review_finish(review_t *review, weir_err_t *err)
{
    plan_t *given[REVIEW_MAX_PLANS];
    size_t n = review->plan_count;
    memcpy(given, review->plans, n * sizeof *given);
    /* Insertion sort: a few hundred plans at most, and stable. */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0; j--) {
            plan_t *a = review->plans[j - 1], *b = review->plans[j];
            int ra = env_rank(given, n, a->env), rb = env_rank(given, n, b->env);
            if (ra < rb || (ra == rb && strcmp(a->unit, b->unit) <= 0))
                break;
            review->plans[j - 1] = b;
            review->plans[j] = a;
        }
    }
    sort_runs(&review->report, given, n);
    for (size_t i = 0; i < n; i++) {
        weir_status_t result = impact_plan(review->plans[i], &review->impacts, err);
        if (result != WEIR_OK)
            return result;
    }
    return WEIR_OK;
}

review_counts_t review_count(const plan_t *plan, const char *type)
{
    review_counts_t counts = {0};
    for (size_t i = 0; i < plan->count; i++) {
        const plan_change_t *c = &plan->changes[i];
        if (!c->managed || (type && strcmp(c->type, type) != 0))
            continue;
        switch (c->action) {
        case PLAN_CREATE:
            counts.create++;
            break;
        case PLAN_UPDATE:
            counts.update++;
            break;
        case PLAN_REPLACE:
            counts.replace++;
            break;
        case PLAN_DELETE:
            counts.remove++;
            break;
        case PLAN_FORGET:
            counts.forget++;
            break;
        case PLAN_NOOP:
        case PLAN_READ:
            break;
        }
        if (c->importing)
            counts.import++;
    }
    return counts;
}

size_t review_impact_count(const review_t *review, const plan_t *plan)
{
    size_t n = 0;
    for (size_t i = 0; i < review->impacts.count; i++)
        n += review->impacts.items[i].plan == plan;
    return n;
}
