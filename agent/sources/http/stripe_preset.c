/* stripe_preset.c — the Stripe preset's resource table, its expansion into resource blocks, and the
 * marks an event or a listed record gets before it becomes a row. */
#include "stripe_preset.h"

#include <stdlib.h>
#include <string.h>

/* Event types are Stripe's (API reference, "Types of events"): each one's data.object is an object
 * of the resource. Creation is learnt from a `created[gte]` listing unless created_event is set. */
static const char *const charge_events[] = {"charge.updated", "charge.captured", "charge.refunded", "charge.succeeded",
                                            "charge.failed",  "charge.pending",  "charge.expired",  NULL};
static const char *const payment_intent_events[] = {
    "payment_intent.succeeded",        "payment_intent.canceled",
    "payment_intent.payment_failed",   "payment_intent.processing",
    "payment_intent.requires_action",  "payment_intent.amount_capturable_updated",
    "payment_intent.partially_funded", NULL};
static const char *const refund_events[] = {"refund.updated", "refund.failed", "charge.refund.updated", NULL};
static const char *const customer_events[] = {"customer.updated", NULL};
static const char *const invoice_events[] = {"invoice.updated",
                                             "invoice.finalized",
                                             "invoice.paid",
                                             "invoice.payment_succeeded",
                                             "invoice.payment_failed",
                                             "invoice.voided",
                                             "invoice.marked_uncollectible",
                                             "invoice.sent",
                                             NULL};
static const char *const payout_events[] = {
    "payout.updated", "payout.paid", "payout.failed", "payout.canceled", "payout.reconciliation_completed", NULL};
static const char *const dispute_events[] = {"charge.dispute.updated", "charge.dispute.closed",
                                             "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated", NULL};

const stripe_kind_t stripe_kinds[] = {
    {"charges", "/v1/charges", "charge", NULL, charge_events, NULL},
    {"payment_intents", "/v1/payment_intents", "payment_intent", NULL, payment_intent_events, NULL},
    {"refunds", "/v1/refunds", "refund", NULL, refund_events, NULL},
    /* Balance transactions never change: a created listing with the table's lookback is enough. */
    {"balance_transactions", "/v1/balance_transactions", "balance_transaction", NULL, NULL, NULL},
    {"customers", "/v1/customers", "customer", "customer.created", customer_events, "customer.deleted"},
    {"invoices", "/v1/invoices", "invoice", NULL, invoice_events, "invoice.deleted"},
    {"payouts", "/v1/payouts", "payout", NULL, payout_events, NULL},
    {"disputes", "/v1/disputes", "dispute", NULL, dispute_events, NULL},
};
const size_t stripe_kind_count = sizeof stripe_kinds / sizeof stripe_kinds[0];

/* Stripe pages hold at most 100 objects. */
#define STRIPE_PAGE_SIZE 100
/* Pages of one listing: 10 M objects. A larger account sets start_date so that windows split it. */
#define STRIPE_MAX_PAGES 100000

