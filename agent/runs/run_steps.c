/* run_steps.c — extract, stage, gate and publish one run, saving its state after each step. */
#include "run_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileutil.h"
#include "log.h"
#include "quality.h"
#include "run_columns.h"

void run_failpoint(const store_run_t *run)
{
    const char *point = getenv("WEIR_FAILPOINT");
    if (point && strncmp(point, "after:", 6) == 0 && strcmp(point + 6, run_state_name(run->state)) == 0) {
        log_warn("runner", "failpoint %s reached in run %s: exiting now", point, run->id);
        _exit(137);
    }
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static bool incremental(const run_objects_t *objects)
{
    return objects->table->mode == TABLE_INCREMENTAL;
}

/* Saves the run in `state`, then honours a failpoint on it. */
static weir_status_t save_as(runner_t *runner, store_run_t *run, run_state_t state, weir_err_t *err)
{
    run->state = state;
    weir_status_t result = store_run_save(runner->store, run, err);
    if (result == WEIR_OK)
        run_failpoint(run);
    return result;
}

/* <root>/<pipeline>/<table>/<run>, emptied: an interrupted extraction starts over. The table part
 * is the name with everything but letters, digits, '-' and '_' turned into '_' (a quoted
 * table name may hold '/' or start with ".."); the run id keeps directories apart. */
static weir_status_t prepare_stage_dir(runner_t *runner, store_run_t *run, weir_err_t *err)
{
    char table[sizeof run->table_name];
    path_component(run->table_name, table, sizeof table);
    int written = snprintf(run->stage_dir, sizeof run->stage_dir, "%s/%s/%s/%s", runner->stage_root, run->pipeline,
                           table, run->id);
    if (written < 0 || (size_t)written >= sizeof run->stage_dir) {
        weir_err_set(err, "the stage directory of run %s is longer than %zu bytes", run->id, sizeof run->stage_dir - 1);
        return WEIR_ERR_INVALID;
    }
    dir_remove_flat(run->stage_dir);
    char parent[sizeof run->stage_dir];
    snprintf(parent, sizeof parent, "%s", run->stage_dir);
    *strrchr(parent, '/') = 0;
    return dir_make_all(parent, 0700, err);
}

/* Where this run reads from: a backfill chunk its own range (leaving the watermark alone), an
 * incremental run past the committed watermark, a full refresh everything. */
static weir_status_t plan_window(runner_t *runner, store_run_t *run, const run_objects_t *objects,
                                 source_window_t *window, weir_err_t *err)
{
    bool backfill = run->backfill[0] != 0;
    bool found = false;
    char watermark[sizeof run->watermark_from] = "";
    if (!backfill) {
        weir_status_t result = store_watermark_get(runner->store, run->pipeline, run->table_name, watermark,
                                                   sizeof watermark, &found, err);
        if (result != WEIR_OK)
            return result;
    }
    run->has_watermark_from = found;
    snprintf(run->watermark_from, sizeof run->watermark_from, "%s", found ? watermark : "");
    *window = (source_window_t){.table = run->table_name,
                                .cursor = incremental(objects) || backfill ? objects->table->cursor : NULL,
                                .watermark = incremental(objects) && found ? run->watermark_from : NULL,
                                .lookback_seconds = objects->table->lookback_seconds,
                                .range_from = backfill ? run->range_from : NULL,
                                .range_to = backfill ? run->range_to : NULL};
    return WEIR_OK;
}

/* Records what was extracted and where the watermark goes once the batch is committed. */
static weir_status_t note_extracted(store_run_t *run, const run_objects_t *objects, const source_extract_t *extracted,
                                    const stage_stats_t *stats, weir_err_t *err)
{
    run->rows_extracted = (long long)extracted->rows;
    run->bytes_extracted = (long long)stats->raw_bytes;
    run->bytes_staged = (long long)stats->compressed_bytes;
    /* With no new rows the watermark stays where it was. */
    bool moves = !run->backfill[0] && incremental(objects);
    run->has_watermark_to = moves && (extracted->new_watermark || run->has_watermark_from);
    if (!moves) {
        run->watermark_to[0] = 0; /* a backfill chunk or a full refresh keeps no watermark */
        return WEIR_OK;
    }
    const char *to = extracted->new_watermark ? extracted->new_watermark : run->watermark_from;
    if (strlen(to) >= sizeof run->watermark_to) {
        weir_err_set(err, "the new watermark of %s (%zu bytes) does not fit the run record's %zu", run->table_name,
                     strlen(to), sizeof run->watermark_to - 1);
        return WEIR_ERR_INVALID;
    }
    snprintf(run->watermark_to, sizeof run->watermark_to, "%s", to);
    return WEIR_OK;
}

weir_status_t run_extract(runner_t *runner, store_run_t *run, const run_objects_t *objects, weir_err_t *err)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    source_session_t *session = NULL;
    stage_writer_t *writer = NULL;
    source_extract_t extracted = {0};
    source_window_t window;
    run_columns_t columns = {0};
    weir_status_t result = prepare_stage_dir(runner, run, err);
    if (result == WEIR_OK)
        result = plan_window(runner, run, objects, &window, err);
    if (result == WEIR_OK)
        result = objects->source->open(objects->source_spec, objects->source_write_only, &session, err);
    if (result == WEIR_OK)
        result = stage_writer_open(run->stage_dir, runner->chunk_raw_bytes, 3, &writer, err);
    if (result != WEIR_OK)
        goto out;
    if (runner->sealer)
        stage_writer_seal(writer, runner->sealer);
    result = run_columns_attach(&columns, objects, writer, err);
    if (result == WEIR_OK)
        result = objects->source->extract(session, &window, writer, &extracted, err);
    stage_stats_t stats = {0};
    if (result == WEIR_OK) {
        result = stage_writer_close(writer, &stats, err);
        writer = NULL;
    }
    /* The manifest makes the staged batch loadable after a restart without asking the source again. */
    stage_manifest_t manifest = {.chunks = stats.chunks, .rows = (long long)extracted.rows};
    if (result == WEIR_OK)
        result = run_columns_staged(&columns, &manifest, err);
    if (result == WEIR_OK)
        result = stage_manifest_write(run->stage_dir, &manifest, err);
    if (result == WEIR_OK)
        result = note_extracted(run, objects, &extracted, &stats, err);
    if (result != WEIR_OK)
        goto out;
    run->extract_seconds += seconds_since(&started);
    result = save_as(runner, run, RUN_STAGED, err);
out:
    stage_writer_abort(writer);
    run_columns_free(&columns);
    source_extract_free(&extracted);
    if (session)
        objects->source->close(session);
    return result;
}

