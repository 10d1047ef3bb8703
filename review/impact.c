/* impact.c — data-impact rules per weir_* resource kind (meanings in docs/resources and the
 * agent's store: watermarks are kept per pipeline name and table name). */
#include "impact.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cursor_range.h"
#include "diff.h"
#include "md.h"
#include "schedule.h"
#include "spec.h"
#include "table_position.h"

void impacts_init(impacts_t *impacts)
{
    impacts->items = NULL;
    impacts->count = impacts->cap = 0;
}

void impacts_free(impacts_t *impacts)
{
    for (size_t i = 0; i < impacts->count; i++)
        free(impacts->items[i].text);
    free(impacts->items);
    impacts_init(impacts);
}

/* One finding being written about one change. */
typedef struct {
    const plan_t *plan;
    const plan_change_t *c;
    impacts_t *out;
    md_t md;
    int parts; /* clauses added after the lead sentence */
} finding_t;

static void begin(finding_t *f)
{
    md_init(&f->md, IMPACT_TEXT_MAX);
    f->parts = 0;
}

/* Hands the text to the list; a finding that outgrew its cap is cut rather than lost. */
static weir_status_t commit(finding_t *f, weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    if (f->md.result == WEIR_ERR_TOO_BIG) {
        f->md.result = WEIR_OK;
        f->md.buf.limit += 16;
        md_puts(&f->md, " (cut)");
    }
    if (f->md.result != WEIR_OK) {
        result = f->md.result;
        weir_err_set(err, "%.200s: cannot format a finding (%s)", f->c->address, weir_status_text(result));
        goto out;
    }
    impacts_t *out = f->out;
    if (out->count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        impact_t *grown = realloc(out->items, cap * sizeof *grown);
        if (!grown) {
            result = WEIR_ERR_NOMEM;
            weir_err_set(err, "out of memory");
            goto out;
        }
        out->items = grown;
        out->cap = cap;
    }
    char *text = buf_steal(&f->md.buf);
    if (!text) {
        result = WEIR_ERR_NOMEM;
        weir_err_set(err, "out of memory");
        goto out;
    }
    out->items[out->count++] = (impact_t){.plan = f->plan, .address = f->c->address, .text = text};
out:
    md_free(&f->md);
    return result;
}

static const json_t *before(const plan_change_t *c, const char *key)
{
    const json_t *v = json_object_get(c->before, key);
    return json_is_null(v) ? NULL : v;
}

static const json_t *after(const plan_change_t *c, const char *key)
{
    const json_t *v = json_object_get(c->after, key);
    return json_is_null(v) ? NULL : v;
}

static bool unknown(const plan_change_t *c, const char *key)
{
    return diff_marker_set(diff_marker_key(c->after_unknown, key));
}

static bool secret(const plan_change_t *c, const char *key)
{
    return diff_spec_secret(c->type, key) || diff_marker_set(diff_marker_key(c->before_sensitive, key)) ||
        diff_marker_set(diff_marker_key(c->after_sensitive, key));
}

/* Writes a value as a code span: strings without their quotes, other values as JSON. */
static void value(finding_t *f, const json_t *v, bool masked)
{
    if (masked) {
        md_puts(&f->md, DIFF_SENSITIVE);
        return;
    }
    if (!v) {
        md_puts(&f->md, "(unset)");
        return;
    }
    if (json_is_string(v)) {
        md_code(&f->md, json_string_value(v), false);
        return;
    }
    char *text = diff_render(v);
    if (!text) {
        f->md.result = WEIR_ERR_NOMEM;
        return;
    }
    md_code(&f->md, text, false);
    free(text);
}

static void attr_value(finding_t *f, bool use_after, const char *key)
{
    if (use_after && unknown(f->c, key)) {
        md_puts(&f->md, DIFF_UNKNOWN);
        return;
    }
    value(f, use_after ? after(f->c, key) : before(f->c, key), secret(f->c, key));
}

/* The object's name: after for creates and updates, before for deletes. */
static void lead(finding_t *f, const char *noun)
{
    md_printf(&f->md, "%s ", noun);
    bool gone = f->c->action == PLAN_DELETE || (f->c->action == PLAN_REPLACE && !f->c->after);
    attr_value(f, !gone && (after(f->c, "name") || unknown(f->c, "name")), "name");
}

static void clause(finding_t *f, const char *text)
{
    md_puts(&f->md, f->parts++ ? "; " : ": ");
    md_puts(&f->md, text);
}

