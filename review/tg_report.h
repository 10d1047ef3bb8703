/* tg_report.h — Terragrunt's run report (`--report-file`, JSON or CSV, as written by Terragrunt
 * 1.x): which unit ran with what result, matched to plans by environment and unit. */
#ifndef WEIR_REVIEW_TG_REPORT_H
#define WEIR_REVIEW_TG_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "status.h"

/* A report has one row per unit; 10,000 units is far beyond any stack and bounds the work. */
#define TG_REPORT_MAX_RUNS 10000
/* Reports are small (a few hundred bytes per unit). */
#define TG_REPORT_MAX_BYTES (8u << 20)

typedef struct {
    char env[PLAN_LABEL_MAX];
    char unit[PLAN_LABEL_MAX]; /* Name without `.terragrunt-stack/` segments */
    char *result;              /* owned: "succeeded", "failed", "early exit", "excluded", ... */
    char *reason;              /* owned, may be NULL: "run error", "exclude block", ... */
} tg_run_t;

typedef struct {
    tg_run_t *runs; /* owned */
    size_t count;
} tg_report_t;

void tg_report_init(tg_report_t *report);
void tg_report_free(tg_report_t *report);

/* Appends the runs of one report document (JSON array, or CSV with a header row) to `report`.
 * `env` labels every run when given (a `stack run` in one environment's directory); without it
 * the first path segment of each name is the environment. Returns WEIR_ERR_INVALID with a reason
 * on malformed input; on failure `report` keeps only what it held before. */
weir_status_t tg_report_parse(const char *text, size_t len, const char *env, tg_report_t *report,
                              weir_err_t *err) WEIR_MUSTCHECK;

/* Reads "[ENV=]PATH" and parses that file. */
weir_status_t tg_report_load(const char *arg, tg_report_t *report, weir_err_t *err) WEIR_MUSTCHECK;

/* Whether the run finished without failing (succeeded, or excluded on purpose). */
bool tg_run_ok(const tg_run_t *run);

#endif
