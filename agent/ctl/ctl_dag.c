/* ctl_dag.c — the operator's view of the DAG: `ctl run <transform>` and `ctl retry` of a
 * transform run (reached through `run` and `retry` when no pipeline or load run has that name),
 * the transforms' rows of `ctl status`, and `ctl dag graph --format text|dot`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_api.h"
#include "ctl_internal.h"
#include "weir/agent/v1/agent.pb-c.h"

static int report_call(const rpc_error_t *error, const char *what)
{
    return ctl_report(error->code == GRPC_STATUS_NOT_FOUND ? WEIR_ERR_NOT_FOUND : WEIR_ERR_INVALID, error, what);
}

static json_t *transform_run_json(const Weir__Agent__V1__TransformRun *run)
{
    if (!run)
        return json_null();
    json_t *consumed = json_loads(run->consumed_json, 0, NULL);
    json_t *value = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", run->id, "transform", run->transform,
                              "trigger", run->trigger, "state", run->state, "created_at", run->created_at, "started_at",
                              run->started_at, "finished_at", run->finished_at, "since", run->since);
    json_object_set_new(value, "consumed", consumed ? consumed : json_object());
    json_object_set_new(value, "rows", json_integer(run->rows));
    json_object_set_new(value, "inserted", json_integer(run->inserted));
    json_object_set_new(value, "updated", json_integer(run->updated));
    json_object_set_new(value, "attempts", json_integer(run->attempts));
    json_object_set_new(value, "error", json_string(run->error));
    return value;
}

static void print_transform_run_header(void)
{
    printf("%-36s %-28s %-9s %-10s %10s %10s %10s\n", "RUN", "TRANSFORM", "TRIGGER", "STATE", "ROWS", "INSERTED",
           "UPDATED");
}

static void print_transform_run_row(const Weir__Agent__V1__TransformRun *run)
{
    printf("%-36s %-28s %-9s %-10s %10lld %10lld %10lld\n", run->id, run->transform, run->trigger, run->state,
           (long long)run->rows, (long long)run->inserted, (long long)run->updated);
    if (run->error[0])
        printf("  error: %s\n", run->error);
}

static bool transform_run_settled(const char *state)
{
    return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0;
}

/* Follows transform run `id` to its end, bounded by --wait; prints its last row. */
static int follow(rpc_channel_t *channel, const ctl_options_t *options, const char *transform, const char *id)
{
    time_t deadline = time(NULL) + options->wait_seconds;
    for (;;) {
        Weir__Agent__V1__ListTransformRunsRequest request = WEIR__AGENT__V1__LIST_TRANSFORM_RUNS_REQUEST__INIT;
        request.transform = (char *)transform;
        request.limit = 100;
        rpc_error_t error = {0};
        Weir__Agent__V1__ListTransformRunsResponse *reply = (Weir__Agent__V1__ListTransformRunsResponse *)ctl_call(
            channel, AGENT_METHOD_LIST_TRANSFORM_RUNS, &request.base,
            &weir__agent__v1__list_transform_runs_response__descriptor, &error);
        if (!reply)
            return ctl_report(WEIR_ERR_UNAVAILABLE, &error, "run --wait");
        const Weir__Agent__V1__TransformRun *run = NULL;
        for (size_t i = 0; i < reply->n_runs && !run; i++)
            if (strcmp(reply->runs[i]->id, id) == 0)
                run = reply->runs[i];
        int code = -1;
        if (!run) {
            fprintf(stderr, "weir-agent ctl: transform run %s is no longer listed\n", id);
            code = 1;
        } else if (transform_run_settled(run->state) || time(NULL) >= deadline) {
            print_transform_run_header();
            print_transform_run_row(run);
            code = strcmp(run->state, "succeeded") == 0 ? 0 : 1;
        }
        protobuf_c_message_free_unpacked(&reply->base, NULL);
        if (code >= 0)
            return code;
        nanosleep(&(struct timespec){.tv_nsec = 200 * 1000000L}, NULL);
    }
}

/* Prints (or follows) the run a TriggerTransform or RetryTransformRun answered with. */
static int queued(rpc_channel_t *channel, const ctl_options_t *options, const Weir__Agent__V1__TransformRun *run,
                  const char *retried)
{
    if (options->wait_seconds) {
        char id[64], transform[128];
        snprintf(id, sizeof id, "%s", run->id);
        snprintf(transform, sizeof transform, "%s", run->transform);
        return follow(channel, options, transform, id);
    }
    if (options->json) {
        json_t *value = transform_run_json(run);
        ctl_print_json(value);
        json_decref(value);
    } else if (retried) {
        printf("run %s queued for transform %s (retrying %s with what its inputs last published)\n", run->id,
               run->transform, retried);
    } else {
        print_transform_run_header();
        print_transform_run_row(run);
    }
    return 0;
}

