/* quality.c — judging check measurements against bounds and history, and their incidents. */
#include "quality.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "log.h"
#include "specs.h"

/* Comparable batches kept for the baseline: about two and a half days of hourly runs, or ten weeks
 * of one hour-of-week slot. */
#define QUALITY_HISTORY_MAX 600
#define QUALITY_HISTORY_RECENT 60

/* The subject's run id, owner (pipeline or transform name) and table ("" for a transform). */
static const char *subject_run(const quality_context_t *ctx)
{
    return ctx->batch ? ctx->batch->run_id : ctx->transform->run_id;
}

static const char *subject_owner(const quality_context_t *ctx)
{
    return ctx->batch ? ctx->batch->pipeline : ctx->transform->transform;
}

static const char *subject_table(const quality_context_t *ctx)
{
    return ctx->batch ? ctx->batch->table : "";
}

/* Whether a check naming this pipeline and table, or this transform, guards the subject (`table`
 * NULL: any table of the pipeline). */
static bool guards(const quality_context_t *ctx, const char *pipeline, const char *table, const char *transform)
{
    if (!ctx->batch)
        return transform && strcmp(transform, ctx->transform->transform) == 0;
    return pipeline && strcmp(pipeline, ctx->batch->pipeline) == 0 && (!table || strcmp(table, ctx->batch->table) == 0);
}

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

/* The history of this check's observed values in committed runs, optionally only those taken in
 * the current hour of the week. */
