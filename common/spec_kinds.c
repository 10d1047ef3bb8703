/* spec_kinds.c — the resource kinds' tables: every attribute Weir users can write, once. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "cursor_range.h"
#include "ident.h"
#include "spec.h"
#include "retention.h"
#include "timestamp.h"
#include "transform_input.h"

#define ATTRS(array)                              \
    {                                             \
        array, sizeof(array) / sizeof((array)[0]) \
    }

static const char *const sslmodes[] = {"disable", "require", "verify-ca", "verify-full", NULL};
static const char *const snowflake_auths[] = {"key_pair", "oauth", "programmatic_access_token", NULL};
static const char *const evolutions[] = {"add_columns", "fail", NULL};
static const char *const table_modes[] = {"incremental", "full_refresh", NULL};
static const char *const severities[] = {"warn", "error", NULL};
static const char *const check_kinds[] = {"freshness", "row_count",       "null_spike", "referential_integrity",
                                          "unique",    "accepted_values", "custom_sql", NULL};
static const char *const seasonalities[] = {"none", "hour_of_week", NULL};
static const char *const channel_kinds[] = {"webhook", "slack", "pagerduty", NULL};
static const char *const namings[] = {"upper", "preserve", NULL};
static const char *const column_transforms[] = {"none", "hash", "mask", "null", NULL};

/* A macro, not a variable: static array initialisers need constant expressions. */
#define ID_ATTR                                                                            \
    {                                                                                      \
        "id", ST_STRING, SA_COMPUTED | SA_META, NULL, SV_NONE, NULL,                       \
            "Identifier the agent assigned when the object was created.", NULL, 0, 0, NULL \
    }

/* ---- provider configuration ---- */

static const spec_attr_t provider_attrs[] = {
    {"endpoint", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "Address of the Weir agent's control API as `host:port`. Falls back to the `WEIR_ENDPOINT` "
     "environment variable.",
     NULL, 0, 0, NULL},
    {"token", ST_STRING, SA_OPTIONAL | SA_SENSITIVE, NULL, SV_NON_EMPTY, NULL,
     "Bearer token the agent expects. Falls back to `WEIR_TOKEN`.", NULL, 0, 0, NULL},
    {"ca_cert", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "PEM text of the CA that signed the agent's TLS certificate. Falls back to `WEIR_CA_CERT`, "
     "which may hold the PEM text or a path to a PEM file.",
     NULL, 0, 0, NULL},
};

const spec_kind_t spec_provider_config = {
    "provider",
    "weir",
    "Provider configuration",
    "Connects OpenTofu to a Weir agent over TLS with a bearer token. Every argument may come from "
    "the environment instead, so CI can keep the token out of the configuration.",
    ATTRS(provider_attrs),
    NULL,
    "provider \"weir\" {\n  endpoint = \"weir-agent.internal:7443\"\n  token    = var.weir_token\n"
    "  ca_cert  = file(\"${path.module}/ca.pem\")\n}\n"};

/* ---- weir_source_postgres ---- */

static const spec_attr_t source_postgres_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Name pipelines use to refer to this source. Changing it replaces the source.", NULL, 0, 0, NULL},
    ID_ATTR,
    {"host", ST_STRING, SA_REQUIRED, NULL, SV_HOST, NULL, "Database host name or IP address.", NULL, 0, 0, NULL},
    {"port", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "5432", SV_PORT, NULL, "TCP port.", NULL, 0, 0, NULL},
    {"database", ST_STRING, SA_REQUIRED, NULL, SV_NON_EMPTY, NULL, "Database to read from.", NULL, 0, 0, NULL},
    {"user", ST_STRING, SA_REQUIRED, NULL, SV_NON_EMPTY, NULL,
     "Role the agent logs in as; it needs only SELECT on the extracted tables.", NULL, 0, 0, NULL},
    {"password_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Where the agent reads the password at run time: `env:NAME`, `file:/path`, `aws-sm:<arn>[#key]` "
     "or `ssm:/parameter`. Exclusive with `password_wo`.",
     NULL, 0, 0, NULL},
    {"password_wo", ST_STRING, SA_OPTIONAL | SA_SENSITIVE | SA_WRITE_ONLY, NULL, SV_NON_EMPTY, NULL,
     "The password itself, write-only: sent to the agent at apply and never stored in the state. "
     "Exclusive with `password_ref`.",
     NULL, 0, 0, NULL},
    {"password_wo_version", ST_NUMBER, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Change this number to send a new `password_wo`: write-only values are never compared, so a "
     "rotated password alone plans no change.",
     NULL, 0, 0, NULL},
    {"sslmode", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"verify-full\"", SV_ENUM, sslmodes,
     "libpq TLS mode. The default checks the server's certificate and host name.", NULL, 0, 0, NULL},
    {"sslrootcert", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "Path on the agent host of the CA bundle that signed the server certificate.", NULL, 0, 0, NULL},
    {"max_connections", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "4", SV_POSITIVE, NULL,
     "Most connections the agent opens to this database at once, across all pipelines.", NULL, 0, 0, NULL},
};

static void check_source_postgres(const wv_t *object, spec_diags_t *diags)
{
    const wv_t *ref = wv_map_get(object, "password_ref");
    const wv_t *wo = wv_map_get(object, "password_wo");
    if (!wv_is_null(ref) && !wv_is_null(wo)) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "password_wo"}};
        spec_diag_add(diags, true, path, 1, "Conflicting arguments",
                      "Set either password_ref or password_wo, not both.");
    }
}

static const spec_kind_t source_postgres = {
    "source_postgres",
    "weir_source_postgres",
    "PostgreSQL source",
    "A PostgreSQL database the agent extracts from over TLS. Credentials are secret references "
    "resolved by the agent at run time, or a write-only password; neither value is kept in the state.",
    ATTRS(source_postgres_attrs),
    check_source_postgres,
    "resource \"weir_source_postgres\" \"payments\" {\n  name         = \"payments\"\n"
    "  host         = \"payments.cluster-abc.eu-central-1.rds.amazonaws.com\"\n"
    "  database     = \"payments\"\n  user         = \"weir_reader\"\n"
    "  password_ref = \"aws-sm:arn:aws:secretsmanager:eu-central-1:123456789012:secret:weir/payments#password\"\n"
    "}\n"};

/* ---- weir_source_http ---- */

static const char *const http_paginators[] = {"none",        "next_cursor",  "next_url", "link_header",
                                              "page_number", "offset_limit", NULL};
static const char *const http_cursor_types[] = {"unix_time", "timestamp", "integer", NULL};
static const char *const http_column_types[] = {"text", "bigint", "numeric", "boolean", "timestamptz", "jsonb", NULL};
static const char *const http_presets[] = {"stripe", NULL};
/* The Stripe preset's resources (agent/sources/http/stripe_preset.c fills them in; a unit test keeps the two
 * lists equal), and those whose objects can be deleted. */
static const char *const stripe_resources[] = {"charges",   "payment_intents", "refunds", "balance_transactions",
                                               "customers", "invoices",        "payouts", "disputes",
                                               NULL};
static const char *const stripe_deletables[] = {"customers", "invoices", NULL};

static const spec_attr_t http_paginator_attrs[] = {
    {"type", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"none\"", SV_ENUM, http_paginators,
     "How the next page is asked for: `next_cursor` sends `cursor_param` = the last record's `id_field` (or the "
     "body's `next_cursor` value) while `has_more` is true (Stripe's `starting_after`); `next_url` follows a URL "
     "in the body at `next_url`; `link_header` follows the `Link: <…>; rel=\"next\"` response header; "
     "`page_number` counts `page_param` up from `start_page`; `offset_limit` moves `offset_param` by `page_size`. "
     "`none` reads one page.",
     NULL, 0, 0, NULL},
    {"max_pages", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "10000", SV_POSITIVE, NULL,
     "Most pages one listing may take; reaching it fails the run rather than loading part of a range.", NULL, 0, 0,
     NULL},
    {"page_size", ST_NUMBER, SA_OPTIONAL, NULL, SV_POSITIVE, NULL,
     "Records asked for per page, sent as `size_param`; `offset_limit` needs it and `page_number` uses it to tell "
     "the last page (fewer records than this).",
     NULL, 0, 0, NULL},
    {"size_param", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"limit\"", SV_NON_EMPTY, NULL,
     "Query parameter that carries `page_size`.", NULL, 0, 0, NULL},
    {"cursor_param", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"starting_after\"", SV_NON_EMPTY, NULL,
     "`next_cursor`: query parameter that carries the position.", NULL, 0, 0, NULL},
    {"id_field", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"/id\"", SV_NONE, NULL,
     "`next_cursor`: JSON pointer, within a record, of the value the next page starts after.", NULL, 0, 0, NULL},
    {"next_cursor", ST_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "`next_cursor`: JSON pointer, within the body, of an opaque next-page token, for APIs that return one "
     "instead of expecting the last id.",
     NULL, 0, 0, NULL},
    {"has_more", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"/has_more\"", SV_NONE, NULL,
     "`next_cursor`: JSON pointer, within the body, of the boolean that says another page follows. Without it "
     "in a body, paging stops at an empty page.",
     NULL, 0, 0, NULL},
    {"next_url", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"/next\"", SV_NONE, NULL,
     "`next_url`: JSON pointer, within the body, of the next page's URL (absent, null or empty: last page). "
     "It must stay on `base_url`'s scheme, host and port, so credentials never go elsewhere.",
     NULL, 0, 0, NULL},
    {"page_param", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"page\"", SV_NON_EMPTY, NULL,
     "`page_number`: query parameter of the page number.", NULL, 0, 0, NULL},
    {"start_page", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "1", SV_NONE, NULL, "`page_number`: the first page's number.",
     NULL, 0, 0, NULL},
    {"offset_param", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"offset\"", SV_NON_EMPTY, NULL,
     "`offset_limit`: query parameter of the offset.", NULL, 0, 0, NULL},
};
static const spec_block_t http_paginator_block = ATTRS(http_paginator_attrs);

