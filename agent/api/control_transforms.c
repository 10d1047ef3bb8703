/* control_transforms.c — operator RPCs of the DAG: run a transform now, retry a failed transform
 * run, the transforms' state (held, waiting, running…) and their runs. A manual run is refused
 * while an input holds the transform, for the reason the scheduler holds it: it would build from
 * partial data. */
#include "control_transforms.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_api.h"
#include "dag_slo.h"
#include "dag_state.h"
#include "log.h"
#include "specs.h"
#include "store_dag_runs.h"
#include "store_transforms.h"
#include "weir/agent/v1/agent.pb-c.h"

static void fail(rpc_reply_t *reply, weir_status_t result, const char *message)
{
    reply->code = result == WEIR_ERR_NOT_FOUND ? GRPC_STATUS_NOT_FOUND
        : result == WEIR_ERR_IN_USE            ? GRPC_STATUS_FAILED_PRECONDITION
        : result == WEIR_ERR_INVALID           ? GRPC_STATUS_INVALID_ARGUMENT
                                               : GRPC_STATUS_INTERNAL;
    snprintf(reply->message, sizeof reply->message, "%s", message);
}

static void run_to_proto(const store_transform_run_t *run, Weir__Agent__V1__TransformRun *out)
{
    weir__agent__v1__transform_run__init(out);
    out->id = (char *)run->id;
    out->transform = (char *)run->transform;
    out->trigger = (char *)run->trigger;
    out->state = (char *)transform_run_state_name(run->state);
    out->created_at = (char *)run->created_at;
    out->started_at = (char *)run->started_at;
    out->finished_at = (char *)run->finished_at;
    out->since = (char *)run->since;
    out->consumed_json = (char *)run->consumed_json;
    out->rows = run->rows;
    out->inserted = run->inserted;
    out->updated = run->updated;
    out->attempts = run->attempts;
    out->error = (char *)run->error;
}

static weir_status_t load_spec(store_t *store, const char *name, transform_spec_t *spec, weir_err_t *err)
{
    agent_object_t object = {0};
    weir_status_t result = store_get(store, "transform", name, &object, err);
    if (result == WEIR_ERR_NOT_FOUND)
        weir_err_set(err, "no transform named %s", name);
    if (result == WEIR_OK)
        result = transform_spec_parse(object.spec_json, name, spec, err);
    agent_object_clear(&object);
    return result;
}

/* An operator's command starts a DAG run of its own (the transforms it feeds join it); its
 * bookkeeping never refuses the run. */
static void open_dag_run(store_t *store, const char *name, const char *trigger, const char *run_id)
{
    char dag_run[STORE_DAG_RUN_ID_SIZE] = "", origin[128];
    weir_err_t err = {{0}};
    snprintf(origin, sizeof origin, "transform %s", name);
    if (store_dag_run_join(store, dag_run, trigger, origin, "transform", run_id, &err) != WEIR_OK)
        log_error("control_api", "run %s: cannot record its DAG run: %s", run_id, err.msg);
}

/* Queues a run of `name` for an operator, consuming what its inputs last published (so the
 * scheduler does not start another for the same publishes). An unfinished run is returned as is. */
static weir_status_t queue_now(store_t *store, const char *name, const char *trigger, store_transform_run_t *run,
                               weir_err_t *err)
{
    transform_spec_t spec;
    weir_status_t result = load_spec(store, name, &spec, err);
    if (result != WEIR_OK)
        return result;
    dag_state_t *state = malloc(sizeof *state);
    char *consumed = NULL;
    result = state ? dag_state_read(store, &spec, state, err) : WEIR_ERR_NOMEM;
    if (result == WEIR_OK && state->readiness == DAG_HELD) {
        weir_err_set(err,
                     "transform %s is held: input %s cannot be built from (%.700s); make the input succeed first "
                     "(`weir-agent ctl retry` its failed run)",
                     name, spec.inputs[state->held_by], state->why);
        result = WEIR_ERR_IN_USE;
    }
    if (result == WEIR_OK && !(consumed = json_dumps(state->consumed_now, JSON_COMPACT | JSON_SORT_KEYS)))
        result = WEIR_ERR_NOMEM;
    if (result == WEIR_OK) {
        result = store_transform_run_enqueue(store, name, trigger, consumed, run, err);
        log_info("control_api", "run %s of transform %s %s by an operator (%s)", run->id, name,
                 result == WEIR_OK ? "queued" : "already unfinished", trigger);
        if (result == WEIR_OK)
            open_dag_run(store, name, trigger, run->id);
        if (result == WEIR_ERR_EXISTS)
            result = WEIR_OK; /* `run` describes the unfinished one */
    }
    free(consumed);
    if (state)
        dag_state_clear(state);
    free(state);
    transform_spec_free(&spec);
    return result;
}