static size_t history(const quality_context_t *ctx, const char *check, bool same_hour, double *values, weir_err_t *err)
{
    static __thread int hours[QUALITY_HISTORY_MAX];
    size_t count = 0;
    if (store_check_history(ctx->store, check, same_hour ? QUALITY_HISTORY_MAX : QUALITY_HISTORY_RECENT, values, hours,
                            &count, err) != WEIR_OK)
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

static void row_count(const quality_context_t *ctx, const check_spec_t *check, const destination_measure_t *m,
                      store_check_result_t *r, weir_err_t *err)
{
    double rows = m->value;
    r->has_observed = true;
    r->observed = rows;
    if (check->has_min_rows && rows < check->min_rows) {
        snprintf(r->detail, sizeof r->detail, "%.0f rows, fewer than min_rows %.0f", rows, check->min_rows);
        return;
    }
    if (check->has_max_rows && rows > check->max_rows) {
        snprintf(r->detail, sizeof r->detail, "%.0f rows, more than max_rows %.0f", rows, check->max_rows);
        return;
    }
    r->passed = true;
    snprintf(r->detail, sizeof r->detail, "%.0f rows", rows);
    if (!ctx->judge_history)
        return;
    static __thread double values[QUALITY_HISTORY_MAX];
    bool same_hour = check->seasonality && strcmp(check->seasonality, "hour_of_week") == 0;
    size_t count = history(ctx, r->check, same_hour, values, err);
    double need = check->has_min_history ? check->min_history : 8;
    double threshold = check->has_anomaly_threshold ? check->anomaly_threshold : 3.5;
    if ((double)count < need) {
        snprintf(r->detail, sizeof r->detail, "%.0f rows (history of %zu comparable runs; judging from %.0f)", rows,
                 count, need);
        return;
    }
    double z = quality_robust_z(values, count, rows);
    double center = median(values, count);
    r->passed = z <= threshold;
    snprintf(r->detail, sizeof r->detail,
             "%.0f rows against a median of %.0f over %zu %sruns: %.1f robust deviations%s", rows, center, count,
             same_hour ? "same-hour " : "", z, r->passed ? "" : " (anomaly_threshold exceeded)");
}

static void null_spike(const quality_context_t *ctx, const check_spec_t *check, const destination_measure_t *m,
                       store_check_result_t *r, weir_err_t *err)
{
    double total = m->total, nulls = m->value;
    double fraction = total > 0 ? nulls / total : 0;
    r->has_observed = true;
    r->observed = fraction;
    if (check->has_max_null_fraction && fraction > check->max_null_fraction) {
        snprintf(r->detail, sizeof r->detail, "%.1f %% NULL in %s (%.0f of %.0f rows), above max_null_fraction %.1f %%",
                 100 * fraction, check->column, nulls, total, 100 * check->max_null_fraction);
        return;
    }
    r->passed = true;
    snprintf(r->detail, sizeof r->detail, "%.1f %% NULL in %s (%.0f of %.0f rows)", 100 * fraction, check->column,
             nulls, total);
    if (!check->has_max_null_increase || !ctx->judge_history)
        return;
    static __thread double values[QUALITY_HISTORY_MAX];
    size_t count = history(ctx, r->check, false, values, err);
    if ((double)count < (check->has_min_history ? check->min_history : 8))
        return;
    double usual = median(values, count);
    if (fraction - usual > check->max_null_increase) {
        r->passed = false;
        snprintf(r->detail, sizeof r->detail,
                 "%.1f %% NULL in %s against a usual %.1f %% (median of %zu runs): up more than max_null_increase %.1f "
                 "points",
                 100 * fraction, check->column, 100 * usual, count, 100 * check->max_null_increase);
    }
}

/* Kinds that count failing rows: the check passes at zero. */
static void failing_rows(const quality_context_t *ctx, const check_spec_t *check, const destination_measure_t *m,
                         store_check_result_t *r, weir_err_t *err)
{
    (void)ctx;
    (void)err;
    r->has_observed = true;
    r->observed = m->value;
    r->passed = m->value == 0;
    switch (check->kind) {
    case CHECK_UNIQUE:
        snprintf(r->detail, sizeof r->detail, "%.0f duplicated value combinations in the batch and target", m->value);
        break;
    case CHECK_ACCEPTED_VALUES:
        snprintf(r->detail, sizeof r->detail, "%.0f rows with a value outside the accepted set", m->value);
        break;
    case CHECK_REFERENTIAL_INTEGRITY:
        snprintf(r->detail, sizeof r->detail, "%.0f rows whose %.100s has no parent in %.200s", m->value, check->column,
                 check->references);
        break;
    default:
        snprintf(r->detail, sizeof r->detail, "%.0f failing rows", m->value);
        break;
    }
}

static void freshness(const quality_context_t *ctx, const check_spec_t *check, const destination_measure_t *m,
                      store_check_result_t *r, weir_err_t *err)
{
    (void)err;
    const char *cursor = ctx->batch ? ctx->batch->table_cursor : check->column;
    if (m->is_null) {
        snprintf(r->detail, sizeof r->detail, "the target has no rows with a %s", cursor);
        return;
    }
    r->has_observed = true;
    r->observed = m->value;
    r->passed = m->value <= (double)check->max_age_seconds;
    snprintf(r->detail, sizeof r->detail, "newest %s is %.0f s old%s (max_age %s)", cursor, m->value,
             r->passed ? "" : ": stale", check->max_age);
}

typedef void (*judge_fn)(const quality_context_t *, const check_spec_t *, const destination_measure_t *,
                         store_check_result_t *, weir_err_t *);

/* Which stage each kind runs at, and how its measurement is judged. */
static const struct {
    quality_stage_t stage;
    judge_fn judge;
} judges[] = {
    [CHECK_FRESHNESS] = {QUALITY_TARGET, freshness},    [CHECK_ROW_COUNT] = {QUALITY_BATCH, row_count},
    [CHECK_NULL_SPIKE] = {QUALITY_BATCH, null_spike},   [CHECK_REFERENTIAL_INTEGRITY] = {QUALITY_BATCH, failing_rows},
    [CHECK_UNIQUE] = {QUALITY_BATCH, failing_rows},     [CHECK_ACCEPTED_VALUES] = {QUALITY_BATCH, failing_rows},
    [CHECK_CUSTOM_SQL] = {QUALITY_BATCH, failing_rows},
};

static void append_summary(quality_report_t *report, const store_check_result_t *r)
{
    size_t used = strlen(report->summary);
    snprintf(report->summary + used, sizeof report->summary - used, "%s%s (%s): %s", used ? "; " : "", r->check,
             r->severity, r->detail);
}

/* Measures and judges one check into `r`. A destination that cannot be reached for the moment is
 * not the check's verdict: that comes back (UNAVAILABLE or IO, with err) for the step to retry. */
static weir_status_t evaluate(const quality_context_t *ctx, const check_spec_t *check, quality_stage_t stage,
                              store_check_result_t *r, weir_err_t *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->run_id, sizeof r->run_id, "%s", subject_run(ctx));
    snprintf(r->check, sizeof r->check, "%s", check->name);
    snprintf(r->pipeline, sizeof r->pipeline, "%s", subject_owner(ctx));
    snprintf(r->table_name, sizeof r->table_name, "%s", subject_table(ctx));
    snprintf(r->kind, sizeof r->kind, "%s", check->kind_text);
    snprintf(r->severity, sizeof r->severity, "%s", check->is_error ? "error" : "warn");
    snprintf(r->stage, sizeof r->stage, "%s", stage == QUALITY_BATCH ? "batch" : "target");
    destination_measure_t measured;
    weir_err_t check_err = {{0}};
    weir_status_t measured_status = ctx->batch
        ? ctx->destination->measure(ctx->session, ctx->batch, check, &measured, &check_err)
        : ctx->destination->transform_measure(ctx->session, ctx->transform, check, &measured, &check_err);
    if (measured_status == WEIR_ERR_UNAVAILABLE || measured_status == WEIR_ERR_IO) {
        weir_err_set(err, "check %s: the destination did not answer: %.400s", check->name, check_err.msg);
        return measured_status;
    }
    if (measured_status != WEIR_OK) {
        snprintf(r->detail, sizeof r->detail, "cannot run the check: %.400s", check_err.msg);
        return WEIR_OK;
    }
    judges[check->kind].judge(ctx, check, &measured, r, &check_err);
    return WEIR_OK;
}