static const spec_attr_t http_column_attrs[] = {
    {"pointer", ST_STRING, SA_REQUIRED, NULL, SV_NONE, NULL,
     "JSON pointer (RFC 6901) of the value within a record, e.g. `/customer/id` or `/metadata/order_id`.", NULL, 0, 0,
     NULL},
    {"name", ST_STRING, SA_REQUIRED, NULL, SV_PG_COLUMN, NULL,
     "Column the value lands in (the pipeline's `column` blocks, keys and cursor name it like this).", NULL, 0, 0,
     NULL},
    {"type", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"text\"", SV_ENUM, http_column_types,
     "Column type: `timestamptz` accepts Unix seconds or RFC 3339 text, `jsonb` keeps any JSON value as "
     "VARIANT; a value that does not fit its type fails the run naming the column.",
     NULL, 0, 0, NULL},
};
static const spec_block_t http_column_block = ATTRS(http_column_attrs);

static const spec_attr_t http_stripe_attrs[] = {
    {"resources", ST_LIST_STRING, SA_OPTIONAL, NULL, SV_ENUM, stripe_resources,
     "Which of the preset's resources the source offers (all eight when absent): `charges`, `payment_intents`, "
     "`refunds`, `balance_transactions`, `customers`, `invoices`, `payouts`, `disputes`.",
     NULL, 0, 0, NULL},
    {"start_date", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "First sync: list objects created from this date on (`2019-01-01` or RFC 3339), in `window`-wide `created` "
     "slices. Absent: one listing of everything, newest first.",
     NULL, 0, 0, NULL},
    {"window", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"30d\"", SV_DURATION, NULL,
     "Width of the first sync's `created` slices (with `start_date`) and of a resync's.", NULL, 0, 0, NULL},
    {"hard_deletes", ST_LIST_STRING, SA_OPTIONAL, NULL, SV_ENUM, stripe_deletables,
     "Resources whose deleted objects are removed from the target by the MERGE. The others keep them, with "
     "the deletion time in `_weir_deleted_at` (a soft delete).",
     NULL, 0, 0, NULL},
};
static const spec_block_t http_stripe_block = ATTRS(http_stripe_attrs);

static const spec_attr_t http_resource_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED, NULL, SV_PG_COLUMN, NULL,
     "Resource name: a pipeline's `table` block names it in `name`.", NULL, 0, 0, NULL},
    {"path", ST_STRING, SA_REQUIRED, NULL, SV_NON_EMPTY, NULL,
     "Path under `base_url`, starting with `/`, e.g. `/v1/charges`; query parameters go in `query`.", NULL, 0, 0, NULL},
    {"query", ST_MAP_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Query parameters sent with every request of this resource (not secrets: they appear in state).", NULL, 0, 0,
     NULL},
    {"records", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"/data\"", SV_NONE, NULL,
     "JSON pointer of the array of records in a page's body; `\"\"` when the body is the array itself.", NULL, 0, 0,
     NULL},
    {"primary_key", ST_LIST_STRING, SA_REQUIRED, NULL, SV_PG_COLUMN, NULL,
     "Columns that identify a record; the pipeline's table block must use the same key.", NULL, 1, 32, NULL},
    {"cursor", ST_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "JSON pointer, within a record, of the field that grows as records are added or changed (`/created`). Its "
     "column is the one a top-level pointer names, or the `column` block with this pointer.",
     NULL, 0, 0, NULL},
    {"cursor_type", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"unix_time\"", SV_ENUM, http_cursor_types,
     "What the cursor holds: `unix_time` (integer seconds, as Stripe's `created`; the watermark is kept as that "
     "integer), `timestamp` (RFC 3339 text) or `integer` (a sequence; lookback does not apply).",
     NULL, 0, 0, NULL},
    {"incremental_param", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "Query parameter that asks for records from a cursor value on, inclusive (`created[gte]`): sent the "
     "watermark minus the pipeline table's `lookback`, or a backfill's `from`.",
     NULL, 0, 0, NULL},
    {"end_param", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "Query parameter for the exclusive upper bound (`created[lt]`): needed for backfills and `window`.", NULL, 0, 0,
     NULL},
    {"window", ST_STRING, SA_OPTIONAL, NULL, SV_DURATION, NULL,
     "Slices a long range into listings of at most this width (each paged on its own), from the lower bound up "
     "to now or the backfill's `to`. Needs `end_param` and a time cursor.",
     NULL, 0, 0, NULL},
    {"keep_raw", ST_BOOL, SA_OPTIONAL | SA_COMPUTED, "false", SV_NONE, NULL,
     "Also load each whole record, as JSON, in a `_raw` column (`_RAW` under `naming = \"upper\"`).", NULL, 0, 0, NULL},
    {"paginator", ST_BLOCK_SINGLE, SA_OPTIONAL, NULL, SV_NONE, NULL, "How pages follow one another.",
     &http_paginator_block, 0, 0, NULL},
    {"column", ST_BLOCK_LIST, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Declared columns. Top-level scalar fields of the records are columns without a block (see "
     "docs/http-sources.md for how they are inferred); nested values need a block to become columns of their own.",
     &http_column_block, 0, 0, NULL},
};
static const spec_block_t http_resource_block = ATTRS(http_resource_attrs);

static const spec_attr_t source_http_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Name pipelines use to refer to this source. Changing it replaces the source.", NULL, 0, 0, NULL},
    ID_ATTR,
    {"base_url", ST_STRING, SA_REQUIRED, NULL, SV_HTTPS_URL, NULL,
     "Scheme, host and optional port (and path prefix) every resource path is appended to; https only (plain "
     "http only for localhost). TLS certificates are always verified.",
     NULL, 0, 0, NULL},
    {"headers", ST_MAP_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Headers sent with every request (e.g. `Stripe-Version`). Not for credentials: they appear in state.", NULL, 0, 0,
     NULL},
    {"bearer_token_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to a token sent as `Authorization: Bearer <token>`.", NULL, 0, 0, NULL},
    {"basic_user", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "User for HTTP basic authentication, with `password_ref`.", NULL, 0, 0, NULL},
    {"password_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to the basic-authentication password.", NULL, 0, 0, NULL},
    {"api_key_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to an API key sent in the header `api_key_header` or the query parameter `api_key_param`.", NULL,
     0, 0, NULL},
    {"api_key_header", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL, "Header that carries the API key.", NULL, 0, 0,
     NULL},
    {"api_key_param", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "Query parameter that carries the API key (redacted wherever a URL is logged or reported).", NULL, 0, 0, NULL},
    {"ca_cert", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "Absolute path on the agent host of a PEM bundle to verify the server against instead of the system's.", NULL, 0,
     0, NULL},
    {"requests_per_second", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "5", SV_POSITIVE, NULL,
     "Most requests per second to this source, across all its runs in the agent (a token bucket). The default "
     "stays well under Stripe's test-mode limit of 25.",
     NULL, 0, 0, NULL},
    {"max_attempts", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "5", SV_POSITIVE, NULL,
     "Tries per request when the answer is 429, a 5xx, a timeout or a broken body, with jittered exponential "
     "backoff that honours `Retry-After` and `Stripe-Should-Retry`. Any other 4xx fails the run at once.",
     NULL, 0, 0, NULL},
    {"timeout", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"60s\"", SV_DURATION, NULL,
     "Longest one request may take, body included.", NULL, 0, 0, NULL},
    {"resource", ST_BLOCK_LIST, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "An API listing that becomes a table; at least one without a `preset`. With one, a block named like a "
     "preset resource replaces it and any other adds a resource.",
     &http_resource_block, 0, 0, NULL},
    {"preset", ST_STRING, SA_OPTIONAL, NULL, SV_ENUM, http_presets,
     "Resources filled in for a known API. `stripe`: charges, payment_intents, refunds, balance_transactions, "
     "customers, invoices, payouts and disputes with their keys, cursors and paging; later syncs read updates "
     "and deletions from `/v1/events` (see docs/http-sources.md).",
     NULL, 0, 0, NULL},
    {"stripe", ST_BLOCK_SINGLE, SA_OPTIONAL, NULL, SV_NONE, NULL, "Options of `preset = \"stripe\"`.",
     &http_stripe_block, 0, 0, NULL},
};

static const char *text_of(const wv_t *map, const char *key);

static void http_diag(spec_diags_t *diags, long resource, const char *block, const char *attr, const char *summary,
                      const char *detail)
{
    spec_step_t path[4];
    int len = 0;
    if (resource >= 0) {
        path[len++] = (spec_step_t){.kind = PATH_ATTR, .name = "resource"};
        path[len++] = (spec_step_t){.kind = PATH_INDEX, .index = resource};
    }
    if (block)
        path[len++] = (spec_step_t){.kind = PATH_ATTR, .name = block};
    path[len++] = (spec_step_t){.kind = PATH_ATTR, .name = attr};
    spec_diag_add(diags, true, path, len, summary, "%s", detail);
}

/* RFC 6901: "" or "/" followed by reference tokens where '~' is only "~0" or "~1". */
static bool json_pointer_valid(const char *text)
{
    if (*text && *text != '/')
        return false;
    for (const char *p = text; *p; p++)
        if (*p == '~' && p[1] != '0' && p[1] != '1')
            return false;
    return true;
}

static void check_pointer(const wv_t *map, long resource, const char *block, const char *attr, bool may_be_root,
                          spec_diags_t *diags)
{
    const char *text = text_of(map, attr);
    if (!text || (json_pointer_valid(text) && (may_be_root || *text)))
        return;
    char detail[400];
    snprintf(detail, sizeof detail,
             "\"%s\" is not a JSON pointer: write \"/field\" or \"/outer/inner\" (RFC 6901: \"~0\" for '~', \"~1\" "
             "for '/')%s.",
             text, may_be_root ? ", or \"\" for the whole body" : "");
    http_diag(diags, resource, block, attr, "Invalid JSON pointer", detail);
}

static void check_http_path(const char *path, long r, spec_diags_t *diags)
{
    if (!path)
        return;
    if (path[0] != '/' || strstr(path, "//") || strstr(path, "/../") || strstr(path, "/./") ||
        strpbrk(path, "?# \t\r\n\\")) {
        char detail[400];
        snprintf(detail, sizeof detail,
                 "\"%s\" must be a plain path under base_url: start with '/', no \"..\", \".\" or empty segments, "
                 "no spaces, and no '?' or '#' (query parameters go in query).",
                 path);
        http_diag(diags, r, NULL, "path", "Invalid resource path", detail);
    }
}

