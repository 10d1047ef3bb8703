/* dag_slo.c — SLO figures and alerts of transforms (dag_slo.h). */
#include "dag_slo.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "log.h"
#include "store_dag_slo.h"

double dag_slo_percentile(const double *sorted, size_t count, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)count);
    return sorted[rank ? rank - 1 : 0];
}

double dag_slo_burn_rate(long long runs, long long failed, double objective)
{
    double share = runs > 0 ? (double)failed / (double)runs : 0;
    double budget = 1.0 - objective;
    if (budget <= 0)
        return failed > 0 ? HUGE_VAL : 0;
    return share / budget;
}

static void stamp(time_t at, char *out, size_t size)
{
    struct tm tm;
    gmtime_r(&at, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

/* "<pipeline>/<table>" with the table spelled as its pipeline's table block spells it (the name
 * DAG run members carry), however the input writes it ("shop/SHOP.orders" for "shop.orders"). */
static json_t *table_member_name(store_t *store, const transform_input_t *input, const char *as_written)
{
    agent_object_t object = {0};
    pipeline_spec_t pipeline;
    weir_err_t err = {{0}};
    json_t *name = NULL;
    if (store_get(store, "pipeline", input->object, &object, &err) == WEIR_OK &&
        pipeline_spec_parse(object.spec_json, input->object, &pipeline, &err) == WEIR_OK) {
        const table_spec_t *table = pipeline_spec_table(&pipeline, input->table);
        if (table)
            name = json_sprintf("%s/%s", pipeline.name, table->name);
        pipeline_spec_free(&pipeline);
    }
    agent_object_clear(&object);
    return name ? name : json_string(as_written);
}

/* Adds `spec` and everything upstream of it (tables, transforms by name) to `names`. `depth`
 * bounds the walk: the agent refuses cycles, but a store written by hand might hold one. */
static void add_upstream(store_t *store, const transform_spec_t *spec, json_t *names, int depth)
{
    json_array_append_new(names, json_string(spec->name));
    for (size_t i = 0; i < spec->input_count && depth < 64; i++) {
        const transform_input_t *input = &spec->input_refs[i];
        if (input->is_table) {
            json_array_append_new(names, table_member_name(store, input, spec->inputs[i]));
            continue;
        }
        agent_object_t object = {0};
        transform_spec_t upstream;
        weir_err_t err = {{0}};
        if (store_get(store, "transform", input->object, &object, &err) == WEIR_OK &&
            transform_spec_parse(object.spec_json, input->object, &upstream, &err) == WEIR_OK) {
            add_upstream(store, &upstream, names, depth + 1);
            transform_spec_free(&upstream);
        }
        agent_object_clear(&object);
    }
}

weir_status_t dag_slo_read(store_t *store, const transform_spec_t *spec, time_t now, dag_slo_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    char month[64], day[64];
    stamp(now - DAG_SLO_WINDOW_DAYS * 86400, month, sizeof month);
    stamp(now - 86400, day, sizeof day);
    json_t *names = json_array();
    add_upstream(store, spec, names, 0);
    char *names_json = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    weir_status_t result = names_json ? WEIR_OK : WEIR_ERR_NOMEM;
    if (result == WEIR_OK)
        result = store_dag_runs_touching(store, names_json, month, &out->runs_30d, &out->failed_30d, err);
    if (result == WEIR_OK)
        result = store_dag_runs_touching(store, names_json, day, &out->runs_24h, &out->failed_24h, err);
    free(names_json);
    double *latencies = NULL;
    if (result == WEIR_OK)
        result = store_transform_latencies(store, spec->name, month, &latencies, &out->latency_count, err);
    if (result != WEIR_OK)
        return result;
    out->has_ratio = out->runs_30d > 0;
    out->ratio_30d = out->has_ratio ? (double)(out->runs_30d - out->failed_30d) / (double)out->runs_30d : 0;
    out->has_burn_rate = spec->has_slo_success_ratio && out->runs_24h > 0;
    if (out->has_burn_rate)
        out->burn_rate_24h = dag_slo_burn_rate(out->runs_24h, out->failed_24h, spec->slo_success_ratio);
    if (out->latency_count) {
        out->latency_p50 = dag_slo_percentile(latencies, out->latency_count, 50);
        out->latency_p95 = dag_slo_percentile(latencies, out->latency_count, 95);
    }
    free(latencies);
    store_transform_latest_latency(store, spec->name, &out->latency_last);
    out->budget_alarm = spec->has_slo_success_ratio &&
        ((out->has_burn_rate && out->burn_rate_24h > 1.0) ||
         (out->has_ratio && out->ratio_30d < spec->slo_success_ratio));
    out->latency_alarm =
        spec->slo_latency && out->latency_count && out->latency_p95 > (double)spec->slo_latency_seconds;
    return WEIR_OK;
}

static void raise_or_clear(store_t *store, const char *name, const char *what, bool alarm, const char *summary)
{
    char key[200];
    snprintf(key, sizeof key, "transform/%s/%s", name, what);
    if (!alarm) {
        alerts_clear(store, key);
        return;
    }
    char kind[64];
    snprintf(kind, sizeof kind, "%s", what);
    alert_condition_t condition = {
        .key = key, .pipeline = name, .table = "", .kind = kind, .severity = "error", .summary = summary, .run_id = ""};
    alerts_raise(store, &condition);
}

static void evaluate(store_t *store, const transform_spec_t *spec, time_t now)
{
    dag_slo_t slo;
    weir_err_t err = {{0}};
    if (dag_slo_read(store, spec, now, &slo, &err) != WEIR_OK) {
        log_error("slo", "transform %s: %s", spec->name, err.msg);
        return;
    }
    char summary[600];
    snprintf(summary, sizeof summary,
             "transform %s: the DAG success objective %.4g is burning: %lld of %lld DAG runs failed in 24 h (burn "
             "rate %.1f), %lld of %lld in 30 days",
             spec->name, spec->slo_success_ratio, slo.failed_24h, slo.runs_24h, slo.burn_rate_24h, slo.failed_30d,
             slo.runs_30d);
    raise_or_clear(store, spec->name, "slo_budget", slo.budget_alarm, summary);
    snprintf(summary, sizeof summary,
             "transform %s: source-to-analytics-ready p95 %.0f s is above the objective %s (p50 %.0f s, %zu runs "
             "in 30 days)",
             spec->name, slo.latency_p95, spec->slo_latency ? spec->slo_latency : "", slo.latency_p50,
             slo.latency_count);
    raise_or_clear(store, spec->name, "slo_latency", slo.latency_alarm, summary);
}

void dag_slo_evaluate_all(store_t *store, time_t now)
{
    agent_object_list_t transforms = {0};
    weir_err_t err = {{0}};
    if (store_list(store, "transform", "", "", 0, &transforms, &err) != WEIR_OK) {
        log_error("slo", "cannot list transforms: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < transforms.count; i++) {
        transform_spec_t spec;
        if (transform_spec_parse(transforms.items[i].spec_json, transforms.items[i].name, &spec, &err) != WEIR_OK)
            continue; /* the scheduler's tick logs it */
        if (spec.has_slo_success_ratio || spec.slo_latency)
            evaluate(store, &spec, now);
        transform_spec_free(&spec);
    }
    agent_object_list_free(&transforms);
}