/* One incident per check: raised while it fails (saying whether the batch is held), resolved once
 * it passes again. */
static void report_incidents(const quality_context_t *ctx, const quality_report_t *report)
{
    for (size_t i = 0; i < report->count; i++) {
        const store_check_result_t *r = &report->items[i];
        char key[200], summary[1024];
        alerts_check_key(r->check, key, sizeof key);
        if (r->passed) {
            alerts_clear(ctx->store, key);
            continue;
        }
        bool held = report->blocking && strcmp(r->severity, "error") == 0;
        const char *consequence = !held ? ""
            : ctx->batch                ? " — the batch is quarantined: weir-agent ctl quarantine release|discard RUN"
                                        : " — the result was not published: the target keeps its previous rows";
        snprintf(summary, sizeof summary, "check %s failed: %.600s%s", r->check, r->detail, consequence);
        char kind[64];
        snprintf(kind, sizeof kind, "check:%s", r->kind);
        alert_condition_t condition = {.key = key,
                                       .pipeline = subject_owner(ctx),
                                       .table = subject_table(ctx),
                                       .kind = kind,
                                       .severity = r->severity,
                                       .summary = summary,
                                       .run_id = subject_run(ctx)};
        alerts_raise(ctx->store, &condition);
    }
}

/* Runs `check` into `r` when it guards this table at this stage; resolves the incident of a check
 * switched off. True when `r` was filled. */