static void check_http_paging(const wv_t *resource, long r, spec_diags_t *diags)
{
    const wv_t *paginator = wv_map_get(resource, "paginator");
    if (wv_is_null(paginator) || paginator->kind != WV_MAP)
        return;
    const char *type = text_of(paginator, "type");
    check_pointer(paginator, r, "paginator", "id_field", false, diags);
    check_pointer(paginator, r, "paginator", "next_cursor", false, diags);
    check_pointer(paginator, r, "paginator", "has_more", false, diags);
    check_pointer(paginator, r, "paginator", "next_url", false, diags);
    if (type && strcmp(type, "offset_limit") == 0 && wv_is_null(wv_map_get(paginator, "page_size")))
        http_diag(diags, r, "paginator", "page_size", "Missing page size",
                  "type = \"offset_limit\" moves the offset by page_size; set it (e.g. 100).");
}

static void check_http_cursor(const wv_t *resource, long r, spec_diags_t *diags)
{
    const char *cursor = text_of(resource, "cursor"), *type = text_of(resource, "cursor_type");
    bool has_param = text_of(resource, "incremental_param") != NULL;
    if (cursor && !has_param)
        http_diag(diags, r, NULL, "incremental_param", "Missing incremental parameter",
                  "A resource with a cursor needs the query parameter that filters by it (e.g. created[gte]); "
                  "without one every run would list everything.");
    if (!cursor && (has_param || text_of(resource, "end_param")))
        http_diag(diags, r, NULL, "cursor", "Missing cursor",
                  "incremental_param and end_param filter by the cursor: set cursor to its JSON pointer.");
    if (text_of(resource, "window") && !text_of(resource, "end_param"))
        http_diag(diags, r, NULL, "end_param", "Missing end parameter",
                  "window slices a range into listings with an upper bound: set end_param (e.g. created[lt]).");
    if (text_of(resource, "window") && type && strcmp(type, "integer") == 0)
        http_diag(diags, r, NULL, "window", "Window on an integer cursor",
                  "window is a duration: it slices time cursors (unix_time, timestamp) only.");
    const wv_t *columns = wv_map_get(resource, "column");
    bool cursor_column = cursor && !strchr(cursor + 1, '/');
    for (size_t c = 0; columns && columns->kind == WV_LIST && c < columns->count; c++) {
        const wv_t *column = columns->items[c];
        const char *pointer = text_of(column, "pointer");
        cursor_column = cursor_column || (cursor && pointer && strcmp(pointer, cursor) == 0);
        if (pointer && (!json_pointer_valid(pointer) || !*pointer)) {
            char detail[300];
            snprintf(detail, sizeof detail, "\"%s\" is not a JSON pointer within a record: write \"/field\".", pointer);
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "resource"},
                                  {.kind = PATH_INDEX, .index = r},
                                  {.kind = PATH_ATTR, .name = "column"},
                                  {.kind = PATH_INDEX, .index = (long)c},
                                  {.kind = PATH_ATTR, .name = "pointer"}};
            spec_diag_add(diags, true, path, 5, "Invalid JSON pointer", "%s", detail);
        }
    }
    if (cursor && *cursor && !cursor_column)
        http_diag(diags, r, NULL, "cursor", "Cursor without a column",
                  "A nested cursor needs a column block with the same pointer: the pipeline's cursor names that "
                  "column.");
}

static void check_http_auth(const wv_t *object, spec_diags_t *diags)
{
    bool bearer = text_of(object, "bearer_token_ref"), user = text_of(object, "basic_user"),
         password = text_of(object, "password_ref"), key = text_of(object, "api_key_ref"),
         header = text_of(object, "api_key_header"), param = text_of(object, "api_key_param");
    if ((int)bearer + (int)(user || password) + (int)key > 1)
        http_diag(diags, -1, NULL, key ? "api_key_ref" : "basic_user", "Conflicting authentication",
                  "Use one of bearer_token_ref, basic_user with password_ref, or api_key_ref.");
    if (user != password)
        http_diag(diags, -1, NULL, user ? "password_ref" : "basic_user", "Incomplete basic authentication",
                  "basic_user and password_ref go together.");
    if (key && header == param)
        http_diag(diags, -1, NULL, "api_key_header", "Where does the API key go?",
                  "api_key_ref needs exactly one of api_key_header or api_key_param.");
    if (!key && (header || param))
        http_diag(diags, -1, NULL, "api_key_ref", "Missing API key",
                  "api_key_header and api_key_param name where the key goes: set api_key_ref too.");
    const char *ca = text_of(object, "ca_cert");
    if (ca && ca[0] != '/')
        http_diag(diags, -1, NULL, "ca_cert", "Relative CA path",
                  "ca_cert is a path on the agent host: give it absolute, e.g. /etc/weir/api-ca.pem.");
}

static void check_http_preset(const wv_t *object, spec_diags_t *diags)
{
    const char *preset = text_of(object, "preset");
    const wv_t *resources = wv_map_get(object, "resource");
    bool any = resources && resources->kind == WV_LIST && resources->count > 0;
    const wv_t *stripe = wv_map_get(object, "stripe");
    bool has_stripe = !wv_is_null(stripe) && stripe->kind == WV_MAP;
    const wv_t *preset_value = wv_map_get(object, "preset");
    bool unknown = (resources && resources->kind == WV_UNKNOWN) || (preset_value && preset_value->kind == WV_UNKNOWN);
    if (!preset && !any && !unknown)
        http_diag(diags, -1, NULL, "resource", "No resources",
                  "Declare at least one resource block, or set preset (e.g. \"stripe\") to have them filled in.");
    if (has_stripe && (!preset || strcmp(preset, "stripe") != 0))
        http_diag(diags, -1, NULL, "stripe", "Stripe options without the preset",
                  "The stripe block configures preset = \"stripe\": set that preset or remove the block.");
    const char *start = has_stripe ? text_of(stripe, "start_date") : NULL;
    double epoch;
    if (start && !timestamp_parse(start, &epoch))
        http_diag(diags, -1, "stripe", "start_date", "Invalid start date",
                  "Write a date (2019-01-01) or an RFC 3339 time (2019-01-01T00:00:00Z).");
}

static void check_source_http(const wv_t *object, spec_diags_t *diags)
{
    check_http_auth(object, diags);
    check_http_preset(object, diags);
    const wv_t *resources = wv_map_get(object, "resource");
    for (size_t r = 0; resources && resources->kind == WV_LIST && r < resources->count; r++) {
        const wv_t *resource = resources->items[r];
        const char *name = text_of(resource, "name");
        for (size_t k = 0; k < r && name; k++)
            if (strcmp(name, text_of(resources->items[k], "name") ? text_of(resources->items[k], "name") : "") == 0)
                http_diag(diags, (long)r, NULL, "name", "Duplicate resource",
                          "Two resource blocks have this name; pipelines could not tell them apart.");
        check_http_path(text_of(resource, "path"), (long)r, diags);
        check_pointer(resource, (long)r, NULL, "records", true, diags);
        check_pointer(resource, (long)r, NULL, "cursor", false, diags);
        check_http_cursor(resource, (long)r, diags);
        check_http_paging(resource, (long)r, diags);
    }
}

static const spec_kind_t source_http = {
    "source_http",
    "weir_source_http",
    "HTTP (REST API) source",
    "A JSON REST API the agent lists records from, one `resource` block per listing (see "
    "docs/http-sources.md). Credentials are secret references resolved at run time; requests are rate "
    "limited per source, retried on 429 and 5xx answers, and any other 4xx fails the run.",
    ATTRS(source_http_attrs),
    check_source_http,
    "resource \"weir_source_http\" \"stripe\" {\n  name             = \"stripe\"\n"
    "  base_url         = \"https://api.stripe.com\"\n"
    "  bearer_token_ref = \"ssm:/weir/stripe-secret-key\"\n  headers          = { \"Stripe-Version\" = \"2024-06-20\" "
    "}\n"
    "  requests_per_second = 10\n\n  resource {\n    name              = \"charges\"\n"
    "    path              = \"/v1/charges\"\n    primary_key       = [\"id\"]\n    cursor            = \"/created\"\n"
    "    incremental_param = \"created[gte]\"\n    end_param         = \"created[lt]\"\n"
    "    window            = \"7d\"\n    keep_raw          = true\n\n"
    "    paginator {\n      type      = \"next_cursor\"\n      page_size = 100\n    }\n\n"
    "    column {\n      pointer = \"/customer\"\n      name    = \"customer_id\"\n    }\n  }\n}\n"};

/* ---- weir_destination_snowflake ---- */

static const spec_attr_t stage_attrs[] = {
    {"url", ST_STRING, SA_REQUIRED, NULL, SV_S3_URL, NULL,
     "S3 prefix the agent uploads chunk files to, e.g. `s3://acme-weir-stage/raw/`.", NULL, 0, 0, NULL},
    {"name", ST_STRING, SA_REQUIRED, NULL, SV_NON_EMPTY, NULL,
     "Fully qualified Snowflake external stage that points at `url`.", NULL, 0, 0, NULL},
    {"kms_key_id", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "KMS key for SSE-KMS on uploaded files (`alias/...` or an ARN).", NULL, 0, 0, NULL},
    {"region", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "AWS region of the bucket; defaults to the agent host's region.", NULL, 0, 0, NULL},
};
static const spec_block_t stage_block = ATTRS(stage_attrs);

