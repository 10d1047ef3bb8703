/* test_stripe_preset.c — preset = "stripe": the resources it fills in (and those a declared block
 * replaces), its names against the spec table's, events turned into rows with their delete markers,
 * and the bounded set of deleted ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http_spec.h"
#include "spec.h"
#include "stripe_preset.h"

static void fills_in_every_resource(void **state)
{
    (void)state;
    http_spec_t spec;
    weir_err_t err = {0};
    assert_int_equal(
        http_spec_parse("{\"name\":\"stripe\",\"base_url\":\"https://api.stripe.com\",\"preset\":\"stripe\"}", &spec,
                        &err),
        WEIR_OK);
    assert_int_equal(spec.resource_count, 8);
    const http_resource_t *customers = http_spec_resource(&spec, "customers");
    assert_non_null(customers);
    assert_string_equal(customers->path, "/v1/customers");
    assert_string_equal(customers->primary_key[0], "id");
    assert_string_equal(customers->records, "/data");
    assert_string_equal(http_resource_cursor_column(customers), "updated");
    assert_int_equal(customers->paginator->kind, HTTP_PAGE_NEXT_CURSOR);
    assert_string_equal(customers->paginator->cursor_param, "starting_after");
    assert_string_equal(customers->paginator->has_more, "/has_more");
    assert_int_equal((int)customers->paginator->page_size, 100);
    assert_false(customers->hard_delete);
    assert_int_equal(customers->column_count, 2);
    assert_string_equal(customers->columns[1].name, "_weir_deleted_at"); /* soft by default */
    assert_string_equal(customers->columns[1].type, "timestamptz");
    const http_resource_t *balance = http_spec_resource(&spec, "balance_transactions");
    assert_null(balance->stripe->events); /* immutable: listed only */
    assert_int_equal(balance->column_count, 1);
    http_spec_free(&spec);
}

static void selects_replaces_and_hard_deletes(void **state)
{
    (void)state;
    http_spec_t spec;
    weir_err_t err = {0};
    const char *json = "{\"name\":\"s\",\"base_url\":\"https://api.stripe.com\",\"preset\":\"stripe\","
                       "\"stripe\":{\"resources\":[\"charges\",\"customers\",\"invoices\"],\"hard_deletes\":["
                       "\"customers\"],\"window\":\"7d\"},"
                       "\"resource\":[{\"name\":\"charges\",\"path\":\"/v1/charges\",\"primary_key\":[\"id\"]},"
                       "{\"name\":\"extra\",\"path\":\"/v1/extra\",\"primary_key\":[\"id\"]}]}";
    assert_int_equal(http_spec_parse(json, &spec, &err), WEIR_OK);
    assert_int_equal(spec.resource_count, 4); /* charges (declared), extra, customers, invoices */
    const http_resource_t *charges = http_spec_resource(&spec, "charges");
    assert_null(charges->stripe); /* the declared block replaced the preset's */
    assert_null(charges->cursor);
    assert_non_null(http_spec_resource(&spec, "extra"));
    assert_null(http_spec_resource(&spec, "refunds"));
    const http_resource_t *customers = http_spec_resource(&spec, "customers");
    assert_true(customers->hard_delete);
    assert_string_equal(customers->columns[1].name, "_weir_delete");
    assert_int_equal(customers->window_seconds, 7 * 24 * 3600);
    assert_false(http_spec_resource(&spec, "invoices")->hard_delete);
    http_spec_free(&spec);
}

/* The agent's table and the spec table's enum name the same resources in the same order. */
static void names_match_the_spec_table(void **state)
{
    (void)state;
    const spec_kind_t *kind = spec_kind_by_kind("source_http");
    const spec_attr_t *stripe = spec_block_attr(&kind->block, "stripe");
    assert_non_null(stripe);
    const spec_attr_t *resources = spec_block_attr(stripe->block, "resources");
    size_t n = 0;
    for (const char *const *name = resources->enum_values; *name; name++, n++) {
        assert_true(n < stripe_kind_count);
        assert_string_equal(*name, stripe_kinds[n].name);
    }
    assert_int_equal(n, stripe_kind_count);
    const spec_attr_t *hard = spec_block_attr(stripe->block, "hard_deletes");
    size_t deletable = 0;
    for (size_t k = 0; k < stripe_kind_count; k++)
        deletable += stripe_kinds[k].deleted_event != NULL;
    size_t listed = 0;
    for (const char *const *name = hard->enum_values; *name; name++, listed++) {
        bool found = false;
        for (size_t k = 0; k < stripe_kind_count; k++)
            found = found || (strcmp(stripe_kinds[k].name, *name) == 0 && stripe_kinds[k].deleted_event);
        assert_true(found);
    }
    assert_int_equal(listed, deletable);
}

