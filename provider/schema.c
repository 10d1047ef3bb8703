/* schema.c — spec tables → tfplugin6 Schema messages (resources, the pipeline data source, the provider). */
#include "schema.h"

#include <stdio.h>
#include <string.h>

static void append(char *out, size_t size, const char *text)
{
    size_t used = strlen(out);
    if (used < size)
        snprintf(out + used, size - used, "%s", text);
}

static void block_object_type(const spec_block_t *block, char *out, size_t size)
{
    append(out, size, "[\"object\",{");
    bool first = true;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        if (attr->flags & SA_WRITE_ONLY)
            continue;
        char inner[2048] = "";
        schema_type_json(attr, inner, sizeof inner);
        char entry[2200];
        snprintf(entry, sizeof entry, "%s\"%s\":%s", first ? "" : ",", attr->name, inner);
        append(out, size, entry);
        first = false;
    }
    append(out, size, "}]");
}

void schema_type_json(const spec_attr_t *attr, char *out, size_t size)
{
    out[0] = 0;
    switch (attr->type) {
    case ST_STRING:
        append(out, size, "\"string\"");
        return;
    case ST_NUMBER:
        append(out, size, "\"number\"");
        return;
    case ST_BOOL:
        append(out, size, "\"bool\"");
        return;
    case ST_LIST_STRING:
        append(out, size, "[\"list\",\"string\"]");
        return;
    case ST_SET_STRING:
        append(out, size, "[\"set\",\"string\"]");
        return;
    case ST_MAP_STRING:
        append(out, size, "[\"map\",\"string\"]");
        return;
    case ST_BLOCK_LIST:
        append(out, size, "[\"list\",");
        block_object_type(attr->block, out, size);
        append(out, size, "]");
        return;
    case ST_BLOCK_SINGLE:
        block_object_type(attr->block, out, size);
        return;
    }
}

static Tfplugin6__Schema__Attribute *make_attribute(arena_t *arena, const spec_attr_t *attr, bool data_source)
{
    Tfplugin6__Schema__Attribute *out = arena_alloc(arena, sizeof *out);
    if (!out)
        return NULL;
    tfplugin6__schema__attribute__init(out);
    char type[4096] = "";
    schema_type_json(attr, type, sizeof type);
    out->name = (char *)attr->name;
    out->type.data = (uint8_t *)arena_strdup(arena, type);
    out->type.len = strlen(type);
    out->description = (char *)attr->description;
    out->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    out->sensitive = (attr->flags & SA_SENSITIVE) != 0;
    if (data_source) {
        bool is_key = strcmp(attr->name, "name") == 0;
        out->required = is_key;
        out->computed = !is_key;
        return out;
    }
    out->write_only = (attr->flags & SA_WRITE_ONLY) != 0;
    out->required = (attr->flags & SA_REQUIRED) != 0;
    out->optional = (attr->flags & SA_OPTIONAL) != 0;
    out->computed = (attr->flags & SA_COMPUTED) != 0;
    return out;
}

static Tfplugin6__Schema__Block *make_block(arena_t *arena, const spec_block_t *block, const char *description,
                                            bool data_source);

static Tfplugin6__Schema__NestedBlock *make_nested(arena_t *arena, const spec_attr_t *attr)
{
    Tfplugin6__Schema__NestedBlock *out = arena_alloc(arena, sizeof *out);
    if (!out)
        return NULL;
    tfplugin6__schema__nested_block__init(out);
    out->type_name = (char *)attr->name;
    out->block = make_block(arena, attr->block, attr->description, false);
    out->nesting = attr->type == ST_BLOCK_LIST ? TFPLUGIN6__SCHEMA__NESTED_BLOCK__NESTING_MODE__LIST
                                               : TFPLUGIN6__SCHEMA__NESTED_BLOCK__NESTING_MODE__SINGLE;
    out->min_items = attr->type == ST_BLOCK_LIST ? attr->min_items : 0;
    out->max_items = attr->type == ST_BLOCK_LIST ? attr->max_items : 0;
    return out;
}

