/* test_schema.c — every schema the provider sends passes OpenTofu's InternalValidate rules
 * (PROTOCOL.md §3) and survives a protobuf round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static void check_name(const char *name)
{
    assert_true(name && *name);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            fail_msg("invalid attribute name \"%s\"", name);
}

static void check_block(const Tfplugin6__Schema__Block *block, const char *where)
{
    assert_non_null(block);
    for (size_t i = 0; i < block->n_attributes; i++) {
        const Tfplugin6__Schema__Attribute *attr = block->attributes[i];
        check_name(attr->name);
        if (attr->required && attr->optional)
            fail_msg("%s.%s: required and optional", where, attr->name);
        if (attr->required && attr->computed)
            fail_msg("%s.%s: required and computed", where, attr->name);
        if (!attr->required && !attr->optional && !attr->computed)
            fail_msg("%s.%s: neither required, optional nor computed", where, attr->name);
        if (attr->write_only && attr->computed)
            fail_msg("%s.%s: write-only and computed", where, attr->name);
        json_error_t error;
        json_t *type = json_loadb((const char *)attr->type.data, attr->type.len, JSON_DECODE_ANY, &error);
        if (!type)
            fail_msg("%s.%s: type is not JSON: %.*s", where, attr->name, (int)attr->type.len, attr->type.data);
        json_decref(type);
        if (!attr->description || strlen(attr->description) < 8)
            fail_msg("%s.%s: missing description", where, attr->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(block->attributes[j]->name, attr->name) == 0)
                fail_msg("%s.%s: duplicate", where, attr->name);
    }
    for (size_t i = 0; i < block->n_block_types; i++) {
        const Tfplugin6__Schema__NestedBlock *nested = block->block_types[i];
        check_name(nested->type_name);
        for (size_t j = 0; j < block->n_attributes; j++)
            if (strcmp(block->attributes[j]->name, nested->type_name) == 0)
                fail_msg("%s.%s: block and attribute share a name", where, nested->type_name);
        switch (nested->nesting) {
        case TFPLUGIN6__SCHEMA__NESTED_BLOCK__NESTING_MODE__SINGLE:
            assert_true((nested->min_items == 0 && nested->max_items == 0) ||
                        (nested->min_items == 1 && nested->max_items == 1));
            break;
        case TFPLUGIN6__SCHEMA__NESTED_BLOCK__NESTING_MODE__LIST:
            assert_true(nested->min_items >= 0 && nested->max_items >= 0);
            assert_true(nested->max_items == 0 || nested->min_items <= nested->max_items);
            break;
        default:
            fail_msg("%s.%s: unexpected nesting", where, nested->type_name);
        }
        check_block(nested->block, nested->type_name);
    }
}

static void schemas_pass_internal_validate(void **state)
{
    (void)state;
    arena_t arena;
    arena_init(&arena);
    Tfplugin6__GetProviderSchema__Response *response = schema_provider_response(&arena);
    assert_non_null(response);
    size_t len = protobuf_c_message_get_packed_size(&response->base);
    uint8_t *packed = malloc(len);
    protobuf_c_message_pack(&response->base, packed);
    arena_free(&arena);

    Tfplugin6__GetProviderSchema__Response *decoded =
        (Tfplugin6__GetProviderSchema__Response *)protobuf_c_message_unpack(
            &tfplugin6__get_provider_schema__response__descriptor, NULL, len, packed);
    assert_non_null(decoded);
    assert_non_null(decoded->provider);
    check_block(decoded->provider->block, "provider");
    assert_int_equal(decoded->n_resource_schemas, spec_kind_count);
    for (size_t i = 0; i < decoded->n_resource_schemas; i++) {
        check_block(decoded->resource_schemas[i]->value->block, decoded->resource_schemas[i]->key);
        bool has_id = false;
        const Tfplugin6__Schema__Block *block = decoded->resource_schemas[i]->value->block;
        for (size_t j = 0; j < block->n_attributes; j++)
            has_id |= strcmp(block->attributes[j]->name, "id") == 0 && block->attributes[j]->computed;
        assert_true(has_id);
    }
    assert_int_equal(decoded->n_data_source_schemas, 1);
    check_block(decoded->data_source_schemas[0]->value->block, "data.weir_pipeline");
    protobuf_c_message_free_unpacked(&decoded->base, NULL);
    free(packed);
}

static void data_source_types(void **state)
{
    (void)state;
    const spec_kind_t *kind = schema_data_source_kind("weir_pipeline");
    assert_non_null(kind);
    assert_null(schema_data_source_kind("weir_nothing"));
    const spec_attr_t *table = spec_block_attr(&kind->block, "table");
    char type[2048];
    schema_type_json(table, type, sizeof type);
    assert_non_null(strstr(type, "[\"list\",[\"object\",{\"name\":\"string\",\"primary_key\":[\"list\",\"string\"]"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schemas_pass_internal_validate),
        cmocka_unit_test(data_source_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
