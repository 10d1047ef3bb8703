/* table_position.h — whether a pipeline table's resume position (its watermark) still measures the
 * same thing after the pipeline's spec changes. Shared by the agent's store, which drops the
 * positions that do not, and the plan review, which says so before apply. */
#ifndef WEIR_TABLE_POSITION_H
#define WEIR_TABLE_POSITION_H

#include <jansson.h>
#include <stdbool.h>

/* `old_table` and `new_table` are table blocks (by the same name) of the pipeline specs
 * `old_pipeline` and `new_pipeline`. The position is kept when both read the same source object
 * into the same destination object, by the same cursor column, into the same target table — names
 * compared as PostgreSQL and Snowflake resolve them, so `UPDATED_AT` for `updated_at`, `ORDERS`
 * for `orders`, or a target written out as the name the naming policy gives keep it. */
bool table_position_kept(const json_t *old_pipeline, const json_t *old_table, const json_t *new_pipeline,
                         const json_t *new_table);

/* Whether the cursor columns, or the target tables, of two such blocks name the same thing. */
bool table_position_same_cursor(const json_t *old_table, const json_t *new_table);
bool table_position_same_target(const json_t *old_pipeline, const json_t *old_table, const json_t *new_pipeline,
                                const json_t *new_table);

#endif