static const spec_attr_t destination_snowflake_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Name pipelines use to refer to this destination. Changing it replaces the destination.", NULL, 0, 0, NULL},
    ID_ATTR,
    {"account", ST_STRING, SA_REQUIRED, NULL, SV_SF_ACCOUNT, NULL,
     "Account identifier, `ORGNAME-ACCOUNTNAME` or a locator.", NULL, 0, 0, NULL},
    {"user", ST_STRING, SA_REQUIRED, NULL, SV_SF_IDENT, NULL, "User the agent loads as.", NULL, 0, 0, NULL},
    {"role", ST_STRING, SA_OPTIONAL, NULL, SV_SF_IDENT, NULL,
     "Role for every statement; the user's default role when unset.", NULL, 0, 0, NULL},
    {"warehouse", ST_STRING, SA_REQUIRED, NULL, SV_SF_IDENT, NULL, "Warehouse that runs loads.", NULL, 0, 0, NULL},
    {"database", ST_STRING, SA_REQUIRED, NULL, SV_SF_IDENT, NULL, "Target database.", NULL, 0, 0, NULL},
    {"schema", ST_STRING, SA_REQUIRED, NULL, SV_SF_IDENT, NULL, "Target schema.", NULL, 0, 0, NULL},
    {"auth", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"key_pair\"", SV_ENUM, snowflake_auths,
     "How the agent authenticates: a key-pair JWT signed with `private_key_ref`, or a bearer token "
     "from `token_ref`.",
     NULL, 0, 0, NULL},
    {"private_key_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to the PKCS#8 PEM private key, for `auth = \"key_pair\"`.", NULL, 0, 0, NULL},
    {"token_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to an OAuth or programmatic access token.", NULL, 0, 0, NULL},
    {"max_concurrent_loads", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "4", SV_POSITIVE, NULL,
     "Most runs loading into this destination at once, across all pipelines.", NULL, 0, 0, NULL},
    {"api_url", ST_STRING, SA_OPTIONAL, NULL, SV_HTTPS_URL, NULL,
     "Base URL of the SQL API; defaults to `https://<account>.snowflakecomputing.com`. Set it for "
     "PrivateLink (`https://<account>.privatelink.snowflakecomputing.com`).",
     NULL, 0, 0, NULL},
    {"stage", ST_BLOCK_SINGLE, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "External S3 stage for bulk loads with COPY INTO. Without it the agent loads with multi-row "
     "INSERT statements, which suits small tables only.",
     &stage_block, 0, 1, NULL},
};

static void check_destination_snowflake(const wv_t *object, spec_diags_t *diags)
{
    const wv_t *auth = wv_map_get(object, "auth");
    if (!auth || auth->kind != WV_STRING)
        return;
    bool key_pair = strcmp(auth->text, "key_pair") == 0;
    const char *needed = key_pair ? "private_key_ref" : "token_ref";
    const wv_t *value = wv_map_get(object, needed);
    if (wv_is_null(value)) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = needed}};
        spec_diag_add(diags, true, path, 1, "Missing credentials", "auth = \"%s\" needs %s.", auth->text, needed);
    }
}

static const spec_kind_t destination_snowflake = {
    "destination_snowflake",
    "weir_destination_snowflake",
    "Snowflake destination",
    "A Snowflake database and schema the agent loads into through the SQL API, idempotently "
    "(per-batch staging table and MERGE by primary key).",
    ATTRS(destination_snowflake_attrs),
    check_destination_snowflake,
    "resource \"weir_destination_snowflake\" \"raw\" {\n  name            = \"raw\"\n"
    "  account         = \"MYORG-ANALYTICS\"\n  user            = \"WEIR_LOADER\"\n"
    "  role            = \"LOADER\"\n  warehouse       = \"LOAD_WH\"\n  database        = \"RAW\"\n"
    "  schema          = \"PAYMENTS\"\n"
    "  private_key_ref = \"aws-sm:arn:aws:secretsmanager:eu-central-1:123456789012:secret:weir/snowflake#key\"\n"
    "  stage {\n    url        = \"s3://acme-weir-stage/raw/\"\n    name       = \"RAW.PAYMENTS.WEIR_STAGE\"\n"
    "    kms_key_id = \"alias/weir\"\n  }\n}\n"};

/* ---- weir_pipeline ---- */

static const spec_attr_t column_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED, NULL, SV_PG_COLUMN, NULL,
     "Source column, in PostgreSQL's syntax: `amount`, or `\"CardNumber\"` quoted to keep case or characters.", NULL, 0,
     0, NULL},
    {"target", ST_STRING, SA_OPTIONAL, NULL, SV_SF_IDENT, NULL,
     "Destination column name (Snowflake syntax: unquoted means upper case); defaults to the source name "
     "under the pipeline's `naming`.",
     NULL, 0, 0, NULL},
    {"type", ST_STRING, SA_OPTIONAL, NULL, SV_SF_TYPE, NULL,
     "Destination type instead of the mapped one, e.g. `NUMBER(38,10)` or `VARCHAR`; see the type table in "
     "docs/types.md.",
     NULL, 0, 0, NULL},
    {"exclude", ST_BOOL, SA_OPTIONAL | SA_COMPUTED, "false", SV_NONE, NULL,
     "Leave the column out: the source does not even read it, and nothing of it is staged or loaded.", NULL, 0, 0,
     NULL},
    {"transform", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"none\"", SV_ENUM, column_transforms,
     "Applied in the agent before anything is staged: `hash` replaces a value with its HMAC-SHA-256 (hex) under "
     "the pipeline's `hash_key_ref`, so equal values stay joinable but cannot be recovered by trying candidates "
     "without the key; `mask` keeps the last `keep_last` characters and replaces the others with `*`; `null` "
     "loads NULL.",
     NULL, 0, 0, NULL},
    {"keep_last", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "4", SV_NONE, NULL,
     "`transform = \"mask\"`: characters kept at the end, 0 to 16 (0 masks everything; a value no longer than "
     "this is masked whole).",
     NULL, 0, 0, NULL},
};
static const spec_block_t column_block = ATTRS(column_attrs);

static const spec_attr_t table_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED, NULL, SV_PG_TABLE, NULL,
     "Source table, `schema.table` or `table`, in PostgreSQL's syntax: unquoted parts mean their lower case, "
     "quoted parts are exact (`\"Billing\".\"Order Items\"`).",
     NULL, 0, 0, NULL},
    {"primary_key", ST_LIST_STRING, SA_REQUIRED, NULL, SV_PG_COLUMN, NULL,
     "Columns that identify a row (PostgreSQL syntax); the MERGE key in the destination.", NULL, 1, 32, NULL},
    {"cursor", ST_STRING, SA_OPTIONAL, NULL, SV_PG_COLUMN, NULL,
     "Column that grows when a row changes (e.g. `updated_at`); required for incremental mode.", NULL, 0, 0, NULL},
    {"lookback", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"15m\"", SV_DURATION, NULL,
     "How far behind the watermark each incremental run re-reads, so rows from transactions that "
     "committed late are not missed. Re-read rows merge harmlessly.",
     NULL, 0, 0, NULL},
    {"allow_text_cursor", ST_BOOL, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Set to true to accept a text `cursor` (text, varchar, char). Text orders rows only if the "
     "application writes values that sort as they change (e.g. zero-padded ISO timestamps), and "
     "`lookback` does not apply to it, so apply refuses a text cursor unless this is set.",
     NULL, 0, 0, NULL},
    {"target", ST_STRING, SA_OPTIONAL, NULL, SV_SF_IDENT, NULL,
     "Destination table name in Snowflake's syntax (unquoted means upper case, quoted is exact); defaults to "
     "the source table's name under the pipeline's `naming`. Each destination table has one writer: a second "
     "table block writing the same table is refused at apply.",
     NULL, 0, 0, NULL},
    {"mode", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"incremental\"", SV_ENUM, table_modes,
     "`incremental` reads rows past the watermark; `full_refresh` reads the whole table each run and "
     "replaces the target's rows with it in one statement, so rows deleted at the source disappear.",
     NULL, 0, 0, NULL},
    {"column", ST_BLOCK_LIST, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Per-column rules: rename, retype, leave out or transform a column. Columns without a block load as they "
     "are, named by the pipeline's `naming`.",
     &column_block, 0, 0, NULL},
    {"retention", ST_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "How long the target keeps a row after it was loaded (`_WEIR_LOADED_AT`), e.g. `\"180d\"` or `\"7y\"` "
     "(d, w, or y of 365 days); a daily step deletes older rows in bounded batches. Unset keeps rows "
     "forever. See [retention](../retention.md).",
     NULL, 0, 0, NULL},
};
static const spec_block_t table_block = ATTRS(table_attrs);

static const spec_attr_t pipeline_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Pipeline name; appears in run ids, metrics and stage paths. Changing it replaces the pipeline.", NULL, 0, 0,
     NULL},
    ID_ATTR,
    {"source", ST_STRING, SA_REQUIRED, NULL, SV_NAME, NULL, "Name of the source to extract from.", NULL, 0, 0,
     "source_"},
    {"destination", ST_STRING, SA_REQUIRED, NULL, SV_NAME, NULL, "Name of the destination to load into.", NULL, 0, 0,
     "destination_"},
    {"schedule", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"@hourly\"", SV_CRON, NULL,
     "When runs start: five cron fields in UTC (`*/15 * * * *`) or `@hourly`, `@daily`, `@weekly`, "
     "`@monthly`.",
     NULL, 0, 0, NULL},
    {"enabled", ST_BOOL, SA_OPTIONAL | SA_COMPUTED, "true", SV_NONE, NULL,
     "Set to false to pause scheduled runs; manual runs still work.", NULL, 0, 0, NULL},
    {"jitter", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"0s\"", SV_DURATION, NULL,
     "Scheduled runs start up to this long after the schedule fires, at a delay fixed per pipeline, "
     "so many pipelines on one schedule do not all hit their sources at once.",
     NULL, 0, 0, NULL},
    {"schema_evolution", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"add_columns\"", SV_ENUM, evolutions,
     "What a new source column does: `add_columns` adds it to the target, `fail` stops the run. "
     "Either way a wider source type widens the target in place (NUMBER precision, VARCHAR length); "
     "any other type change, a scale change included, fails the run with the column named.",
     NULL, 0, 0, NULL},
    {"max_parallel_tables", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "2", SV_POSITIVE, NULL,
     "Tables of this pipeline extracted at the same time.", NULL, 0, 0, NULL},
    {"naming", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"upper\"", SV_ENUM, namings,
     "How source names become Snowflake names: `upper` upper-cases them and turns every character an "
     "unquoted Snowflake name cannot hold into `_` (`\"Order Items\"` lands as `ORDER_ITEMS`); `preserve` keeps "
     "the exact source name, quoted. Two columns that land under one name are refused, naming both.",
     NULL, 0, 0, NULL},
    {"hash_key_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to the key of `transform = \"hash\"` columns (at least 32 bytes). Use one key for "
     "every pipeline whose hashed columns are joined.",
     NULL, 0, 0, NULL},
    {"description", ST_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL, "Free text for operators.", NULL, 0, 0, NULL},
    {"table", ST_BLOCK_LIST, SA_OPTIONAL, NULL, SV_NONE, NULL, "A table to copy; at least one.", &table_block, 1, 0,
     NULL},
};

