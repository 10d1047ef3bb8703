/* pg_source.h — PostgreSQL as a source: the source_ops_t for `source_postgres` objects. */
#ifndef WEIR_PG_SOURCE_H
#define WEIR_PG_SOURCE_H

#include "source.h"

extern const source_ops_t pg_source_ops;

#endif
