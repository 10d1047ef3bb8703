/* retention_step.c — the retention step (retention_step.h). */
#include "retention_step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dag_state.h"
#include "destination_open.h"
#include "ident.h"
#include "log.h"
#include "retention.h"
#include "specs.h"
#include "store_retention.h"
#include "store_transforms.h"

static atomic_int requested;

void retention_request_now(void)
{
    atomic_store(&requested, 1);
}

bool retention_requested(void)
{
    return atomic_load(&requested) != 0;
}

/* One object with a retention, as the pass needs it. */
typedef struct {
    const char *kind; /* table | transform */
    char object[400];
    const char *destination, *target, *retention;
    char column[IDENT_SIZE];
    long long days;
    char skip[512]; /* why this pass leaves it alone, or "" */
} retention_target_t;

static void stamp(time_t at, char *out, size_t size)
{
    struct tm tm;
    gmtime_r(&at, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

static long long batch_rows(void)
{
    const char *knob = getenv("WEIR_RETENTION_BATCH_ROWS");
    long long rows = knob ? strtoll(knob, NULL, 10) : 0;
    return rows > 0 ? rows : RETENTION_BATCH_ROWS;
}

/* Deletes what `target` no longer keeps and records the pass. */
static void pass(store_t *store, retention_target_t *target, time_t now)
{
    store_retention_run_t run = {0};
    snprintf(run.object_kind, sizeof run.object_kind, "%s", target->kind);
    snprintf(run.object, sizeof run.object, "%s", target->object);
    snprintf(run.target, sizeof run.target, "%s", target->target);
    stamp(now - (time_t)target->days * 86400, run.cutoff, sizeof run.cutoff);
    stamp(now, run.started_at, sizeof run.started_at);
    weir_err_t err = {{0}};
    weir_status_t result = WEIR_OK;
    const destination_ops_t *ops = NULL;
    destination_session_t *session = NULL;
    destination_retention_result_t done = {0};
    if (target->skip[0]) {
        snprintf(run.state, sizeof run.state, "skipped");
        snprintf(run.detail, sizeof run.detail, "%s", target->skip);
    } else {
        char what[450];
        snprintf(what, sizeof what, "%s %s", target->kind, target->object);
        result = destination_open_named(store, target->destination, what, &ops, &session, &err);
        if (result == WEIR_OK && !ops->retention_delete) {
            weir_err_set(&err, "destination %s (%s) cannot delete by retention", target->destination, ops->kind);
            result = WEIR_ERR_INVALID;
        }
        destination_retention_t request = {.target = target->target,
                                           .column = target->column,
                                           .cutoff = run.cutoff,
                                           .batch_rows = batch_rows(),
                                           .max_batches = RETENTION_MAX_BATCHES};
        if (result == WEIR_OK)
            result = ops->retention_delete(session, &request, &done, &err);
        snprintf(run.state, sizeof run.state, "%s",
                 result == WEIR_OK                  ? "succeeded"
                     : result == WEIR_ERR_NOT_FOUND ? "skipped"
                                                    : "failed");
        snprintf(run.detail, sizeof run.detail, "%.500s",
                 result != WEIR_OK   ? err.msg
                     : done.finished ? ""
                                     : "more rows than one pass deletes: the next goes on");
        run.rows_deleted = done.deleted;
        run.batches = done.batches;
    }
    if (session)
        ops->close(session);
    stamp(time(NULL), run.finished_at, sizeof run.finished_at);
    if (store_retention_record(store, &run, &err) != WEIR_OK)
        log_error("retention", "cannot record the pass over %s: %s", target->object, err.msg);
    log_info("retention", "%s %s (%s): %s, %lld row(s) older than %s deleted in %lld batch(es)%s%s", target->kind,
             target->object, target->retention, run.state, run.rows_deleted, run.cutoff, run.batches,
             run.detail[0] ? ": " : "", run.detail);
}

/* Due when its last pass started a day ago (or never), or an operator asked. */
static bool due(store_t *store, const retention_target_t *target, time_t now, bool forced)
{
    char last[64], before[64];
    weir_err_t err = {{0}};
    if (store_retention_last_start(store, target->kind, target->object, last, sizeof last, &err) != WEIR_OK) {
        log_error("retention", "%s: %s", target->object, err.msg);
        return false;
    }
    stamp(now - RETENTION_EVERY_SECONDS, before, sizeof before);
    return forced || !last[0] || strcmp(last, before) <= 0;
}

static int pipeline_passes(store_t *store, const pipeline_spec_t *pipeline, time_t now, bool forced)
{
    int passed = 0;
    for (size_t i = 0; i < pipeline->table_count; i++) {
        const table_spec_t *table = &pipeline->tables[i];
        char why[200];
        retention_target_t target = {.kind = "table",
                                     .destination = pipeline->destination,
                                     .target = table->target_name,
                                     .retention = table->retention,
                                     .column = "_WEIR_LOADED_AT"};
        if (!table->retention || !retention_days(table->retention, &target.days, why, sizeof why))
            continue;
        snprintf(target.object, sizeof target.object, "%s/%s", pipeline->name, table->name);
        if (!due(store, &target, now, forced))
            continue;
        char token[64], state[32] = "";
        bool failed = false;
        weir_err_t err = {{0}};
        if (store_table_publish_state(store, pipeline->name, table->name, token, sizeof token, &failed, state,
                                      sizeof state, &err) != WEIR_OK)
            snprintf(target.skip, sizeof target.skip, "cannot read its runs: %.400s", err.msg);
        else if (strcmp(state, "quarantined") == 0)
            snprintf(target.skip, sizeof target.skip, "its newest run is quarantined: release or discard it first");
        pass(store, &target, now);
        passed++;
    }
    return passed;
}

static int transform_pass(store_t *store, const transform_spec_t *spec, time_t now, bool forced)
{
    char why[400];
    retention_target_t target = {.kind = "transform",
                                 .destination = spec->destination,
                                 .target = spec->target_name,
                                 .retention = spec->retention};
    if (!spec->retention || spec->materialization == MATERIALIZE_VIEW ||
        !retention_days(spec->retention, &target.days, why, sizeof why))
        return 0;
    snprintf(target.object, sizeof target.object, "%s", spec->name);
    if (!due(store, &target, now, forced))
        return 0;
    dag_state_t *state = malloc(sizeof *state);
    weir_err_t err = {{0}};
    if (!ident_sf_parse(spec->retention_column ? spec->retention_column : "_WEIR_LOADED_AT", target.column, why,
                        sizeof why))
        snprintf(target.skip, sizeof target.skip, "retention_column: %s", why);
    else if (!state || dag_state_read(store, spec, state, &err) != WEIR_OK)
        snprintf(target.skip, sizeof target.skip, "cannot read its state: %.400s", state ? err.msg : "out of memory");
    else if (state->readiness == DAG_HELD)
        snprintf(target.skip, sizeof target.skip, "held by %s: %.400s", spec->inputs[state->held_by], state->why);
    else if (state->has_run && state->newest.state != TRUN_SUCCEEDED && state->newest.state != TRUN_FAILED)
        snprintf(target.skip, sizeof target.skip, "run %s is %s", state->newest.id,
                 transform_run_state_name(state->newest.state));
    if (state)
        dag_state_clear(state);
    free(state);
    pass(store, &target, now);
    return 1;
}

int retention_tick(store_t *store, time_t now, const atomic_int *stopping)
{
    bool forced = atomic_exchange(&requested, 0) != 0;
    int passed = 0;
    const char *kinds[] = {"pipeline", "transform"};
    for (size_t k = 0; k < 2; k++) {
        agent_object_list_t list = {0};
        weir_err_t err = {{0}};
        if (store_list(store, kinds[k], "", "", 0, &list, &err) != WEIR_OK) {
            log_error("retention", "cannot list %ss: %s", kinds[k], err.msg);
            continue;
        }
        for (size_t i = 0; i < list.count && !(stopping && atomic_load(stopping)); i++) {
            if (k == 0) {
                pipeline_spec_t pipeline;
                if (pipeline_spec_parse(list.items[i].spec_json, list.items[i].name, &pipeline, &err) != WEIR_OK)
                    continue; /* the scheduler logs specs it cannot read */
                passed += pipeline_passes(store, &pipeline, now, forced);
                pipeline_spec_free(&pipeline);
            } else {
                transform_spec_t spec;
                if (transform_spec_parse(list.items[i].spec_json, list.items[i].name, &spec, &err) != WEIR_OK)
                    continue;
                passed += transform_pass(store, &spec, now, forced);
                transform_spec_free(&spec);
            }
        }
        agent_object_list_free(&list);
    }
    return passed;
}