static void reply_run(rpc_reply_t *reply, const store_transform_run_t *run, bool retry)
{
    Weir__Agent__V1__TransformRun item;
    run_to_proto(run, &item);
    if (retry) {
        Weir__Agent__V1__RetryTransformRunResponse response = WEIR__AGENT__V1__RETRY_TRANSFORM_RUN_RESPONSE__INIT;
        response.run = &item;
        rpc_reply_pack(reply, &response.base);
    } else {
        Weir__Agent__V1__TriggerTransformResponse response = WEIR__AGENT__V1__TRIGGER_TRANSFORM_RESPONSE__INIT;
        response.run = &item;
        rpc_reply_pack(reply, &response.base);
    }
}

static void trigger_transform(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__TriggerTransformRequest *req =
        weir__agent__v1__trigger_transform_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, WEIR_ERR_INVALID, "cannot decode TriggerTransformRequest");
    weir_err_t err = {{0}};
    store_transform_run_t *run = malloc(sizeof *run);
    weir_status_t result = run ? queue_now(api->store, req->transform, "manual", run, &err) : WEIR_ERR_NOMEM;
    if (result == WEIR_OK)
        reply_run(reply, run, false);
    else
        fail(reply, result, result == WEIR_ERR_NOMEM ? "out of memory" : err.msg);
    free(run);
    weir__agent__v1__trigger_transform_request__free_unpacked(req, NULL);
}

static void retry_transform_run(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__RetryTransformRunRequest *req =
        weir__agent__v1__retry_transform_run_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, WEIR_ERR_INVALID, "cannot decode RetryTransformRunRequest");
    weir_err_t err = {{0}};
    store_transform_run_t *failed = malloc(sizeof *failed), *run = malloc(sizeof *run);
    weir_status_t result =
        failed && run ? store_transform_run_get(api->store, req->run_id, failed, &err) : WEIR_ERR_NOMEM;
    if (result == WEIR_OK && failed->state != TRUN_FAILED) {
        weir_err_set(&err, "transform run %s of %s is %s; only failed transform runs are retried", failed->id,
                     failed->transform, transform_run_state_name(failed->state));
        result = WEIR_ERR_IN_USE;
    }
    if (result == WEIR_OK)
        result = queue_now(api->store, failed->transform, "retry", run, &err);
    if (result == WEIR_OK)
        reply_run(reply, run, true);
    else
        fail(reply, result, result == WEIR_ERR_NOMEM ? "out of memory" : err.msg);
    free(failed);
    free(run);
    weir__agent__v1__retry_transform_run_request__free_unpacked(req, NULL);
}

/* One transform's status; the strings stay `spec`'s and `state`'s, which outlive the reply. */
static void status_to_proto(const transform_spec_t *spec, const dag_state_t *state,
                            Weir__Agent__V1__TransformStatus *out, Weir__Agent__V1__TransformRun *last)
{
    weir__agent__v1__transform_status__init(out);
    out->name = spec->name;
    out->target = spec->target;
    out->materialization = spec->materialization_text;
    out->enabled = spec->enabled;
    out->schedule = spec->schedule ? spec->schedule : "";
    out->n_inputs = spec->input_count;
    out->inputs = spec->inputs;
    out->readiness = (char *)dag_state_name(state);
    bool held = state->readiness == DAG_HELD;
    out->held_by = held ? spec->inputs[state->held_by] : "";
    out->held_reason = held ? (char *)state->why : "";
    if (state->has_run) {
        run_to_proto(&state->newest, last);
        out->last_run = last;
    }
}

static void slo_to_proto(const transform_spec_t *spec, const dag_slo_t *slo, Weir__Agent__V1__TransformStatus *out)
{
    out->slo_success_ratio = spec->has_slo_success_ratio ? spec->slo_success_ratio : 0;
    out->dag_runs_30d = slo->runs_30d;
    out->dag_runs_failed_30d = slo->failed_30d;
    out->success_ratio_30d = slo->ratio_30d;
    out->burn_rate_24h = slo->has_burn_rate && isfinite(slo->burn_rate_24h) ? slo->burn_rate_24h
        : slo->has_burn_rate                                                ? 1e9 /* a zero budget spent */
                                                                            : 0;
    out->slo_latency_seconds = spec->slo_latency ? spec->slo_latency_seconds : 0;
    out->latency_samples_30d = (int64_t)slo->latency_count;
    out->latency_p50_seconds = slo->latency_p50;
    out->latency_p95_seconds = slo->latency_p95;
    out->latency_last_seconds = slo->latency_last;
    out->slo_budget_alarm = slo->budget_alarm;
    out->slo_latency_alarm = slo->latency_alarm;
}

typedef struct {
    transform_spec_t spec;
    dag_state_t state;
    dag_slo_t slo;
    bool parsed, read;
    Weir__Agent__V1__TransformStatus status;
    Weir__Agent__V1__TransformRun last;
} status_slot_t;