static bool listed(char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static void fill_resource(http_spec_t *spec, const stripe_kind_t *kind, http_resource_t *out)
{
    arena_t *arena = &spec->arena;
    const http_stripe_t *options = spec->stripe;
    memset(out, 0, sizeof *out);
    out->stripe = kind;
    out->hard_delete =
        kind->deleted_event && options && listed(options->hard_deletes, options->hard_delete_count, kind->name);
    out->name = arena_strdup(arena, kind->name);
    out->path = arena_strdup(arena, kind->path);
    out->records = arena_strdup(arena, "/data");
    out->primary_key = ARENA_ARRAY(arena, char *, 1);
    if (out->primary_key)
        out->primary_key[0] = arena_strdup(arena, "id");
    out->key_count = 1;
    out->cursor = arena_strdup(arena, "/updated");
    out->cursor_type_text = arena_strdup(arena, "unix_time");
    out->cursor_type = HTTP_CURSOR_UNIX;
    out->incremental_param = arena_strdup(arena, "created[gte]");
    out->end_param = arena_strdup(arena, "created[lt]");
    out->window_seconds = options && options->window_seconds > 0 ? options->window_seconds : 30LL * 24 * 3600;
    http_paginator_t *pager = arena_alloc(arena, sizeof *pager);
    if (pager) {
        pager->kind = HTTP_PAGE_NEXT_CURSOR;
        pager->type = arena_strdup(arena, "next_cursor");
        pager->max_pages = STRIPE_MAX_PAGES;
        pager->page_size = STRIPE_PAGE_SIZE;
        pager->has_page_size = true;
        pager->size_param = arena_strdup(arena, "limit");
        pager->cursor_param = arena_strdup(arena, "starting_after");
        pager->id_field = arena_strdup(arena, "/id");
        pager->has_more = arena_strdup(arena, "/has_more");
    }
    out->paginator = pager;
    /* Declared so that every batch has them, whatever its first page holds. */
    out->column_count = kind->deleted_event ? 2 : 1;
    out->columns = ARENA_ARRAY(arena, http_column_t, out->column_count);
    if (out->columns) {
        out->columns[0] = (http_column_t){arena_strdup(arena, "/updated"), arena_strdup(arena, "updated"),
                                          arena_strdup(arena, "bigint")};
        if (kind->deleted_event)
            out->columns[1] = out->hard_delete
                ? (http_column_t){arena_strdup(arena, "/_weir_delete"), arena_strdup(arena, "_weir_delete"),
                                  arena_strdup(arena, "boolean")}
                : (http_column_t){arena_strdup(arena, "/_weir_deleted_at"), arena_strdup(arena, "_weir_deleted_at"),
                                  arena_strdup(arena, "timestamptz")};
    }
}

weir_status_t stripe_preset_expand(http_spec_t *spec, weir_err_t *err)
{
    const http_stripe_t *options = spec->stripe;
    size_t declared = spec->resource_count;
    http_resource_t *all = ARENA_ARRAY(&spec->arena, http_resource_t, declared + stripe_kind_count);
    if (!all) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    if (declared)
        memcpy(all, spec->resources, declared * sizeof *all);
    size_t count = declared;
    for (size_t k = 0; k < stripe_kind_count; k++) {
        const stripe_kind_t *kind = &stripe_kinds[k];
        if (options && options->resources && !listed(options->resources, options->resource_count, kind->name))
            continue;
        bool replaced = false;
        for (size_t r = 0; r < declared && !replaced; r++)
            replaced = strcmp(all[r].name, kind->name) == 0;
        if (!replaced)
            fill_resource(spec, kind, &all[count++]);
    }
    if (spec->arena.failed) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    spec->resources = all;
    spec->resource_count = count;
    return WEIR_OK;
}

size_t stripe_event_types(const stripe_kind_t *kind, const char **out, size_t size)
{
    size_t n = 0;
    if (kind->deleted_event && n < size)
        out[n++] = kind->deleted_event;
    if (kind->created_event && n < size)
        out[n++] = kind->created_event;
    for (const char *const *e = kind->events; e && *e && n < size; e++)
        out[n++] = *e;
    return n;
}

bool stripe_stamp_listed(json_t *record)
{
    json_t *created = json_object_get(record, "created");
    return json_is_integer(created) &&
        json_object_set_new(record, "updated", json_integer(json_integer_value(created))) == 0;
}

json_t *stripe_event_object(const http_resource_t *resource, json_t *event, const char **why)
{
    json_t *created = json_object_get(event, "created");
    json_t *object = json_object_get(json_object_get(event, "data"), "object");
    const char *type = json_string_value(json_object_get(event, "type"));
    const char *object_kind = json_string_value(json_object_get(object, "object"));
    if (!json_is_integer(created) || !json_is_object(object) || !type) {
        *why = "an event without created, type or data.object";
        return NULL;
    }
    if (!object_kind || strcmp(object_kind, resource->stripe->object) != 0) {
        *why = "an event whose object is of another kind";
        return NULL;
    }
    if (json_object_set_new(object, "updated", json_integer(json_integer_value(created))) != 0) {
        *why = "out of memory";
        return NULL;
    }
    if (resource->stripe->deleted_event && strcmp(type, resource->stripe->deleted_event) == 0) {
        int failed = resource->hard_delete
            ? json_object_set_new(object, "_weir_delete", json_true())
            : json_object_set_new(object, "_weir_deleted_at", json_integer(json_integer_value(created)));
        if (failed) {
            *why = "out of memory";
            return NULL;
        }
    }
    return object;
}

/* FNV-1a: ids are Stripe's random text, so any spread-out hash will do. */
static size_t id_hash(const char *id)
{
    size_t hash = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return hash;
}

void stripe_id_set_init(stripe_id_set_t *set)
{
    memset(set, 0, sizeof *set);
}

void stripe_id_set_free(stripe_id_set_t *set)
{
    for (size_t i = 0; i < set->capacity; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

bool stripe_id_set_has(const stripe_id_set_t *set, const char *id)
{
    if (!set->capacity)
        return false;
    for (size_t i = id_hash(id) & (set->capacity - 1);; i = (i + 1) & (set->capacity - 1)) {
        if (!set->slots[i])
            return false;
        if (strcmp(set->slots[i], id) == 0)
            return true;
    }
}

/* Open addressing at most half full; capacity a power of two. */
static weir_status_t grow(stripe_id_set_t *set)
{
    size_t capacity = set->capacity ? set->capacity * 2 : 64;
    char **slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return WEIR_ERR_NOMEM;
    for (size_t i = 0; i < set->capacity; i++) {
        if (!set->slots[i])
            continue;
        size_t j = id_hash(set->slots[i]) & (capacity - 1);
        while (slots[j])
            j = (j + 1) & (capacity - 1);
        slots[j] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->capacity = capacity;
    return WEIR_OK;
}

weir_status_t stripe_id_set_add(stripe_id_set_t *set, const char *id)
{
    if (stripe_id_set_has(set, id))
        return WEIR_OK;
    if (set->count >= STRIPE_MAX_DELETIONS)
        return WEIR_ERR_INVALID;
    if ((set->count + 1) * 2 > set->capacity && grow(set) != WEIR_OK)
        return WEIR_ERR_NOMEM;
    size_t i = id_hash(id) & (set->capacity - 1);
    while (set->slots[i])
        i = (i + 1) & (set->capacity - 1);
    set->slots[i] = strdup(id);
    if (!set->slots[i])
        return WEIR_ERR_NOMEM;
    set->count++;
    return WEIR_OK;
}