static bool strings_differ(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return a != b;
    return !json_equal(a, b);
}

/* Both sides known, not masked, strings: the usual case for judging a change. */
static bool judged_strings(const plan_change_t *c, const char *key, const char **was, const char **now)
{
    *was = json_string_value(before(c, key));
    *now = json_string_value(after(c, key));
    return *was && *now && !unknown(c, key);
}

static void cannot_judge(finding_t *f, const char *key)
{
    md_puts(&f->md, f->parts++ ? "; " : ": ");
    md_code(&f->md, key, false);
    md_puts(&f->md, " becomes " DIFF_UNKNOWN " and cannot be judged before apply");
}

/* ---- weir_pipeline ---- */

static const json_t *table_named(const json_t *tables, const char *name, size_t *index)
{
    size_t i;
    json_t *table;
    json_array_foreach(tables, i, table)
    {
        const char *n = json_string_value(json_object_get(table, "name"));
        if (n && strcmp(n, name) == 0) {
            if (index)
                *index = i;
            return table;
        }
    }
    return NULL;
}

static void list_tables(finding_t *f, const json_t *tables)
{
    size_t i;
    json_t *table;
    json_array_foreach(tables, i, table)
    {
        md_puts(&f->md, i ? ", " : "");
        value(f, json_object_get(table, "name"), false);
    }
}

static weir_status_t pipeline_tables(finding_t *f, weir_err_t *err)
{
    const plan_change_t *c = f->c;
    const json_t *was = before(c, "table"), *now = after(c, "table");
    weir_status_t result = WEIR_OK;
    if (!json_is_array(was) || !json_is_array(now) || strings_differ(was, now) == false)
        return WEIR_OK;
    if (unknown(c, "table") || secret(c, "table")) {
        begin(f);
        lead(f, "Pipeline");
        if (unknown(c, "table"))
            cannot_judge(f, "table");
        else
            clause(f, "its tables change, but their values are sensitive and not shown");
        return commit(f, err);
    }
    size_t i;
    json_t *table;
    json_array_foreach(was, i, table)
    {
        const char *name = json_string_value(json_object_get(table, "name"));
        if (!name || result != WEIR_OK)
            continue;
        size_t j = 0;
        const json_t *kept = table_named(now, name, &j);
        begin(f);
        if (!kept) {
            /* Same position, a name not there before: a rename, which restarts the table. */
            const json_t *at = json_array_get(now, i);
            const char *new_name = json_string_value(json_object_get(at, "name"));
            bool renamed = new_name && !table_named(was, new_name, NULL);
            md_puts(&f->md, "Table ");
            md_code(&f->md, name, false);
            md_puts(&f->md, " of pipeline ");
            attr_value(f, true, "name");
            if (renamed) {
                md_puts(&f->md, " becomes ");
                md_code(&f->md, new_name, false);
                md_puts(&f->md, ": watermarks are kept per table name, so ");
                md_code(&f->md, new_name, false);
                md_puts(&f->md, " has none and reloads in full from the source, and ");
                md_code(&f->md, name, false);
                md_puts(&f->md, " stops loading");
            } else {
                md_puts(&f->md,
                        " is removed: it stops loading (rows already loaded stay in the destination) and its "
                        "watermark is dropped, so adding it back reloads it in full");
            }
            result = commit(f, err);
            continue;
        }
        md_puts(&f->md, "Table ");
        md_code(&f->md, name, false);
        md_puts(&f->md, " of pipeline ");
        attr_value(f, true, "name");
        static const struct {
            const char *key;
            const char *why;
        } rules[] = {
            {"cursor",
             "the watermark read from the old column is dropped, so the table reloads in full from the "
             "source"},
            {"target",
             "the watermark is dropped, so the table reloads in full from the source into the new "
             "target table"},
            {"primary_key",
             "MERGE now matches rows by the new key, so rows already loaded can be "
             "duplicated in the destination"},
            {"mode",
             "`full_refresh` reloads the whole table on every run; `incremental` reads only rows "
             "past the watermark"},
        };
        for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
            const json_t *a = json_object_get(table, rules[r].key), *b = json_object_get(kept, rules[r].key);
            if (json_is_null(a))
                a = NULL;
            if (json_is_null(b))
                b = NULL;
            /* The cursor and target as the agent resolves them (table_position.h): a spelling of
             * the same column or table keeps the watermark. */
            bool same = strcmp(rules[r].key, "cursor") == 0 ? table_position_same_cursor(table, kept)
                : strcmp(rules[r].key, "target") == 0
                ? table_position_same_target(f->c->before, table, f->c->after, kept)
                : !strings_differ(a, b);
            if (same)
                continue;
            md_puts(&f->md, f->parts++ ? "; " : ": ");
            md_code(&f->md, rules[r].key, false);
            md_puts(&f->md, " ");
            value(f, a, false);
            md_puts(&f->md, " → ");
            value(f, b, false);
            md_puts(&f->md, " — ");
            md_puts(&f->md, rules[r].why);
        }
        if (f->parts)
            result = commit(f, err);
        else
            md_free(&f->md);
    }
    return result;
}