weir_status_t run_batch_describe(const runner_t *runner, const store_run_t *run, const run_objects_t *objects,
                                 const stage_manifest_t *manifest, run_load_columns_t *names, destination_batch_t *out,
                                 weir_err_t *err)
{
    const table_spec_t *table = objects->table;
    bool backfill = run->backfill[0] != 0;
    weir_status_t result = run_columns_for_load(objects, manifest, names, err);
    if (result != WEIR_OK)
        return result;
    *out = (destination_batch_t){.run_id = run->id,
                                 .pipeline = run->pipeline,
                                 .table = run->table_name,
                                 .target = table->target_name,
                                 .column_count = manifest->column_count,
                                 .columns = (const char *const *)manifest->columns,
                                 .source_types = (const char *const *)manifest->types,
                                 .targets = names->targets,
                                 .target_types = names->types,
                                 .key_count = table->key_count,
                                 .primary_key = (const char *const *)table->primary_key,
                                 .cursor = incremental(objects) || backfill ? table->cursor : NULL,
                                 .table_cursor = table->cursor,
                                 .add_columns = objects->pipeline.add_columns,
                                 .full_refresh = !incremental(objects) && !backfill,
                                 .stage_dir = run->stage_dir,
                                 .chunk_count = manifest->chunks,
                                 .raw_bytes = run->bytes_extracted,
                                 .sealer = runner->sealer};
    return WEIR_OK;
}

weir_status_t run_stage_batch(const run_objects_t *objects, destination_session_t *session,
                              const destination_batch_t *batch, destination_load_t *loaded, weir_err_t *err)
{
    weir_status_t result = objects->destination->upload(session, batch, err);
    return result == WEIR_OK ? objects->destination->stage(session, batch, loaded, err) : result;
}

/* The quality gate's view of this run's batch. Backfill chunks are not judged against the history
 * of regular batches: their sizes are not comparable. */
static quality_context_t checks_of(const runner_t *runner, const store_run_t *run, const run_objects_t *objects,
                                   destination_session_t *session, const destination_batch_t *batch)
{
    return (quality_context_t){.store = runner->store,
                               .destination = objects->destination,
                               .session = session,
                               .batch = batch,
                               .judge_history = run->backfill[0] == 0};
}

