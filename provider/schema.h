/* schema.h — tfplugin6 schemas built from the spec tables. */
#ifndef WEIR_SCHEMA_H
#define WEIR_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "spec.h"
#include "tfplugin6.pb-c.h"

/* Attributes the weir_pipeline data source adds to the pipeline's own. */
#define SCHEMA_DS_GENERATION "generation"
#define SCHEMA_DS_STATUS "status_json"

/* Builds the whole GetProviderSchema response in `arena`. */
Tfplugin6__GetProviderSchema__Response *schema_provider_response(arena_t *arena);
/* The kind behind a data source type name, or NULL. */
const spec_kind_t *schema_data_source_kind(const char *type_name);
/* Type JSON of an attribute as the schema declares it, e.g. ["list","string"]; written into `out`. */
void schema_type_json(const spec_attr_t *attr, char *out, size_t size);

#endif