static weir_status_t pipeline(finding_t *f, weir_err_t *err)
{
    const plan_change_t *c = f->c;
    weir_status_t result = WEIR_OK;
    bool renamed = false;
    if (c->action == PLAN_DELETE) {
        begin(f);
        lead(f, "Pipeline");
        clause(f, "destroyed — its tables (");
        list_tables(f, before(c, "table"));
        md_puts(&f->md, ") stop loading; rows already loaded stay in the destination");
        return commit(f, err);
    }
    if (c->action == PLAN_REPLACE) {
        const char *was, *now;
        begin(f);
        if (unknown(c, "name")) {
            lead(f, "Pipeline");
            clause(f, "replaced under a name " DIFF_UNKNOWN "; if the name changes, its tables reload in full");
        } else if (judged_strings(c, "name", &was, &now) && strcmp(was, now) != 0) {
            renamed = true;
            md_puts(&f->md, "Pipeline ");
            attr_value(f, false, "name");
            md_puts(&f->md, " is replaced by ");
            attr_value(f, true, "name");
            md_puts(&f->md,
                    ": watermarks are kept per pipeline name, so the new pipeline has none — "
                    "every table reloads in full from the source (");
            list_tables(f, after(c, "table"));
            md_puts(&f->md, ")");
        } else {
            lead(f, "Pipeline");
            clause(f,
                   "replaced under the same name — deleting it drops its watermarks, so every table "
                   "reloads in full from the source");
        }
        result = commit(f, err);
    }
    if (result != WEIR_OK || (c->action != PLAN_UPDATE && c->action != PLAN_REPLACE))
        return result;

    /* Paused: before true or unset (the default is true), after false. */
    const json_t *was_enabled = before(c, "enabled");
    if (unknown(c, "enabled") && !json_is_false(was_enabled)) {
        begin(f);
        lead(f, "Pipeline");
        cannot_judge(f, "enabled");
        result = commit(f, err);
    } else if (!json_is_false(was_enabled) && json_is_false(after(c, "enabled"))) {
        begin(f);
        lead(f, "Pipeline");
        clause(f, "disabled — scheduled runs stop (manual runs still work), so its tables go stale");
        result = commit(f, err);
    }
    if (result != WEIR_OK)
        return result;

    const char *was, *now;
    if (unknown(c, "schedule")) {
        begin(f);
        lead(f, "Pipeline");
        cannot_judge(f, "schedule");
        result = commit(f, err);
    } else if (judged_strings(c, "schedule", &was, &now) && strcmp(was, now) != 0) {
        long runs_was = 0, runs_now = 0;
        char why[256];
        if (schedule_runs_per_year(was, &runs_was, why, sizeof why) &&
            schedule_runs_per_year(now, &runs_now, why, sizeof why) && runs_now < runs_was) {
            char every_was[32], every_now[32];
            schedule_interval_text(runs_was, every_was, sizeof every_was);
            schedule_interval_text(runs_now, every_now, sizeof every_now);
            begin(f);
            lead(f, "Pipeline");
            clause(f, "schedule slows from ");
            attr_value(f, false, "schedule");
            md_printf(&f->md, " (every %s) to ", every_was);
            attr_value(f, true, "schedule");
            md_printf(&f->md, " (every %s): %ld runs a year instead of %ld, so data arrives later", every_now, runs_now,
                      runs_was);
            result = commit(f, err);
        }
    }
    if (result != WEIR_OK)
        return result;

    static const struct {
        const char *key;
        const char *why;
    } moves[] = {
        {"source",
         "the watermarks taken on the old source are dropped, so every table reloads in full "
         "from the new source"},
        {"destination",
         "the watermarks are dropped, so every table reloads in full from the source into the "
         "new destination"},
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0] && result == WEIR_OK; i++) {
        const char *key = moves[i].key;
        if (unknown(c, key)) {
            begin(f);
            lead(f, "Pipeline");
            cannot_judge(f, key);
            result = commit(f, err);
        } else if (judged_strings(c, key, &was, &now) && strcmp(was, now) != 0) {
            begin(f);
            lead(f, "Pipeline");
            md_printf(&f->md, ": %s ", key);
            attr_value(f, false, key);
            md_puts(&f->md, " → ");
            attr_value(f, true, key);
            md_puts(&f->md, " — ");
            md_puts(&f->md, moves[i].why);
            f->parts++;
            result = commit(f, err);
        }
    }
    if (result == WEIR_OK && !renamed)
        result = pipeline_tables(f, err);
    return result;
}

