/* stripe_preset.h — preset = "stripe": the eight Stripe list resources filled in as resource blocks
 * (key `id`, `starting_after` paging while `has_more`, records at `/data`, `created[gte]`/`created[lt]`
 * filters), the events that report each one's changes and deletions, and how an event becomes a row.
 *
 * Every preset record carries `updated` (Unix seconds): its `created` when it comes from a listing, the
 * event's `created` when it comes from /v1/events. It is the resource's cursor, so the MERGE's cursor
 * guard and the batch's deduplication keep the newest version of an object. A deletion event's object
 * also carries `_weir_deleted_at` (the event's time; soft delete) or `_weir_delete` = true (hard
 * delete: the Snowflake MERGE removes the row, agent/destinations/snowflake/sf_load.c). */
#ifndef WEIR_STRIPE_PRESET_H
#define WEIR_STRIPE_PRESET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http_spec.h"
#include "status.h"

/* Stripe keeps events for 30 days; a position older than this is resynced by listing. */
#define STRIPE_EVENTS_KEPT_SECONDS (30LL * 24 * 3600)
/* Events are read from the saved position minus at least this much: an event can become visible in
 * the list a little after the time it carries. */
#define STRIPE_EVENTS_MIN_OVERLAP_SECONDS 300LL

struct stripe_kind {
    const char *name;          /* resource name, e.g. "charges" */
    const char *path;          /* list endpoint */
    const char *object;        /* the `object` of its records and of its events' data.object */
    const char *created_event; /* later syncs learn of new objects from this event; NULL: a created listing */
    const char *const *events; /* change events (NULL-terminated); NULL: immutable, listing only */
    const char *deleted_event; /* NULL: objects cannot be deleted */
};

extern const stripe_kind_t stripe_kinds[];
extern const size_t stripe_kind_count;

/* Appends the preset's resources to spec->resources (allocated from spec->arena), leaving out those
 * the `stripe` block does not select and those a declared resource block already names. */
weir_status_t stripe_preset_expand(http_spec_t *spec, weir_err_t *err) WEIR_MUSTCHECK;

/* The event-type parameter values a later sync lists for `kind`, deletions first; `out` gets at most
 * `size` entries (borrowed). Returns the count. */
size_t stripe_event_types(const stripe_kind_t *kind, const char **out, size_t size);

/* Marks a listed record: `updated` = its `created`. False when the record has no integer `created`. */
bool stripe_stamp_listed(json_t *record);

/* The object an event carries, marked with `updated` (the event's time) and, for a deletion, the
 * resource's delete marker; NULL (and *why set) when the event carries no object of `resource`. The
 * object is borrowed from `event`. */
json_t *stripe_event_object(const http_resource_t *resource, json_t *event, const char **why);

/* The set of ids deleted in this sync: later events and listed rows of those ids are not staged,
 * so a deletion is never undone by an older version of the same second. */
typedef struct {
    char **slots;
    size_t capacity, count;
} stripe_id_set_t;

/* Most deletions one sync of one resource keeps track of (about 100 bytes each). */
#define STRIPE_MAX_DELETIONS 250000

void stripe_id_set_init(stripe_id_set_t *set);
void stripe_id_set_free(stripe_id_set_t *set);
/* WEIR_ERR_INVALID past STRIPE_MAX_DELETIONS, WEIR_ERR_NOMEM when out of memory. */
weir_status_t stripe_id_set_add(stripe_id_set_t *set, const char *id) WEIR_MUSTCHECK;
bool stripe_id_set_has(const stripe_id_set_t *set, const char *id);

#endif
