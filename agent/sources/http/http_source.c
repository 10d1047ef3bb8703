/* http_source.c — a declarative REST source: binds the spec, and extracts a resource listing by
 * listing (one per cursor window), page by page, into the stage writer. One page's JSON is in memory
 * at a time. */
#include "http_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_cursor.h"
#include "http_fetch.h"
#include "http_pager.h"
#include "http_rows.h"
#include "json_pointer.h"
#include "log.h"
#include "stripe_preset.h"
#include "timestamp.h"

struct source_session {
    http_spec_t spec;
    http_fetcher_t fetcher;
};

static weir_status_t http_open(const char *spec_json, const char *write_only_json, source_session_t **out,
                               weir_err_t *err)
{
    (void)write_only_json; /* the kind has no write-only attributes: credentials are references */
    *out = NULL;
    source_session_t *session = calloc(1, sizeof *session);
    if (!session) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    weir_status_t result = http_spec_parse(spec_json, &session->spec, err);
    if (result == WEIR_OK) {
        result = http_fetcher_open(&session->spec, &session->fetcher, err);
        if (result != WEIR_OK)
            http_spec_free(&session->spec);
    }
    if (result != WEIR_OK) {
        free(session);
        return result;
    }
    *out = session;
    return WEIR_OK;
}

static void http_close(source_session_t *session)
{
    if (!session)
        return;
    http_fetcher_close(&session->fetcher);
    http_spec_free(&session->spec);
    free(session);
}

static const http_resource_t *find_resource(source_session_t *session, const char *table, weir_err_t *err)
{
    const http_resource_t *resource = http_spec_resource(&session->spec, table);
    if (!resource)
        weir_err_set(err, "source %s has no resource %s", session->spec.name, table);
    return resource;
}

/* The columns known without a request: declared, key, cursor and `_raw`. */
static weir_status_t known_columns(const http_resource_t *resource, source_columns_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *none = json_array();
    http_columns_t columns;
    weir_status_t result = none ? http_columns_plan(resource, none, &columns, err) : WEIR_ERR_NOMEM;
    json_decref(none);
    if (result != WEIR_OK) {
        if (result == WEIR_ERR_NOMEM)
            weir_err_set(err, "out of memory");
        return result;
    }
    /* Ownership of the strings moves to the interface's struct. */
    out->count = columns.count;
    out->names = columns.names;
    out->types = columns.types;
    columns.names = columns.types = NULL;
    columns.count = 0;
    for (size_t i = 0; i < out->count; i++)
        free(columns.pointers[i]);
    http_columns_free(&columns);
    return WEIR_OK;
}

static weir_status_t http_describe(source_session_t *session, const char *table, source_columns_t *out, weir_err_t *err)
{
    const http_resource_t *resource = find_resource(session, table, err);
    return resource ? known_columns(resource, out, err) : WEIR_ERR_NOT_FOUND;
}

static source_cursor_class_t cursor_class(const char *type)
{
    if (strcmp(type, "timestamptz") == 0)
        return SOURCE_CURSOR_TIME;
    if (strcmp(type, "bigint") == 0 || strcmp(type, "numeric") == 0)
        return SOURCE_CURSOR_NUMBER;
    return strcmp(type, "text") == 0 ? SOURCE_CURSOR_TEXT : SOURCE_CURSOR_UNORDERED;
}

/* Apply's check asks no request of the API: the resource must exist, and the pipeline's key must be
 * the resource's (the only uniqueness an API promises is its own key). */