/* ---- sources and destinations ---- */

static weir_status_t endpoint(finding_t *f, const char *noun, const char *const *moved_keys, const char *on_delete,
                              const char *on_move, weir_err_t *err)
{
    const plan_change_t *c = f->c;
    if (c->action == PLAN_DELETE) {
        begin(f);
        lead(f, noun);
        clause(f, on_delete);
        return commit(f, err);
    }
    if (c->action == PLAN_REPLACE) {
        begin(f);
        md_printf(&f->md, "%s ", noun);
        attr_value(f, false, "name");
        md_puts(&f->md, " is replaced (destroyed, then created as ");
        attr_value(f, true, "name");
        md_puts(&f->md, "): pipelines using it cannot run in between");
        return commit(f, err);
    }
    if (c->action != PLAN_UPDATE)
        return WEIR_OK;
    begin(f);
    lead(f, noun);
    for (const char *const *key = moved_keys; *key; key++) {
        const json_t *a = before(c, *key), *b = after(c, *key);
        if (unknown(c, *key)) {
            cannot_judge(f, *key);
        } else if (strings_differ(a, b)) {
            md_puts(&f->md, f->parts++ ? "; " : ": ");
            md_code(&f->md, *key, false);
            md_puts(&f->md, " ");
            attr_value(f, false, *key);
            md_puts(&f->md, " → ");
            attr_value(f, true, *key);
        }
    }
    if (!f->parts) {
        md_free(&f->md);
        return WEIR_OK;
    }
    md_puts(&f->md, " — ");
    md_puts(&f->md, on_move);
    return commit(f, err);
}

static weir_status_t source(finding_t *f, weir_err_t *err)
{
    static const char *const keys[] = {"host", "port", "database", NULL};
    return endpoint(f, "Source", keys, "destroyed — pipelines reading it can no longer run",
                    "pipelines keep their watermarks, so rows of the new database below them are never read", err);
}

static weir_status_t destination(finding_t *f, weir_err_t *err)
{
    static const char *const keys[] = {"account", "database", "schema", NULL};
    return endpoint(f, "Destination", keys,
                    "destroyed — pipelines loading into it can no longer run (tables already loaded "
                    "in Snowflake are not dropped)",
                    "the target tables there start empty while the watermarks carry over, so they get "
                    "only rows changed from now on (add a `weir_backfill` for the history)",
                    err);
}

/* ---- weir_backfill ---- */

static weir_status_t backfill(finding_t *f, weir_err_t *err)
{
    const plan_change_t *c = f->c;
    if (c->action == PLAN_DELETE) {
        begin(f);
        lead(f, "Backfill");
        clause(f, "removed — chunks not yet loaded are abandoned");
        return commit(f, err);
    }
    if (c->action != PLAN_CREATE && c->action != PLAN_REPLACE)
        return WEIR_OK;
    begin(f);
    md_puts(&f->md, c->action == PLAN_CREATE ? "New backfill " : "Backfill ");
    attr_value(f, true, "name");
    md_puts(&f->md,
            c->action == PLAN_CREATE ? " reloads " : " is replaced and runs again from its first chunk: it reloads ");
    attr_value(f, true, "table");
    md_puts(&f->md, " of pipeline ");
    attr_value(f, true, "pipeline");
    md_puts(&f->md, " from ");
    attr_value(f, true, "from");
    md_puts(&f->md, " to ");
    attr_value(f, true, "to");
    md_puts(&f->md, " (exclusive) in chunks of ");
    attr_value(f, true, "chunk");
    const char *from = json_string_value(after(c, "from")), *to = json_string_value(after(c, "to")),
               *chunk = json_string_value(after(c, "chunk"));
    cursor_range_t range;
    const char *bad = NULL;
    char why[320];
    if (from && to && chunk && !secret(c, "from") && !secret(c, "to") && !secret(c, "chunk") &&
        cursor_range_parse(from, to, chunk, &range, &bad, why, sizeof why))
        md_printf(&f->md, " (%lld chunks)", cursor_range_chunk_count(&range));
    const json_t *parallelism = after(c, "parallelism");
    if (json_is_number(parallelism) && !unknown(c, "parallelism"))
        md_printf(&f->md, ", %g at a time", json_number_value(parallelism));
    md_puts(&f->md, "; each chunk MERGEs into the destination and adds load on the source");
    return commit(f, err);
}