static const char *text_of(const wv_t *map, const char *key)
{
    const wv_t *value = wv_map_get(map, key);
    return value && value->kind == WV_STRING ? value->text : NULL;
}

static bool bool_of(const wv_t *map, const char *key)
{
    const wv_t *value = wv_map_get(map, key);
    return value && value->kind == WV_BOOL && value->boolean;
}

/* A column's path: table[i].column[j].attr. */
static void column_diag(spec_diags_t *diags, size_t table, size_t column, const char *attr, const char *summary,
                        const char *detail)
{
    spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                          {.kind = PATH_INDEX, .index = (long)table},
                          {.kind = PATH_ATTR, .name = "column"},
                          {.kind = PATH_INDEX, .index = (long)column},
                          {.kind = PATH_ATTR, .name = attr}};
    spec_diag_add(diags, true, path, 5, summary, "%s", detail);
}

/* The Snowflake name a declared column lands as, or "" when it is not known yet. */
static void declared_target(const wv_t *column, naming_policy_t naming, char out[IDENT_SIZE])
{
    char why[200], source[IDENT_PG_MAX + 1];
    const char *target = text_of(column, "target"), *name = text_of(column, "name");
    out[0] = 0;
    if (target)
        (void)ident_sf_parse(target, out, why, sizeof why);
    else if (name && ident_pg_parse(name, source, why, sizeof why))
        ident_target_name(naming, source, out);
}

static bool same_column(const char *a, const char *b)
{
    char why[200], left[IDENT_PG_MAX + 1], right[IDENT_PG_MAX + 1];
    return a && b && ident_pg_parse(a, left, why, sizeof why) && ident_pg_parse(b, right, why, sizeof why) &&
        strcmp(left, right) == 0;
}

static bool is_key_column(const wv_t *table, const char *name)
{
    const wv_t *keys = wv_map_get(table, "primary_key");
    for (size_t k = 0; keys && keys->kind == WV_LIST && k < keys->count; k++)
        if (keys->items[k]->kind == WV_STRING && same_column(keys->items[k]->text, name))
            return true;
    return false;
}

/* What can be judged of column blocks before the source's columns are known. */
static void check_columns(const wv_t *table, size_t t, naming_policy_t naming, bool has_hash_key, spec_diags_t *diags)
{
    const wv_t *columns = wv_map_get(table, "column");
    char detail[2600];
    for (size_t j = 0; columns && columns->kind == WV_LIST && j < columns->count; j++) {
        const wv_t *column = columns->items[j];
        const char *name = text_of(column, "name"), *transform = text_of(column, "transform");
        bool excluded = bool_of(column, "exclude"), transformed = transform && strcmp(transform, "none") != 0;
        if (excluded && (transformed || text_of(column, "target") || text_of(column, "type")))
            column_diag(diags, t, j, "exclude", "Conflicting column rules",
                        "An excluded column is not loaded: drop its target, type and transform, or exclude = false.");
        int64_t keep_last = 0;
        if (wv_number_as_i64(wv_map_get(column, "keep_last"), &keep_last) && (keep_last < 0 || keep_last > 16))
            column_diag(diags, t, j, "keep_last", "Invalid keep_last",
                        "keep_last is the number of characters a mask keeps at the end: 0 to 16.");
        if (transform && strcmp(transform, "hash") == 0 && !has_hash_key)
            column_diag(diags, t, j, "transform", "Missing hash key",
                        "transform = \"hash\" needs the pipeline's hash_key_ref: the HMAC key that keeps hashed "
                        "values from being recovered by hashing candidates.");
        if (name && same_column(name, text_of(table, "cursor")) && (excluded || transformed))
            column_diag(diags, t, j, excluded ? "exclude" : "transform", "Cursor column changed",
                        "The cursor column orders versions of a row in the destination: it cannot be excluded or "
                        "transformed.");
        if (name && is_key_column(table, name) && (excluded || (transformed && strcmp(transform, "hash") != 0)))
            column_diag(diags, t, j, excluded ? "exclude" : "transform", "Key column changed",
                        "A primary-key column identifies rows in the destination: it can be hashed (equal values "
                        "stay equal) but not excluded, masked or nulled.");
        for (size_t k = 0; k < j && name; k++)
            if (same_column(name, text_of(columns->items[k], "name"))) {
                snprintf(detail, sizeof detail, "Column %s has two column blocks in this table; merge them.", name);
                column_diag(diags, t, j, "name", "Duplicate column block", detail);
            }
        char mine[IDENT_SIZE], other[IDENT_SIZE];
        declared_target(column, naming, mine);
        if (excluded || !mine[0])
            continue;
        if (strcmp(mine, "_WEIR_RUN_ID") == 0 || strcmp(mine, "_WEIR_LOADED_AT") == 0) {
            snprintf(detail, sizeof detail, "%s is the column Weir keeps its load metadata in; choose another target.",
                     mine);
            column_diag(diags, t, j, text_of(column, "target") ? "target" : "name", "Reserved column name", detail);
        }
        for (size_t k = 0; k < j; k++) {
            declared_target(columns->items[k], naming, other);
            if (!bool_of(columns->items[k], "exclude") && strcmp(mine, other) == 0 &&
                !same_column(name, text_of(columns->items[k], "name"))) {
                snprintf(detail, sizeof detail,
                         "Columns %s and %s would both land as \"%s\" in Snowflake; give one of them another "
                         "target.",
                         text_of(columns->items[k], "name"), name ? name : "?", mine);
                column_diag(diags, t, j, text_of(column, "target") ? "target" : "name", "Column name collision",
                            detail);
            }
        }
    }
}

/* Runs and watermarks are kept under the table name as written (agent store: 160 bytes). */
#define TABLE_NAME_MAX_BYTES 159

/* Snowflake names hold 255 characters; a load's scratch tables add 45 ("__WEIR_<run id>_D"). */
#define TARGET_TABLE_MAX_CHARS (IDENT_SF_MAX - 45)

static void check_target_length(const wv_t *table, size_t t, spec_diags_t *diags)
{
    char target[IDENT_SIZE], why[200];
    const char *text = text_of(table, "target");
    if (!text || !ident_sf_parse(text, target, why, sizeof why))
        return;
    size_t chars = 0;
    for (const char *p = target; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (chars <= TARGET_TABLE_MAX_CHARS)
        return;
    spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                          {.kind = PATH_INDEX, .index = (long)t},
                          {.kind = PATH_ATTR, .name = "target"}};
    spec_diag_add(diags, true, path, 3, "Target name too long",
                  "A target table name may have at most %d characters (this one has %zu): each load adds a "
                  "45-character suffix for its scratch tables, within Snowflake's 255.",
                  TARGET_TABLE_MAX_CHARS, chars);
}

static bool same_table(const char *a, const char *b)
{
    pg_table_name_t left, right;
    char why[200];
    return a && b && ident_pg_parse_table(a, &left, why, sizeof why) &&
        ident_pg_parse_table(b, &right, why, sizeof why) && strcmp(left.schema, right.schema) == 0 &&
        strcmp(left.name, right.name) == 0;
}

static void check_pipeline(const wv_t *object, spec_diags_t *diags)
{
    const wv_t *tables = wv_map_get(object, "table");
    if (!tables || tables->kind != WV_LIST)
        return;
    naming_policy_t naming = NAMING_UPPER;
    (void)naming_policy_parse(text_of(object, "naming"), &naming);
    const wv_t *hash_key = wv_map_get(object, "hash_key_ref");
    bool has_hash_key = hash_key && hash_key->kind != WV_NULL;
    for (size_t i = 0; i < tables->count; i++) {
        const wv_t *table = tables->items[i];
        const wv_t *mode = wv_map_get(table, "mode");
        const wv_t *cursor = wv_map_get(table, "cursor");
        if (mode && mode->kind == WV_STRING && strcmp(mode->text, "incremental") == 0 && wv_is_null(cursor)) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                                  {.kind = PATH_INDEX, .index = (long)i},
                                  {.kind = PATH_ATTR, .name = "cursor"}};
            spec_diag_add(diags, true, path, 3, "Missing cursor",
                          "Incremental tables need a cursor column (e.g. updated_at); set cursor or "
                          "mode = \"full_refresh\".");
        }
        const wv_t *retention = wv_map_get(table, "retention");
        long long days = 0;
        char why[200];
        if (retention && retention->kind == WV_STRING && !retention_days(retention->text, &days, why, sizeof why)) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                                  {.kind = PATH_INDEX, .index = (long)i},
                                  {.kind = PATH_ATTR, .name = "retention"}};
            spec_diag_add(diags, true, path, 3, "Invalid retention", "%s.", why);
        }
        const wv_t *lookback = wv_map_get(table, "lookback");
        long long seconds = -1;
        if (mode && mode->kind == WV_STRING && strcmp(mode->text, "incremental") == 0 && cursor &&
            cursor->kind == WV_STRING && lookback && lookback->kind == WV_STRING &&
            spec_duration_seconds(lookback->text, &seconds) && seconds == 0) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                                  {.kind = PATH_INDEX, .index = (long)i},
                                  {.kind = PATH_ATTR, .name = "lookback"}};
            spec_diag_add(diags, false, path, 3, "No lookback",
                          "lookback = \"%s\" re-reads nothing below the watermark: with a timestamp or date cursor, "
                          "a row whose transaction commits after a later row was read is never loaded. Set it "
                          "to at least your longest write transaction (the default is 15m). Integer cursors "
                          "ignore lookback.",
                          lookback->text);
        }
        const char *name = text_of(table, "name");
        for (size_t j = 0; j < i && name; j++) {
            if (same_table(name, text_of(tables->items[j], "name"))) {
                spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                                      {.kind = PATH_INDEX, .index = (long)i},
                                      {.kind = PATH_ATTR, .name = "name"}};
                spec_diag_add(diags, true, path, 3, "Duplicate table",
                              "Table %s appears more than once in this pipeline (as %s in table block %zu).", name,
                              text_of(tables->items[j], "name"), j);
            }
        }
        if (name && strlen(name) > TABLE_NAME_MAX_BYTES) {
            spec_step_t path[] = {{.kind = PATH_ATTR, .name = "table"},
                                  {.kind = PATH_INDEX, .index = (long)i},
                                  {.kind = PATH_ATTR, .name = "name"}};
            spec_diag_add(diags, true, path, 3, "Table name too long",
                          "A table name may be at most %d bytes as written (runs and watermarks are kept under it); "
                          "this one has %zu.",
                          TABLE_NAME_MAX_BYTES, strlen(name));
        }
        check_target_length(table, i, diags);
        check_columns(table, i, naming, has_hash_key, diags);
    }
}

