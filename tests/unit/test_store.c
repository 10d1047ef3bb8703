/* test_store.c — SQLite store: migrations, CRUD, generations, references, reopen. */
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
    assert_int_equal(store_schema_version(f->store), 6);
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 0, &object, &err), WEIR_OK);
    assert_int_equal(object.generation, 1);
    assert_int_equal(strlen(object.id), 36);
    char id[40];
    snprintf(id, sizeof id, "%s", object.id);
    agent_object_clear(&object);

    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 0, &object, &err), WEIR_ERR_EXISTS);
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 7, &object, &err), WEIR_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "generation 1"));
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", 1, &object, &err), WEIR_OK);
    assert_int_equal(object.generation, 2);
    assert_string_equal(object.id, id);
    agent_object_clear(&object);
    assert_int_equal(store_put(f->store, "source_postgres", "payments", SOURCE, "", AGENT_ANY_GENERATION, &object, &err), WEIR_OK);
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
    assert_int_equal(store_schema_version(f->store), 6);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(crud_and_generations, setup, teardown),
        cmocka_unit_test_setup_teardown(references_guard_create_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(list_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_newer_schema, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
