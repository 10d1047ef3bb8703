/* test_store_runs.c — run records: one unfinished run per table, claims resume interrupted runs,
 * the watermark moves only with a commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"
#include "store_dag_runs.h"
#include "store_runs.h"
#include "temp_store.h"

static temp_store_t place;
static store_t *store;

static int setup(void **state)
{
    (void)state;
    return temp_store_open(&place, &store);
}

static int teardown(void **state)
{
    (void)state;
    return temp_store_remove(&place, store);
}

static weir_status_t enqueue(const char *pipeline, const char *table, const char *trigger, const char *not_before,
                             store_run_t *out)
{
    weir_err_t err;
    store_run_request_t request = {.pipeline = pipeline,
                                   .table_name = table,
                                   .trigger = trigger,
                                   .source = "src",
                                   .destination = "dst",
                                   .not_before = not_before};
    return store_run_enqueue(store, &request, out, &err);
}

static void lifecycle(void **state)
{
    (void)state;
    weir_err_t err;
    store_run_t run, other, claimed;
    assert_int_equal(enqueue("p", "public.t", "manual", "", &run), WEIR_OK);
    assert_int_equal(run.state, RUN_QUEUED);
    assert_int_equal(enqueue("p", "public.t", "manual", "", &other), WEIR_ERR_EXISTS);
    assert_string_equal(other.id, run.id);
    assert_int_equal(enqueue("p", "public.u", "schedule", "", &other), WEIR_OK);

    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.id, run.id);
    assert_int_equal(claimed.state, RUN_EXTRACTING);
    assert_int_equal(claimed.attempts, 1);

    bool found;
    char value[128];
    claimed.state = RUN_PUBLISHED;
    claimed.has_watermark_to = true;
    snprintf(claimed.watermark_to, sizeof claimed.watermark_to, "2026-11-23 10:30:00+00");
    claimed.rows_extracted = claimed.rows_loaded = 42;
    assert_int_equal(store_run_save(store, &claimed, &err), WEIR_OK);
    assert_int_equal(store_watermark_get(store, "p", "public.t", value, sizeof value, &found, &err), WEIR_OK);
    assert_false(found); /* published is not committed: the watermark has not moved */

    assert_int_equal(store_run_commit(store, &claimed, &err), WEIR_OK);
    assert_int_equal(store_watermark_get(store, "p", "public.t", value, sizeof value, &found, &err), WEIR_OK);
    assert_true(found);
    assert_string_equal(value, "2026-11-23 10:30:00+00");
    store_run_t reread;
    assert_int_equal(store_run_get(store, run.id, &reread, &err), WEIR_OK);
    assert_int_equal(reread.state, RUN_COMMITTED);
    assert_true(reread.finished_at[0] != 0);
    assert_int_equal(reread.rows_loaded, 42);

    /* A new run for the table is allowed again; a failed one leaves the watermark alone. */
    assert_int_equal(enqueue("p", "public.t", "manual", "", &run), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.table_name, "public.u"); /* older queued run first */
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.id, run.id);
    claimed.state = RUN_FAILED;
    snprintf(claimed.error, sizeof claimed.error, "boom");
    claimed.has_watermark_to = true;
    snprintf(claimed.watermark_to, sizeof claimed.watermark_to, "2099-01-01");
    assert_int_equal(store_run_save(store, &claimed, &err), WEIR_OK);
    assert_int_equal(store_watermark_get(store, "p", "public.t", value, sizeof value, &found, &err), WEIR_OK);
    assert_string_equal(value, "2026-11-23 10:30:00+00");

    store_run_t *runs;
    size_t count;
    assert_int_equal(store_run_list(store, "p", 10, &runs, &count, &err), WEIR_OK);
    assert_int_equal(count, 3);
    assert_string_equal(runs[0].id, run.id); /* newest first */
    free(runs);
}

