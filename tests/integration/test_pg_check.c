/* test_pg_check.c — apply's source checks against a real PostgreSQL (started by with_postgres.sh):
 * what the inspect op reads from the catalogs (columns, base types through domains, unique
 * constraints and indexes, privileges, missing tables), and pipeline_check_source end to end from
 * a store: missing table, missing key column, text cursor, key without a unique constraint, and a
 * source that cannot be reached (one warning, bounded in time); a source that accepts connections
 * but never answers (apply's 3 s bound, then remembered: the next apply warns at once, a changed
 * spec is checked at once, `ctl check` tries anyway); a quality check's columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit/temp_store.h"
#include "pg_check.h"
#include "pg_extract.h"
#include "pipeline_checks.h"
#include "reach_cache.h"

static PGconn *admin;

static void sql(const char *statement)
{
    PGresult *res = PQexec(admin, statement);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail_msg("%s: %s", statement, PQerrorMessage(admin));
    PQclear(res);
}

static int setup(void **state)
{
    (void)state;
    weir_err_t err;
    pg_source_t s = {.host = getenv("WEIR_TEST_PG_HOST"),
                     .port = (int)strtol(getenv("WEIR_TEST_PG_PORT"), NULL, 10),
                     .database = getenv("WEIR_TEST_PG_DB"),
                     .user = getenv("WEIR_TEST_PG_USER"),
                     .password = getenv("WEIR_TEST_PG_PASSWORD"),
                     .sslmode = "disable"};
    admin = pg_source_connect(&s, &err);
    if (!admin) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    sql("DROP SCHEMA IF EXISTS chk CASCADE");
    sql("DROP ROLE IF EXISTS chk_reader");
    sql("CREATE SCHEMA chk");
    sql("CREATE DOMAIN chk.audit_ts AS timestamptz");
    sql("CREATE TABLE chk.orders (id bigint PRIMARY KEY, updated_at chk.audit_ts, status varchar(20), ref uuid,"
        " seq integer, amount numeric(18,4), day date)");
    sql("CREATE TABLE chk.events (id bigint, tenant integer, seen date)");
    sql("CREATE TABLE chk.items (tenant integer, item integer, note text, UNIQUE (tenant, item))");
    sql("CREATE TABLE chk.partial (id bigint, live boolean)");
    sql("CREATE UNIQUE INDEX ON chk.partial (id) WHERE live");
    sql("CREATE TABLE chk.covering (id bigint, extra text)");
    sql("CREATE UNIQUE INDEX ON chk.covering (id) INCLUDE (extra)");
    sql("CREATE TABLE chk.by_expr (code text)");
    sql("CREATE UNIQUE INDEX ON chk.by_expr (lower(code))");
    sql("CREATE TABLE chk.\"Mixed\" (\"Id\" bigint PRIMARY KEY)");
    sql("CREATE ROLE chk_reader");
    sql("GRANT USAGE ON SCHEMA chk TO chk_reader");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sql("DROP SCHEMA chk CASCADE");
    sql("DROP ROLE chk_reader");
    PQfinish(admin);
    return 0;
}

static source_table_info_t inspect(const char *table, char **key, size_t key_count, weir_status_t expect)
{
    source_table_info_t info;
    weir_err_t err = {{0}};
    weir_status_t result = pg_inspect_table(admin, table, key, key_count, &info, &err);
    if (result != expect)
        fail_msg("inspect %s: %d (%s), expected %d", table, (int)result, err.msg, (int)expect);
    if (expect == WEIR_ERR_NOT_FOUND)
        assert_non_null(strstr(err.msg, "does not exist"));
    return info;
}

static void columns_types_and_classes(void **state)
{
    (void)state;
    char *key[] = {"id"};
    source_table_info_t info = inspect("chk.orders", key, 1, WEIR_OK);
    assert_int_equal(info.columns.count, 7);
    assert_string_equal(info.columns.names[1], "updated_at");
    assert_string_equal(info.columns.types[1], "chk.audit_ts");
    const source_cursor_class_t want[] = {SOURCE_CURSOR_NUMBER,    SOURCE_CURSOR_TIME,   SOURCE_CURSOR_TEXT,
                                          SOURCE_CURSOR_UNORDERED, SOURCE_CURSOR_NUMBER, SOURCE_CURSOR_NUMBER,
                                          SOURCE_CURSOR_TIME};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(info.cursor_classes[i], want[i]);
    assert_true(info.key_unique);
    assert_true(info.readable);
    source_table_info_free(&info);
    /* Names are matched as written: the quoted table and column keep their case. */
    char *mixed_key[] = {"Id"};
    info = inspect("chk.\"Mixed\"", mixed_key, 1, WEIR_OK);
    assert_true(info.key_unique);
    source_table_info_free(&info);
}

