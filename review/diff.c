/* diff.c — flattens a resource change's before/after values into printable attribute changes. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* Upper bound on attribute changes listed per resource: a pipeline with 1,000 tables still fits. */
#define DIFF_MAX_ATTRS 20000

void diff_init(diff_t *diff)
{
    diff->items = NULL;
    diff->count = diff->cap = 0;
}

void diff_free(diff_t *diff)
{
    for (size_t i = 0; i < diff->count; i++) {
        free(diff->items[i].before);
        free(diff->items[i].after);
    }
    free(diff->items);
    diff_init(diff);
}

const json_t *diff_marker_key(const json_t *marker, const char *key)
{
    if (json_is_true(marker))
        return marker;
    return json_is_object(marker) ? json_object_get(marker, key) : NULL;
}

const json_t *diff_marker_index(const json_t *marker, size_t index)
{
    if (json_is_true(marker))
        return marker;
    return json_is_array(marker) ? json_array_get(marker, index) : NULL;
}

static bool marker_set_depth(const json_t *marker, int depth)
{
    if (json_is_true(marker))
        return true;
    if (depth > DIFF_DEPTH_MAX * 2)
        return true; /* too deep to inspect: assume the worst and mask */
    if (json_is_object(marker)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)marker, key, child) if (marker_set_depth(child, depth + 1)) return true;
    } else if (json_is_array(marker)) {
        size_t i;
        json_t *child;
        json_array_foreach(marker, i, child) if (marker_set_depth(child, depth + 1)) return true;
    }
    return false;
}

bool diff_marker_set(const json_t *marker)
{
    return marker_set_depth(marker, 0);
}

static bool attr_secret(const spec_attr_t *attr)
{
    return attr && (attr->flags & (SA_SENSITIVE | SA_WRITE_ONLY));
}

bool diff_spec_secret(const char *type, const char *attr)
{
    const spec_kind_t *kind = spec_kind_by_type(type);
    return kind && attr_secret(spec_block_attr(&kind->block, attr));
}

char *diff_render(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    if (len <= DIFF_VALUE_MAX)
        return text;
    size_t cut = DIFF_VALUE_MAX;
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--; /* never split a UTF-8 sequence */
    static const char ellipsis[] = "\xE2\x80\xA6";
    memcpy(text + cut, ellipsis, sizeof ellipsis);
    return text;
}

/* One step of the path being walked: an object key or a list index. */
typedef struct {
    const char *key; /* NULL for an index */
    size_t index;
} step_t;

typedef struct {
    const plan_change_t *change;
    diff_t *diff;
    weir_err_t *err;
    step_t steps[DIFF_DEPTH_MAX + 1];
    int depth;
} walk_t;

static bool is_container(const json_t *value)
{
    if (json_is_object(value))
        return true;
    if (!json_is_array(value) || json_array_size(value) == 0)
        return false;
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item) if (!json_is_object(item)) return false;
    return true;
}

static bool is_identifier(const char *key)
{
    if (!key[0] || (key[0] >= '0' && key[0] <= '9'))
        return false;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return false;
    return true;
}

static void format_path(const walk_t *walk, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < walk->depth && n < size; i++) {
        const step_t *s = &walk->steps[i];
        int wrote;
        if (!s->key)
            wrote = snprintf(out + n, size - n, "[%zu]", s->index);
        else if (is_identifier(s->key))
            wrote = snprintf(out + n, size - n, "%s%s", i ? "." : "", s->key);
        else
            wrote = snprintf(out + n, size - n, "[\"%.60s\"]", s->key);
        if (wrote < 0 || (size_t)wrote >= size - n) {
            /* cut: mark it so a reader does not mistake it for a real attribute name */
            snprintf(out + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
            return;
        }
        n += (size_t)wrote;
    }
}

