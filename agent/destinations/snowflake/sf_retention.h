/* sf_retention.h — the retention step's deletes in Snowflake: rows older than a cutoff go in
 * batches of about `batch_rows`, oldest first, each batch one DELETE bounded by the batch's newest
 * value (so no statement scans or locks more than one batch's worth of micro-partitions to rewrite
 * beyond what it deletes). */
#ifndef WEIR_SF_RETENTION_H
#define WEIR_SF_RETENTION_H

#include "destination.h"
#include "sf_sql.h"

/* `database` and `schema` are exact names (the destination's). See destination.h. */
weir_status_t sf_retention_delete(sf_client_t *client, const char *database, const char *schema,
                                  const destination_retention_t *request, destination_retention_result_t *out,
                                  weir_err_t *err) WEIR_MUSTCHECK;

#endif