static weir_status_t http_inspect(source_session_t *session, const char *table, char *const *key, size_t key_count,
                                  source_table_info_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    const http_resource_t *resource = find_resource(session, table, err);
    if (!resource)
        return WEIR_ERR_NOT_FOUND;
    weir_status_t result = known_columns(resource, &out->columns, err);
    if (result != WEIR_OK)
        return result;
    out->cursor_classes = calloc(out->columns.count ? out->columns.count : 1, sizeof *out->cursor_classes);
    if (!out->cursor_classes) {
        source_table_info_free(out);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    for (size_t i = 0; i < out->columns.count; i++)
        out->cursor_classes[i] = cursor_class(out->columns.types[i]);
    out->readable = true;
    out->key_unique = key_count == resource->key_count;
    for (size_t k = 0; out->key_unique && k < key_count; k++)
        out->key_unique = strcmp(key[k], resource->primary_key[k]) == 0;
    return WEIR_OK;
}

/* One extraction's state across its listings and pages. */
typedef struct {
    source_session_t *session;
    const http_resource_t *resource;
    stage_writer_t *writer;
    http_columns_t columns;
    bool planned;
    http_cursor_max_t max;
    weir_buf_t scratch;
    uint64_t rows, pages, odd_cursors;
    /* Stripe preset: pages of /v1/events rather than of the resource's own listing, and the ids
     * deleted so far in this sync (stripe_preset.h). */
    bool events;
    stripe_id_set_t deleted;
    uint64_t foreign_events;
    const char *foreign_why;
} extract_t;

typedef struct {
    weir_buf_t *url;
    weir_status_t result;
} url_params_t;

static void put_param(void *ctx, const char *name, const char *value)
{
    url_params_t *params = ctx;
    if (params->result == WEIR_OK)
        params->result = http_query_append(params->url, name, value);
}

/* The next request's URL: a followed URL (kept on base_url's origin), else base_url + path with the
 * resource's query, the cursor bounds and the paginator's parameters. */
static weir_status_t build_url(const extract_t *x, const http_resource_t *resource, const http_pager_t *pager,
                               const char *lower, const char *upper, weir_buf_t *url, weir_err_t *err)
{
    const http_spec_t *spec = &x->session->spec;
    buf_reset(url);
    if (pager->has_url) {
        char origin[256];
        if (pager->token[0] == '/')
            return buf_printf(url, "%s%s", x->session->fetcher.origin, pager->token);
        if (!http_url_origin(pager->token, origin, sizeof origin) || strcmp(origin, x->session->fetcher.origin) != 0) {
            weir_err_set(err,
                         "source %s: resource %s: the next page is on another origin than base_url; not "
                         "following it (credentials go only to base_url)",
                         spec->name, resource->name);
            return WEIR_ERR_INVALID;
        }
        return buf_puts(url, pager->token);
    }
    size_t base = strlen(spec->base_url);
    while (base && spec->base_url[base - 1] == '/')
        base--;
    url_params_t params = {.url = url, .result = buf_printf(url, "%.*s%s", (int)base, spec->base_url, resource->path)};
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)resource->query, name, value)
    {
        if (json_is_string(value))
            put_param(&params, name, json_string_value(value));
    }
    if (lower)
        put_param(&params, resource->incremental_param, lower);
    if (upper)
        put_param(&params, resource->end_param, upper);
    http_pager_params(pager, put_param, &params);
    return params.result;
}

/* The first page with records fixes the batch's columns (http_rows.h). */
static weir_status_t plan_columns(extract_t *x, const json_t *records, weir_err_t *err)
{
    weir_status_t result = http_columns_plan(x->resource, records, &x->columns, err);
    if (result == WEIR_OK)
        result = stage_writer_columns(x->writer, (const char *const *)x->columns.names,
                                      (const char *const *)x->columns.types, x->columns.count, err);
    if (result == WEIR_OK)
        stage_writer_omit_dropped(x->writer);
    x->planned = result == WEIR_OK;
    return result;
}

/* A Stripe preset page as rows (new array of borrowed objects): listed records stamped with
 * `updated`, events turned into their objects, deletions remembered and what they delete left out. */
