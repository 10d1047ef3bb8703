/* diff.h — the attributes a resource change touches, flattened to paths ("table[0].cursor") with
 * before/after text ready to print: sensitive values masked, unknown ones named as such. */
#ifndef WEIR_REVIEW_DIFF_H
#define WEIR_REVIEW_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "status.h"

/* Longest value printed; longer ones are cut with "…" (a reviewer needs the gist, and a comment
 * has a size limit). */
#define DIFF_VALUE_MAX 160
/* Longest attribute path; nesting in Weir's schema is two blocks deep. */
#define DIFF_PATH_MAX 256
/* Deepest nesting walked; deeper values print as one leaf. */
#define DIFF_DEPTH_MAX 16

#define DIFF_SENSITIVE "(sensitive)"
#define DIFF_UNKNOWN "(known after apply)"

typedef struct {
    char path[DIFF_PATH_MAX];
    char *before;            /* owned text; NULL when the attribute was absent or null */
    char *after;             /* owned text; NULL when absent or null */
    bool forces_replacement; /* under one of the change's replace_paths */
} diff_attr_t;

typedef struct {
    diff_attr_t *items; /* owned, in path order */
    size_t count;
    size_t cap;
} diff_t;

void diff_init(diff_t *diff);
void diff_free(diff_t *diff);

/* Appends the attributes `change` touches: for creates every value set, for updates and replaces
 * every value that differs or becomes unknown, for deletes nothing; weir_* metadata (`id`) is left
 * out. Masks a value when the plan's before/after_sensitive marks it or Weir's spec declares it
 * sensitive or write-only. */
weir_status_t diff_change(const plan_change_t *change, diff_t *diff, weir_err_t *err) WEIR_MUSTCHECK;

/* Marker helpers shared with the impact rules: the marker for `key` under `marker` (true stays
 * true), and whether any part of a marker is true. */
const json_t *diff_marker_key(const json_t *marker, const char *key);
const json_t *diff_marker_index(const json_t *marker, size_t index);
bool diff_marker_set(const json_t *marker);

/* Whether a top-level attribute of a weir_* resource type is sensitive or write-only by spec. */
bool diff_spec_secret(const char *type, const char *attr);

/* Writes `value` as compact JSON (keys sorted), cut to DIFF_VALUE_MAX bytes on a UTF-8 boundary.
 * Returns new text, or NULL when out of memory. */
char *diff_render(const json_t *value);

#endif