static Tfplugin6__Schema__Block *make_block(arena_t *arena, const spec_block_t *block, const char *description,
                                            bool data_source)
{
    Tfplugin6__Schema__Block *out = arena_alloc(arena, sizeof *out);
    Tfplugin6__Schema__Attribute **attrs = ARENA_ARRAY(arena, Tfplugin6__Schema__Attribute *, block->count + 2);
    Tfplugin6__Schema__NestedBlock **nested = ARENA_ARRAY(arena, Tfplugin6__Schema__NestedBlock *, block->count);
    if (!out || !attrs || !nested)
        return NULL;
    tfplugin6__schema__block__init(out);
    out->description = (char *)description;
    out->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        bool is_block = attr->type == ST_BLOCK_LIST || attr->type == ST_BLOCK_SINGLE;
        if (data_source && (attr->flags & SA_WRITE_ONLY))
            continue;
        if (is_block && !data_source)
            nested[out->n_block_types++] = make_nested(arena, attr);
        else
            attrs[out->n_attributes++] = make_attribute(arena, attr, data_source);
    }
    if (data_source) {
        static const spec_attr_t generation = {SCHEMA_DS_GENERATION,
                                               ST_NUMBER,
                                               SA_COMPUTED,
                                               NULL,
                                               SV_NONE,
                                               NULL,
                                               "Generation of the stored object; bumped by every change.",
                                               NULL,
                                               0,
                                               0,
                                               NULL};
        static const spec_attr_t status = {SCHEMA_DS_STATUS,
                                           ST_STRING,
                                           SA_COMPUTED,
                                           NULL,
                                           SV_NONE,
                                           NULL,
                                           "What the agent reports about the object, as JSON.",
                                           NULL,
                                           0,
                                           0,
                                           NULL};
        attrs[out->n_attributes++] = make_attribute(arena, &generation, true);
        attrs[out->n_attributes++] = make_attribute(arena, &status, true);
    }
    out->attributes = attrs;
    out->block_types = nested;
    return out;
}

static Tfplugin6__Schema *make_schema(arena_t *arena, const spec_kind_t *kind, bool data_source)
{
    Tfplugin6__Schema *out = arena_alloc(arena, sizeof *out);
    if (!out)
        return NULL;
    tfplugin6__schema__init(out);
    out->block = make_block(arena, &kind->block, kind->description, data_source);
    return out;
}

const spec_kind_t *schema_data_source_kind(const char *type_name)
{
    return strcmp(type_name, "weir_pipeline") == 0 ? spec_kind_by_kind("pipeline") : NULL;
}

Tfplugin6__GetProviderSchema__Response *schema_provider_response(arena_t *arena)
{
    Tfplugin6__GetProviderSchema__Response *out = arena_alloc(arena, sizeof *out);
    Tfplugin6__ServerCapabilities *caps = arena_alloc(arena, sizeof *caps);
    Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry **resources =
        ARENA_ARRAY(arena, Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry *, spec_kind_count);
    Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry **data_sources =
        ARENA_ARRAY(arena, Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry *, 1);
    if (!out || !caps || !resources || !data_sources)
        return NULL;
    tfplugin6__get_provider_schema__response__init(out);
    tfplugin6__server_capabilities__init(caps);
    caps->plan_destroy = 0;
    caps->get_provider_schema_optional = 0;
    out->server_capabilities = caps;
    out->provider = make_schema(arena, &spec_provider_config, false);
    for (size_t i = 0; i < spec_kind_count; i++) {
        Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry *entry = arena_alloc(arena, sizeof *entry);
        if (!entry)
            return NULL;
        tfplugin6__get_provider_schema__response__resource_schemas_entry__init(entry);
        entry->key = (char *)spec_kinds[i]->type_name;
        entry->value = make_schema(arena, spec_kinds[i], false);
        resources[i] = entry;
    }
    out->n_resource_schemas = spec_kind_count;
    out->resource_schemas = resources;

    Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry *ds = arena_alloc(arena, sizeof *ds);
    if (!ds)
        return NULL;
    tfplugin6__get_provider_schema__response__data_source_schemas_entry__init(ds);
    ds->key = "weir_pipeline";
    ds->value = make_schema(arena, spec_kind_by_kind("pipeline"), true);
    data_sources[0] = ds;
    out->n_data_source_schemas = 1;
    out->data_source_schemas = data_sources;
    return arena->failed ? NULL : out;
}
