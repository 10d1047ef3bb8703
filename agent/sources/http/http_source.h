/* http_source.h — the source_http backend behind source_ops_t. */
#ifndef WEIR_HTTP_SOURCE_H
#define WEIR_HTTP_SOURCE_H

#include "source.h"

extern const source_ops_t http_source_ops;

#endif
