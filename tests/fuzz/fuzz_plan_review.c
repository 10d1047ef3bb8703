/* fuzz_plan_review.c — libFuzzer target for weir-plan-review's inputs: any bytes given as a plan
 * or as a Terragrunt report either fail with a reason or yield a review that renders, without
 * crashing or leaking. (Masking is checked by the unit and golden tests: a mutated input can drop
 * its own sensitivity markers, so it is no oracle here.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "review.h"
#include "tg_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weir_err_t err;
    tg_report_t report;
    tg_report_init(&report);
    if (tg_report_parse((const char *)data, size, NULL, &report, &err) != WEIR_OK && !err.msg[0])
        abort(); /* a failure always says why */
    tg_report_free(&report);

    plan_t *plan = plan_parse((const char *)data, size, "dev", "fuzz", &err);
    if (!plan) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    review_t *review = calloc(1, sizeof *review);
    if (!review) {
        plan_free(plan);
        return 0;
    }
    review_init(review);
    if (review_add_plan(review, plan, &err) == WEIR_OK && review_finish(review, &err) == WEIR_OK) {
        char *md = summary_render(review, 1u << 20, &err);
        if (!md && !err.msg[0])
            abort();
        free(md);
    }
    review_free(review);
    free(review);
    return 0;
}