static const spec_kind_t pipeline = {
    "pipeline",
    "weir_pipeline",
    "Pipeline",
    "Copies tables from a source to a destination on a schedule: incrementally by a cursor column "
    "with a lookback overlap, or by full refresh. Loads are MERGEs by primary key, so repeating a "
    "window never duplicates rows.",
    ATTRS(pipeline_attrs),
    check_pipeline,
    "resource \"weir_pipeline\" \"payments\" {\n  name        = \"payments-hourly\"\n"
    "  source      = weir_source_postgres.payments.name\n"
    "  destination = weir_destination_snowflake.raw.name\n  schedule    = \"@hourly\"\n\n"
    "  table {\n    name        = \"public.transactions\"\n    primary_key = [\"id\"]\n"
    "    cursor      = \"updated_at\"\n    lookback    = \"15m\"\n  }\n}\n"};

/* ---- weir_quality_check ---- */

static const spec_attr_t quality_check_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL, "Check name, unique across checks.", NULL, 0,
     0, NULL},
    ID_ATTR,
    {"pipeline", ST_STRING, SA_OPTIONAL | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Pipeline whose batches or target this check guards (with `table`); set this or `transform`.", NULL, 0, 0,
     "pipeline"},
    {"table", ST_STRING, SA_OPTIONAL, NULL, SV_PG_TABLE, NULL,
     "With `pipeline`: the source table name as written in the pipeline's table block.", NULL, 0, 0, NULL},
    {"transform", ST_STRING, SA_OPTIONAL | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Transform whose result this check guards: batch-stage kinds judge the built result before it is "
     "published (a failing `error` check keeps the old target), `freshness` judges the target after. "
     "Columns are the result's Snowflake column names. Set this or `pipeline`.",
     NULL, 0, 0, "transform"},
    {"kind", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_ENUM, check_kinds,
     "What is checked; each kind reads the arguments documented with it.", NULL, 0, 0, NULL},
    {"severity", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"error\"", SV_ENUM, severities,
     "`error` quarantines a failing batch; `warn` alerts and publishes.", NULL, 0, 0, NULL},
    {"enabled", ST_BOOL, SA_OPTIONAL | SA_COMPUTED, "true", SV_NONE, NULL, "Set false to skip the check.", NULL, 0, 0,
     NULL},
    {"max_age", ST_STRING, SA_OPTIONAL, NULL, SV_DURATION, NULL,
     "`freshness`: the newest cursor value (on a transform: the newest `column` value) may be at most this old.", NULL,
     0, 0, NULL},
    {"column", ST_STRING, SA_OPTIONAL, NULL, SV_PG_COLUMN, NULL,
     "`null_spike`, `accepted_values`, `referential_integrity`, and `freshness` on a transform: the column "
     "checked.",
     NULL, 0, 0, NULL},
    {"columns", ST_LIST_STRING, SA_OPTIONAL, NULL, SV_PG_COLUMN, NULL,
     "`unique`: the columns that must be unique together.", NULL, 0, 0, NULL},
    {"min_rows", ST_NUMBER, SA_OPTIONAL, NULL, SV_NONE, NULL, "`row_count`: fewest rows a batch may have.", NULL, 0, 0,
     NULL},
    {"max_rows", ST_NUMBER, SA_OPTIONAL, NULL, SV_POSITIVE, NULL, "`row_count`: most rows a batch may have.", NULL, 0,
     0, NULL},
    {"anomaly_threshold", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "3.5", SV_POSITIVE, NULL,
     "`row_count`: how far from the history's median, in robust standard deviations "
     "(MAD × 1.4826), a batch may fall before it counts as an anomaly.",
     NULL, 0, 0, NULL},
    {"min_history", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "8", SV_POSITIVE, NULL,
     "`row_count`, `null_spike`: committed runs needed before the history judges; until then only "
     "the static bounds apply.",
     NULL, 0, 0, NULL},
    {"seasonality", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"none\"", SV_ENUM, seasonalities,
     "`row_count`: `hour_of_week` compares a batch only with batches taken in the same hour of the week "
     "(UTC), for tables whose volume follows the week.",
     NULL, 0, 0, NULL},
    {"max_null_fraction", ST_NUMBER, SA_OPTIONAL, NULL, SV_FRACTION, NULL,
     "`null_spike`: largest share of NULLs (0-1) a batch may have in `column`.", NULL, 0, 0, NULL},
    {"max_null_increase", ST_NUMBER, SA_OPTIONAL, NULL, SV_FRACTION, NULL,
     "`null_spike`: largest rise of the NULL share over its historical median (0.1 = ten points).", NULL, 0, 0, NULL},
    {"values", ST_SET_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL, "`accepted_values`: the values `column` may hold.",
     NULL, 0, 0, NULL},
    {"references", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "`referential_integrity`: parent `TABLE.COLUMN` (or `SCHEMA.TABLE.COLUMN`) in the destination "
     "database; batch values of `column` missing there fail the check.",
     NULL, 0, 0, NULL},
    {"sql", ST_STRING, SA_OPTIONAL, NULL, SV_NON_EMPTY, NULL,
     "`custom_sql`: a query returning the number of failing rows; `{{batch}}` names the staged batch.", NULL, 0, 0,
     NULL},
};

static void require_for_kind(const wv_t *object, const char *kind, const char *attr, spec_diags_t *diags)
{
    const wv_t *value = wv_map_get(object, attr);
    if (wv_is_null(value)) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = attr}};
        spec_diag_add(diags, true, path, 1, "Missing argument for this kind", "kind = \"%s\" needs %s.", kind, attr);
    }
}

static void quality_check_diag(spec_diags_t *diags, const char *attr, const char *summary, const char *detail)
{
    spec_step_t path[] = {{.kind = PATH_ATTR, .name = attr}};
    spec_diag_add(diags, true, path, 1, summary, "%s", detail);
}

/* A check guards a pipeline's table or a transform's result: exactly one of them. Unknown values
 * count as set (they are known at apply). */
static bool check_subject(const wv_t *object, spec_diags_t *diags)
{
    bool on_pipeline = !wv_is_null(wv_map_get(object, "pipeline"));
    bool with_table = !wv_is_null(wv_map_get(object, "table"));
    bool on_transform = !wv_is_null(wv_map_get(object, "transform"));
    if (on_pipeline && on_transform)
        quality_check_diag(diags, "transform", "Two subjects",
                           "A check guards either a pipeline's table (pipeline and table) or a transform's result "
                           "(transform), not both.");
    else if (!on_pipeline && !on_transform)
        quality_check_diag(diags, "pipeline", "Missing subject",
                           "Set pipeline and table to guard a pipeline's table, or transform to guard a "
                           "transform's result.");
    else if (on_pipeline && !with_table)
        quality_check_diag(diags, "table", "Missing table",
                           "A check on a pipeline names the table it guards, as written in the pipeline's table "
                           "block.");
    else if (on_transform && with_table)
        quality_check_diag(diags, "table", "Table on a transform check",
                           "A transform has one result: table applies only with pipeline.");
    return on_transform && !on_pipeline;
}

static void check_quality_check(const wv_t *object, spec_diags_t *diags)
{
    bool on_transform = check_subject(object, diags);
    const wv_t *kind = wv_map_get(object, "kind");
    if (!kind || kind->kind != WV_STRING)
        return;
    const char *k = kind->text;
    if (strcmp(k, "freshness") == 0) {
        require_for_kind(object, k, "max_age", diags);
        /* A transform's result has no cursor: it names the timestamp column to age. */
        if (on_transform && wv_is_null(wv_map_get(object, "column")))
            quality_check_diag(diags, "column", "Missing argument for this kind",
                               "kind = \"freshness\" on a transform needs column: the result's timestamp column "
                               "whose newest value is aged.");
    } else if (strcmp(k, "null_spike") == 0) {
        require_for_kind(object, k, "column", diags);
        if (wv_is_null(wv_map_get(object, "max_null_fraction")) && wv_is_null(wv_map_get(object, "max_null_increase")))
            require_for_kind(object, k, "max_null_fraction", diags);
    } else if (strcmp(k, "referential_integrity") == 0) {
        require_for_kind(object, k, "column", diags);
        require_for_kind(object, k, "references", diags);
    } else if (strcmp(k, "unique") == 0)
        require_for_kind(object, k, "columns", diags);
    else if (strcmp(k, "accepted_values") == 0) {
        require_for_kind(object, k, "column", diags);
        require_for_kind(object, k, "values", diags);
    } else if (strcmp(k, "custom_sql") == 0)
        require_for_kind(object, k, "sql", diags);
    /* row_count needs nothing more: without min_rows/max_rows it judges anomalies against history. */
}

