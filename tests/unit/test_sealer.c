/* test_sealer.c — write-only secrets sealed at rest: AES-256-GCM round trips, binding to the
 * object, tamper and wrong-key refusals, key file rules, and the store sealing on put, opening on
 * read and sealing what an older agent left in plain text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sealer.h"
#include "store.h"
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

static sealer_t *new_sealer(const char *file)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", place.dir, file);
    sealer_t *sealer = NULL;
    weir_err_t err;
    if (sealer_from_new_key_file(path, &sealer, &err) != WEIR_OK)
        fail_msg("key file: %s", err.msg);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    return sealer;
}

static void seal_and_open(void **state)
{
    (void)state;
    sealer_t *sealer = new_sealer("a.key"), *other = new_sealer("b.key");
    weir_err_t err;
    char *sealed = sealer_seal(sealer, "source_postgres/payments", "{\"password_wo\":\"hunter2\"}", &err);
    assert_non_null(sealed);
    assert_true(sealer_is_sealed(sealed));
    assert_null(strstr(sealed, "hunter2"));
    char *again = sealer_seal(sealer, "source_postgres/payments", "{\"password_wo\":\"hunter2\"}", &err);
    assert_string_not_equal(sealed, again); /* a fresh nonce every time */
    char *plain = sealer_open(sealer, "source_postgres/payments", sealed, &err);
    assert_string_equal(plain, "{\"password_wo\":\"hunter2\"}");
    free(plain);
    assert_null(sealer_open(sealer, "source_postgres/other", sealed, &err));   /* moved to another object */
    assert_null(sealer_open(other, "source_postgres/payments", sealed, &err)); /* another key */
    assert_non_null(strstr(err.msg, "does not open"));
    sealed[strlen(sealed) - 6] = sealed[strlen(sealed) - 6] == 'A' ? 'B' : 'A'; /* tampered */
    assert_null(sealer_open(sealer, "source_postgres/payments", sealed, &err));
    assert_null(sealer_open(sealer, "source_postgres/payments", "weir-sealed:v1:AAAA", &err));
    assert_null(sealer_open(sealer, "source_postgres/payments", "plain", &err));
    free(sealed);
    free(again);
    sealer_free(sealer);
    sealer_free(other);
}

static void key_files_must_be_private_and_32_bytes(void **state)
{
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/loose.key", place.dir);
    FILE *file = fopen(path, "w");
    fputs("c2hvcnQ=\n", file);
    fclose(file);
    sealer_t *sealer = NULL;
    weir_err_t err;
    chmod(path, 0644);
    assert_int_equal(sealer_from_key_file(path, &sealer, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "chmod 600"));
    chmod(path, 0600);
    assert_int_equal(sealer_from_key_file(path, &sealer, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "32 bytes"));
    assert_null(sealer);
}

static void the_store_seals_write_only_values(void **state)
{
    (void)state;
    weir_err_t err;
    agent_object_t object = {0};
    /* Without a key, write-only values are refused; references still work. */
    assert_int_equal(store_put(store, "source_postgres", "a", "{\"name\":\"a\"}", "{\"password_wo\":\"s3cret-a\"}", 0,
                               &object, &err),
                     WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "--secrets-key-file"));
    /* An older agent's plain value, written behind the store's back. */
    assert_int_equal(store_put(store, "source_postgres", "old", "{\"name\":\"old\"}", "", 0, &object, &err), WEIR_OK);
    agent_object_clear(&object);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(place.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE objects SET write_only_json = '{\"password_wo\":\"s3cret-old\"}' "
                                  "WHERE name = 'old'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sealer_t *sealer = new_sealer("store.key");
    assert_int_equal(store_set_sealer(store, sealer, &err), WEIR_OK);
    assert_int_equal(store_put(store, "source_postgres", "a", "{\"name\":\"a\"}", "{\"password_wo\":\"s3cret-a\"}", 0,
                               &object, &err),
                     WEIR_OK);
    agent_object_clear(&object);
    /* On disk both are sealed now. */
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT write_only_json FROM objects WHERE write_only_json <> ''", -1, &stmt, NULL),
        SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(stmt, 0);
        assert_true(sealer_is_sealed(stored));
        assert_null(strstr(stored, "s3cret"));
        rows++;
    }
    assert_int_equal(rows, 2);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    char *json = NULL;
    assert_int_equal(store_get_write_only(store, "source_postgres", "a", &json, &err), WEIR_OK);
    assert_string_equal(json, "{\"password_wo\":\"s3cret-a\"}");
    free(json);
    assert_int_equal(store_get_write_only(store, "source_postgres", "old", &json, &err), WEIR_OK);
    assert_string_equal(json, "{\"password_wo\":\"s3cret-old\"}");
    free(json);
    /* Reopened with another key, the secrets do not open, and the error says why. */
    sealer_t *wrong = new_sealer("wrong.key");
    assert_int_equal(store_set_sealer(store, wrong, &err), WEIR_OK);
    assert_int_equal(store_get_write_only(store, "source_postgres", "a", &json, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "does not open"));
    assert_int_equal(store_set_sealer(store, NULL, &err), WEIR_OK);
    sealer_free(wrong);
    sealer_free(sealer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(seal_and_open, setup, teardown),
        cmocka_unit_test_setup_teardown(key_files_must_be_private_and_32_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(the_store_seals_write_only_values, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
