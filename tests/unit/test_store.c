/* test_store.c — SQLite store: migrations, CRUD, generations, references, reopen, and the checked
 * bind and transaction helpers every store file uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

typedef struct {
    char dir[256];
    char path[300];
    store_t *store;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/weir-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/weir.db", f->dir);
    weir_err_t err;
    if (store_open(f->path, &f->store, &err) != WEIR_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_close(f->store);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static const char *SOURCE = "{\"name\":\"payments\",\"host\":\"h\",\"database\":\"d\",\"user\":\"u\"}";
static const char *PIPELINE = "{\"name\":\"p\",\"source\":\"payments\",\"destination\":\"raw\"}";
static const char *DEST = "{\"name\":\"raw\"}";

static void crud_and_generations(void **state)
{
    fixture_t *f = *state;
    weir_err_t err = {{0}};
    agent_object_t object = {0};
    assert_int_equal(store_schema_version(f->store), 10);
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 0, &object, &err), WEIR_OK);
    assert_int_equal(object.generation, 1);
    assert_int_equal(strlen(object.id), 36);
    char id[40];
    snprintf(id, sizeof id, "%s", object.id);
    agent_object_clear(&object);

    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 0, &object, &err), WEIR_ERR_EXISTS);
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 7, &object, &err),
                     WEIR_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "generation 1"));
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 1, &object, &err), WEIR_OK);
    assert_int_equal(object.generation, 2);
    assert_string_equal(object.id, id);
    agent_object_clear(&object);
    assert_int_equal(
        store_put(f->store, "source_postgres", "payments", SOURCE, "", AGENT_ANY_GENERATION, &object, &err), WEIR_OK);
    assert_int_equal(object.generation, 3);
    agent_object_clear(&object);

    assert_int_equal(store_get(f->store, "source_postgres", "payments", &object, &err), WEIR_OK);
    assert_string_equal(object.spec_json, SOURCE);
    assert_string_equal(object.status_json, "{}");
    agent_object_clear(&object);
    assert_int_equal(store_get(f->store, "source_postgres", "nope", &object, &err), WEIR_ERR_NOT_FOUND);
    assert_int_equal(store_put(f->store, "source_postgres", "gone", SOURCE, "", 4, &object, &err), WEIR_ERR_NOT_FOUND);
}

static void references_guard_create_and_delete(void **state)
{
    fixture_t *f = *state;
    weir_err_t err = {{0}};
    agent_object_t object = {0};
    assert_int_equal(store_put(f->store, "pipeline", "p", PIPELINE, "", 0, &object, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "source"));
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(store_put(f->store, "pipeline", "p", PIPELINE, "", 0, &object, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "destination"));
    assert_int_equal(store_put(f->store, "destination_snowflake", "raw", DEST, "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(store_put(f->store, "pipeline", "p", PIPELINE, "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);

    assert_int_equal(store_delete(f->store, "source_postgres", "payments", 0, &err), WEIR_ERR_IN_USE);
    assert_non_null(strstr(err.msg, "pipeline \"p\""));
    assert_int_equal(store_delete(f->store, "pipeline", "p", 99, &err), WEIR_ERR_CONFLICT);
    assert_int_equal(store_delete(f->store, "pipeline", "p", 0, &err), WEIR_OK);
    assert_int_equal(store_delete(f->store, "pipeline", "p", 0, &err), WEIR_ERR_NOT_FOUND);
    assert_int_equal(store_delete(f->store, "source_postgres", "payments", 0, &err), WEIR_OK);
}

static void list_and_reopen(void **state)
{
    fixture_t *f = *state;
    weir_err_t err = {{0}};
    agent_object_t object = {0};
    assert_int_equal(store_put(f->store, "destination_snowflake", "raw", DEST, "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);
    store_close(f->store);
    assert_int_equal(store_open(f->path, &f->store, &err), WEIR_OK);
    assert_int_equal(store_schema_version(f->store), 10);
    agent_object_list_t list = {0};
    assert_int_equal(store_list(f->store, "", "", "", 0, &list, &err), WEIR_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].kind, "destination_snowflake");
    assert_string_equal(list.items[1].kind, "source_postgres");
    agent_object_list_free(&list);
    /* Pages: one object, then the rest after it. */
    assert_int_equal(store_list(f->store, "", "", "", 1, &list, &err), WEIR_OK);
    assert_int_equal(list.count, 1);
    agent_object_list_free(&list);
    assert_int_equal(store_list(f->store, "", "destination_snowflake", "raw", 1, &list, &err), WEIR_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].name, "payments");
    agent_object_list_free(&list);
    assert_int_equal(store_list(f->store, "", "source_postgres", "payments", 10, &list, &err), WEIR_OK);
    assert_int_equal(list.count, 0);
    agent_object_list_free(&list);
    assert_int_equal(store_list(f->store, "pipeline", "", "", 0, &list, &err), WEIR_OK);
    assert_int_equal(list.count, 0);
    agent_object_list_free(&list);
}

