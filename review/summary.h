/* summary.h — the review as Markdown for a pull-request comment: totals, data impact first,
 * Terragrunt's run results, then per environment and unit the counts by resource kind and the
 * changed attributes. Output depends only on the inputs (no paths, times or versions). */
#ifndef WEIR_REVIEW_SUMMARY_H
#define WEIR_REVIEW_SUMMARY_H

#include <stddef.h>

#include "md.h"
#include "review.h"
#include "status.h"

/* GitHub refuses comments over 65,536 characters; the default leaves room for a header the CI
 * job may add. */
#define SUMMARY_DEFAULT_MAX_BYTES 60000

/* Writes the review into a new buffer of at most `max_bytes`. When the full text does not fit,
 * the attribute tables are left out (and then findings beyond the first 50), with a note saying
 * so. Returns new NUL-terminated text, or NULL with err filled. */
char *summary_render(const review_t *review, size_t max_bytes, weir_err_t *err);

#endif
