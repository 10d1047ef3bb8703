/* test_metrics.c — Prometheus text from the store: families, escaped labels, watermark lag from
 * PostgreSQL timestamp text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_metrics.h"
#include "timestamp.h"
#include "store_runs.h"

static void timestamps_parse_with_offsets(void **state)
{
    (void)state;
    double epoch;
    assert_true(timestamp_parse("2026-11-23 10:23:20+00", &epoch));
    assert_true(epoch == 1795429400.0);
    assert_true(timestamp_parse("2026-11-23 15:53:20.5+05:30", &epoch));
    assert_true(epoch == 1795429400.5);
    assert_true(timestamp_parse("2026-11-23T10:23:20Z", &epoch));
    assert_true(epoch == 1795429400.0);
    assert_true(timestamp_parse("2026-11-23", &epoch));
    assert_false(timestamp_parse("12345", &epoch));
    assert_false(timestamp_parse("2026-11-23 10:23:20 UTC", &epoch));
}

static void families_from_the_store(void **state)
{
    (void)state;
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/weir-metrics-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/weir.db", dir);
    store_t *store;
    weir_err_t err;
    assert_int_equal(store_open(path, &store, &err), WEIR_OK);
    store_run_t run;
    store_run_request_t request = {.pipeline = "p",
                                   .table_name = "odd\"name\\",
                                   .trigger = "manual",
                                   .source = "s",
                                   .destination = "d",
                                   .not_before = ""};
    assert_int_equal(store_run_enqueue(store, &request, &run, &err), WEIR_OK);
    assert_int_equal(store_run_claim(store, "me", &run, &err), WEIR_OK);
    run.rows_loaded = 42;
    run.has_watermark_to = true;
    snprintf(run.watermark_to, sizeof run.watermark_to, "2026-11-23 10:23:20+00");
    run.state = RUN_PUBLISHED;
    assert_int_equal(store_run_commit(store, &run, &err), WEIR_OK);

    weir_buf_t out;
    buf_init(&out, 1 << 20);
    assert_int_equal(store_metrics_write(store, 1795429460, &out, &err), WEIR_OK);
    assert_int_equal(buf_putc(&out, 0), WEIR_OK);
    const char *text = (const char *)out.data;
    assert_non_null(strstr(text, "# TYPE weir_runs gauge\n"));
    assert_non_null(strstr(text, "weir_runs{pipeline=\"p\",table=\"odd\\\"name\\\\\",state=\"committed\"} 1\n"));
    assert_non_null(strstr(text, "weir_rows_loaded_total{pipeline=\"p\",table=\"odd\\\"name\\\\\"} 42\n"));
    assert_non_null(strstr(text, "weir_watermark_lag_seconds{pipeline=\"p\",table=\"odd\\\"name\\\\\"} 60.000\n"));
    assert_non_null(strstr(text, "weir_quarantined_runs 0\n"));
    assert_non_null(strstr(text, "weir_store_up 1\n"));
    buf_free(&out);
    store_close(store);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timestamps_parse_with_offsets),
        cmocka_unit_test(families_from_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
