/* pg_check.h — what apply's checks ask of a PostgreSQL table (source_ops_t.inspect): its columns
 * with the cursor class of each type, whether the primary key is backed by a unique constraint or
 * index, and whether the agent's user may read it. */
#ifndef WEIR_PG_CHECK_H
#define WEIR_PG_CHECK_H

#include <libpq-fe.h>

#include "source.h"

/* Fills `out` for `table` ("schema.table" or "table"). Each statement is bounded by a short
 * statement_timeout set on `conn` (a session opened for the checks). WEIR_ERR_NOT_FOUND (err
 * naming the table) when it does not exist. */
weir_status_t pg_inspect_table(PGconn *conn, const char *table, char *const *key, size_t key_count,
                               source_table_info_t *out, weir_err_t *err) WEIR_MUSTCHECK;

/* The cursor class of a base type named as pg_type.typname ("timestamptz", "int8", "varchar"). */
source_cursor_class_t pg_cursor_class(const char *typname);

#endif