static bool consider(const quality_context_t *ctx, const check_spec_t *check, quality_stage_t stage,
                     store_check_result_t *r, weir_status_t *status, weir_err_t *err)
{
    /* A check switched off no longer stands for a condition: its open incident resolves. */
    if (!check->enabled && guards(ctx, check->pipeline, NULL, check->transform)) {
        char key[200];
        alerts_check_key(check->name, key, sizeof key);
        alerts_clear(ctx->store, key);
    }
    bool this_subject = guards(ctx, check->pipeline, check->table ? check->table : "", check->transform);
    if (!this_subject || !check->enabled || judges[check->kind].stage != stage)
        return false;
    *status = evaluate(ctx, check, stage, r, err);
    return true;
}

/* A stored check of this table whose spec does not bind (written by another agent version, or
 * edited by hand): a failed result naming why, with its stored severity (error by default). */
static bool unreadable(const quality_context_t *ctx, const agent_object_t *object, const weir_err_t *why,
                       store_check_result_t *r)
{
    json_t *raw = json_loads(object->spec_json, 0, NULL);
    const char *pipeline = json_string_value(json_object_get(raw, "pipeline"));
    const char *table = json_string_value(json_object_get(raw, "table"));
    const char *transform = json_string_value(json_object_get(raw, "transform"));
    const char *severity = json_string_value(json_object_get(raw, "severity"));
    const char *kind = json_string_value(json_object_get(raw, "kind"));
    bool mine = (transform || table) && guards(ctx, pipeline, table ? table : "", transform) &&
        !json_is_false(json_object_get(raw, "enabled"));
    if (mine) {
        memset(r, 0, sizeof *r);
        snprintf(r->run_id, sizeof r->run_id, "%s", subject_run(ctx));
        snprintf(r->check, sizeof r->check, "%s", object->name);
        snprintf(r->pipeline, sizeof r->pipeline, "%s", subject_owner(ctx));
        snprintf(r->table_name, sizeof r->table_name, "%s", subject_table(ctx));
        snprintf(r->kind, sizeof r->kind, "%s", kind ? kind : "unknown");
        snprintf(r->severity, sizeof r->severity, "%s", severity && strcmp(severity, "warn") == 0 ? "warn" : "error");
        snprintf(r->stage, sizeof r->stage, "batch");
        snprintf(r->detail, sizeof r->detail, "the check cannot be read: %.440s", why->msg);
    }
    json_decref(raw);
    return mine;
}

weir_status_t quality_run(const quality_context_t *ctx, quality_stage_t stage, quality_report_t *report,
                          weir_err_t *err)
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
    for (size_t i = 0; status == WEIR_OK && i < objects.count; i++) {
        check_spec_t check;
        weir_err_t parse_err = {{0}};
        store_check_result_t *r = &report->items[report->count];
        bool judged = false;
        if (check_spec_parse(objects.items[i].spec_json, objects.items[i].name, &check, &parse_err) != WEIR_OK) {
            /* A check that cannot be read is a failed result at the batch stage, never a skipped one. */
            judged = stage == QUALITY_BATCH && unreadable(ctx, &objects.items[i], &parse_err, r);
        } else {
            judged = consider(ctx, &check, stage, r, &status, err);
            check_spec_free(&check);
        }
        if (judged && status == WEIR_OK)
            report->count++;
    }
    agent_object_list_free(&objects);
    /* Recorded only once every check has its verdict: a pass cut short by the destination leaves
     * no partial results, and the retried pass replaces none twice. */
    if (status == WEIR_OK)
        status = store_check_record_pass(ctx->store, report->items, report->count, err);
    for (size_t i = 0; status == WEIR_OK && i < report->count; i++) {
        const store_check_result_t *r = &report->items[i];
        if (!r->passed) {
            append_summary(report, r);
            report->blocking |= strcmp(r->severity, "error") == 0 && stage == QUALITY_BATCH;
        }
        log_info("quality", "run %s: check %s %s: %s", subject_run(ctx), r->check, r->passed ? "passed" : "FAILED",
                 r->detail);
    }
    if (status == WEIR_OK)
        report_incidents(ctx, report);
    return status;
}

void quality_report_free(quality_report_t *report)
{
    free(report->items);
    memset(report, 0, sizeof *report);
}
