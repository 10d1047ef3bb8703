/* policy.h — the exit-code policy: `--fail-on destroy,replace,data-impact,run-failure` makes
 * the tool exit non-zero when the review holds a matching change, naming each on stderr. */
#ifndef WEIR_REVIEW_POLICY_H
#define WEIR_REVIEW_POLICY_H

#include <stdbool.h>
#include <stdio.h>

#include "review.h"
#include "status.h"

enum {
    POLICY_DESTROY = 1u << 0,     /* a managed resource is deleted */
    POLICY_REPLACE = 1u << 1,     /* a managed resource is replaced */
    POLICY_DATA_IMPACT = 1u << 2, /* any data-impact finding */
    POLICY_RUN_FAILURE = 1u << 3, /* a plan errored, or a Terragrunt unit did not succeed */
};

/* Parses a comma-separated list of the words above; unknown or empty words are an error. */
bool policy_parse(const char *list, unsigned *policy, weir_err_t *err);

/* Writes one line per matched reason to `out` (stderr in the tool); returns how many matched. */
size_t policy_check(unsigned policy, const review_t *review, FILE *out);

#endif