static weir_status_t stripe_rows(extract_t *x, const json_t *records, json_t **rows, weir_err_t *err)
{
    *rows = json_array();
    weir_status_t result = *rows ? WEIR_OK : WEIR_ERR_NOMEM;
    size_t i;
    json_t *record;
    json_array_foreach((json_t *)records, i, record)
    {
        if (result != WEIR_OK)
            break;
        const char *why = "a record without an integer created";
        json_t *object = x->events ? stripe_event_object(x->resource, record, &why) : record;
        if (!object || (!x->events && !stripe_stamp_listed(record))) {
            x->foreign_events++;
            x->foreign_why = why;
            continue;
        }
        const char *id = json_string_value(json_object_get(object, "id"));
        const char *type = json_string_value(json_object_get(record, "type"));
        bool deletion = x->events && type && x->resource->stripe->deleted_event &&
            strcmp(type, x->resource->stripe->deleted_event) == 0;
        if (id && deletion) {
            result = stripe_id_set_add(&x->deleted, id);
            if (result == WEIR_ERR_INVALID)
                weir_err_set(err,
                             "more than %d %s were deleted since the last sync; run the pipeline more often or "
                             "resync the table",
                             STRIPE_MAX_DELETIONS, x->resource->name);
        } else if (id && stripe_id_set_has(&x->deleted, id)) {
            continue; /* deleted later in this sync: the deletion row stands */
        }
        if (result == WEIR_OK && json_array_append(*rows, object) != 0)
            result = WEIR_ERR_NOMEM;
    }
    if (result == WEIR_ERR_NOMEM)
        weir_err_set(err, "out of memory");
    return result;
}

static weir_status_t write_records(extract_t *x, const json_t *records, weir_err_t *err);

static weir_status_t write_page(extract_t *x, const json_t *records, weir_err_t *err)
{
    if (!x->resource->stripe)
        return write_records(x, records, err);
    json_t *rows = NULL;
    weir_status_t result = stripe_rows(x, records, &rows, err);
    if (result == WEIR_OK)
        result = write_records(x, rows, err);
    json_decref(rows);
    return result;
}

static weir_status_t write_records(extract_t *x, const json_t *records, weir_err_t *err)
{
    /* Columns come from the first page that has records: an empty page first (a window or an
     * events listing with nothing in it) would otherwise fix a batch of declared columns only. */
    weir_status_t result = x->planned || json_array_size(records) == 0 ? WEIR_OK : plan_columns(x, records, err);
    size_t i;
    const json_t *record;
    json_array_foreach(records, i, record)
    {
        if (result != WEIR_OK)
            break;
        result = http_row_write(&x->columns, x->resource, record, x->writer, &x->scratch, err);
        if (result == WEIR_OK && x->resource->cursor) {
            const json_t *value = json_pointer_get(record, x->resource->cursor);
            if (value && !json_is_null(value) && !http_cursor_offer(&x->max, value))
                x->odd_cursors++;
        }
        x->rows += result == WEIR_OK;
    }
    return result;
}

_Static_assert(HTTP_PAGER_TOKEN >= HTTP_CAPTURE_VALUE_MAX, "the next URL of any captured Link header fits the pager");

/* One listing of `listing` (the resource itself, or a Stripe events listing for it): every page of
 * [lower, upper) (either may be NULL: unbounded). */
static weir_status_t list_window(extract_t *x, const http_resource_t *listing, const char *lower, const char *upper,
                                 weir_err_t *err)
{
    http_pager_t pager;
    http_pager_start(&pager, listing->paginator);
    weir_buf_t url;
    buf_init(&url, HTTP_PAGER_TOKEN * 4);
    weir_status_t result = WEIR_OK;
    while (result == WEIR_OK && !pager.done) {
        result = build_url(x, listing, &pager, lower, upper, &url, err);
        if (result != WEIR_OK)
            break;
        const json_t *records = NULL;
        char link[HTTP_CAPTURE_VALUE] = "";
        json_t *page = http_fetch_page(&x->session->fetcher, (const char *)url.data, listing->records, &records, link,
                                       &result, err);
        if (!page)
            break;
        x->pages++;
        result = write_page(x, records, err);
        if (result == WEIR_OK)
            result = http_pager_advance(&pager, page, records, link, err);
        json_decref(page);
    }
    if (result != WEIR_OK && !strstr(err->msg, x->resource->name)) {
        char inner[sizeof err->msg];
        snprintf(inner, sizeof inner, "%s", err->msg);
        weir_err_set(err, "resource %s: %s", x->resource->name, inner);
    }
    http_pager_free(&pager);
    buf_free(&url);
    return result;
}