static void refuses_newer_schema(void **state)
{
    fixture_t *f = *state;
    store_close(f->store);
    f->store = NULL;
    /* A database touched by a newer agent: a migration version this build does not know. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (99, 'x')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    weir_err_t err = {{0}};
    assert_int_equal(store_open(f->path, &f->store, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "newer"));
    assert_int_equal(store_open("/nonexistent-dir/weir.db", &f->store, &err), WEIR_ERR_IO);
    f->store = NULL;
}

typedef struct {
    const char *reason; /* NULL breaks the column's NOT NULL */
    weir_status_t then; /* what the body returns after its insert */
} body_t;

static weir_status_t insert_then(store_t *store, void *ctx, weir_err_t *err)
{
    const body_t *body = ctx;
    weir_status_t result = store__exec_bound(store, NULL, err,
                                             "INSERT INTO paused_pipelines (pipeline, paused_at, reason) "
                                             "VALUES (?1, ?2, ?3)",
                                             "ttt", "orders", "2024-01-01T00:00:00.000Z", body->reason);
    if (result == WEIR_OK && body->then != WEIR_OK)
        weir_err_set(err, "the body failed on purpose");
    return result == WEIR_OK ? body->then : result;
}

static int paused_count(store_t *store)
{
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *stmt = NULL;
    weir_err_t err;
    int count = -1;
    if (store__prepare_bound(store, &stmt, &err, "SELECT COUNT(*) FROM paused_pipelines WHERE pipeline = ?1", "t",
                             "orders") == WEIR_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        count = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return count;
}

static void transaction_commits_or_rolls_back(void **state)
{
    fixture_t *f = *state;
    weir_err_t err = {{0}};
    /* A failing body leaves nothing behind (its insert is rolled back), and says why. */
    body_t fail = {"maintenance", WEIR_ERR_INVALID};
    assert_int_equal(store__transaction(f->store, insert_then, &fail, &err), WEIR_ERR_INVALID);
    assert_string_equal(err.msg, "the body failed on purpose");
    assert_int_equal(paused_count(f->store), 0);
    /* The NOT NULL reason bound as NULL fails the step: an error, rolled back. */
    body_t null_reason = {NULL, WEIR_OK};
    assert_int_equal(store__transaction(f->store, insert_then, &null_reason, &err), WEIR_ERR_IO);
    assert_non_null(strstr(err.msg, "NOT NULL"));
    assert_int_equal(paused_count(f->store), 0);
    /* The store is usable afterwards (no transaction was left open), and a body that succeeds commits. */
    body_t ok = {"maintenance", WEIR_OK};
    assert_int_equal(store__transaction(f->store, insert_then, &ok, &err), WEIR_OK);
    assert_int_equal(paused_count(f->store), 1);
}

static void binds_are_checked(void **state)
{
    fixture_t *f = *state;
    weir_err_t err = {{0}};
    pthread_mutex_lock(&f->store->lock);
    /* More parameters than the statement has: the bind fails, and the statement never runs. */
    int changes = -1;
    assert_int_equal(
        store__exec_bound(f->store, &changes, &err, "DELETE FROM paused_pipelines WHERE pipeline = ?1", "tt", "a", "b"),
        WEIR_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot bind ?2"));
    assert_int_equal(changes, 0);
    sqlite3_stmt *stmt = (sqlite3_stmt *)&err; /* must be reset to NULL on failure */
    assert_int_equal(store__prepare_bound(f->store, &stmt, &err, "SELECT ?1", "x", 1), WEIR_ERR_INTERNAL);
    assert_null(stmt);
    assert_non_null(strstr(err.msg, "bad parameter type 'x'"));
    /* Every type binds what it is given. */
    double observed = 2.5;
    assert_int_equal(store__prepare_bound(f->store, &stmt, &err, "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8", "tciIdDDn",
                                          "text", "copied", 7, 1LL << 40, 0.25, &observed, (const double *)NULL),
                     WEIR_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "text");
    assert_string_equal((const char *)sqlite3_column_text(stmt, 1), "copied");
    assert_int_equal(sqlite3_column_int(stmt, 2), 7);
    assert_true(sqlite3_column_int64(stmt, 3) == (1LL << 40));
    assert_true(sqlite3_column_double(stmt, 4) == 0.25);
    assert_true(sqlite3_column_double(stmt, 5) == 2.5);
    assert_int_equal(sqlite3_column_type(stmt, 6), SQLITE_NULL);
    assert_int_equal(sqlite3_column_type(stmt, 7), SQLITE_NULL);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&f->store->lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(crud_and_generations, setup, teardown),
        cmocka_unit_test_setup_teardown(references_guard_create_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(list_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(transaction_commits_or_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(binds_are_checked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
