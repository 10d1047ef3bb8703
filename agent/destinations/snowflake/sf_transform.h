/* sf_transform.h — runs a weir_transform in Snowflake: the SELECT (with {{since}} replaced by a
 * formatted timestamp literal) into a per-run transient scratch table, then published into the
 * target in one statement — CREATE OR REPLACE TABLE … AS (atomic: readers see the old table until
 * it commits), a MERGE by unique key, or CREATE OR REPLACE VIEW. */
#ifndef WEIR_SF_TRANSFORM_H
#define WEIR_SF_TRANSFORM_H

#include "destination.h"
#include "sf_sql.h"

/* `database` and `schema` are exact names (the destination's). See destination.h for the contract. */
weir_status_t sf_transform_build(sf_client_t *client, const char *database, const char *schema,
                                 const destination_transform_t *transform, destination_transform_result_t *out,
                                 weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t sf_transform_publish(sf_client_t *client, const char *database, const char *schema,
                                   const destination_transform_t *transform, destination_transform_result_t *out,
                                   weir_err_t *err) WEIR_MUSTCHECK;
/* WEIR_ERR_NOT_FOUND when the run's scratch table is gone (a publish that finished before a crash
 * dropped it); a view builds nothing and is always there. */
weir_status_t sf_transform_built(sf_client_t *client, const char *database, const char *schema,
                                 const destination_transform_t *transform, weir_err_t *err) WEIR_MUSTCHECK;
/* Measures a check on the run's built result (sf_checks.h): the scratch table, or for a view its
 * SELECT; freshness reads the target. */
weir_status_t sf_transform_measure(sf_client_t *client, const char *database, const char *schema,
                                   const destination_transform_t *transform, const check_spec_t *check,
                                   destination_measure_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void sf_transform_drop(sf_client_t *client, const char *database, const char *schema,
                       const destination_transform_t *transform);

/* The SELECT with {{since}} replaced and a trailing ';' removed, into `sql` (for tests). */
weir_status_t sf_transform_expand(const destination_transform_t *transform, weir_buf_t *sql) WEIR_MUSTCHECK;

#endif
