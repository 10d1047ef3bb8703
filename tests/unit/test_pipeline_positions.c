/* test_pipeline_positions.c — a pipeline table's watermark goes with the pipeline or the table: a
 * delete, a removed table or a changed source/cursor drops it, a run in flight holds the change
 * back, history stays, and positions older agents left behind are dropped by the migration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_runs.h"
#include "temp_store.h"

static temp_store_t place;
static store_t *store;

#define TABLE_A "{\"name\":\"public.a\",\"cursor\":\"id\"}"
#define TABLE_B "{\"name\":\"public.b\",\"cursor\":\"updated_at\"}"
#define PIPELINE(source, tables) \
    "{\"name\":\"p\",\"source\":\"" source "\",\"destination\":\"dst\",\"naming\":\"upper\",\"table\":[" tables "]}"

static int setup(void **state)
{
    (void)state;
    if (temp_store_open(&place, &store) != 0)
        return -1;
    temp_store_put(store, "source_postgres", "src", "{\"name\":\"src\"}");
    temp_store_put(store, "source_postgres", "other", "{\"name\":\"other\"}");
    temp_store_put(store, "destination_snowflake", "dst", "{\"name\":\"dst\"}");
    temp_store_put(store, "pipeline", "p", PIPELINE("src", TABLE_A "," TABLE_B));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

/* Queues and claims a run of p's `table`; the claimed run is in flight (extracting). */
static store_run_t start_run(const char *table)
{
    weir_err_t err = {{0}};
    store_run_t run;
    store_run_request_t request = {.pipeline = "p",
                                   .table_name = table,
                                   .trigger = "manual",
                                   .source = "src",
                                   .destination = "dst",
                                   .not_before = ""};
    if (store_run_enqueue(store, &request, &run, &err) != WEIR_OK)
        fail_msg("enqueue %s: %s", table, err.msg);
    if (store_run_claim(store, "agent-1", &run, &err) != WEIR_OK)
        fail_msg("claim %s: %s", table, err.msg);
    return run;
}

/* Runs p's `table` to a commit that moves its watermark to `to`. */
static store_run_t commit_run(const char *table, const char *to)
{
    weir_err_t err = {{0}};
    store_run_t run = start_run(table);
    run.state = RUN_PUBLISHED;
    run.has_watermark_to = true;
    snprintf(run.watermark_to, sizeof run.watermark_to, "%s", to);
    if (store_run_commit(store, &run, &err) != WEIR_OK)
        fail_msg("commit %s: %s", table, err.msg);
    return run;
}

/* The watermark of p's `table`, or "" when it has none. */
static const char *watermark(const char *table)
{
    static char value[128];
    weir_err_t err = {{0}};
    bool found = false;
    if (store_watermark_get(store, "p", table, value, sizeof value, &found, &err) != WEIR_OK)
        fail_msg("watermark %s: %s", table, err.msg);
    return found ? value : "";
}

static weir_status_t update(const char *spec, weir_err_t *err)
{
    agent_object_t stored = {0};
    weir_status_t result = store_put(store, "pipeline", "p", spec, "", AGENT_ANY_GENERATION, &stored, err);
    agent_object_clear(&stored);
    return result;
}