/* The spec attribute at the walked path, following nested blocks; NULL off the spec. */
static const spec_attr_t *spec_at(const walk_t *walk)
{
    const spec_kind_t *kind = spec_kind_by_type(walk->change->type);
    if (!kind)
        return NULL;
    const spec_block_t *block = &kind->block;
    const spec_attr_t *attr = NULL;
    for (int i = 0; i < walk->depth; i++) {
        const step_t *s = &walk->steps[i];
        if (!s->key)
            continue; /* list index within a block list */
        if (!block)
            return NULL;
        attr = spec_block_attr(block, s->key);
        if (!attr)
            return NULL;
        if (attr_secret(attr))
            return attr;
        block = attr->block;
    }
    return attr;
}

static bool under_replace_path(const walk_t *walk)
{
    const json_t *paths = walk->change->replace_paths;
    size_t i;
    json_t *path;
    json_array_foreach(paths, i, path)
    {
        if (!json_is_array(path) || json_array_size(path) == 0 || json_array_size(path) > (size_t)walk->depth)
            continue;
        bool match = true;
        for (size_t j = 0; j < json_array_size(path) && match; j++) {
            const json_t *step = json_array_get(path, j);
            const step_t *s = &walk->steps[j];
            if (json_is_string(step))
                match = s->key && strcmp(s->key, json_string_value(step)) == 0;
            else if (json_is_integer(step))
                match = !s->key && json_integer_value(step) >= 0 && (size_t)json_integer_value(step) == s->index;
            else
                match = false;
        }
        if (match)
            return true;
    }
    return false;
}

static weir_status_t emit(walk_t *walk, const json_t *before, const json_t *after, bool unknown, bool before_masked,
                          bool after_masked)
{
    diff_t *diff = walk->diff;
    if (diff->count >= DIFF_MAX_ATTRS) {
        weir_err_set(walk->err, "%.200s: more than %d changed attributes", walk->change->address, DIFF_MAX_ATTRS);
        return WEIR_ERR_TOO_BIG;
    }
    if (diff->count == diff->cap) {
        size_t cap = diff->cap ? diff->cap * 2 : 16;
        diff_attr_t *grown = realloc(diff->items, cap * sizeof *grown);
        if (!grown)
            goto nomem;
        diff->items = grown;
        diff->cap = cap;
    }
    diff_attr_t *item = &diff->items[diff->count];
    memset(item, 0, sizeof *item);
    format_path(walk, item->path, sizeof item->path);
    item->forces_replacement = under_replace_path(walk);
    if (before && !json_is_null(before))
        item->before = before_masked ? strdup(DIFF_SENSITIVE) : diff_render(before);
    if (unknown)
        item->after = strdup(DIFF_UNKNOWN);
    else if (after && !json_is_null(after))
        item->after = after_masked ? strdup(DIFF_SENSITIVE) : diff_render(after);
    if ((before && !json_is_null(before) && !item->before) ||
        ((unknown || (after && !json_is_null(after))) && !item->after)) {
        free(item->before);
        free(item->after);
        goto nomem;
    }
    diff->count++;
    return WEIR_OK;
nomem:
    weir_err_set(walk->err, "out of memory");
    return WEIR_ERR_NOMEM;
}

static bool is_null(const json_t *value)
{
    return !value || json_is_null(value);
}

/* Absent, null or an empty list or object: a block list with no blocks is no different to a
 * reviewer from a missing one (a removed table block takes its empty column list with it). */
static bool is_empty(const json_t *value)
{
    return is_null(value) || (json_is_array(value) && json_array_size(value) == 0) ||
        (json_is_object(value) && json_object_size(value) == 0);
}

