/* backfill.c — planning backfill objects into chunks and feeding the chunks to the run queue. */
#include "backfill.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor_range.h"
#include "log.h"
#include "specs.h"
#include "store_backfill.h"
#include "store_runs.h"

/* The stored pipeline `name`, typed. */
static weir_status_t load_pipeline(store_t *store, const char *name, pipeline_spec_t *out, weir_err_t *err)
{
    agent_object_t object;
    weir_status_t result = store_get(store, "pipeline", name, &object, err);
    if (result != WEIR_OK)
        return result;
    result = pipeline_spec_parse(object.spec_json, name, out, err);
    agent_object_clear(&object);
    return result;
}

weir_status_t backfill_check_table(store_t *store, const char *pipeline, const char *table, weir_err_t *err)
{
    pipeline_spec_t spec;
    if (load_pipeline(store, pipeline, &spec, err) != WEIR_OK)
        return WEIR_ERR_INVALID;
    weir_status_t result = WEIR_ERR_INVALID;
    const table_spec_t *found = pipeline_spec_table(&spec, table);
    if (!found)
        weir_err_set(err, "table: pipeline %s has no table %s", pipeline, table);
    else if (!found->cursor)
        weir_err_set(err, "table: %s of pipeline %s has no cursor column to split a backfill by", table, pipeline);
    else
        result = WEIR_OK;
    pipeline_spec_free(&spec);
    return result;
}

/* Splits the backfill's range into chunks and stores the plan. */
static weir_status_t plan(store_t *store, const agent_object_t *object, const backfill_spec_t *spec, weir_err_t *err)
{
    cursor_range_t range;
    const char *bad_attr = NULL;
    char why[320];
    if (!cursor_range_parse(spec->from ? spec->from : "", spec->to ? spec->to : "", spec->chunk ? spec->chunk : "",
                            &range, &bad_attr, why, sizeof why)) {
        weir_err_set(err, "%s: %s", bad_attr ? bad_attr : "from", why);
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = backfill_check_table(store, spec->pipeline, spec->table, err);
    if (result != WEIR_OK)
        return result;
    long long count = cursor_range_chunk_count(&range);
    char **bounds = calloc((size_t)count + 1, sizeof *bounds);
    char *text = malloc(((size_t)count + 1) * 64);
    if (!bounds || !text) {
        free(bounds);
        free(text);
        return WEIR_ERR_NOMEM;
    }
    for (long long i = 0; i <= count; i++) {
        bounds[i] = text + i * 64;
        cursor_range_bound(&range, i, bounds[i], 64);
    }
    result =
        store_backfill_plan(store, object->name, object->id, spec->pipeline, spec->table, bounds, (size_t)count, err);
    if (result == WEIR_OK)
        log_info("backfill", "backfill %s: %s %s planned as %lld chunks from %s to %s", object->name, spec->pipeline,
                 spec->table, count, bounds[0], bounds[count]);
    free(bounds);
    free(text);
    return result;
}

/* Starts as many chunks as the parallelism and throttle allow. */
static int start_chunks(store_t *store, const backfill_spec_t *spec, const pipeline_spec_t *pipeline, time_t now,
                        weir_err_t *err)
{
    bool paused = false;
    if (store_pipeline_paused(store, spec->pipeline, &paused, NULL, 0, NULL, 0, err) != WEIR_OK) {
        log_error("backfill", "backfill %s: %s", spec->name, err->msg);
        return 0;
    }
    long long parallelism = paused ? 0 : spec->parallelism;
    store_run_request_t request = {.pipeline = spec->pipeline,
                                   .table_name = spec->table,
                                   .trigger = "backfill",
                                   .source = pipeline->source,
                                   .destination = pipeline->destination,
                                   .not_before = ""};
    int queued = 0;
    for (long long i = 0; i < parallelism; i++) {
        bool started = false;
        store_run_t run;
        if (store_backfill_start_next(store, spec->name, &request, parallelism, spec->throttle_seconds, (long long)now,
                                      &started, &run, err) != WEIR_OK) {
            log_error("backfill", "backfill %s: %s", spec->name, err->msg);
            break;
        }
        if (!started)
            break;
        queued++;
        log_info("backfill", "backfill %s: queued run %s for [%s, %s)", spec->name, run.id, run.range_from,
                 run.range_to);
    }
    return queued;
}

static int advance(store_t *store, const agent_object_t *object, time_t now)
{
    weir_err_t err = {{0}};
    int queued = 0;
    backfill_spec_t spec;
    pipeline_spec_t pipeline = {0};
    char planned_id[64];
    bool found = false;
    weir_status_t result = backfill_spec_parse(object->spec_json, object->name, &spec, &err);
    if (result != WEIR_OK) {
        log_error("backfill", "%s", err.msg);
        return 0;
    }
    if ((result = store_backfill_planned(store, object->name, planned_id, sizeof planned_id, &found, &err)) != WEIR_OK)
        goto out;
    /* New, or replaced under the same name: (re)plan. A plan that cannot be made is tried again
     * on every tick, so fixing the pipeline is enough. */
    if ((!found || strcmp(planned_id, object->id) != 0) && (result = plan(store, object, &spec, &err)) != WEIR_OK)
        goto out;
    if ((result = store_backfill_settle(store, object->name, spec.max_attempts, &err)) != WEIR_OK)
        goto out;
    if ((result = load_pipeline(store, spec.pipeline, &pipeline, &err)) != WEIR_OK)
        goto out;
    queued = start_chunks(store, &spec, &pipeline, now, &err);
out:
    if (result != WEIR_OK)
        log_error("backfill", "backfill %s: %s", object->name, err.msg);
    backfill_spec_free(&spec);
    pipeline_spec_free(&pipeline);
    return queued;
}

int backfill_tick(store_t *store, time_t now)
{
    weir_err_t err = {{0}};
    int forgotten = 0, queued = 0;
    if (store_backfill_forget_deleted(store, &forgotten, &err) != WEIR_OK)
        log_error("backfill", "cannot forget deleted backfills: %s", err.msg);
    else if (forgotten)
        log_info("backfill", "forgot %d deleted backfill(s)", forgotten);
    agent_object_list_t backfills = {0};
    if (store_list(store, "backfill", "", "", 0, &backfills, &err) != WEIR_OK) {
        log_error("backfill", "cannot list backfills: %s", err.msg);
        return 0;
    }
    for (size_t i = 0; i < backfills.count; i++)
        queued += advance(store, &backfills.items[i], now);
    agent_object_list_free(&backfills);
    return queued;
}