static void unique_constraints_and_indexes(void **state)
{
    (void)state;
    char *id[] = {"id"}, *tenant[] = {"tenant"}, *tenant_item_note[] = {"tenant", "item", "note"}, *code[] = {"code"};
    struct {
        const char *table;
        char **key;
        size_t count;
        bool unique;
    } cases[] = {
        {"chk.events", id, 1, false},             /* no constraint at all */
        {"chk.items", tenant, 1, false},          /* the constraint needs item too */
        {"chk.items", tenant_item_note, 3, true}, /* a wider key is unique when a part of it is */
        {"chk.partial", id, 1, false},            /* a partial index promises nothing for other rows */
        {"chk.covering", id, 1, true},            /* INCLUDE columns are not part of the key */
        {"chk.by_expr", code, 1, false},          /* lower(code) unique does not make code unique */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        source_table_info_t info = inspect(cases[i].table, cases[i].key, cases[i].count, WEIR_OK);
        if (info.key_unique != cases[i].unique)
            fail_msg("%s key %s…: unique %d, expected %d", cases[i].table, cases[i].key[0], info.key_unique,
                     cases[i].unique);
        source_table_info_free(&info);
    }
}

static void missing_tables_and_privileges(void **state)
{
    (void)state;
    char *id[] = {"id"};
    inspect("chk.nothing", id, 1, WEIR_ERR_NOT_FOUND);
    inspect("no_such_schema.orders", id, 1, WEIR_ERR_NOT_FOUND);
    inspect("orders", id, 1, WEIR_ERR_NOT_FOUND); /* not on the search path */
    sql("SET ROLE chk_reader");
    source_table_info_t info = inspect("chk.orders", id, 1, WEIR_OK);
    sql("RESET ROLE");
    assert_false(info.readable);
    source_table_info_free(&info);
}

static char *joined(const spec_diags_t *diags)
{
    static char text[2000];
    text[0] = 0;
    for (size_t i = 0; i < diags->count; i++) {
        char path[128];
        spec_path_format(diags->items[i].path, diags->items[i].path_len, path, sizeof path);
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s|%c|%s\n", path,
                 diags->items[i].is_error ? 'E' : 'W', diags->items[i].summary);
    }
    return text;
}

static void put_source(store_t *store, const char *name, const char *port)
{
    char spec[600];
    snprintf(spec, sizeof spec,
             "{\"name\":\"%s\",\"host\":\"127.0.0.1\",\"port\":%s,\"database\":\"%s\",\"user\":\"%s\","
             "\"password_ref\":\"env:WEIR_TEST_PG_PASSWORD\",\"sslmode\":\"disable\"}",
             name, port, getenv("WEIR_TEST_PG_DB"), getenv("WEIR_TEST_PG_USER"));
    temp_store_put(store, "source_postgres", name, spec);
}