static void list_transforms(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__ListTransformsRequest *req =
        weir__agent__v1__list_transforms_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, WEIR_ERR_INVALID, "cannot decode ListTransformsRequest");
    agent_object_list_t list = {0};
    weir_err_t err = {{0}};
    weir_status_t result = store_list(api->store, "transform", "", "", 0, &list, &err);
    status_slot_t *slots = calloc(list.count ? list.count : 1, sizeof *slots);
    Weir__Agent__V1__TransformStatus **pointers = calloc(list.count ? list.count : 1, sizeof *pointers);
    size_t count = 0;
    if (result == WEIR_OK && (!slots || !pointers)) {
        weir_err_set(&err, "out of memory");
        result = WEIR_ERR_NOMEM;
    }
    for (size_t i = 0; result == WEIR_OK && i < list.count; i++) {
        if (req->name[0] && strcmp(req->name, list.items[i].name) != 0)
            continue;
        status_slot_t *slot = &slots[count];
        result = transform_spec_parse(list.items[i].spec_json, list.items[i].name, &slot->spec, &err);
        slot->parsed = result == WEIR_OK;
        if (result == WEIR_OK)
            result = dag_state_read(api->store, &slot->spec, &slot->state, &err);
        slot->read = slot->parsed;
        if (result == WEIR_OK)
            result = dag_slo_read(api->store, &slot->spec, time(NULL), &slot->slo, &err);
        if (result == WEIR_OK) {
            status_to_proto(&slot->spec, &slot->state, &slot->status, &slot->last);
            slo_to_proto(&slot->spec, &slot->slo, &slot->status);
            pointers[count++] = &slot->status;
        }
    }
    if (result == WEIR_OK && req->name[0] && count == 0) {
        weir_err_set(&err, "no transform named %s", req->name);
        result = WEIR_ERR_NOT_FOUND;
    }
    if (result == WEIR_OK) {
        Weir__Agent__V1__ListTransformsResponse response = WEIR__AGENT__V1__LIST_TRANSFORMS_RESPONSE__INIT;
        response.n_transforms = count;
        response.transforms = pointers;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply, result, err.msg);
    }
    for (size_t i = 0; slots && i <= count && i < list.count; i++) {
        if (slots[i].read)
            dag_state_clear(&slots[i].state);
        if (slots[i].parsed)
            transform_spec_free(&slots[i].spec);
    }
    free(slots);
    free(pointers);
    agent_object_list_free(&list);
    weir__agent__v1__list_transforms_request__free_unpacked(req, NULL);
}

static void list_transform_runs(void *ctx, const rpc_request_t *request, rpc_reply_t *reply)
{
    control_api_t *api = ctx;
    Weir__Agent__V1__ListTransformRunsRequest *req =
        weir__agent__v1__list_transform_runs_request__unpack(NULL, request->body_len, request->body);
    if (!req)
        return fail(reply, WEIR_ERR_INVALID, "cannot decode ListTransformRunsRequest");
    size_t limit = req->limit > 0 && req->limit <= 1000 ? (size_t)req->limit : 50;
    store_transform_run_t *runs = NULL;
    size_t count = 0;
    weir_err_t err = {{0}};
    weir_status_t result = store_transform_run_list(api->store, req->transform, limit, &runs, &count, &err);
    Weir__Agent__V1__TransformRun *items = calloc(count ? count : 1, sizeof *items);
    Weir__Agent__V1__TransformRun **pointers = calloc(count ? count : 1, sizeof *pointers);
    if (result == WEIR_OK && items && pointers) {
        for (size_t i = 0; i < count; i++) {
            run_to_proto(&runs[i], &items[i]);
            pointers[i] = &items[i];
        }
        Weir__Agent__V1__ListTransformRunsResponse response = WEIR__AGENT__V1__LIST_TRANSFORM_RUNS_RESPONSE__INIT;
        response.n_runs = count;
        response.runs = pointers;
        rpc_reply_pack(reply, &response.base);
    } else {
        fail(reply, result == WEIR_OK ? WEIR_ERR_NOMEM : result, result == WEIR_OK ? "out of memory" : err.msg);
    }
    free(items);
    free(pointers);
    free(runs);
    weir__agent__v1__list_transform_runs_request__free_unpacked(req, NULL);
}

const rpc_method_t control_transforms_methods[] = {
    {AGENT_METHOD_TRIGGER_TRANSFORM, trigger_transform},
    {AGENT_METHOD_RETRY_TRANSFORM_RUN, retry_transform_run},
    {AGENT_METHOD_LIST_TRANSFORMS, list_transforms},
    {AGENT_METHOD_LIST_TRANSFORM_RUNS, list_transform_runs},
};
const size_t control_transforms_method_count = sizeof control_transforms_methods / sizeof control_transforms_methods[0];