/* ---- weir_quality_check ---- */

typedef enum { LOOSER_LOWER, LOOSER_HIGHER, LOOSER_LONGER } looser_t;

static bool is_looser(const plan_change_t *c, const char *key, looser_t dir)
{
    const json_t *a = before(c, key), *b = after(c, key);
    if (!a)
        return false; /* newly set: a new bound is stricter */
    if (!b)
        return true; /* bound removed */
    if (dir == LOOSER_LONGER) {
        long long sa, sb;
        return json_is_string(a) && json_is_string(b) && spec_duration_seconds(json_string_value(a), &sa) &&
            spec_duration_seconds(json_string_value(b), &sb) && sb > sa;
    }
    if (!json_is_number(a) || !json_is_number(b))
        return false;
    double x = json_number_value(a), y = json_number_value(b);
    return dir == LOOSER_LOWER ? y < x : y > x;
}

/* Whether the set/list `key` gained members (accepted values, unique columns). */
static bool gained(const plan_change_t *c, const char *key)
{
    const json_t *a = before(c, key), *b = after(c, key);
    if (!json_is_array(a) || !json_is_array(b))
        return false;
    size_t i;
    json_t *item;
    json_array_foreach(b, i, item)
    {
        bool found = false;
        for (size_t j = 0; j < json_array_size(a) && !found; j++)
            found = json_equal(item, json_array_get(a, j));
        if (!found)
            return true;
    }
    return false;
}

static void loosened(finding_t *f, const char *key, const char *why)
{
    md_puts(&f->md, f->parts++ ? "; " : ": ");
    md_code(&f->md, key, false);
    md_puts(&f->md, " ");
    attr_value(f, false, key);
    md_puts(&f->md, " → ");
    attr_value(f, true, key);
    if (why) {
        md_puts(&f->md, " (");
        md_puts(&f->md, why);
        md_puts(&f->md, ")");
    }
}

static weir_status_t quality_check(finding_t *f, weir_err_t *err)
{
    const plan_change_t *c = f->c;
    if (c->action == PLAN_DELETE) {
        begin(f);
        lead(f, "Quality check");
        bool on_transform = before(c, "transform") != NULL;
        md_puts(&f->md, " (");
        attr_value(f, false, "kind");
        md_puts(&f->md, on_transform ? " on transform " : " on ");
        attr_value(f, false, on_transform ? "transform" : "table");
        md_puts(&f->md,
                on_transform ? ") is removed: those results are no longer checked before they are published"
                             : ") is removed: those batches are no longer checked");
        return commit(f, err);
    }
    if (c->action != PLAN_UPDATE && c->action != PLAN_REPLACE)
        return WEIR_OK;
    begin(f);
    md_puts(&f->md, "Quality check ");
    attr_value(f, true, "name");
    md_puts(&f->md, " is loosened");
    const char *was, *now;
    if (c->action == PLAN_REPLACE && judged_strings(c, "kind", &was, &now) && strcmp(was, now) != 0)
        loosened(f, "kind", "the old rule no longer applies");
    if (judged_strings(c, "severity", &was, &now) && strcmp(was, "error") == 0 && strcmp(now, "warn") == 0)
        loosened(f, "severity",
                 before(c, "transform") ? "failing results are published instead of keeping the old target"
                                        : "failing batches are published instead of quarantined");
    if (!json_is_false(before(c, "enabled")) && json_is_false(after(c, "enabled")))
        loosened(f, "enabled", "the check no longer runs");
    if (judged_strings(c, "table", &was, &now) && strcmp(was, now) != 0)
        loosened(f, "table", "the old table is no longer checked");
    static const struct {
        const char *key;
        looser_t dir;
    } bounds[] = {
        {"min_rows", LOOSER_LOWER},     {"max_rows", LOOSER_HIGHER},          {"anomaly_threshold", LOOSER_HIGHER},
        {"min_history", LOOSER_HIGHER}, {"max_null_fraction", LOOSER_HIGHER}, {"max_null_increase", LOOSER_HIGHER},
        {"max_age", LOOSER_LONGER},
    };
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        if (!unknown(c, bounds[i].key) && is_looser(c, bounds[i].key, bounds[i].dir))
            loosened(f, bounds[i].key, after(c, bounds[i].key) ? "threshold widened" : "bound removed");
    if (!unknown(c, "values") && gained(c, "values"))
        loosened(f, "values", "more values accepted");
    if (!unknown(c, "columns") && gained(c, "columns"))
        loosened(f, "columns", "uniqueness over more columns is weaker");
    weir_status_t result = WEIR_OK;
    if (f->parts)
        result = commit(f, err);
    else
        md_free(&f->md);
    if (result != WEIR_OK)
        return result;

    /* Values only known at apply get their own finding: they may loosen the check or not. */
    static const char *const judged[] = {"severity",          "enabled",           "table",       "min_rows",
                                         "max_rows",          "anomaly_threshold", "min_history", "max_null_fraction",
                                         "max_null_increase", "max_age",           "values",      "columns"};
    begin(f);
    lead(f, "Quality check");
    for (size_t i = 0; i < sizeof judged / sizeof judged[0]; i++)
        if (unknown(c, judged[i]) && before(c, judged[i]))
            cannot_judge(f, judged[i]);
    if (!f->parts) {
        md_free(&f->md);
        return WEIR_OK;
    }
    return commit(f, err);
}