static void a_pipeline_checked_from_the_store(void **state)
{
    (void)state;
    temp_store_t place;
    store_t *store = NULL;
    assert_int_equal(temp_store_open(&place, &store), 0);
    put_source(store, "pg", getenv("WEIR_TEST_PG_PORT"));
    const char *pipeline =
        "{\"name\":\"orders\",\"source\":\"pg\",\"destination\":\"wh\",\"table\":["
        "{\"name\":\"chk.orders\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"},"
        "{\"name\":\"chk.missing\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"},"
        "{\"name\":\"chk.orders\",\"primary_key\":[\"id\",\"region\"],\"cursor\":\"status\"},"
        "{\"name\":\"chk.events\",\"primary_key\":[\"id\"],\"cursor\":\"seen\"},"
        "{\"name\":\"chk.orders\",\"primary_key\":[\"id\"],\"cursor\":\"status\",\"allow_text_cursor\":true}]}";
    spec_diags_t diags;
    spec_diags_init(&diags);
    weir_err_t err = {{0}};
    assert_int_equal(pipeline_check_source(store, "orders", pipeline, &diags, &err), WEIR_OK);
    assert_string_equal(joined(&diags),
                        "table[1].name|E|Table not found\n"
                        "table[2].primary_key[1]|E|Primary key column not found\n"
                        "table[2].cursor|E|Text cursor\n"
                        "table[3].primary_key|W|Primary key not unique at the source\n");
    spec_diags_free(&diags);
    assert_int_equal(temp_store_remove(&place, store), 0);
}

static void an_unreachable_source_is_one_warning(void **state)
{
    (void)state;
    temp_store_t place;
    store_t *store = NULL;
    assert_int_equal(temp_store_open(&place, &store), 0);
    /* Port 1 on loopback: nothing listens, the connection is refused at once. */
    put_source(store, "down", "1");
    const char *pipeline = "{\"name\":\"p\",\"source\":\"down\",\"destination\":\"wh\",\"table\":["
                           "{\"name\":\"chk.orders\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"},"
                           "{\"name\":\"chk.missing\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"}]}";
    spec_diags_t diags;
    spec_diags_init(&diags);
    weir_err_t err = {{0}};
    time_t started = time(NULL);
    assert_int_equal(pipeline_check_source(store, "p", pipeline, &diags, &err), WEIR_OK);
    assert_true(time(NULL) - started < 15);
    assert_string_equal(joined(&diags), "source|W|Source not checked\n");
    assert_non_null(strstr(diags.items[0].detail, "source down"));
    assert_non_null(strstr(diags.items[0].detail, "cannot connect to PostgreSQL 127.0.0.1:1"));
    assert_null(strstr(diags.items[0].detail, getenv("WEIR_TEST_PG_PASSWORD")));
    spec_diags_free(&diags);
    /* A pipeline whose source is not in the store is left to the store's reference check. */
    spec_diags_init(&diags);
    const char *orphan = "{\"name\":\"p\",\"source\":\"nope\",\"destination\":\"wh\",\"table\":["
                         "{\"name\":\"chk.missing\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"}]}";
    assert_int_equal(pipeline_check_source(store, "p", orphan, &diags, &err), WEIR_OK);
    assert_int_equal(diags.count, 0);
    spec_diags_free(&diags);
    assert_int_equal(temp_store_remove(&place, store), 0);
}

/* Replaces source `name`'s spec, as an apply that changes the source does. */
static void update_source(store_t *store, const char *name, const char *port)
{
    char spec[600];
    snprintf(spec, sizeof spec,
             "{\"name\":\"%s\",\"host\":\"127.0.0.1\",\"port\":%s,\"database\":\"%s\",\"user\":\"%s\","
             "\"password_ref\":\"env:WEIR_TEST_PG_PASSWORD\",\"sslmode\":\"disable\"}",
             name, port, getenv("WEIR_TEST_PG_DB"), getenv("WEIR_TEST_PG_USER"));
    weir_err_t err = {{0}};
    agent_object_t object = {0};
    if (store_put(store, "source_postgres", name, spec, "", AGENT_ANY_GENERATION, &object, &err) != WEIR_OK)
        fail_msg("update %s: %s", name, err.msg);
    agent_object_clear(&object);
}

/* A loopback port whose connections the kernel completes but nobody accepts or answers: libpq's
 * startup packet waits for a reply that never comes, as with a black-holed host. */
