/* quality.c — evaluating quality checks in Snowflake SQL and judging them against history. */
#include "quality.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "log.h"
#include "spec.h"

/* Comparable batches kept for the baseline: about two and a half days of hourly runs, or ten weeks
 * of one hour-of-week slot. */
#define QUALITY_HISTORY_MAX 600
#define QUALITY_HISTORY_RECENT 60

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of `values` (sorted in place). */
static double median(double *values, size_t count)
{
    qsort(values, count, sizeof *values, by_value);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

double quality_robust_z(const double *history, size_t count, double value)
{
    if (count == 0)
        return 0;
    double *work = malloc(count * sizeof *work);
    if (!work)
        return 0;
    memcpy(work, history, count * sizeof *work);
    double center = median(work, count);
    for (size_t i = 0; i < count; i++)
        work[i] = fabs(work[i] - center);
    double mad = median(work, count);
    free(work);
    double scale = fmax(fmax(1.4826 * mad, 0.05 * fabs(center)), 1.0);
    return fabs(value - center) / scale;
}

static const char *text_of(json_t *spec, const char *key)
{
    return json_string_value(json_object_get(spec, key));
}

static double number_of(json_t *spec, const char *key, double fallback)
{
    json_t *value = json_object_get(spec, key);
    return json_is_number(value) ? json_number_value(value) : fallback;
}

/* Runs `sql` (emptied) and reads its first cell as a number; *is_null when it is SQL NULL. */
static weir_status_t query_number(sf_client_t *client, weir_buf_t *sql, double *out, bool *is_null, weir_err_t *err)
{
    sf_result_t result = {0};
    weir_status_t status = sf_run(client, sql, &result, err);
    if (status == WEIR_OK) {
        const char *text = sf_result_row_count(&result) ? sf_result_text(&result, 0, 0) : NULL;
        *is_null = text == NULL;
        *out = text ? strtod(text, NULL) : 0;
    }
    sf_result_free(&result);
    return status;
}

static weir_status_t put_columns(weir_buf_t *sql, json_t *columns, const char *prefix)
{
    weir_status_t result = WEIR_OK;
    size_t i;
    json_t *column;
    json_array_foreach(columns, i, column) {
        result = buf_printf(sql, "%s%s", i ? ", " : "", prefix);
        if (result == WEIR_OK)
            result = sf_put_column(sql, json_string_value(column));
        if (result != WEIR_OK)
            break;
    }
    return result;
}

/* The history of this check's observed values in committed runs, optionally only those taken in
 * the current hour of the week. */
static size_t history(const quality_context_t *ctx, const char *check, bool same_hour, double *values,
                      weir_err_t *err)
{
    static __thread int hours[QUALITY_HISTORY_MAX];
    size_t count = 0;
    if (store_check_history(ctx->store, check, same_hour ? QUALITY_HISTORY_MAX : QUALITY_HISTORY_RECENT, values,
                            hours, &count, err) != WEIR_OK)
        return 0;
    if (!same_hour)
        return count;
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    int this_hour = ((utc.tm_wday + 6) % 7) * 24 + utc.tm_hour;
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (hours[i] == this_hour)
            values[kept++] = values[i];
    return kept;
}

static void row_count(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql, store_check_result_t *r,
                      weir_err_t *err)
{
    double rows;
    bool is_null;
    if (buf_printf(sql, "SELECT COUNT(*) FROM %s", ctx->batch_table) != WEIR_OK ||
        query_number(ctx->client, sql, &rows, &is_null, err) != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot count the batch: %.400s", err->msg);
        return;
    }
    r->has_observed = true;
    r->observed = rows;
    json_t *min = json_object_get(spec, "min_rows"), *max = json_object_get(spec, "max_rows");
    if (json_is_number(min) && rows < json_number_value(min)) {
        snprintf(r->detail, sizeof r->detail, "%.0f rows, fewer than min_rows %.0f", rows, json_number_value(min));
        return;
    }
    if (json_is_number(max) && rows > json_number_value(max)) {
        snprintf(r->detail, sizeof r->detail, "%.0f rows, more than max_rows %.0f", rows, json_number_value(max));
        return;
    }
    r->passed = true;
    snprintf(r->detail, sizeof r->detail, "%.0f rows", rows);
    if (!ctx->judge_history)
        return;
    static __thread double values[QUALITY_HISTORY_MAX];
    const char *seasonality = text_of(spec, "seasonality");
    bool same_hour = seasonality && strcmp(seasonality, "hour_of_week") == 0;
    size_t count = history(ctx, r->check, same_hour, values, err);
    double need = number_of(spec, "min_history", 8), threshold = number_of(spec, "anomaly_threshold", 3.5);
    if ((double)count < need) {
        snprintf(r->detail, sizeof r->detail, "%.0f rows (history of %zu comparable runs; judging from %.0f)", rows,
                 count, need);
        return;
    }
    double z = quality_robust_z(values, count, rows);
    double center = median(values, count);
    r->passed = z <= threshold;
    snprintf(r->detail, sizeof r->detail, "%.0f rows against a median of %.0f over %zu %sruns: %.1f robust deviations%s",
             rows, center, count, same_hour ? "same-hour " : "", z,
             r->passed ? "" : " (anomaly_threshold exceeded)");
}

static void null_spike(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql, store_check_result_t *r,
                       weir_err_t *err)
{
    sf_result_t result = {0};
    weir_status_t status = buf_puts(sql, "SELECT COUNT(*), SUM(CASE WHEN ");
    if (status == WEIR_OK)
        status = sf_put_column(sql, text_of(spec, "column"));
    if (status == WEIR_OK)
        status = buf_printf(sql, " IS NULL THEN 1 ELSE 0 END) FROM %s", ctx->batch_table);
    if (status == WEIR_OK)
        status = sf_run(ctx->client, sql, &result, err);
    if (status != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot count NULLs in %.60s: %.400s", text_of(spec, "column"), err->msg);
        sf_result_free(&result);
        return;
    }
    const char *total_text = sf_result_text(&result, 0, 0), *nulls_text = sf_result_text(&result, 0, 1);
    double total = total_text ? strtod(total_text, NULL) : 0, nulls = nulls_text ? strtod(nulls_text, NULL) : 0;
    sf_result_free(&result);
    double fraction = total > 0 ? nulls / total : 0;
    r->has_observed = true;
    r->observed = fraction;
    json_t *max = json_object_get(spec, "max_null_fraction");
    if (json_is_number(max) && fraction > json_number_value(max)) {
        snprintf(r->detail, sizeof r->detail, "%.1f %% NULL in %s (%.0f of %.0f rows), above max_null_fraction %.1f %%",
                 100 * fraction, text_of(spec, "column"), nulls, total, 100 * json_number_value(max));
        return;
    }
    r->passed = true;
    snprintf(r->detail, sizeof r->detail, "%.1f %% NULL in %s (%.0f of %.0f rows)", 100 * fraction,
             text_of(spec, "column"), nulls, total);
    json_t *increase = json_object_get(spec, "max_null_increase");
    if (!json_is_number(increase) || !ctx->judge_history)
        return;
    static __thread double values[QUALITY_HISTORY_MAX];
    size_t count = history(ctx, r->check, false, values, err);
    if ((double)count < number_of(spec, "min_history", 8))
        return;
    double usual = median(values, count);
    if (fraction - usual > json_number_value(increase)) {
        r->passed = false;
        snprintf(r->detail, sizeof r->detail,
                 "%.1f %% NULL in %s against a usual %.1f %% (median of %zu runs): up more than max_null_increase %.1f points",
                 100 * fraction, text_of(spec, "column"), 100 * usual, count, 100 * json_number_value(increase));
    }
}

/* Counts failing rows with `sql` (already written); the check passes at zero. */
static void failing_rows(const quality_context_t *ctx, weir_buf_t *sql, const char *what, store_check_result_t *r,
                         weir_err_t *err)
{
    double rows;
    bool is_null;
    if (query_number(ctx->client, sql, &rows, &is_null, err) != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot run the check: %.400s", err->msg);
        return;
    }
    r->has_observed = true;
    r->observed = rows;
    r->passed = rows == 0;
    snprintf(r->detail, sizeof r->detail, "%.0f %s", rows, what);
}

static void unique(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql, store_check_result_t *r,
                   weir_err_t *err)
{
    /* Duplicates after the MERGE: target rows the batch does not replace, plus the batch. */
    json_t *columns = json_object_get(spec, "columns");
    weir_status_t status = buf_puts(sql, "SELECT COUNT(*) FROM (SELECT ");
    if (status == WEIR_OK)
        status = put_columns(sql, columns, "");
    if (status == WEIR_OK)
        status = buf_puts(sql, " FROM (SELECT ");
    if (status == WEIR_OK)
        status = put_columns(sql, columns, "t.");
    if (status == WEIR_OK)
        status = buf_printf(sql, " FROM %s t WHERE NOT EXISTS (SELECT 1 FROM %s b WHERE ", ctx->target_table,
                            ctx->batch_table);
    for (size_t k = 0; status == WEIR_OK && k < ctx->key_count; k++) {
        status = buf_puts(sql, k ? " AND b." : "b.");
        if (status == WEIR_OK)
            status = sf_put_column(sql, ctx->primary_key[k]);
        if (status == WEIR_OK)
            status = buf_puts(sql, " = t.");
        if (status == WEIR_OK)
            status = sf_put_column(sql, ctx->primary_key[k]);
    }
    if (status == WEIR_OK)
        status = buf_puts(sql, ") UNION ALL SELECT ");
    if (status == WEIR_OK)
        status = put_columns(sql, columns, "");
    if (status == WEIR_OK)
        status = buf_printf(sql, " FROM %s) u GROUP BY ", ctx->batch_table);
    if (status == WEIR_OK)
        status = put_columns(sql, columns, "");
    if (status == WEIR_OK)
        status = buf_puts(sql, " HAVING COUNT(*) > 1) d");
    if (status != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot build the check's SQL");
        return;
    }
    failing_rows(ctx, sql, "duplicated value combinations in the batch and target", r, err);
}

static void accepted_values(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql, store_check_result_t *r,
                            weir_err_t *err)
{
    weir_status_t status = buf_printf(sql, "SELECT COUNT(*) FROM %s WHERE ", ctx->batch_table);
    if (status == WEIR_OK)
        status = sf_put_column(sql, text_of(spec, "column"));
    if (status == WEIR_OK)
        status = buf_puts(sql, " IS NOT NULL AND CAST(");
    if (status == WEIR_OK)
        status = sf_put_column(sql, text_of(spec, "column"));
    if (status == WEIR_OK)
        status = buf_puts(sql, " AS VARCHAR) NOT IN (");
    size_t i;
    json_t *value;
    json_array_foreach(json_object_get(spec, "values"), i, value) {
        if (status == WEIR_OK)
            status = buf_puts(sql, i ? ", " : "");
        if (status == WEIR_OK)
            status = sf_put_literal(sql, json_string_value(value), json_string_length(value));
    }
    if (status == WEIR_OK)
        status = buf_putc(sql, ')');
    if (status != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot build the check's SQL");
        return;
    }
    failing_rows(ctx, sql, "rows with a value outside the accepted set", r, err);
}

static void referential_integrity(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql,
                                  store_check_result_t *r, weir_err_t *err)
{
    /* references: TABLE.COLUMN or SCHEMA.TABLE.COLUMN in the destination database. */
    char parts[3][256] = {{0}};
    int count = 0;
    const char *p = text_of(spec, "references");
    while (p && *p && count < 3) {
        size_t len = strcspn(p, ".");
        snprintf(parts[count++], sizeof parts[0], "%.*s", (int)len, p);
        p += len + (p[len] == '.');
    }
    if (count < 2 || (p && *p)) {
        snprintf(r->detail, sizeof r->detail, "references \"%s\" is not TABLE.COLUMN or SCHEMA.TABLE.COLUMN",
                 text_of(spec, "references"));
        return;
    }
    const char *schema = count == 3 ? parts[0] : ctx->schema;
    const char *parent = parts[count - 2], *parent_column = parts[count - 1];
    char upper[256];
    weir_status_t status = buf_printf(sql, "SELECT COUNT(*) FROM %s b WHERE b.", ctx->batch_table);
    if (status == WEIR_OK)
        status = sf_put_column(sql, text_of(spec, "column"));
    if (status == WEIR_OK)
        status = buf_puts(sql, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ");
    if (status == WEIR_OK)
        status = sf_put_ident(sql, ctx->database);
    sf_upper_name(schema, upper, sizeof upper);
    if (status == WEIR_OK)
        status = buf_putc(sql, '.');
    if (status == WEIR_OK)
        status = sf_put_ident(sql, upper);
    if (status == WEIR_OK)
        status = buf_putc(sql, '.');
    if (status == WEIR_OK)
        status = sf_put_column(sql, parent);
    if (status == WEIR_OK)
        status = buf_puts(sql, " p WHERE p.");
    if (status == WEIR_OK)
        status = sf_put_column(sql, parent_column);
    if (status == WEIR_OK)
        status = buf_puts(sql, " = b.");
    if (status == WEIR_OK)
        status = sf_put_column(sql, text_of(spec, "column"));
    if (status == WEIR_OK)
        status = buf_putc(sql, ')');
    if (status != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot build the check's SQL");
        return;
    }
    char what[600];
    snprintf(what, sizeof what, "rows whose %s has no parent in %s", text_of(spec, "column"),
             text_of(spec, "references"));
    failing_rows(ctx, sql, what, r, err);
}

static void custom_sql(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql, store_check_result_t *r,
                       weir_err_t *err)
{
    weir_status_t status = WEIR_OK;
    for (const char *p = text_of(spec, "sql"); status == WEIR_OK && *p;) {
        if (strncmp(p, "{{batch}}", 9) == 0) {
            status = buf_puts(sql, ctx->batch_table);
            p += 9;
        } else if (strncmp(p, "{{target}}", 10) == 0) {
            status = buf_puts(sql, ctx->target_table);
            p += 10;
        } else {
            status = buf_putc(sql, (uint8_t)*p++);
        }
    }
    if (status != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "the check's SQL is too long");
        return;
    }
    failing_rows(ctx, sql, "failing rows", r, err);
}

static void freshness(const quality_context_t *ctx, json_t *spec, weir_buf_t *sql, store_check_result_t *r,
                      weir_err_t *err)
{
    long long max_age = 0;
    if (!text_of(spec, "max_age") || !spec_duration_seconds(text_of(spec, "max_age"), &max_age)) {
        snprintf(r->detail, sizeof r->detail, "max_age is missing or not a duration");
        return;
    }
    if (!ctx->cursor) {
        snprintf(r->detail, sizeof r->detail, "the table has no cursor column to measure freshness by");
        return;
    }
    double age;
    bool is_null;
    weir_status_t status = buf_puts(sql, "SELECT DATEDIFF('second', MAX(");
    if (status == WEIR_OK)
        status = sf_put_column(sql, ctx->cursor);
    if (status == WEIR_OK)
        status = buf_printf(sql, "), CURRENT_TIMESTAMP()) FROM %s", ctx->target_table);
    if (status != WEIR_OK || query_number(ctx->client, sql, &age, &is_null, err) != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot measure the newest %.60s: %.400s", ctx->cursor, err->msg);
        return;
    }
    if (is_null) {
        snprintf(r->detail, sizeof r->detail, "the target has no rows with a %s", ctx->cursor);
        return;
    }
    r->has_observed = true;
    r->observed = age;
    r->passed = age <= (double)max_age;
    snprintf(r->detail, sizeof r->detail, "newest %s is %.0f s old%s (max_age %s)", ctx->cursor, age,
             r->passed ? "" : ": stale", text_of(spec, "max_age"));
}

typedef void (*check_fn)(const quality_context_t *, json_t *, weir_buf_t *, store_check_result_t *, weir_err_t *);

static const struct {
    const char *kind;
    const char *stage;
    check_fn run;
} checks[] = {
    {"row_count", "batch", row_count},
    {"null_spike", "batch", null_spike},
    {"unique", "batch", unique},
    {"accepted_values", "batch", accepted_values},
    {"referential_integrity", "batch", referential_integrity},
    {"custom_sql", "batch", custom_sql},
    {"freshness", "target", freshness},
};

static void append_summary(quality_report_t *report, const store_check_result_t *r)
{
    size_t used = strlen(report->summary);
    snprintf(report->summary + used, sizeof report->summary - used, "%s%s (%s): %s", used ? "; " : "", r->check,
             r->severity, r->detail);
}

weir_status_t quality_run(const quality_context_t *ctx, const char *stage, quality_report_t *report, weir_err_t *err)
{
    memset(report, 0, sizeof *report);
    agent_object_list_t objects = {0};
    weir_status_t status = store_list(ctx->store, "quality_check", "", "", 0, &objects, err);
    if (status != WEIR_OK)
        return status;
    report->items = calloc(objects.count ? objects.count : 1, sizeof *report->items);
    if (!report->items) {
        agent_object_list_free(&objects);
        return WEIR_ERR_NOMEM;
    }
    weir_buf_t sql;
    buf_init(&sql, 1024 * 1024);
    for (size_t i = 0; status == WEIR_OK && i < objects.count; i++) {
        json_t *spec = json_loads(objects.items[i].spec_json, 0, NULL);
        /* A check switched off no longer stands for a condition: its open incident resolves. */
        if (spec && json_is_false(json_object_get(spec, "enabled")) && text_of(spec, "pipeline") &&
            strcmp(text_of(spec, "pipeline"), ctx->pipeline) == 0) {
            char key[200];
            alerts_check_key(objects.items[i].name, key, sizeof key);
            alerts_clear(ctx->store, key);
        }
        const char *kind = text_of(spec, "kind");
        size_t which = sizeof checks / sizeof checks[0];
        for (size_t c = 0; kind && c < sizeof checks / sizeof checks[0]; c++)
            if (strcmp(checks[c].kind, kind) == 0)
                which = c;
        bool mine = spec && text_of(spec, "pipeline") && strcmp(text_of(spec, "pipeline"), ctx->pipeline) == 0 &&
                    text_of(spec, "table") && strcmp(text_of(spec, "table"), ctx->table) == 0 &&
                    !json_is_false(json_object_get(spec, "enabled")) && which < sizeof checks / sizeof checks[0] &&
                    strcmp(checks[which].stage, stage) == 0;
        if (mine) {
            store_check_result_t *r = &report->items[report->count++];
            memset(r, 0, sizeof *r);
            snprintf(r->run_id, sizeof r->run_id, "%s", ctx->run_id);
            snprintf(r->check, sizeof r->check, "%s", objects.items[i].name);
            snprintf(r->pipeline, sizeof r->pipeline, "%s", ctx->pipeline);
            snprintf(r->table_name, sizeof r->table_name, "%s", ctx->table);
            snprintf(r->kind, sizeof r->kind, "%s", kind);
            snprintf(r->severity, sizeof r->severity, "%s", text_of(spec, "severity") ? text_of(spec, "severity") : "error");
            snprintf(r->stage, sizeof r->stage, "%s", stage);
            weir_err_t check_err = {{0}};
            buf_reset(&sql);
            checks[which].run(ctx, spec, &sql, r, &check_err);
            status = store_check_record(ctx->store, r, err);
            if (!r->passed) {
                append_summary(report, r);
                if (strcmp(r->severity, "error") == 0 && strcmp(stage, "batch") == 0)
                    report->blocking = true;
            }
            log_info("quality", "run %s: check %s %s: %s", ctx->run_id, r->check, r->passed ? "passed" : "FAILED",
                     r->detail);
        }
        json_decref(spec);
    }
    buf_free(&sql);
    agent_object_list_free(&objects);
    /* One incident per check: raised while it fails (saying whether the batch is held), resolved
     * once it passes again. */
    for (size_t i = 0; status == WEIR_OK && i < report->count; i++) {
        const store_check_result_t *r = &report->items[i];
        char key[200], summary[1024];
        alerts_check_key(r->check, key, sizeof key);
        if (r->passed) {
            alerts_clear(ctx->store, key);
            continue;
        }
        bool held = report->blocking && strcmp(r->severity, "error") == 0;
        snprintf(summary, sizeof summary, "check %s failed: %.600s%s", r->check, r->detail,
                 held ? " — the batch is quarantined: weir-agent ctl quarantine release|discard RUN" : "");
        char kind[64];
        snprintf(kind, sizeof kind, "check:%s", r->kind);
        alert_condition_t condition = {.key = key, .pipeline = ctx->pipeline, .table = ctx->table, .kind = kind,
                                       .severity = r->severity, .summary = summary, .run_id = ctx->run_id};
        alerts_raise(ctx->store, &condition);
    }
    return status;
}

void quality_report_free(quality_report_t *report)
{
    free(report->items);
    memset(report, 0, sizeof *report);
}
