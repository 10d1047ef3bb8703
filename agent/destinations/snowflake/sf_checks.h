/* sf_checks.h — measures quality checks in Snowflake SQL: the deduplicated batch in its scratch
 * table before publish, the target after. Only measurements: the quality gate judges them. */
#ifndef WEIR_SF_CHECKS_H
#define WEIR_SF_CHECKS_H

#include "destination.h"
#include "sf_sql.h"

/* What a check reads: a batch about to be published and the target it lands in. */
typedef struct {
    const char *batch;    /* the batch as a FROM item: a quoted table, or a parenthesised SELECT */
    const char *target;   /* the quoted target table */
    const char *database; /* exact names, for `references` without a schema */
    const char *schema;
    size_t key_count; /* a batch row replaces the target row with the same key (unique) … */
    const char *const *primary_key;
    bool replace_all;   /* … or the batch replaces the whole target */
    const char *cursor; /* the column freshness ages, or NULL */
} sf_check_subject_t;

/* Measures `check` on `subject`; err says why a check cannot be measured. */
weir_status_t sf_checks_measure(sf_client_t *client, const sf_check_subject_t *subject, const check_spec_t *check,
                                destination_measure_t *out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