/* ---- weir_alert_channel ---- */

/* Whether the pipeline `name` is destroyed or renamed away in the same plan: then a channel that
 * stops naming it loses nothing. */
static bool pipeline_goes_away(const plan_t *plan, const json_t *name)
{
    for (size_t i = 0; i < plan->count; i++) {
        const plan_change_t *c = &plan->changes[i];
        if (!c->managed || strcmp(c->type, "weir_pipeline") != 0 || !json_equal(before(c, "name"), name))
            continue;
        if (c->action == PLAN_DELETE)
            return true;
        if (c->action == PLAN_REPLACE && !unknown(c, "name") && !json_equal(after(c, "name"), name))
            return true;
    }
    return false;
}

static weir_status_t alert_channel(finding_t *f, weir_err_t *err)
{
    const plan_change_t *c = f->c;
    if (c->action == PLAN_DELETE) {
        begin(f);
        lead(f, "Alert channel");
        clause(f, "removed — its alerts stop");
        return commit(f, err);
    }
    if (c->action != PLAN_UPDATE)
        return WEIR_OK;
    begin(f);
    lead(f, "Alert channel");
    const char *was, *now;
    if (judged_strings(c, "min_severity", &was, &now) && strcmp(was, "warn") == 0 && strcmp(now, "error") == 0)
        loosened(f, "min_severity", "warnings no longer reach it");
    const json_t *a = before(c, "pipelines"), *b = after(c, "pipelines");
    bool narrowed = false;
    if (!unknown(c, "pipelines") && b) {
        if (!a)
            narrowed = true; /* from every pipeline to a list */
        else {
            size_t i;
            json_t *item;
            json_array_foreach(a, i, item)
            {
                bool kept = false;
                for (size_t j = 0; j < json_array_size(b) && !kept; j++)
                    kept = json_equal(item, json_array_get(b, j));
                narrowed = narrowed || (!kept && !pipeline_goes_away(f->plan, item));
            }
        }
    }
    if (narrowed)
        loosened(f, "pipelines", "some pipelines' alerts no longer reach it");
    if (!f->parts) {
        md_free(&f->md);
        return WEIR_OK;
    }
    return commit(f, err);
}

weir_status_t impact_plan(const plan_t *plan, impacts_t *impacts, weir_err_t *err)
{
    static const struct {
        const char *type;
        weir_status_t (*rule)(finding_t *, weir_err_t *);
    } rules[] = {
        {"weir_pipeline", pipeline}, {"weir_source_postgres", source},      {"weir_destination_snowflake", destination},
        {"weir_backfill", backfill}, {"weir_quality_check", quality_check}, {"weir_alert_channel", alert_channel},
    };
    for (size_t i = 0; i < plan->count; i++) {
        const plan_change_t *c = &plan->changes[i];
        if (!c->managed)
            continue;
        for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
            if (strcmp(c->type, rules[r].type) != 0)
                continue;
            finding_t f = {.plan = plan, .c = c, .out = impacts};
            weir_status_t result = rules[r].rule(&f, err);
            if (result != WEIR_OK)
                return result;
        }
    }
    return WEIR_OK;
}