int ctl_transform_run(rpc_channel_t *channel, const ctl_options_t *options, const char *name)
{
    Weir__Agent__V1__TriggerTransformRequest request = WEIR__AGENT__V1__TRIGGER_TRANSFORM_REQUEST__INIT;
    request.transform = (char *)name;
    rpc_error_t error = {0};
    Weir__Agent__V1__TriggerTransformResponse *reply = (Weir__Agent__V1__TriggerTransformResponse *)ctl_call(
        channel, AGENT_METHOD_TRIGGER_TRANSFORM, &request.base,
        &weir__agent__v1__trigger_transform_response__descriptor, &error);
    if (!reply || !reply->run) {
        if (error.code == GRPC_STATUS_NOT_FOUND) {
            fprintf(stderr, "weir-agent ctl: run: no pipeline or transform named %s\n", name);
            return 3;
        }
        return report_call(&error, "run");
    }
    int code = queued(channel, options, reply->run, NULL);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return code;
}

int ctl_transform_retry(rpc_channel_t *channel, const ctl_options_t *options, const char *run_id)
{
    Weir__Agent__V1__RetryTransformRunRequest request = WEIR__AGENT__V1__RETRY_TRANSFORM_RUN_REQUEST__INIT;
    request.run_id = (char *)run_id;
    rpc_error_t error = {0};
    Weir__Agent__V1__RetryTransformRunResponse *reply = (Weir__Agent__V1__RetryTransformRunResponse *)ctl_call(
        channel, AGENT_METHOD_RETRY_TRANSFORM_RUN, &request.base,
        &weir__agent__v1__retry_transform_run_response__descriptor, &error);
    if (!reply || !reply->run) {
        if (error.code == GRPC_STATUS_NOT_FOUND) {
            fprintf(stderr, "weir-agent ctl: retry: no run or transform run %s\n", run_id);
            return 3;
        }
        return report_call(&error, "retry");
    }
    int code = queued(channel, options, reply->run, run_id);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return code;
}

/* held, running, failing, disabled, ok or new: the first that applies is what an operator needs. */
static const char *transform_health(const Weir__Agent__V1__TransformStatus *status)
{
    const Weir__Agent__V1__TransformRun *last = status->last_run;
    if (strcmp(status->readiness, "held") == 0)
        return "held";
    if (last && !transform_run_settled(last->state))
        return "running";
    if (last && strcmp(last->state, "failed") == 0)
        return "failing"; /* before disabled: a failed target needs someone either way */
    if (!status->enabled)
        return "disabled";
    return last ? "ok" : "new";
}

static json_t *status_json(const Weir__Agent__V1__TransformStatus *status)
{
    json_t *inputs = json_array();
    for (size_t i = 0; i < status->n_inputs; i++)
        json_array_append_new(inputs, json_string(status->inputs[i]));
    json_t *value =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:o}", "transform", status->name, "health",
                  transform_health(status), "readiness", status->readiness, "target", status->target, "materialization",
                  status->materialization, "enabled", status->enabled, "schedule", status->schedule, "inputs", inputs);
    json_object_set_new(value, "held_by", status->held_by[0] ? json_string(status->held_by) : json_null());
    json_object_set_new(value, "held_reason", status->held_reason[0] ? json_string(status->held_reason) : json_null());
    json_object_set_new(value, "last_run", transform_run_json(status->last_run));
    json_t *slo =
        json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:b, s:b}", "dag_runs_30d", (json_int_t)status->dag_runs_30d,
                  "dag_runs_failed_30d", (json_int_t)status->dag_runs_failed_30d, "latency_samples_30d",
                  (json_int_t)status->latency_samples_30d, "latency_p50_seconds", status->latency_p50_seconds,
                  "latency_p95_seconds", status->latency_p95_seconds, "latency_last_seconds",
                  status->latency_last_seconds, "burn_rate_24h", status->burn_rate_24h, "budget_alarm",
                  status->slo_budget_alarm, "latency_alarm", status->slo_latency_alarm);
    json_object_set_new(slo, "success_ratio_30d",
                        status->dag_runs_30d ? json_real(status->success_ratio_30d) : json_null());
    json_object_set_new(slo, "success_ratio_objective",
                        status->slo_success_ratio > 0 ? json_real(status->slo_success_ratio) : json_null());
    json_object_set_new(slo, "latency_objective_seconds",
                        status->slo_latency_seconds > 0 ? json_integer(status->slo_latency_seconds) : json_null());
    json_object_set_new(value, "slo", slo);
    return value;
}