static const spec_kind_t quality_check = {
    "quality_check",
    "weir_quality_check",
    "Quality check",
    "A rule a pipeline's data or a transform's result must pass. Batch checks run on staged data before "
    "it is merged (a failing `error` check quarantines the batch) or on a transform's built result before "
    "it is published (a failing `error` check keeps the old target). Target checks run after publish.",
    ATTRS(quality_check_attrs),
    check_quality_check,
    "# One check of each kind on a pipeline's transactions table.\n"
    "resource \"weir_quality_check\" \"volume\" {\n  name        = \"transactions-volume\"\n"
    "  pipeline    = weir_pipeline.payments.name\n  table       = \"public.transactions\"\n"
    "  kind        = \"row_count\"\n  min_rows    = 1\n  seasonality = \"hour_of_week\"\n}\n\n"
    "resource \"weir_quality_check\" \"currency_nulls\" {\n  name              = \"transactions-currency-nulls\"\n"
    "  pipeline          = weir_pipeline.payments.name\n  table             = \"public.transactions\"\n"
    "  kind              = \"null_spike\"\n  column            = \"currency\"\n"
    "  max_null_fraction = 0.01\n  max_null_increase = 0.005\n}\n\n"
    "resource \"weir_quality_check\" \"unique_reference\" {\n  name     = \"transactions-unique-reference\"\n"
    "  pipeline = weir_pipeline.payments.name\n  table    = \"public.transactions\"\n"
    "  kind     = \"unique\"\n  columns  = [\"psp_reference\"]\n}\n\n"
    "resource \"weir_quality_check\" \"status_values\" {\n  name     = \"transactions-status-values\"\n"
    "  pipeline = weir_pipeline.payments.name\n  table    = \"public.transactions\"\n"
    "  kind     = \"accepted_values\"\n  column   = \"status\"\n"
    "  values   = [\"authorized\", \"captured\", \"refunded\"]\n  severity = \"warn\"\n}\n\n"
    "resource \"weir_quality_check\" \"merchant_exists\" {\n  name       = \"transactions-merchant-exists\"\n"
    "  pipeline   = weir_pipeline.payments.name\n  table      = \"public.transactions\"\n"
    "  kind       = \"referential_integrity\"\n  column     = \"merchant_id\"\n  references = \"MERCHANTS.ID\"\n}\n\n"
    "resource \"weir_quality_check\" \"no_negative_captures\" {\n  name     = \"transactions-no-negative-captures\"\n"
    "  pipeline = weir_pipeline.payments.name\n  table    = \"public.transactions\"\n"
    "  kind     = \"custom_sql\"\n"
    "  sql      = \"SELECT COUNT(*) FROM {{batch}} WHERE STATUS = 'captured' AND AMOUNT < 0\"\n}\n\n"
    "resource \"weir_quality_check\" \"fresh\" {\n  name     = \"transactions-fresh\"\n"
    "  pipeline = weir_pipeline.payments.name\n  table    = \"public.transactions\"\n"
    "  kind     = \"freshness\"\n  max_age  = \"45m\"\n  severity = \"error\"\n}\n\n"
    "# A transform's result, judged before it is published: a failure keeps the old target.\n"
    "resource \"weir_quality_check\" \"totals_nonnegative\" {\n  name      = \"customer-totals-nonnegative\"\n"
    "  transform = weir_transform.customer_totals.name\n  kind      = \"custom_sql\"\n"
    "  sql       = \"SELECT COUNT(*) FROM {{batch}} WHERE TOTAL < 0\"\n}\n"};

/* ---- weir_alert_channel ---- */

static const spec_attr_t alert_channel_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL, "Channel name.", NULL, 0, 0, NULL},
    ID_ATTR,
    {"kind", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_ENUM, channel_kinds,
     "`webhook` (JSON with an HMAC-SHA256 signature), `slack` (incoming webhook) or `pagerduty` "
     "(Events API v2).",
     NULL, 0, 0, NULL},
    {"url_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "Secret reference to the webhook or Slack URL (such URLs are credentials). For `pagerduty`, "
     "optionally the Events API URL (default `https://events.pagerduty.com/v2/enqueue`).",
     NULL, 0, 0, NULL},
    {"routing_key_ref", ST_STRING, SA_OPTIONAL, NULL, SV_SECRET_REF, NULL,
     "`pagerduty`: secret reference to the integration's routing key.", NULL, 0, 0, NULL},
    {"signing_secret_wo", ST_STRING, SA_OPTIONAL | SA_SENSITIVE | SA_WRITE_ONLY, NULL, SV_NON_EMPTY, NULL,
     "`webhook`: HMAC key, write-only (never in state). Each request then carries "
     "`X-Weir-Timestamp` (seconds since the epoch) and `X-Weir-Signature: sha256=<hex>`, the "
     "HMAC-SHA256 of `<timestamp>.<body>`; receivers recompute it and reject stale timestamps.",
     NULL, 0, 0, NULL},
    {"signing_secret_wo_version", ST_NUMBER, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "Change this number to send a new `signing_secret_wo` (write-only values are never compared).", NULL, 0, 0, NULL},
    {"min_severity", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"warn\"", SV_ENUM, severities,
     "Least severity that reaches this channel.", NULL, 0, 0, NULL},
    {"pipelines", ST_SET_STRING, SA_OPTIONAL, NULL, SV_NAME, NULL,
     "Pipelines whose alerts go here; all pipelines when unset.", NULL, 0, 0, NULL},
};

static void check_alert_channel(const wv_t *object, spec_diags_t *diags)
{
    const wv_t *kind = wv_map_get(object, "kind");
    if (!kind || kind->kind != WV_STRING)
        return;
    require_for_kind(object, kind->text, strcmp(kind->text, "pagerduty") == 0 ? "routing_key_ref" : "url_ref", diags);
}

static const spec_kind_t alert_channel = {
    "alert_channel",
    "weir_alert_channel",
    "Alert channel",
    "Where alerts about failed runs and quality checks go. An incident is a table's failing runs or one "
    "failing check; it alerts once when it opens (however many runs it lasts) and sends a resolve when "
    "a run commits or the check passes again. PagerDuty incidents use a dedup key stable for the "
    "incident. Failed deliveries are retried with growing pauses (up to ten attempts).",
    ATTRS(alert_channel_attrs),
    check_alert_channel,
    "resource \"weir_alert_channel\" \"oncall\" {\n  name            = \"data-oncall\"\n"
    "  kind            = \"pagerduty\"\n  routing_key_ref = \"ssm:/weir/pagerduty-routing-key\"\n"
    "  min_severity    = \"error\"\n}\n"};

/* ---- weir_backfill ---- */

static const spec_attr_t backfill_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL, "Backfill name, unique across backfills.",
     NULL, 0, 0, NULL},
    ID_ATTR,
    {"pipeline", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Pipeline whose table is reloaded; its source, destination, key and cursor are used.", NULL, 0, 0, "pipeline"},
    {"table", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_PG_TABLE, NULL,
     "One of the pipeline's tables (`schema.table`); it must have a cursor column.", NULL, 0, 0, NULL},
    {"from", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NON_EMPTY, NULL,
     "First cursor value of the range, inclusive: an integer, a date (`2024-01-31`) or a timestamp with "
     "a zone (`2024-01-31T00:00:00Z`).",
     NULL, 0, 0, NULL},
    {"to", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NON_EMPTY, NULL,
     "End of the range, exclusive, in the same form as `from`.", NULL, 0, 0, NULL},
    {"chunk", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NON_EMPTY, NULL,
     "Width of one chunk: a duration (`6h`, `1d`; whole days for dates) or, for an integer range, a "
     "positive integer. Each chunk is one run: extracted, loaded and merged on its own, so a failure "
     "repeats only its chunk.",
     NULL, 0, 0, NULL},
    {"parallelism", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "2", SV_POSITIVE, NULL,
     "Chunks in flight at once (the source's `max_connections` still bounds all runs).", NULL, 0, 0, NULL},
    {"throttle", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"0s\"", SV_DURATION, NULL,
     "Least time between the starts of two chunks, to spare the source.", NULL, 0, 0, NULL},
    {"max_attempts", ST_NUMBER, SA_OPTIONAL | SA_COMPUTED, "3", SV_POSITIVE, NULL,
     "Runs a chunk may take before it is marked failed; `weir-agent ctl backfill retry` starts failed "
     "chunks again.",
     NULL, 0, 0, NULL},
};

static void check_backfill(const wv_t *object, spec_diags_t *diags)
{
    const wv_t *from = wv_map_get(object, "from"), *to = wv_map_get(object, "to"), *chunk = wv_map_get(object, "chunk");
    if (!from || from->kind != WV_STRING || !to || to->kind != WV_STRING || !chunk || chunk->kind != WV_STRING)
        return; /* unknown or missing: reported elsewhere, checked again once known */
    cursor_range_t range;
    const char *bad_attr = NULL;
    char why[320];
    if (!cursor_range_parse(from->text, to->text, chunk->text, &range, &bad_attr, why, sizeof why)) {
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = bad_attr}};
        spec_diag_add(diags, true, path, 1, "Invalid backfill range", "%s", why);
    }
}

static const spec_kind_t backfill = {
    "backfill",
    "weir_backfill",
    "Backfill",
    "Reloads a range of a pipeline table's cursor, split into chunks that run with bounded "
    "parallelism and a throttle against the source. Progress is persisted per chunk, so a restarted "
    "agent carries on where it stopped; the table's regular watermark is left alone and loads stay "
    "MERGEs, so a backfill never duplicates rows nor overwrites newer versions. Progress shows in "
    "`weir-agent ctl backfill status` and in the `weir_pipeline` data source's `status`.",
    ATTRS(backfill_attrs),
    check_backfill,
    "resource \"weir_backfill\" \"transactions_2024\" {\n  name        = \"transactions-2024\"\n"
    "  pipeline    = weir_pipeline.payments.name\n  table       = \"public.transactions\"\n"
    "  from        = \"2024-01-01T00:00:00Z\"\n  to          = \"2025-01-01T00:00:00Z\"\n"
    "  chunk       = \"7d\"\n  parallelism = 2\n  throttle    = \"30s\"\n}\n"};

/* ---- weir_transform ---- */

static const char *const materializations[] = {"table", "incremental", "view", NULL};

