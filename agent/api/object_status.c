/* object_status.c — runtime status of pipelines, backfills and quality checks, computed when an
 * object is read. */
#include "object_status.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "specs.h"
#include "store_backfill.h"
#include "store_checks.h"
#include "store_runs.h"

static json_t *progress_json(const store_backfill_progress_t *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "name", p->name, "pipeline",
                     p->pipeline, "table", p->table_name, "state", p->state, "chunks_total",
                     (json_int_t)p->chunks_total, "chunks_done", (json_int_t)p->chunks_done, "chunks_running",
                     (json_int_t)p->chunks_queued, "chunks_pending", (json_int_t)p->chunks_pending, "chunks_failed",
                     (json_int_t)p->chunks_failed, "rows_loaded", (json_int_t)p->rows_loaded, "done_until",
                     p->done_until, "last_error", p->last_error);
}

static json_t *check_json(const store_check_result_t *r)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:s, s:s}", "check", r->check, "table", r->table_name,
                     "kind", r->kind, "severity", r->severity, "stage", r->stage, "passed", r->passed, "observed",
                     r->has_observed ? json_real(r->observed) : json_null(), "detail", r->detail, "run_id", r->run_id,
                     "checked_at", r->created_at);
}

static json_t *pipeline_status(store_t *store, const agent_object_t *object, weir_err_t *err)
{
    pipeline_spec_t spec = {0};
    json_t *status = json_pack("{s:{}, s:[], s:[]}", "tables", "backfills", "checks");
    store_backfill_progress_t *backfills = NULL;
    store_check_result_t *checks = NULL;
    size_t count = 0, check_count = 0;
    if (!status || pipeline_spec_parse(object->spec_json, object->name, &spec, err) != WEIR_OK)
        goto fail;
    for (size_t i = 0; i < spec.table_count; i++) {
        const char *name = spec.tables[i].name;
        char watermark[128];
        bool found;
        if (store_watermark_get(store, object->name, name, watermark, sizeof watermark, &found, err) != WEIR_OK)
            goto fail;
        store_run_t *last = NULL;
        size_t last_count = 0;
        if (store_run_list_table(store, object->name, name, &last, &last_count, err) != WEIR_OK)
            goto fail;
        json_t *last_run = last_count
            ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:f, s:f}", "id", last->id, "state", run_state_name(last->state),
                        "finished_at", last->finished_at, "error", last->error, "rows_loaded",
                        (json_int_t)last->rows_loaded, "extract_seconds", last->extract_seconds, "load_seconds",
                        last->load_seconds)
            : json_null();
        free(last);
        json_t *entry =
            json_pack("{s:o, s:o}", "watermark", found ? json_string(watermark) : json_null(), "last_run", last_run);
        if (!entry || json_object_set_new(json_object_get(status, "tables"), name, entry) != 0)
            goto fail;
    }
    bool paused = false;
    char reason[256] = "", since[64] = "";
    if (store_pipeline_paused(store, object->name, &paused, reason, sizeof reason, since, sizeof since, err) != WEIR_OK)
        goto fail;
    json_object_set_new(status, "paused",
                        paused ? json_pack("{s:s, s:s}", "reason", reason, "since", since) : json_false());
    if (store_backfill_list(store, object->name, &backfills, &count, err) != WEIR_OK)
        goto fail;
    for (size_t b = 0; b < count; b++)
        if (json_array_append_new(json_object_get(status, "backfills"), progress_json(&backfills[b])) != 0)
            goto fail;
    if (store_check_latest(store, object->name, &checks, &check_count, err) != WEIR_OK)
        goto fail;
    for (size_t c = 0; c < check_count; c++) {
        if (!checks[c].table_name[0])
            continue; /* a transform's result (no table) under the same name is not this pipeline's */
        if (json_array_append_new(json_object_get(status, "checks"), check_json(&checks[c])) != 0)
            goto fail;
    }
    free(checks);
    free(backfills);
    pipeline_spec_free(&spec);
    return status;
fail:
    free(checks);
    free(backfills);
    pipeline_spec_free(&spec);
    json_decref(status);
    return NULL;
}

void object_status_fill(store_t *store, agent_object_t *object)
{
    weir_err_t err = {{0}};
    json_t *status = NULL;
    if (strcmp(object->kind, "pipeline") == 0) {
        status = pipeline_status(store, object, &err);
    } else if (strcmp(object->kind, "quality_check") == 0) {
        check_spec_t spec = {0};
        store_check_result_t *checks = NULL;
        size_t count = 0;
        if (check_spec_parse(object->spec_json, object->name, &spec, &err) == WEIR_OK &&
            store_check_latest(store, spec.pipeline ? spec.pipeline : spec.transform, &checks, &count, &err) ==
                WEIR_OK) {
            status = json_pack("{s:o}", "latest", json_null());
            for (size_t i = 0; status && i < count; i++)
                if (strcmp(checks[i].check, object->name) == 0)
                    json_object_set_new(status, "latest", check_json(&checks[i]));
        }
        free(checks);
        check_spec_free(&spec);
    } else if (strcmp(object->kind, "backfill") == 0) {
        store_backfill_progress_t progress;
        weir_status_t result = store_backfill_progress(store, object->name, &progress, &err);
        status = result == WEIR_OK         ? progress_json(&progress)
            : result == WEIR_ERR_NOT_FOUND ? json_pack("{s:s}", "state", "planning")
                                           : NULL;
    }
    char *text = status ? json_dumps(status, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(status);
    if (!text)
        return;
    free(object->status_json);
    object->status_json = text;
}
