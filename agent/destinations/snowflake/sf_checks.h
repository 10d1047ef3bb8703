/* sf_checks.h — measures quality checks in Snowflake SQL: the deduplicated batch in its scratch
 * table before publish, the target after. Only measurements: the quality gate judges them. */
#ifndef WEIR_SF_CHECKS_H
#define WEIR_SF_CHECKS_H

#include "destination.h"
#include "sf_load.h"
#include "sf_sql.h"

/* Measures `check` for the batch `request` describes; err says why a check cannot be measured. */
weir_status_t sf_checks_measure(sf_client_t *client, const sf_load_request_t *request, const check_spec_t *check,
                                destination_measure_t *out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