static void interrupted_runs_resume(void **state)
{
    (void)state;
    weir_err_t err;
    store_run_t run, claimed;
    assert_int_equal(enqueue("q", "t", "manual", "", &run), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    claimed.state = RUN_LOADING;
    assert_int_equal(store_run_save(store, &claimed, &err), WEIR_OK);
    /* The agent died here. After a restart the same run is claimed again at its step. */
    store_close(store);
    assert_int_equal(store_open(place.path, &store, &err), WEIR_OK);
    store_run_t none;
    assert_int_equal(store_run_claim(store, "agent-1", &none, &err), WEIR_ERR_NOT_FOUND); /* still ours */
    assert_int_equal(store_run_claim(store, "agent-2", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.id, run.id);
    assert_int_equal(claimed.state, RUN_LOADING);
    assert_int_equal(claimed.attempts, 2);
    claimed.state = RUN_FAILED;
    assert_int_equal(store_run_save(store, &claimed, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-3", &claimed, &err), WEIR_ERR_NOT_FOUND);
    assert_int_equal(store_run_get(store, "nope", &claimed, &err), WEIR_ERR_NOT_FOUND);
}

static void limits_and_start_times(void **state)
{
    (void)state;
    weir_err_t err;
    agent_object_t object;
    /* One connection allowed on the source: the second pipeline's run waits for the first. */
    assert_int_equal(
        store_put(store, "source_postgres", "src", "{\"name\":\"src\",\"max_connections\":1}", "", 0, &object, &err),
        WEIR_OK);
    agent_object_clear(&object);
    store_run_t a, b, c, claimed;
    assert_int_equal(enqueue("p1", "t", "manual", "", &a), WEIR_OK);
    assert_int_equal(enqueue("p2", "t", "manual", "", &b), WEIR_OK);
    assert_int_equal(enqueue("p3", "t", "schedule", "2999-01-01T00:00:00.000Z", &c), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.id, a.id);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_ERR_NOT_FOUND);
    store_run_t first;
    assert_int_equal(store_run_get(store, a.id, &first, &err), WEIR_OK);
    assert_int_equal(store_run_commit(store, &first, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.id, b.id);
    claimed.state = RUN_FAILED;
    assert_int_equal(store_run_save(store, &claimed, &err), WEIR_OK);
    /* p3 is not due before its start time. */
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_ERR_NOT_FOUND);
}

static void pipeline_table_parallelism(void **state)
{
    (void)state;
    weir_err_t err;
    agent_object_t object;
    assert_int_equal(
        store_put(store, "pipeline", "wide", "{\"name\":\"wide\",\"max_parallel_tables\":2}", "", 0, &object, &err),
        WEIR_OK);
    agent_object_clear(&object);
    store_run_t runs[3], first, second, claimed;
    assert_int_equal(enqueue("wide", "a", "manual", "", &runs[0]), WEIR_OK);
    assert_int_equal(enqueue("wide", "b", "manual", "", &runs[1]), WEIR_OK);
    assert_int_equal(enqueue("wide", "c", "manual", "", &runs[2]), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &first, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &second, &err), WEIR_OK);
    /* Two tables in flight: the third waits for one of them. */
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_ERR_NOT_FOUND);
    assert_int_equal(store_run_commit(store, &second, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "agent-1", &claimed, &err), WEIR_OK);
    assert_string_equal(claimed.table_name, "c");
}

static void scheduler_queues_due_pipelines(void **state)
{
    (void)state;
    weir_err_t err;
    agent_object_t object;
    assert_int_equal(store_put(store, "source_postgres", "src", "{\"name\":\"src\"}", "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(store_put(store, "destination_snowflake", "dst", "{\"name\":\"dst\"}", "", 0, &object, &err),
                     WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(
        store_put(store, "pipeline", "hourly",
                  "{\"name\":\"hourly\",\"source\":\"src\",\"destination\":\"dst\",\"schedule\":\"0 * * * *\","
                  "\"enabled\":true,\"jitter\":\"10m\",\"table\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
                  "", 0, &object, &err),
        WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(
        store_put(store, "pipeline", "paused",
                  "{\"name\":\"paused\",\"source\":\"src\",\"destination\":\"dst\",\"schedule\":\"* * * * *\","
                  "\"enabled\":false,\"table\":[{\"name\":\"a\"}]}",
                  "", 0, &object, &err),
        WEIR_OK);
    agent_object_clear(&object);
    time_t top_of_hour = 1795431600;                                                 /* 2026-11-23T11:00:00Z */
    assert_int_equal(scheduler_tick(store, top_of_hour + 60, top_of_hour + 120), 0); /* 11:02 matches nothing */
    assert_int_equal(scheduler_tick(store, top_of_hour - 30, top_of_hour + 30), 2);  /* one run per table */
    assert_int_equal(scheduler_tick(store, top_of_hour - 30, top_of_hour + 30), 0);  /* never doubled */
    store_run_t *runs;
    size_t count;
    assert_int_equal(store_run_list(store, "", 10, &runs, &count, &err), WEIR_OK);
    assert_int_equal(count, 2);
    free(runs);
    /* Every pipeline firing on one tick joins one DAG run. */
    assert_int_equal(
        store_put(store, "pipeline", "billing",
                  "{\"name\":\"billing\",\"source\":\"src\",\"destination\":\"dst\",\"schedule\":\"*/5 * * * *\","
                  "\"enabled\":true,\"table\":[{\"name\":\"invoices\"}]}",
                  "", 0, &object, &err),
        WEIR_OK);
    agent_object_clear(&object);
    store_run_t *all;
    assert_int_equal(store_run_list(store, "", 10, &all, &count, &err), WEIR_OK);
    for (size_t i = 0; i < count; i++) { /* the hour's runs end, so the next hour's tick queues again */
        all[i].state = RUN_PUBLISHED;
        assert_int_equal(store_run_commit(store, &all[i], &err), WEIR_OK);
    }
    free(all);
    assert_int_equal(scheduler_tick(store, top_of_hour + 3570, top_of_hour + 3630), 3); /* 12:00: both fire */
    store_dag_run_t *dag_runs;
    assert_int_equal(store_dag_run_list(store, 10, &dag_runs, &count, &err), WEIR_OK);
    assert_int_equal(count, 2); /* 11:00 (one pipeline) and 12:00 (two) */
    assert_string_equal(dag_runs[0].origin, "pipelines billing, hourly");
    assert_int_equal(dag_runs[0].members, 3);
    assert_string_equal(dag_runs[1].origin, "pipeline hourly");
    free(dag_runs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(interrupted_runs_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(limits_and_start_times, setup, teardown),
        cmocka_unit_test_setup_teardown(pipeline_table_parallelism, setup, teardown),
        cmocka_unit_test_setup_teardown(scheduler_queues_due_pipelines, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
