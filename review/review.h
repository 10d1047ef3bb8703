/* review.h — everything one review covers: the labelled plans, Terragrunt's run report, and the
 * data-impact findings computed from the plans; the renderer and the exit policy read it. */
#ifndef WEIR_REVIEW_REVIEW_H
#define WEIR_REVIEW_REVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "impact.h"
#include "plan.h"
#include "status.h"
#include "tg_report.h"

/* Most plans in one review: three environments of a few hundred units each. */
#define REVIEW_MAX_PLANS 1024

typedef struct {
    plan_t *plans[REVIEW_MAX_PLANS]; /* owned, in review order once review_finish ran */
    size_t plan_count;
    tg_report_t report; /* owned */
    impacts_t impacts;  /* owned, grouped like the plans */
} review_t;

/* Counts of one plan's managed-resource changes. */
typedef struct {
    size_t create, update, replace, remove, import, forget;
} review_counts_t;

void review_init(review_t *review);
void review_free(review_t *review);

/* Takes `plan` (also on failure). Fails for a second plan with the same environment and unit. */
weir_status_t review_add_plan(review_t *review, plan_t *plan, weir_err_t *err) WEIR_MUSTCHECK;

/* Orders the plans (environments in the order first given, units by name) and the report's runs
 * the same way (environments without a plan after those with one, by name), and computes the
 * data-impact findings. Call once, after the last plan and report were added. */
weir_status_t review_finish(review_t *review, weir_err_t *err) WEIR_MUSTCHECK;

/* Counts for the resources of `type` in `plan`, or for all types when `type` is NULL. */
review_counts_t review_count(const plan_t *plan, const char *type);

/* Findings belonging to `plan`. */
size_t review_impact_count(const review_t *review, const plan_t *plan);

/* The plan labelled env/unit, or NULL. */
const plan_t *review_find_plan(const review_t *review, const char *env, const char *unit);

#endif