static int silent_listener(char *port, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        fail_msg("cannot listen on loopback");
    snprintf(port, size, "%d", ntohs(addr.sin_port));
    return fd;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Checks `pipeline` at apply; returns the seconds it took and leaves the findings in `diags`. */
static double timed_check(store_t *store, const char *pipeline, spec_diags_t *diags)
{
    struct timespec start;
    weir_err_t err = {{0}};
    spec_diags_init(diags);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(pipeline_check_source(store, "silent", pipeline, diags, &err), WEIR_OK);
    return seconds_since(&start);
}

static void a_silent_source_is_bounded_then_remembered(void **state)
{
    (void)state;
    temp_store_t place;
    store_t *store = NULL;
    assert_int_equal(temp_store_open(&place, &store), 0);
    char port[16];
    int listener = silent_listener(port, sizeof port);
    put_source(store, "quiet", port);
    const char *pipeline = "{\"name\":\"silent\",\"source\":\"quiet\",\"destination\":\"wh\",\"table\":["
                           "{\"name\":\"chk.orders\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"}]}";
    spec_diags_t diags;
    /* The first apply waits out apply's 3 s bound (not runs' 10 s), and says so. */
    double first = timed_check(store, pipeline, &diags);
    assert_true(first >= 2.5 && first < 6.0);
    assert_string_equal(joined(&diags), "source|W|Source not checked\n");
    assert_non_null(strstr(diags.items[0].detail,
                           "Could not connect to source quiet, so the checks of this pipeline's tables were skipped"));
    assert_non_null(strstr(diags.items[0].detail, "timed out: no answer within 3000 ms"));
    assert_non_null(strstr(diags.items[0].detail, "applies in the next minute skip"));
    spec_diags_free(&diags);
    /* The next apply within the window does not wait: it names the earlier failure. */
    double second = timed_check(store, pipeline, &diags);
    assert_true(second < first / 10);
    assert_string_equal(joined(&diags), "source|W|Source not checked\n");
    assert_non_null(strstr(diags.items[0].detail, "were skipped: source quiet was unreachable 0 s ago"));
    assert_non_null(strstr(diags.items[0].detail, "timed out"));
    assert_non_null(strstr(diags.items[0].detail, "`weir-agent ctl check silent` runs the checks now"));
    spec_diags_free(&diags);
    /* A quality check on the same source skips it as quickly (the pipeline carries the warning). */
    temp_store_put(store, "destination_snowflake", "wh", "{\"name\":\"wh\"}");
    temp_store_put(store, "pipeline", "silent", pipeline);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    spec_diags_init(&diags);
    weir_err_t err = {{0}};
    assert_int_equal(quality_check_columns(store, "q",
                                           "{\"name\":\"q\",\"pipeline\":\"silent\",\"table\":\"chk.orders\","
                                           "\"kind\":\"null_spike\",\"column\":\"nope\"}",
                                           &diags, &err),
                     WEIR_OK);
    assert_true(seconds_since(&start) < first / 10);
    assert_int_equal(diags.count, 0);
    spec_diags_free(&diags);
    /* Pointing the source at a server that answers is a new spec: checked at once, for real. */
    update_source(store, "quiet", getenv("WEIR_TEST_PG_PORT"));
    double fixed = timed_check(store, pipeline, &diags);
    assert_true(fixed < first / 2);
    assert_int_equal(diags.count, 0);
    spec_diags_free(&diags);
    close(listener);
    assert_int_equal(temp_store_remove(&place, store), 0);
}

/* `ctl check` (pipeline_check_source_now) tries a remembered source anyway, and reaching it
 * clears the memory, so the next apply checks again. */
