/* snowflake.h — Snowflake as a destination: the destination_ops_t for `destination_snowflake`. */
#ifndef WEIR_SNOWFLAKE_H
#define WEIR_SNOWFLAKE_H

#include "destination.h"

extern const destination_ops_t snowflake_destination_ops;

#endif