static weir_status_t walk_value(walk_t *walk, const json_t *before, const json_t *after, const json_t *unknown,
                                const json_t *before_sensitive, const json_t *after_sensitive)
{
    if (walk->depth == 1) {
        /* Object metadata (the agent-assigned id) says nothing a reviewer can act on, and would
         * make every summary of a replacement differ from the last. */
        const spec_attr_t *attr = spec_at(walk);
        if (attr && (attr->flags & SA_META))
            return WEIR_OK;
    }
    bool after_unknown = json_is_true(unknown);
    bool recurse = !after_unknown && walk->depth < DIFF_DEPTH_MAX && (is_container(before) || is_container(after)) &&
        (is_null(before) || is_container(before) || json_is_array(before)) &&
        (is_null(after) || is_container(after) || json_is_array(after)) &&
        !(json_is_object(before) && json_is_array(after)) && !(json_is_array(before) && json_is_object(after));
    if (!recurse) {
        if (!after_unknown &&
            ((is_empty(before) && is_empty(after)) ||
             (is_null(before) ? is_null(after) : (!is_null(after) && json_equal(before, after)))))
            return WEIR_OK;
        bool secret = walk->depth > 0 && attr_secret(spec_at(walk));
        return emit(walk, before, after, after_unknown, secret || diff_marker_set(before_sensitive),
                    secret || diff_marker_set(after_sensitive));
    }
    weir_status_t result = WEIR_OK;
    if (json_is_object(before) || json_is_object(after)) {
        /* Union of keys in sorted order, so output does not depend on the document's key order. */
        json_t *keys = json_object();
        if (!keys)
            goto nomem;
        const char *key;
        json_t *child;
        const json_t *sides[] = {before, after, json_is_object(unknown) ? unknown : NULL};
        for (size_t s = 0; s < 3; s++)
            if (json_is_object(sides[s]))
                json_object_foreach((json_t *)sides[s], key, child) if (json_object_set(keys, key, json_null()) != 0)
                {
                    json_decref(keys);
                    goto nomem;
                }
        size_t n = json_object_size(keys), i = 0;
        const char **sorted = calloc(n ? n : 1, sizeof *sorted);
        if (!sorted) {
            json_decref(keys);
            goto nomem;
        }
        json_object_foreach(keys, key, child) sorted[i++] = key;
        for (size_t a = 1; a < n; a++)
            for (size_t b = a; b > 0 && strcmp(sorted[b - 1], sorted[b]) > 0; b--) {
                const char *t = sorted[b];
                sorted[b] = sorted[b - 1];
                sorted[b - 1] = t;
            }
        for (i = 0; i < n && result == WEIR_OK; i++) {
            walk->steps[walk->depth] = (step_t){.key = sorted[i]};
            walk->depth++;
            result = walk_value(walk, json_object_get(before, sorted[i]), json_object_get(after, sorted[i]),
                                diff_marker_key(unknown, sorted[i]), diff_marker_key(before_sensitive, sorted[i]),
                                diff_marker_key(after_sensitive, sorted[i]));
            walk->depth--;
        }
        free(sorted);
        json_decref(keys);
        return result;
    }
    size_t n = json_array_size(before);
    if (json_array_size(after) > n)
        n = json_array_size(after);
    if (json_is_array(unknown) && json_array_size(unknown) > n)
        n = json_array_size(unknown);
    for (size_t i = 0; i < n && result == WEIR_OK; i++) {
        walk->steps[walk->depth] = (step_t){.key = NULL, .index = i};
        walk->depth++;
        result = walk_value(walk, json_array_get(before, i), json_array_get(after, i), diff_marker_index(unknown, i),
                            diff_marker_index(before_sensitive, i), diff_marker_index(after_sensitive, i));
        walk->depth--;
    }
    return result;
nomem:
    weir_err_set(walk->err, "out of memory");
    return WEIR_ERR_NOMEM;
}

weir_status_t diff_change(const plan_change_t *change, diff_t *diff, weir_err_t *err)
{
    if (change->action == PLAN_DELETE || change->action == PLAN_NOOP || change->action == PLAN_FORGET)
        return WEIR_OK;
    walk_t walk = {.change = change, .diff = diff, .err = err, .depth = 0};
    const json_t *unknown = change->after_unknown;
    if (json_is_true(unknown) || (!change->after && !is_container(change->before))) {
        /* The whole object is unknown or absent: nothing attribute-level to show. */
        return WEIR_OK;
    }
    return walk_value(&walk, change->before, change->after, unknown, change->before_sensitive, change->after_sensitive);
}