static void delete_drops_positions_and_keeps_history(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    store_run_t a = commit_run("public.a", "100");
    commit_run("public.b", "2026-01-01 00:00:00+00");
    assert_string_equal(watermark("public.a"), "100");
    assert_int_equal(store_pipeline_pause(store, "p", "maintenance", true, &err), WEIR_OK);
    store_run_request_t later = {.pipeline = "p",
                                 .table_name = "public.b",
                                 .trigger = "schedule",
                                 .source = "src",
                                 .destination = "dst",
                                 .not_before = "2999-01-01T00:00:00.000Z"};
    store_run_t queued;
    assert_int_equal(store_run_enqueue(store, &later, &queued, &err), WEIR_OK);

    assert_int_equal(store_delete(store, "pipeline", "p", 0, &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "");
    assert_string_equal(watermark("public.b"), "");
    bool paused = true;
    assert_int_equal(store_pipeline_paused(store, "p", &paused, NULL, 0, NULL, 0, &err), WEIR_OK);
    assert_false(paused);
    store_run_t reread; /* the history stays; the queued run ended with the reason */
    assert_int_equal(store_run_get(store, a.id, &reread, &err), WEIR_OK);
    assert_int_equal(reread.state, RUN_COMMITTED);
    assert_string_equal(reread.watermark_to, "100");
    assert_int_equal(store_run_get(store, queued.id, &reread, &err), WEIR_OK);
    assert_int_equal(reread.state, RUN_FAILED);
    assert_non_null(strstr(reread.error, "pipeline was deleted before this run started"));
    assert_true(reread.finished_at[0] != 0);

    /* The same name again (a replace, or a later create): its first run reads from the start. */
    temp_store_put(store, "pipeline", "p", PIPELINE("other", TABLE_A "," TABLE_B));
    assert_string_equal(watermark("public.a"), "");
    store_run_t fresh = start_run("public.a");
    assert_string_equal(watermark(fresh.table_name), "");
    fresh.state = RUN_PUBLISHED;
    fresh.has_watermark_to = true;
    snprintf(fresh.watermark_to, sizeof fresh.watermark_to, "7");
    assert_int_equal(store_run_commit(store, &fresh, &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "7");
}

static void removed_or_changed_tables_lose_their_position(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    commit_run("public.a", "100");
    commit_run("public.b", "2026-01-01 00:00:00+00");
    /* Other attributes, reordered tables: both positions stay. */
    assert_int_equal(
        update(
            "{\"name\":\"p\",\"source\":\"src\",\"destination\":\"dst\",\"naming\":\"upper\",\"schedule\":\"@daily\","
            "\"table\":[" TABLE_B "," TABLE_A "]}",
            &err),
        WEIR_OK);
    assert_string_equal(watermark("public.a"), "100");
    assert_string_equal(watermark("public.b"), "2026-01-01 00:00:00+00");

    /* Removing a table drops its position; the other table's stays. Adding it back starts over. */
    assert_int_equal(update(PIPELINE("src", TABLE_B), &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "");
    assert_string_equal(watermark("public.b"), "2026-01-01 00:00:00+00");
    assert_int_equal(update(PIPELINE("src", TABLE_A "," TABLE_B), &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "");

    /* The same column and table spelled another way keep the position: UPDATED_AT is updated_at to
     * PostgreSQL, and B's target written out is the one the naming policy gives. */
    assert_int_equal(update(PIPELINE("src",
                                     TABLE_A ",{\"name\":\"public.b\",\"cursor\":\"UPDATED_AT\","
                                             "\"target\":\"b\"}"),
                            &err),
                     WEIR_OK);
    assert_string_equal(watermark("public.b"), "2026-01-01 00:00:00+00");
    /* A quoted name is another column, and another target another table. */
    assert_int_equal(update(PIPELINE("src",
                                     TABLE_A ",{\"name\":\"public.b\",\"cursor\":\"UPDATED_AT\","
                                             "\"target\":\"\\\"b\\\"\"}"),
                            &err),
                     WEIR_OK);
    assert_string_equal(watermark("public.b"), "");
    commit_run("public.b", "2026-01-01 00:00:00+00");
    assert_int_equal(update(PIPELINE("src", TABLE_A "," TABLE_B), &err), WEIR_OK);
    assert_string_equal(watermark("public.b"), "");
    commit_run("public.b", "2026-01-01 00:00:00+00");

    /* A new cursor measures another column: that table starts over. */
    commit_run("public.a", "100");
    assert_int_equal(update(PIPELINE("src", "{\"name\":\"public.a\",\"cursor\":\"seq\"}," TABLE_B), &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "");
    assert_string_equal(watermark("public.b"), "2026-01-01 00:00:00+00");

    /* Another source: no position of the old one means anything there. */
    commit_run("public.a", "100");
    assert_int_equal(update(PIPELINE("other", "{\"name\":\"public.a\",\"cursor\":\"seq\"}," TABLE_B), &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "");
    assert_string_equal(watermark("public.b"), "");
}

static void queued_runs_of_a_removed_table_end(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    store_run_t a, b;
    store_run_request_t request = {
        .pipeline = "p", .trigger = "manual", .source = "src", .destination = "dst", .not_before = "2999-01-01"};
    request.table_name = "public.a";
    assert_int_equal(store_run_enqueue(store, &request, &a, &err), WEIR_OK);
    request.table_name = "public.b";
    assert_int_equal(store_run_enqueue(store, &request, &b, &err), WEIR_OK);
    assert_int_equal(update(PIPELINE("src", TABLE_B), &err), WEIR_OK);
    store_run_t reread;
    assert_int_equal(store_run_get(store, a.id, &reread, &err), WEIR_OK);
    assert_int_equal(reread.state, RUN_FAILED);
    assert_non_null(strstr(reread.error, "table was removed from the pipeline"));
    assert_int_equal(store_run_get(store, b.id, &reread, &err), WEIR_OK);
    assert_int_equal(reread.state, RUN_QUEUED); /* the kept table's run goes on */
}

static void runs_in_flight_hold_the_change_back(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    commit_run("public.a", "100");
    store_run_t run = start_run("public.a");
    /* Deleting now would let this run commit a position of the deleted pipeline afterwards. */
    assert_int_equal(store_delete(store, "pipeline", "p", 0, &err), WEIR_ERR_IN_USE);
    assert_non_null(strstr(err.msg, run.id));
    assert_non_null(strstr(err.msg, "still extracting"));
    assert_non_null(strstr(err.msg, "weir-agent ctl pause p"));
    assert_int_equal(update(PIPELINE("src", TABLE_B), &err), WEIR_ERR_IN_USE);
    assert_non_null(strstr(err.msg, "table \"public.a\""));
    assert_int_equal(update(PIPELINE("other", TABLE_A "," TABLE_B), &err), WEIR_ERR_IN_USE);
    /* Nothing moved: the pipeline, its table and the position are as they were. */
    agent_object_t stored = {0};
    assert_int_equal(store_get(store, "pipeline", "p", &stored, &err), WEIR_OK);
    assert_non_null(strstr(stored.spec_json, "public.a"));
    assert_int_equal(stored.generation, 1);
    agent_object_clear(&stored);
    assert_string_equal(watermark("public.a"), "100");
    /* A change that keeps public.a's position goes through; so does removing another table. */
    assert_int_equal(update(PIPELINE("src", TABLE_A), &err), WEIR_OK);

    /* A quarantined batch waits for an operator's decision. */
    run.state = RUN_QUARANTINED;
    assert_int_equal(store_run_save(store, &run, &err), WEIR_OK);
    assert_int_equal(store_delete(store, "pipeline", "p", 0, &err), WEIR_ERR_IN_USE);
    assert_non_null(strstr(err.msg, "quarantine release|discard"));
    store_run_t decided;
    assert_int_equal(store_run_release(store, run.id, &decided, &err), WEIR_OK);

    /* Once the run has committed, the delete goes through and takes the position along. */
    assert_int_equal(store_run_get(store, run.id, &run, &err), WEIR_OK);
    run.state = RUN_PUBLISHED;
    run.has_watermark_to = true;
    snprintf(run.watermark_to, sizeof run.watermark_to, "200");
    assert_int_equal(store_run_commit(store, &run, &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "200");
    assert_int_equal(store_delete(store, "pipeline", "p", 0, &err), WEIR_OK);
    assert_string_equal(watermark("public.a"), "");
}

static void migration_drops_positions_left_by_older_agents(void **state)
{
    (void)state;
    weir_err_t err = {{0}};
    commit_run("public.a", "100");
    store_close(store);
    /* What an older agent left: a removed table's position, a deleted pipeline's, and its pause. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(place.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO watermarks VALUES ('p', 'public.gone', '5', 'r1', 'x');"
                                  "INSERT INTO watermarks VALUES ('deleted', 'public.a', '6', 'r2', 'x');"
                                  "INSERT INTO paused_pipelines VALUES ('deleted', 'x', '');"
                                  "DELETE FROM schema_migrations WHERE version = 10;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(place.path, &store, &err), WEIR_OK);
    assert_int_equal(store_schema_version(store), 10);
    assert_string_equal(watermark("public.a"), "100");
    assert_string_equal(watermark("public.gone"), "");
    char value[16];
    bool found = true, paused = true;
    assert_int_equal(store_watermark_get(store, "deleted", "public.a", value, sizeof value, &found, &err), WEIR_OK);
    assert_false(found);
    assert_int_equal(store_pipeline_paused(store, "deleted", &paused, NULL, 0, NULL, 0, &err), WEIR_OK);
    assert_false(paused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(delete_drops_positions_and_keeps_history, setup, teardown),
        cmocka_unit_test_setup_teardown(removed_or_changed_tables_lose_their_position, setup, teardown),
        cmocka_unit_test_setup_teardown(queued_runs_of_a_removed_table_end, setup, teardown),
        cmocka_unit_test_setup_teardown(runs_in_flight_hold_the_change_back, setup, teardown),
        cmocka_unit_test_setup_teardown(migration_drops_positions_left_by_older_agents, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