/* The listing bounds for `window`: a backfill's [from, to), or from the watermark minus lookback. */
static weir_status_t plan_bounds(const extract_t *x, const source_window_t *window, char *lower, char *upper,
                                 size_t size, weir_err_t *err)
{
    const http_resource_t *resource = x->resource;
    lower[0] = upper[0] = 0;
    const char *cursor = http_resource_cursor_column(resource);
    if (window->cursor && (!cursor || strcmp(window->cursor, cursor) != 0)) {
        weir_err_set(err, "resource %s: the pipeline's cursor %s is not the resource's cursor column (%s)",
                     resource->name, window->cursor, cursor ? cursor : "none");
        return WEIR_ERR_INVALID;
    }
    const char *from = window->range_from ? window->range_from : window->watermark;
    if (window->range_from && !resource->end_param) {
        weir_err_set(err, "resource %s: a backfill range needs end_param (e.g. created[lt]) to bound the listing",
                     resource->name);
        return WEIR_ERR_INVALID;
    }
    long long lookback =
        window->range_from || resource->cursor_type == HTTP_CURSOR_INTEGER ? 0 : window->lookback_seconds;
    if (window->cursor && from && !http_cursor_param(resource->cursor_type, from, lookback, lower, size)) {
        weir_err_set(err, "resource %s: cursor value \"%s\" is not a %s", resource->name, from,
                     resource->cursor_type_text);
        return WEIR_ERR_INVALID;
    }
    if (window->range_to && !http_cursor_param(resource->cursor_type, window->range_to, 0, upper, size)) {
        weir_err_set(err, "resource %s: cursor value \"%s\" is not a %s", resource->name, window->range_to,
                     resource->cursor_type_text);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

/* Listings of at most `window` seconds each from `lower` up to `upper` (or now). */
static weir_status_t list_sliced(extract_t *x, const char *lower, const char *upper, weir_err_t *err)
{
    const http_resource_t *resource = x->resource;
    double from, to;
    if (!http_cursor_epoch(resource->cursor_type, lower, &from) ||
        (upper[0] && !http_cursor_epoch(resource->cursor_type, upper, &to))) {
        weir_err_set(err, "resource %s: window needs a time cursor", resource->name);
        return WEIR_ERR_INVALID;
    }
    if (!upper[0])
        to = (double)time(NULL) + 1; /* exclusive: up to and including this second */
    weir_status_t result = WEIR_OK;
    for (double at = from; result == WEIR_OK && at < to; at += (double)resource->window_seconds) {
        double end = at + (double)resource->window_seconds < to ? at + (double)resource->window_seconds : to;
        char start_text[64], at_text[32], end_text[32], stop_text[64];
        snprintf(at_text, sizeof at_text, "%.0f", at);
        snprintf(end_text, sizeof end_text, "%.0f", end);
        if (!http_cursor_param(resource->cursor_type, at_text, 0, start_text, sizeof start_text) ||
            !http_cursor_param(resource->cursor_type, end_text, 0, stop_text, sizeof stop_text)) {
            weir_err_set(err, "resource %s: window bounds out of range", resource->name);
            return WEIR_ERR_INVALID;
        }
        result = list_window(x, x->resource, start_text, stop_text, err);
    }
    return result;
}

/* Everything the Stripe preset lists on a first sync or a resync: objects created from start_date on,
 * in window-wide slices, or one listing of all of them. */
static weir_status_t stripe_full_listing(extract_t *x, weir_err_t *err)
{
    const http_stripe_t *options = x->session->spec.stripe;
    double start;
    if (!options || !options->start_date)
        return list_window(x, x->resource, NULL, NULL, err);
    char lower[64];
    if (!timestamp_parse(options->start_date, &start) ||
        !http_cursor_param(HTTP_CURSOR_UNIX, options->start_date, 0, lower, sizeof lower)) {
        weir_err_set(err, "source %s: stripe.start_date \"%s\" is not a date", x->session->spec.name,
                     options->start_date);
        return WEIR_ERR_INVALID;
    }
    return list_sliced(x, lower, "", err);
}

/* Every event of the resource's event types from `from` on (deletions first), each listed on its own:
 * Stripe filters one `type` per listing unless asked with `types[]`, which not every server honours. */
static weir_status_t stripe_read_events(extract_t *x, long long from, weir_err_t *err)
{
    const char *types[16];
    size_t count = stripe_event_types(x->resource->stripe, types, sizeof types / sizeof types[0]);
    http_resource_t events = {.name = x->resource->name,
                              .path = "/v1/events",
                              .records = "/data",
                              .incremental_param = "created[gte]",
                              .paginator = x->resource->paginator};
    char lower[32];
    snprintf(lower, sizeof lower, "%lld", from);
    weir_status_t result = WEIR_OK;
    for (size_t t = 0; result == WEIR_OK && t < count; t++) {
        json_t *query = json_pack("{s:s}", "type", types[t]);
        if (!query) {
            weir_err_set(err, "out of memory");
            return WEIR_ERR_NOMEM;
        }
        events.query = query;
        x->events = true;
        result = list_window(x, &events, lower, NULL, err);
        x->events = false;
        json_decref(query);
    }
    return result;
}

/* An incremental run of a Stripe preset resource that has events: the first sync, or a resync when the
 * saved position is older than the events Stripe keeps, lists by `created`; a later sync reads the
 * events since the position (minus the lookback, at least STRIPE_EVENTS_MIN_OVERLAP_SECONDS) and lists
 * the objects created since. The next position is the time this sync started. */
static weir_status_t stripe_sync(extract_t *x, const source_window_t *window, long long started, weir_err_t *err)
{
    const http_resource_t *resource = x->resource;
    double position = 0;
    if (!window->watermark)
        return stripe_full_listing(x, err);
    if (!http_cursor_epoch(HTTP_CURSOR_UNIX, window->watermark, &position)) {
        weir_err_set(err, "resource %s: the saved position \"%s\" is not Unix seconds", resource->name,
                     window->watermark);
        return WEIR_ERR_INVALID;
    }
    long long overlap = window->lookback_seconds > STRIPE_EVENTS_MIN_OVERLAP_SECONDS
        ? window->lookback_seconds
        : STRIPE_EVENTS_MIN_OVERLAP_SECONDS;
    long long from = (long long)position - overlap;
    if (from < started - STRIPE_EVENTS_KEPT_SECONDS) {
        log_warn("source_http",
                 "resource %s: the saved position %s is older than the 30 days of events Stripe keeps; "
                 "listing every object again (objects deleted meanwhile stay in the target)",
                 resource->name, window->watermark);
        return stripe_full_listing(x, err);
    }
    weir_status_t result = stripe_read_events(x, from, err);
    if (result == WEIR_OK && !resource->stripe->created_event) {
        /* created[gt] one second earlier is created[gte]; it is also the one filter every Stripe-like
         * server we test against (localstripe) implements for charges. */
        http_resource_t newer = *resource;
        newer.incremental_param = "created[gt]";
        char lower[32];
        snprintf(lower, sizeof lower, "%lld",
                 (long long)position - (window->lookback_seconds > 0 ? window->lookback_seconds : 0) - 1);
        result = list_window(x, &newer, lower, NULL, err);
    }
    return result;
}

/* Lists what `window` selects: a Stripe preset resource with events by stripe_sync, anything else by
 * its cursor bounds. */
static weir_status_t extract_listings(extract_t *x, const source_window_t *window, long long started, weir_err_t *err)
{
    char lower[128], upper[128];
    weir_status_t result = plan_bounds(x, window, lower, upper, sizeof lower, err);
    if (result != WEIR_OK)
        return result;
    const http_resource_t *resource = x->resource;
    if (resource->stripe && resource->stripe->events && window->cursor && !window->range_from)
        return stripe_sync(x, window, started, err);
    if (resource->stripe && window->cursor && !window->range_from && !window->watermark)
        return stripe_full_listing(x, err);
    if (resource->window_seconds > 0 && lower[0])
        return list_sliced(x, lower, upper, err);
    return list_window(x, resource, lower[0] ? lower : NULL, upper[0] ? upper : NULL, err);
}

static weir_status_t http_extract(source_session_t *session, const source_window_t *window, stage_writer_t *writer,
                                  source_extract_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    extract_t x = {.session = session, .writer = writer};
    x.resource = find_resource(session, window->table, err);
    if (!x.resource)
        return WEIR_ERR_NOT_FOUND;
    x.max.type = x.resource->cursor_type;
    buf_init(&x.scratch, HTTP_PAGE_MAX_BYTES);
    stripe_id_set_init(&x.deleted);
    long long started = (long long)time(NULL);
    weir_status_t result = extract_listings(&x, window, started, err);
    if (result == WEIR_OK && !x.planned) /* sliced listings over an empty range still name columns */
        result = plan_columns(&x, json_array_get(NULL, 0), err);
    if (result == WEIR_OK && x.columns.unplaced)
        log_warn("source_http",
                 "resource %s: %llu values of fields first seen after the first page (e.g. %s) are "
                 "not columns of this batch; declare a column block or set keep_raw to load them",
                 x.resource->name, (unsigned long long)x.columns.unplaced, x.columns.first_unplaced);
    if (result == WEIR_OK && x.odd_cursors)
        log_warn("source_http",
                 "resource %s: %llu records had a cursor that is not a %s; they do not move the "
                 "watermark",
                 x.resource->name, (unsigned long long)x.odd_cursors, x.resource->cursor_type_text);
    if (result == WEIR_OK) {
        log_info("source_http", "resource %s: %llu records in %llu pages (%llu requests so far)", x.resource->name,
                 (unsigned long long)x.rows, (unsigned long long)x.pages,
                 (unsigned long long)session->fetcher.requests);
        if (x.foreign_events)
            log_warn("source_http", "resource %s: %llu records left out (%s)", x.resource->name,
                     (unsigned long long)x.foreign_events, x.foreign_why);
        out->rows = x.rows;
        out->new_watermark = x.max.has ? strdup(x.max.text) : NULL;
        /* A preset resource with events resumes from when this sync started (see stripe_sync). */
        bool positioned = x.resource->stripe && x.resource->stripe->events && window->cursor && !window->range_from;
        if (positioned) {
            free(out->new_watermark);
            char text[32];
            snprintf(text, sizeof text, "%lld", started);
            out->new_watermark = strdup(text);
        }
        out->columns.count = x.columns.count;
        out->columns.names = x.columns.names;
        out->columns.types = x.columns.types;
        x.columns.names = x.columns.types = NULL;
        for (size_t i = 0; i < x.columns.count; i++)
            free(x.columns.pointers[i]);
        x.columns.count = 0;
    }
    http_columns_free(&x.columns);
    stripe_id_set_free(&x.deleted);
    buf_free(&x.scratch);
    return result;
}

const source_ops_t http_source_ops = {
    .kind = "source_http",
    .capabilities = SOURCE_CAN_CURSOR | SOURCE_CAN_RANGES | SOURCE_CAN_DELETES,
    .open = http_open,
    .describe = http_describe,
    .extract = http_extract,
    .close = http_close,
    .inspect = http_inspect,
};
