/* test_alerts.c — one incident per key, resolves to the channels that were triggered, deliveries
 * in order with retries, and the three payload shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerter.h"
#include "alerts.h"
#include "store_alerts.h"
#include "temp_store.h"

static temp_store_t place;
static store_t *store;

static void put(const char *kind, const char *name, const char *spec)
{
    temp_store_put(store, kind, name, spec);
}

static int setup(void **state)
{
    (void)state;
    if (temp_store_open(&place, &store) != 0)
        return -1;
    put("alert_channel", "all-warn", "{\"name\":\"all-warn\",\"kind\":\"webhook\",\"min_severity\":\"warn\"}");
    put("alert_channel", "errors", "{\"name\":\"errors\",\"kind\":\"slack\",\"min_severity\":\"error\"}");
    put("alert_channel", "other-team",
        "{\"name\":\"other-team\",\"kind\":\"slack\",\"min_severity\":\"warn\","
        "\"pipelines\":[\"billing\"]}");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

static size_t pending(store_delivery_t *out, size_t max)
{
    size_t count = 0;
    weir_err_t err;
    store_delivery_t d;
    while (count < max && store_delivery_next(store, 1000000, &d, &err) == WEIR_OK) {
        out[count++] = d;
        assert_int_equal(store_delivery_attempted(store, d.id, "sent", 0, "", &err), WEIR_OK);
    }
    return count;
}

static void incidents_alert_once_and_resolve(void **state)
{
    (void)state;
    alert_condition_t condition = {.key = "run/shop/orders",
                                   .pipeline = "shop",
                                   .table = "orders",
                                   .kind = "run_failed",
                                   .severity = "error",
                                   .summary = "run failed: boom",
                                   .run_id = "r1"};
    alerts_raise(store, &condition);
    condition.summary = "run failed: boom again";
    alerts_raise(store, &condition); /* still the same incident: no new alert */
    store_delivery_t d[8];
    size_t n = pending(d, 8);
    assert_int_equal(n, 2); /* all-warn and errors; other-team watches billing only */
    assert_string_equal(d[0].event, "trigger");
    assert_string_equal(d[0].incident.summary, "run failed: boom again");
    alerts_clear(store, "run/shop/orders");
    alerts_clear(store, "run/shop/orders"); /* nothing open any more */
    n = pending(d, 8);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].event, "resolve");
    assert_true(d[0].incident.resolved_at[0] != 0);

    alert_condition_t warning = {.key = "check/c1",
                                 .pipeline = "shop",
                                 .table = "orders",
                                 .kind = "check:unique",
                                 .severity = "warn",
                                 .summary = "1 duplicate",
                                 .run_id = "r2"};
    alerts_raise(store, &warning);
    n = pending(d, 8);
    assert_int_equal(n, 1);
    assert_string_equal(d[0].channel, "all-warn");
}

static void resolve_waits_for_its_trigger(void **state)
{
    (void)state;
    weir_err_t err;
    alert_condition_t condition = {.key = "check/c2",
                                   .pipeline = "shop",
                                   .table = "orders",
                                   .kind = "check:row_count",
                                   .severity = "error",
                                   .summary = "drop",
                                   .run_id = "r3"};
    alerts_raise(store, &condition);
    store_delivery_t first;
    assert_int_equal(store_delivery_next(store, 100, &first, &err), WEIR_OK);
    /* The trigger failed once and waits until 200; the resolve must not overtake it. */
    assert_int_equal(store_delivery_attempted(store, first.id, "pending", 200, "HTTP 503", &err), WEIR_OK);
    alerts_clear(store, "check/c2");
    store_delivery_t next;
    assert_int_equal(store_delivery_next(store, 150, &next, &err), WEIR_OK);
    assert_string_equal(next.event, "trigger"); /* the other channel's trigger */
    assert_string_not_equal(next.channel, first.channel);
    assert_int_equal(store_delivery_attempted(store, next.id, "sent", 0, "", &err), WEIR_OK);
    assert_int_equal(store_delivery_next(store, 150, &next, &err), WEIR_OK);
    assert_string_equal(next.event, "resolve");
    assert_string_not_equal(next.channel, first.channel);
    assert_int_equal(store_delivery_attempted(store, next.id, "sent", 0, "", &err), WEIR_OK);
    assert_int_equal(store_delivery_next(store, 150, &next, &err), WEIR_ERR_NOT_FOUND);
    assert_int_equal(store_delivery_next(store, 200, &next, &err), WEIR_OK);
    assert_int_equal(next.id, first.id);
}

static void payload_shapes(void **state)
{
    (void)state;
    store_delivery_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.event, sizeof d.event, "trigger");
    snprintf(d.incident.id, sizeof d.incident.id, "1234");
    snprintf(d.incident.key, sizeof d.incident.key, "check/orders-fresh");
    snprintf(d.incident.pipeline, sizeof d.incident.pipeline, "shop");
    snprintf(d.incident.table_name, sizeof d.incident.table_name, "shop.orders");
    snprintf(d.incident.kind, sizeof d.incident.kind, "check:freshness");
    snprintf(d.incident.severity, sizeof d.incident.severity, "warn");
    snprintf(d.incident.summary, sizeof d.incident.summary, "stale \"data\"");
    char *pd = alerter_body("pagerduty", &d, "KEY");
    json_t *body = json_loads(pd, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(body, "dedup_key")), "weir-1234");
    assert_string_equal(json_string_value(json_object_get(json_object_get(body, "payload"), "severity")), "warning");
    assert_string_equal(json_string_value(json_object_get(json_object_get(body, "payload"), "summary")),
                        "shop shop.orders: stale \"data\"");
    json_decref(body);
    free(pd);
    char *slack = alerter_body("slack", &d, NULL);
    assert_non_null(strstr(slack, ":rotating_light: *[WARN] shop / shop.orders"));
    free(slack);
    snprintf(d.event, sizeof d.event, "resolve");
    pd = alerter_body("pagerduty", &d, "KEY");
    assert_string_equal(pd, "{\"routing_key\":\"KEY\",\"event_action\":\"resolve\",\"dedup_key\":\"weir-1234\"}");
    free(pd);
    char signature[80];
    /* Reference: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret */
    alerter_signature("secret", 1700000000, "{}", signature, sizeof signature);
    assert_string_equal(signature, "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(incidents_alert_once_and_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(resolve_waits_for_its_trigger, setup, teardown),
        cmocka_unit_test(payload_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
