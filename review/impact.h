/* impact.h — the data impact of a plan: changes a reviewer must see because they reload, stop,
 * or stop guarding data (replaced pipelines, destroyed sources and destinations, new backfills,
 * loosened quality checks, slower schedules, disabled pipelines). Rules per weir_* kind. */
#ifndef WEIR_REVIEW_IMPACT_H
#define WEIR_REVIEW_IMPACT_H

#include <stddef.h>

#include "plan.h"
#include "status.h"

/* A finding's Markdown is one sentence or two; 2 KiB holds a table list too. */
#define IMPACT_TEXT_MAX 2048

typedef struct {
    const plan_t *plan;  /* borrowed */
    const char *address; /* borrowed from the plan */
    char *text;          /* owned Markdown, one line */
} impact_t;

typedef struct {
    impact_t *items; /* owned */
    size_t count;
    size_t cap;
} impacts_t;

void impacts_init(impacts_t *impacts);
void impacts_free(impacts_t *impacts);

/* Appends the findings of every change in `plan`, in address order. */
weir_status_t impact_plan(const plan_t *plan, impacts_t *impacts, weir_err_t *err) WEIR_MUSTCHECK;

#endif
