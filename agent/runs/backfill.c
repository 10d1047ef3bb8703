/* backfill.c — planning backfill objects into chunks and feeding the chunks to the run queue. */
#include "backfill.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor_range.h"
#include "log.h"
#include "spec.h"
#include "store_backfill.h"
#include "store_runs.h"
#include "value_json.h"

static const char *text_of(const wv_t *object, const char *key)
{
    const wv_t *value = wv_map_get(object, key);
    return value && value->kind == WV_STRING ? value->text : NULL;
}

static long long number_of(const wv_t *object, const char *key, long long fallback)
{
    int64_t number;
    const wv_t *value = wv_map_get(object, key);
    return value && value->kind == WV_NUMBER && wv_number_as_i64(value, &number) ? (long long)number : fallback;
}

static wv_t *load_spec(store_t *store, const char *kind, const char *name, weir_err_t *err)
{
    agent_object_t object;
    if (store_get(store, kind, name, &object, err) != WEIR_OK)
        return NULL;
    wv_t *spec = wv_from_json(object.spec_json, strlen(object.spec_json), err);
    agent_object_clear(&object);
    return spec;
}

weir_status_t backfill_check_table(store_t *store, const char *pipeline, const char *table, weir_err_t *err)
{
    wv_t *spec = load_spec(store, "pipeline", pipeline, err);
    if (!spec)
        return WEIR_ERR_INVALID;
    weir_status_t result = WEIR_ERR_INVALID;
    weir_err_set(err, "table: pipeline %s has no table %s", pipeline, table);
    const wv_t *tables = wv_map_get(spec, "table");
    for (size_t i = 0; tables && tables->kind == WV_LIST && i < tables->count; i++) {
        const char *name = text_of(tables->items[i], "name");
        if (!name || strcmp(name, table) != 0)
            continue;
        if (!text_of(tables->items[i], "cursor"))
            weir_err_set(err, "table: %s of pipeline %s has no cursor column to split a backfill by", table,
                         pipeline);
        else
            result = WEIR_OK;
    }
    wv_free(spec);
    return result;
}

/* Splits the backfill's range into chunks and stores the plan. */
static weir_status_t plan(store_t *store, const agent_object_t *object, const wv_t *spec, weir_err_t *err)
{
    const char *pipeline = text_of(spec, "pipeline"), *table = text_of(spec, "table");
    cursor_range_t range;
    const char *bad_attr = NULL;
    char why[320];
    if (!pipeline || !table ||
        !cursor_range_parse(text_of(spec, "from") ? text_of(spec, "from") : "", text_of(spec, "to") ? text_of(spec, "to") : "",
                            text_of(spec, "chunk") ? text_of(spec, "chunk") : "", &range, &bad_attr, why, sizeof why)) {
        weir_err_set(err, "%s: %s", bad_attr ? bad_attr : "pipeline", pipeline && table ? why : "missing");
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = backfill_check_table(store, pipeline, table, err);
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
    result = store_backfill_plan(store, object->name, object->id, pipeline, table, bounds, (size_t)count, err);
    if (result == WEIR_OK)
        log_info("backfill", "backfill %s: %s %s planned as %lld chunks from %s to %s", object->name, pipeline,
                 table, count, bounds[0], bounds[count]);
    free(bounds);
    free(text);
    return result;
}

static int advance(store_t *store, const agent_object_t *object, time_t now)
{
    weir_err_t err = {{0}};
    weir_status_t result = WEIR_ERR_INVALID;
    int queued = 0;
    wv_t *spec = wv_from_json(object->spec_json, strlen(object->spec_json), &err), *pipeline = NULL;
    char planned_id[64];
    bool found = false;
    if (!spec || (result = store_backfill_planned(store, object->name, planned_id, sizeof planned_id, &found, &err)) !=
                     WEIR_OK)
        goto out;
    /* New, or replaced under the same name: (re)plan. A plan that cannot be made is tried again
     * on every tick, so fixing the pipeline is enough. */
    if ((!found || strcmp(planned_id, object->id) != 0) && (result = plan(store, object, spec, &err)) != WEIR_OK)
        goto out;
    long long max_attempts = number_of(spec, "max_attempts", 3);
    if ((result = store_backfill_settle(store, object->name, max_attempts, &err)) != WEIR_OK)
        goto out;
    pipeline = load_spec(store, "pipeline", text_of(spec, "pipeline"), &err);
    if (!pipeline) {
        result = WEIR_ERR_NOT_FOUND;
        goto out;
    }
    long long throttle = 0;
    if (text_of(spec, "throttle"))
        spec_duration_seconds(text_of(spec, "throttle"), &throttle);
    bool paused = false;
    if ((result = store_pipeline_paused(store, text_of(spec, "pipeline"), &paused, NULL, 0, NULL, 0, &err)) != WEIR_OK)
        goto out;
    long long parallelism = paused ? 0 : number_of(spec, "parallelism", 2);
    store_run_request_t request = {.pipeline = text_of(spec, "pipeline"), .table_name = text_of(spec, "table"),
                                   .trigger = "backfill", .source = text_of(pipeline, "source"),
                                   .destination = text_of(pipeline, "destination"), .not_before = ""};
    for (long long i = 0; i < parallelism; i++) {
        bool started = false;
        store_run_t run;
        result = store_backfill_start_next(store, object->name, &request, parallelism, throttle, (long long)now,
                                           &started, &run, &err);
        if (result != WEIR_OK || !started)
            break;
        queued++;
        log_info("backfill", "backfill %s: queued run %s for [%s, %s)", object->name, run.id, run.range_from,
                 run.range_to);
    }
out:
    if (result != WEIR_OK)
        log_error("backfill", "backfill %s: %s", object->name, err.msg);
    wv_free(spec);
    wv_free(pipeline);
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