static void events_become_marked_objects(void **state)
{
    (void)state;
    http_spec_t spec;
    weir_err_t err = {0};
    assert_int_equal(http_spec_parse("{\"name\":\"s\",\"base_url\":\"https://api.stripe.com\",\"preset\":\"stripe\","
                                     "\"stripe\":{\"hard_deletes\":[\"invoices\"]}}",
                                     &spec, &err),
                     WEIR_OK);
    const http_resource_t *customers = http_spec_resource(&spec, "customers");
    const char *types[16];
    size_t count = stripe_event_types(customers->stripe, types, 16);
    assert_int_equal(count, 3);
    assert_string_equal(types[0], "customer.deleted"); /* deletions are read first */
    assert_string_equal(types[1], "customer.created");
    json_t *event =
        json_loads("{\"id\":\"evt_1\",\"type\":\"customer.deleted\",\"created\":1700000500,"
                   "\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\",\"created\":1600000000}}}",
                   0, NULL);
    const char *why = NULL;
    json_t *object = stripe_event_object(customers, event, &why);
    assert_non_null(object);
    assert_int_equal(json_integer_value(json_object_get(object, "updated")), 1700000500);
    assert_int_equal(json_integer_value(json_object_get(object, "_weir_deleted_at")), 1700000500);
    assert_int_equal(json_integer_value(json_object_get(object, "created")), 1600000000);
    json_decref(event);

    const http_resource_t *invoices = http_spec_resource(&spec, "invoices");
    event = json_loads("{\"type\":\"invoice.deleted\",\"created\":5,\"data\":{\"object\":{\"id\":\"in_1\",\"object\":"
                       "\"invoice\"}}}",
                       0, NULL);
    object = stripe_event_object(invoices, event, &why);
    assert_true(json_is_true(json_object_get(object, "_weir_delete")));
    assert_null(stripe_event_object(customers, event, &why)); /* an invoice is no customer */
    assert_non_null(strstr(why, "another kind"));
    json_decref(event);

    event = json_loads("{\"type\":\"customer.updated\",\"data\":{}}", 0, NULL);
    assert_null(stripe_event_object(customers, event, &why));
    json_decref(event);

    json_t *listed = json_loads("{\"id\":\"ch_1\",\"created\":1700000000}", 0, NULL);
    assert_true(stripe_stamp_listed(listed));
    assert_int_equal(json_integer_value(json_object_get(listed, "updated")), 1700000000);
    json_decref(listed);
    listed = json_loads("{\"id\":\"ch_2\"}", 0, NULL);
    assert_false(stripe_stamp_listed(listed));
    json_decref(listed);
    http_spec_free(&spec);
}

static void deleted_ids_are_a_bounded_set(void **state)
{
    (void)state;
    stripe_id_set_t set;
    stripe_id_set_init(&set);
    assert_false(stripe_id_set_has(&set, "cus_1"));
    char id[32];
    for (int i = 0; i < STRIPE_MAX_DELETIONS; i++) {
        snprintf(id, sizeof id, "cus_%d", i);
        assert_int_equal(stripe_id_set_add(&set, id), WEIR_OK);
    }
    assert_int_equal(stripe_id_set_add(&set, "cus_7"), WEIR_OK); /* already there: no growth */
    assert_int_equal(set.count, STRIPE_MAX_DELETIONS);
    assert_true(stripe_id_set_has(&set, "cus_12345"));
    assert_false(stripe_id_set_has(&set, "cus_x"));
    assert_int_equal(stripe_id_set_add(&set, "cus_one_too_many"), WEIR_ERR_INVALID);
    stripe_id_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fills_in_every_resource),       cmocka_unit_test(selects_replaces_and_hard_deletes),
        cmocka_unit_test(names_match_the_spec_table),    cmocka_unit_test(events_become_marked_objects),
        cmocka_unit_test(deleted_ids_are_a_bounded_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