static const spec_attr_t transform_attrs[] = {
    {"name", ST_STRING, SA_REQUIRED | SA_FORCE_NEW, NULL, SV_NAME, NULL,
     "Transform name, unique across transforms; other transforms list it in `inputs`.", NULL, 0, 0, NULL},
    ID_ATTR,
    {"destination", ST_STRING, SA_REQUIRED, NULL, SV_NAME, NULL,
     "Destination whose warehouse runs the SQL and holds the target (its database and schema).", NULL, 0, 0,
     "destination_"},
    {"sql", ST_STRING, SA_REQUIRED, NULL, SV_NON_EMPTY, NULL,
     "One `SELECT` (or `WITH … SELECT`) in the destination's SQL dialect; `file(\"models/x.sql\")` works. "
     "Incremental transforms filter on `{{since}}`, which the agent replaces with a timestamp literal: the "
     "start of the last successful run minus `lookback` (the epoch on the first run).",
     NULL, 0, 0, NULL},
    {"target", ST_STRING, SA_REQUIRED, NULL, SV_SF_IDENT, NULL,
     "Table or view the transform maintains, in the destination's database and schema; unquoted names "
     "resolve to upper case, `\"quoted\"` names are exact.",
     NULL, 0, 0, NULL},
    {"materialization", ST_STRING, SA_OPTIONAL | SA_COMPUTED | SA_FORCE_NEW, "\"table\"", SV_ENUM, materializations,
     "`table` builds the result into a scratch table and replaces the target with it in one statement, so "
     "readers never see a half-built table; `incremental` MERGEs the selected rows into the target by "
     "`unique_key`; `view` keeps a view. Changing it replaces the transform.",
     NULL, 0, 0, NULL},
    {"unique_key", ST_LIST_STRING, SA_OPTIONAL, NULL, SV_SF_IDENT, NULL,
     "`incremental`: the columns of the result that identify a row; the SELECT must return each key once.", NULL, 0, 0,
     NULL},
    {"lookback", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"15m\"", SV_DURATION, NULL,
     "`incremental`: how far before the last successful run's start `{{since}}` reaches, so rows that "
     "committed late (or a clock apart from the warehouse's) are selected again; the MERGE makes the "
     "overlap harmless.",
     NULL, 0, 0, NULL},
    {"inputs", ST_SET_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "What the SQL reads: pipeline tables as `\"<pipeline>/<table>\"` (the table as its table block names "
     "it) and other transforms by name. Write them as references (`\"${weir_pipeline.p.name}/public.orders\"`, "
     "`weir_transform.t.name`) so OpenTofu creates them first. Without a `schedule` the transform runs once "
     "every input has published since its last run.",
     NULL, 0, 0, NULL},
    {"schedule", ST_STRING, SA_OPTIONAL, NULL, SV_CRON, NULL,
     "Cron schedule (UTC) instead of running when the inputs publish. A failed or quarantined input holds "
     "the transform either way.",
     NULL, 0, 0, NULL},
    {"enabled", ST_BOOL, SA_OPTIONAL | SA_COMPUTED, "true", SV_NONE, NULL,
     "Set to false to stop automatic runs; `weir-agent ctl run` still works.", NULL, 0, 0, NULL},
    {"description", ST_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL, "Free text for operators.", NULL, 0, 0, NULL},
    {"slo_success_ratio", ST_NUMBER, SA_OPTIONAL, NULL, SV_FRACTION, NULL,
     "Objective for the share of DAG runs feeding this transform that succeed over 30 days, e.g. `0.999`. "
     "`weir-agent ctl status` shows the ratio against it, and an alert fires when the failure rate of the "
     "last 24 hours would spend the month's error budget (burn rate above 1).",
     NULL, 0, 0, NULL},
    {"slo_latency", ST_STRING, SA_OPTIONAL, NULL, SV_DURATION, NULL,
     "Objective for source-to-analytics-ready latency (the transform's publish minus the extract snapshot "
     "of the oldest input it consumed), e.g. `\"30m\"`: p50 and p95 over 30 days are shown against it and "
     "an alert fires while p95 is above it.",
     NULL, 0, 0, NULL},
    {"retention", ST_STRING, SA_OPTIONAL, NULL, SV_NONE, NULL,
     "How long the target keeps a row, by `retention_column`, e.g. `\"7y\"` (d, w, or y of 365 days); a daily "
     "step deletes older rows in bounded batches. Not for views. See [retention](../retention.md).",
     NULL, 0, 0, NULL},
    {"retention_column", ST_STRING, SA_OPTIONAL | SA_COMPUTED, "\"_WEIR_LOADED_AT\"", SV_SF_IDENT, NULL,
     "Timestamp column of the target that `retention` compares with; select `_WEIR_LOADED_AT` from an input "
     "(the default) or name a business date.",
     NULL, 0, 0, NULL},
};

static void transform_diag(spec_diags_t *diags, const char *attr, const char *summary, const char *detail)
{
    spec_step_t path[] = {{.kind = PATH_ATTR, .name = attr}};
    spec_diag_add(diags, true, path, 1, summary, "%s", detail);
}

/* False when `sql` is not one SELECT: it must start with SELECT or WITH (after blanks, comments and
 * opening parentheses) and hold no ';' outside quotes except at its end. */
static bool one_select(const char *sql)
{
    const char *p = sql;
    for (;;) {
        while (*p && (isspace((unsigned char)*p) || *p == '('))
            p++;
        if (p[0] == '-' && p[1] == '-')
            p += strcspn(p, "\n");
        else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else
            break;
    }
    if (strncasecmp(p, "SELECT", 6) != 0 && strncasecmp(p, "WITH", 4) != 0)
        return false;
    char quote = 0;
    for (; *p; p++) {
        if (quote) {
            quote = *p == quote ? 0 : quote;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == ';') {
            for (const char *rest = p + 1; *rest; rest++)
                if (!isspace((unsigned char)*rest) && *rest != ';')
                    return false;
            return true;
        }
    }
    return true;
}

static void check_transform(const wv_t *object, spec_diags_t *diags)
{
    const char *name = text_of(object, "name");
    const char *sql = text_of(object, "sql");
    const char *materialization = text_of(object, "materialization");
    bool incremental = materialization && strcmp(materialization, "incremental") == 0;
    if (sql && !one_select(sql))
        transform_diag(diags, "sql", "Not a SELECT",
                       "sql must be one SELECT (or WITH … SELECT) statement; the agent wraps it to build the target.");
    if (sql && materialization && incremental != (strstr(sql, "{{since}}") != NULL))
        transform_diag(diags, "sql", incremental ? "Missing {{since}}" : "Placeholder outside incremental",
                       incremental ? "An incremental transform selects only new rows: filter on {{since}}, e.g. "
                                     "WHERE _WEIR_LOADED_AT >= {{since}}."
                                   : "{{since}} is only replaced for materialization = \"incremental\".");
    const wv_t *key = wv_map_get(object, "unique_key");
    if (incremental && (wv_is_null(key) || (key->kind == WV_LIST && key->count == 0)))
        transform_diag(diags, "unique_key", "Missing unique_key",
                       "An incremental transform MERGEs by unique_key: name the result columns that identify a row.");
    const wv_t *inputs = wv_map_get(object, "inputs");
    bool has_inputs = inputs && inputs->kind == WV_LIST && inputs->count > 0;
    for (size_t i = 0; has_inputs && i < inputs->count; i++) {
        const wv_t *item = inputs->items[i];
        if (!item || item->kind != WV_STRING)
            continue; /* unknown until apply */
        transform_input_t input;
        char why[400];
        spec_step_t path[] = {{.kind = PATH_ATTR, .name = "inputs"}, {.kind = PATH_INDEX, .index = (long)i}};
        if (!transform_input_parse(item->text, &input, why, sizeof why))
            spec_diag_add(diags, true, path, 2, "Invalid input", "%s", why);
        else if (!input.is_table && name && strcmp(input.object, name) == 0)
            spec_diag_add(diags, true, path, 2, "Transform depends on itself",
                          "Transform %s lists itself in inputs: the cycle %s -> %s can never run.", name, name, name);
    }
    const char *retention = text_of(object, "retention");
    long long days = 0;
    char why[200];
    if (retention && !retention_days(retention, &days, why, sizeof why))
        transform_diag(diags, "retention", "Invalid retention", why);
    else if (retention && materialization && strcmp(materialization, "view") == 0)
        transform_diag(diags, "retention", "Retention on a view",
                       "A view keeps no rows of its own: set retention on the tables it reads.");
    const wv_t *schedule = wv_map_get(object, "schedule");
    if (inputs && inputs->kind != WV_UNKNOWN && !has_inputs && schedule && schedule->kind == WV_NULL)
        transform_diag(diags, "inputs", "Nothing starts this transform",
                       "Set inputs (it runs when they publish) or a schedule.");
}

static const spec_kind_t transform = {
    "transform",
    "weir_transform",
    "Transform",
    "A SQL model in the destination, built from pipeline tables and other transforms: the agent runs it "
    "once all its inputs have published since its last run (or on its own schedule), never from a "
    "failed or quarantined input, and never leaves a half-built target. See "
    "[transforms](../transforms.md).",
    ATTRS(transform_attrs),
    check_transform,
    "resource \"weir_transform\" \"customer_orders\" {\n  name        = \"customer-orders\"\n"
    "  destination = weir_destination_snowflake.raw.name\n  target      = \"CUSTOMER_ORDERS\"\n"
    "  inputs = [\n    \"${weir_pipeline.shop.name}/public.orders\",\n"
    "    \"${weir_pipeline.shop.name}/public.customers\",\n  ]\n"
    "  sql = <<-SQL\n    SELECT c.ID AS CUSTOMER_ID, c.NAME, o.ID AS ORDER_ID, o.AMOUNT\n"
    "    FROM ORDERS o JOIN CUSTOMERS c ON c.ID = o.CUSTOMER_ID\n  SQL\n}\n\n"
    "resource \"weir_transform\" \"paid_orders\" {\n  name            = \"paid-orders\"\n"
    "  destination     = weir_destination_snowflake.raw.name\n  target          = \"PAID_ORDERS\"\n"
    "  materialization = \"incremental\"\n  unique_key      = [\"ORDER_ID\"]\n  lookback        = \"15m\"\n"
    "  inputs          = [\"${weir_pipeline.shop.name}/public.orders\"]\n"
    "  sql = <<-SQL\n    SELECT ID AS ORDER_ID, CUSTOMER_ID, AMOUNT FROM ORDERS\n"
    "    WHERE STATUS = 'paid' AND _WEIR_LOADED_AT >= {{since}}\n  SQL\n}\n"};

const spec_kind_t *const spec_kinds[] = {&source_postgres, &source_http,   &destination_snowflake, &pipeline,
                                         &backfill,        &quality_check, &alert_channel,         &transform};
const size_t spec_kind_count = sizeof spec_kinds / sizeof spec_kinds[0];