/* 95 -> "1m35s"; under a minute with a tenth of a second. */
static void format_seconds(double seconds, char *out, size_t size)
{
    if (seconds < 60)
        snprintf(out, size, "%.1fs", seconds);
    else if (seconds < 3600)
        snprintf(out, size, "%dm%02ds", (int)seconds / 60, (int)seconds % 60);
    else
        snprintf(out, size, "%dh%02dm", (int)seconds / 3600, (int)seconds % 3600 / 60);
}

/* The SLO line under a transform's row: the 30-day DAG success ratio and ready latency, each
 * against its objective when one is declared. */
static void print_slo(const Weir__Agent__V1__TransformStatus *status)
{
    char objective[64] = "";
    if (status->slo_success_ratio > 0)
        snprintf(objective, sizeof objective, " (objective %.2f%%, burn rate 24h %.1f)",
                 status->slo_success_ratio * 100, status->burn_rate_24h);
    if (status->dag_runs_30d)
        printf("  slo: 30d DAG runs %.2f%% succeeded (%lld of %lld)%s%s\n", status->success_ratio_30d * 100,
               (long long)(status->dag_runs_30d - status->dag_runs_failed_30d), (long long)status->dag_runs_30d,
               objective, status->slo_budget_alarm ? " BUDGET ALERT" : "");
    if (!status->latency_samples_30d)
        return;
    char p50[32], p95[32], last[32], target[48] = "";
    format_seconds(status->latency_p50_seconds, p50, sizeof p50);
    format_seconds(status->latency_p95_seconds, p95, sizeof p95);
    format_seconds(status->latency_last_seconds, last, sizeof last);
    if (status->slo_latency_seconds > 0) {
        char objective_text[32];
        format_seconds((double)status->slo_latency_seconds, objective_text, sizeof objective_text);
        snprintf(target, sizeof target, " (objective %s)", objective_text);
    }
    printf("  ready latency: last %s, p50 %s, p95 %s over %lld runs%s%s\n", last, p50, p95,
           (long long)status->latency_samples_30d, target, status->slo_latency_alarm ? " LATENCY ALERT" : "");
}

/* ListTransforms (`only` NULL: all), or NULL with the failure reported in *code. */
static Weir__Agent__V1__ListTransformsResponse *list_transforms(rpc_channel_t *channel, const char *only, int *code)
{
    Weir__Agent__V1__ListTransformsRequest request = WEIR__AGENT__V1__LIST_TRANSFORMS_REQUEST__INIT;
    request.name = (char *)(only ? only : "");
    rpc_error_t error = {0};
    Weir__Agent__V1__ListTransformsResponse *reply = (Weir__Agent__V1__ListTransformsResponse *)ctl_call(
        channel, AGENT_METHOD_LIST_TRANSFORMS, &request.base, &weir__agent__v1__list_transforms_response__descriptor,
        &error);
    if (!reply)
        *code = report_call(&error, "status");
    return reply;
}

int ctl_transform_status(rpc_channel_t *channel, const ctl_options_t *options, const char *only, json_t *rows)
{
    int code = 0;
    Weir__Agent__V1__ListTransformsResponse *reply = list_transforms(channel, only, &code);
    if (!reply)
        return code;
    if (options->json) {
        for (size_t i = 0; i < reply->n_transforms; i++)
            json_array_append_new(rows, status_json(reply->transforms[i]));
    } else if (reply->n_transforms) {
        printf("\n%-28s %-10s %-10s %-24s %10s  %s\n", "TRANSFORM", "HEALTH", "LAST RUN", "FINISHED", "ROWS", "TARGET");
        for (size_t i = 0; i < reply->n_transforms; i++) {
            const Weir__Agent__V1__TransformStatus *status = reply->transforms[i];
            const Weir__Agent__V1__TransformRun *last = status->last_run;
            printf("%-28s %-10s %-10s %-24s %10lld  %s\n", status->name, transform_health(status),
                   last ? last->state : "-", last && last->finished_at[0] ? last->finished_at : "-",
                   last ? (long long)last->rows : 0LL, status->target);
            if (status->held_by[0])
                printf("  held by %s: %s\n", status->held_by, status->held_reason);
            if (last && last->error[0])
                printf("  last error: %s\n", last->error);
            print_slo(status);
        }
    }
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return 0;
}