static void check_now_bypasses_the_memory(void **state)
{
    (void)state;
    temp_store_t place;
    store_t *store = NULL;
    assert_int_equal(temp_store_open(&place, &store), 0);
    put_source(store, "back", getenv("WEIR_TEST_PG_PORT"));
    agent_object_t stored = {0};
    weir_err_t err = {{0}};
    assert_int_equal(store_get(store, "source_postgres", "back", &stored, &err), WEIR_OK);
    /* As if an apply had waited on it a moment ago, while it was down. */
    reach_cache_put("source_postgres", "back", stored.spec_json, reach_cache_now_ms(), "it was down");
    agent_object_clear(&stored);
    const char *pipeline = "{\"name\":\"back\",\"source\":\"back\",\"destination\":\"wh\",\"table\":["
                           "{\"name\":\"chk.missing\",\"primary_key\":[\"id\"]}]}";
    spec_diags_t diags;
    spec_diags_init(&diags);
    assert_int_equal(pipeline_check_source(store, "back", pipeline, &diags, &err), WEIR_OK);
    assert_string_equal(joined(&diags), "source|W|Source not checked\n");
    assert_non_null(strstr(diags.items[0].detail, "(it was down)"));
    spec_diags_free(&diags);
    spec_diags_init(&diags);
    assert_int_equal(pipeline_check_source_now(store, "back", pipeline, &diags, &err), WEIR_OK);
    assert_string_equal(joined(&diags), "table[0].name|E|Table not found\n");
    spec_diags_free(&diags);
    spec_diags_init(&diags);
    assert_int_equal(pipeline_check_source(store, "back", pipeline, &diags, &err), WEIR_OK);
    assert_string_equal(joined(&diags), "table[0].name|E|Table not found\n");
    spec_diags_free(&diags);
    assert_int_equal(temp_store_remove(&place, store), 0);
}

static void quality_check_columns_are_checked(void **state)
{
    (void)state;
    temp_store_t place;
    store_t *store = NULL;
    assert_int_equal(temp_store_open(&place, &store), 0);
    put_source(store, "pg", getenv("WEIR_TEST_PG_PORT"));
    temp_store_put(store, "destination_snowflake", "wh", "{\"name\":\"wh\"}");
    temp_store_put(store, "pipeline", "orders",
                   "{\"name\":\"orders\",\"source\":\"pg\",\"destination\":\"wh\",\"table\":["
                   "{\"name\":\"chk.orders\",\"primary_key\":[\"id\"],\"cursor\":\"updated_at\"}]}");
    spec_diags_t diags;
    spec_diags_init(&diags);
    weir_err_t err = {{0}};
    assert_int_equal(quality_check_columns(store, "q1",
                                           "{\"name\":\"q1\",\"pipeline\":\"orders\",\"table\":\"chk.orders\","
                                           "\"kind\":\"null_spike\",\"column\":\"status\"}",
                                           &diags, &err),
                     WEIR_OK);
    assert_int_equal(diags.count, 0);
    assert_int_equal(quality_check_columns(store, "q2",
                                           "{\"name\":\"q2\",\"pipeline\":\"orders\",\"table\":\"chk.orders\","
                                           "\"kind\":\"unique\",\"columns\":[\"id\",\"nope\"]}",
                                           &diags, &err),
                     WEIR_OK);
    assert_int_equal(quality_check_columns(store, "q3",
                                           "{\"name\":\"q3\",\"pipeline\":\"orders\",\"table\":\"chk.orders\","
                                           "\"kind\":\"accepted_values\",\"column\":\"state\"}",
                                           &diags, &err),
                     WEIR_OK);
    assert_string_equal(joined(&diags), "columns[1]|E|Column not found\ncolumn|E|Column not found\n");
    assert_non_null(strstr(diags.items[1].detail, "Table chk.orders has no column \"state\""));
    spec_diags_free(&diags);
    assert_int_equal(temp_store_remove(&place, store), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_types_and_classes),
        cmocka_unit_test(unique_constraints_and_indexes),
        cmocka_unit_test(missing_tables_and_privileges),
        cmocka_unit_test(a_pipeline_checked_from_the_store),
        cmocka_unit_test(an_unreachable_source_is_one_warning),
        cmocka_unit_test(a_silent_source_is_bounded_then_remembered),
        cmocka_unit_test(check_now_bypasses_the_memory),
        cmocka_unit_test(quality_check_columns_are_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