weir_status_t run_gate(runner_t *runner, store_run_t *run, const run_objects_t *objects, destination_session_t *session,
                       const destination_batch_t *batch, const struct timespec *started, bool *held, weir_err_t *err)
{
    *held = false;
    if (run->skip_checks)
        return WEIR_OK; /* released by an operator: publish as it is */
    quality_context_t checks = checks_of(runner, run, objects, session, batch);
    quality_report_t report;
    weir_status_t result = quality_run(&checks, QUALITY_BATCH, &report, err);
    if (result == WEIR_OK && report.blocking) {
        *held = true;
        objects->destination->discard(session, batch);
        snprintf(run->error, sizeof run->error, "quarantined, nothing published: %s", report.summary);
        log_warn("runner", "run %s: %s %s quarantined: %s", run->id, run->pipeline, run->table_name, report.summary);
        run->load_seconds += seconds_since(started);
        result = save_as(runner, run, RUN_QUARANTINED, err);
    } else if (result == WEIR_OK && report.summary[0]) {
        log_warn("runner", "run %s: warnings, publishing anyway: %s", run->id, report.summary);
    }
    quality_report_free(&report);
    return result;
}

weir_status_t run_publish(runner_t *runner, store_run_t *run, const run_objects_t *objects,
                          destination_session_t *session, const destination_batch_t *batch,
                          const struct timespec *started, destination_load_t *loaded, weir_err_t *err)
{
    weir_status_t result = objects->destination->publish(session, batch, loaded, err);
    if (result != WEIR_OK)
        return result;
    log_info("runner", "run %s: %s %s loaded %lld rows (%lld inserted, %lld updated, %lld removed)", run->id,
             run->pipeline, run->table_name, loaded->staged_rows, loaded->inserted, loaded->updated, loaded->deleted);
    /* Target checks judge what is published; a failure is recorded and reported, the data stays.
     * They run before `published` is saved, so a crash in between repeats the (harmless) publish
     * and the checks rather than skipping them. */
    quality_context_t checks = checks_of(runner, run, objects, session, batch);
    quality_report_t report;
    weir_err_t check_err = {{0}};
    if (quality_run(&checks, QUALITY_TARGET, &report, &check_err) != WEIR_OK)
        log_error("runner", "run %s: target checks could not be recorded: %s", run->id, check_err.msg);
    else if (report.summary[0])
        log_warn("runner", "run %s: target checks failed: %s", run->id, report.summary);
    quality_report_free(&report);
    run->rows_loaded = loaded->staged_rows;
    run->load_seconds += seconds_since(started);
    return save_as(runner, run, RUN_PUBLISHED, err);
}

weir_status_t run_load(runner_t *runner, store_run_t *run, const run_objects_t *objects, weir_err_t *err)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    destination_session_t *session = NULL;
    stage_manifest_t manifest;
    run_load_columns_t names = {0};
    destination_batch_t batch;
    weir_status_t result = stage_manifest_read(run->stage_dir, &manifest, err);
    bool stale = result == WEIR_ERR_NOT_FOUND || result == WEIR_ERR_INVALID;
    if (stale)
        weir_err_set(err, "the staged batch of run %s is gone or damaged; it will be extracted again", run->id);
    if (result == WEIR_OK) {
        result = run_batch_describe(runner, run, objects, &manifest, &names, &batch, err);
        stale = result == WEIR_ERR_CONFLICT; /* staged under other column rules */
    }
    if (stale) {
        log_warn("runner", "run %s: %s", run->id, err->msg);
        run->state = RUN_EXTRACTING;
        /* A release vouched for the batch that was staged, not for what the source holds now. */
        run->skip_checks = false;
        result = WEIR_ERR_NOT_FOUND;
        goto out;
    }
    if (result == WEIR_OK)
        result = save_as(runner, run, RUN_LOADING, err);
    if (result == WEIR_OK)
        result = objects->destination->open(objects->destination_spec, NULL, &session, err);
    if (result != WEIR_OK)
        goto out;
    destination_load_t loaded;
    result = run_stage_batch(objects, session, &batch, &loaded, err);
    bool held = false;
    if (result == WEIR_OK)
        result = run_gate(runner, run, objects, session, &batch, &started, &held, err);
    if (result == WEIR_OK && !held)
        result = run_publish(runner, run, objects, session, &batch, &started, &loaded, err);
    if (result != WEIR_OK && !held) /* a held batch was discarded by the gate */
        objects->destination->discard(session, &batch);
out:
    if (session)
        objects->destination->close(session);
    run_load_columns_free(&names);
    stage_manifest_free(&manifest);
    return result;
}
