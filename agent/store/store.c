/* store.c — SQLite persistence for objects, with migrations and referential integrity from the spec tables. */
#include "store.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "spec.h"
#include "store_internal.h"

/* Migrations run in order, each in its own transaction; never edit one that has shipped. */
static const char *const migrations[] = {
    /* 1: objects */
    "CREATE TABLE objects ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  generation INTEGER NOT NULL CHECK (generation > 0),"
    "  spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),"
    "  write_only_json TEXT NOT NULL DEFAULT '',"
    "  status_json TEXT NOT NULL DEFAULT '{}',"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  UNIQUE (kind, name));",
    /* 2: runs and watermarks */
    "CREATE TABLE runs ("
    "  id TEXT PRIMARY KEY,"
    "  pipeline TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  trigger TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  started_at TEXT NOT NULL DEFAULT '',"
    "  finished_at TEXT NOT NULL DEFAULT '',"
    "  watermark_from TEXT,"
    "  watermark_to TEXT,"
    "  stage_dir TEXT NOT NULL DEFAULT '',"
    "  rows_extracted INTEGER NOT NULL DEFAULT 0,"
    "  rows_loaded INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  owner TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL DEFAULT '',"
    "  destination TEXT NOT NULL DEFAULT '',"
    "  not_before TEXT NOT NULL DEFAULT '',"
    "  error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX runs_by_pipeline ON runs (pipeline, table_name, created_at);"
    "CREATE INDEX runs_by_state ON runs (state, created_at);"
    "CREATE TABLE watermarks ("
    "  pipeline TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  value TEXT,"
    "  run_id TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  PRIMARY KEY (pipeline, table_name));",
    /* 3: backfills, planned as chunks that each become a run over a cursor range */
    "ALTER TABLE runs ADD COLUMN backfill TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE runs ADD COLUMN range_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE runs ADD COLUMN range_to TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE backfills ("
    "  name TEXT PRIMARY KEY,"
    "  object_id TEXT NOT NULL,"
    "  pipeline TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  planned_at TEXT NOT NULL,"
    "  last_start_epoch INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE backfill_chunks ("
    "  backfill TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  range_from TEXT NOT NULL,"
    "  range_to TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'done', 'failed')),"
    "  run_id TEXT NOT NULL DEFAULT '',"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  rows INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (backfill, seq));",
    /* 4: quality check results (their history feeds anomaly detection) and quarantine release */
    "ALTER TABLE runs ADD COLUMN skip_checks INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE check_results ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  run_id TEXT NOT NULL,"
    "  check_name TEXT NOT NULL,"
    "  pipeline TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  stage TEXT NOT NULL CHECK (stage IN ('batch', 'target')),"
    "  passed INTEGER NOT NULL,"
    "  observed REAL,"
    "  detail TEXT NOT NULL,"
    "  created_at TEXT NOT NULL);"
    "CREATE INDEX check_results_by_check ON check_results (check_name, created_at);"
    "CREATE INDEX check_results_by_run ON check_results (run_id);",
    /* 5: incidents (one open per key) and their alert deliveries, retried until sent */
    "CREATE TABLE incidents ("
    "  id TEXT PRIMARY KEY,"
    "  incident_key TEXT NOT NULL,"
    "  pipeline TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  run_id TEXT NOT NULL,"
    "  opened_at TEXT NOT NULL,"
    "  resolved_at TEXT NOT NULL DEFAULT '');"
    "CREATE UNIQUE INDEX incidents_open ON incidents (incident_key) WHERE resolved_at = '';"
    "CREATE TABLE alert_deliveries ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  incident_id TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  event TEXT NOT NULL CHECK (event IN ('trigger', 'resolve')),"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_epoch INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '',"
    "  sent_at TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX alert_deliveries_pending ON alert_deliveries (state, next_attempt_epoch);",
    /* 6: step timings and byte counts of runs; pipelines an operator paused */
    "ALTER TABLE runs ADD COLUMN extract_seconds REAL NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN load_seconds REAL NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN bytes_extracted INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN bytes_staged INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE paused_pipelines ("
    "  pipeline TEXT PRIMARY KEY,"
    "  paused_at TEXT NOT NULL,"
    "  reason TEXT NOT NULL DEFAULT '');",
    /* 7: transform runs (weir_transform); `consumed` maps each input to the publish it read */
    "CREATE TABLE transform_runs ("
    "  id TEXT PRIMARY KEY,"
    "  transform TEXT NOT NULL,"
    "  trigger TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('queued', 'building', 'built', 'succeeded', 'failed')),"
    "  created_at TEXT NOT NULL,"
    "  started_at TEXT NOT NULL DEFAULT '',"
    "  finished_at TEXT NOT NULL DEFAULT '',"
    "  since TEXT NOT NULL DEFAULT '',"
    "  consumed_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(consumed_json)),"
    "  rows INTEGER NOT NULL DEFAULT 0,"
    "  inserted INTEGER NOT NULL DEFAULT 0,"
    "  updated INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  owner TEXT NOT NULL DEFAULT '',"
    "  error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX transform_runs_by_transform ON transform_runs (transform, created_at);"
    "CREATE INDEX transform_runs_by_state ON transform_runs (state, created_at);",
    /* 8: DAG runs: what one schedule tick (or operator command) started, loads and the transforms
     * they fed, with one status settled when every member has ended */
    "CREATE TABLE dag_runs ("
    "  id TEXT PRIMARY KEY,"
    "  trigger TEXT NOT NULL,"
    "  origin TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'succeeded', 'failed')),"
    "  created_at TEXT NOT NULL,"
    "  finished_at TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX dag_runs_by_state ON dag_runs (state, created_at);"
    "CREATE TABLE dag_run_members ("
    "  dag_run TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('load', 'transform')),"
    "  run_id TEXT NOT NULL,"
    "  PRIMARY KEY (kind, run_id));"
    "CREATE INDEX dag_run_members_by_dag_run ON dag_run_members (dag_run);",
    /* 9: when the oldest source snapshot a transform run consumed was taken (its latency's start);
     * the daily retention step's runs */
    "ALTER TABLE transform_runs ADD COLUMN source_at TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE retention_runs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  object_kind TEXT NOT NULL CHECK (object_kind IN ('table', 'transform')),"
    "  object TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  cutoff TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('succeeded', 'failed', 'skipped')),"
    "  rows_deleted INTEGER NOT NULL DEFAULT 0,"
    "  batches INTEGER NOT NULL DEFAULT 0,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX retention_runs_by_object ON retention_runs (object_kind, object, started_at);",
    /* 10: positions older agents kept after their pipeline was deleted or their table removed (a
     * pipeline or table of that name added later would have resumed from them), and pauses of
     * deleted pipelines */
    "DELETE FROM watermarks WHERE NOT EXISTS (SELECT 1 FROM objects o, json_each(o.spec_json, '$.table') t "
    "  WHERE o.kind = 'pipeline' AND o.name = watermarks.pipeline "
    "  AND json_extract(t.value, '$.name') = watermarks.table_name);"
    "DELETE FROM paused_pipelines WHERE pipeline NOT IN (SELECT name FROM objects WHERE kind = 'pipeline');",
};
static const int migration_count = (int)(sizeof migrations / sizeof migrations[0]);

/* `out` must hold at least 64 bytes; years past 9999 would not fit RFC 3339 anyway. */
void store__now(char *out, size_t size)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(now.tv_usec / 1000) % 1000);
}

void store__column_text(sqlite3_stmt *stmt, int column, char *out, size_t size)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    snprintf(out, size, "%s", text ? (const char *)text : "");
}

weir_status_t store__step_done(store_t *store, sqlite3_stmt *stmt, weir_err_t *err)
{
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        return WEIR_ERR_IO;
    }
    return WEIR_OK;
}

weir_status_t store__prepare(store_t *store, const char *sql, sqlite3_stmt **stmt, weir_err_t *err)
{
    if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
        return WEIR_ERR_IO;
    }
    return WEIR_OK;
}

weir_status_t store__exec(store_t *store, const char *sql, weir_err_t *err)
{
    char *message = NULL;
    if (sqlite3_exec(store->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        weir_err_set(err, "store: %s", message ? message : sqlite3_errmsg(store->db));
        sqlite3_free(message);
        return WEIR_ERR_IO;
    }
    return WEIR_OK;
}

void store__rollback(store_t *store)
{
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

static int read_version(store_t *store)
{
    sqlite3_stmt *stmt = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(store->db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &stmt, NULL) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

static weir_status_t apply_migration(store_t *store, void *ctx, weir_err_t *err)
{
    int version = *(const int *)ctx;
    char stamp[64];
    store__now(stamp, sizeof stamp);
    weir_status_t result = store__exec(store, migrations[version - 1], err);
    if (result == WEIR_OK)
        result =
            store__exec_bound(store, NULL, err, "INSERT INTO schema_migrations VALUES (?1, ?2)", "it", version, stamp);
    return result;
}

static weir_status_t migrate(store_t *store, weir_err_t *err)
{
    weir_status_t result = store__exec(store,
                                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       "  version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
                                       err);
    int version = result == WEIR_OK ? read_version(store) : 0;
    if (version > migration_count) {
        weir_err_set(err, "store: database schema version %d is newer than this agent (%d); upgrade the agent", version,
                     migration_count);
        return WEIR_ERR_INVALID;
    }
    for (int v = version + 1; result == WEIR_OK && v <= migration_count; v++)
        result = store__transaction(store, apply_migration, &v, err);
    return result;
}

weir_status_t store_open(const char *path, store_t **out, weir_err_t *err)
{
    *out = NULL;
    store_t *store = calloc(1, sizeof *store);
    if (!store) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    pthread_mutex_init(&store->lock, NULL);
    weir_status_t result = WEIR_ERR_IO;
    if (sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        weir_err_set(err, "store: cannot open %s: %s", path, store->db ? sqlite3_errmsg(store->db) : "?");
        goto fail;
    }
    sqlite3_busy_timeout(store->db, 5000);
    /* WAL lets readers proceed during writes; synchronous=FULL makes every commit durable. */
    result = store__exec(store, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err);
    if (result == WEIR_OK)
        result = migrate(store, err);
    if (result != WEIR_OK)
        goto fail;
    *out = store;
    return WEIR_OK;
fail:
    store_close(store);
    return result;
}

void store_close(store_t *store)
{
    if (!store)
        return;
    sqlite3_close(store->db);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

int store_schema_version(store_t *store)
{
    pthread_mutex_lock(&store->lock);
    int version = read_version(store);
    pthread_mutex_unlock(&store->lock);
    return version;
}

#define OBJECT_COLUMNS "kind, name, id, generation, spec_json, status_json, created_at, updated_at"

static char *column_text(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return strdup(text ? (const char *)text : "");
}

static weir_status_t row_to_object(sqlite3_stmt *stmt, agent_object_t *out)
{
    out->kind = column_text(stmt, 0);
    out->name = column_text(stmt, 1);
    out->id = column_text(stmt, 2);
    out->generation = sqlite3_column_int64(stmt, 3);
    out->spec_json = column_text(stmt, 4);
    out->status_json = column_text(stmt, 5);
    out->created_at = column_text(stmt, 6);
    out->updated_at = column_text(stmt, 7);
    if (!out->kind || !out->name || !out->id || !out->spec_json || !out->status_json || !out->created_at ||
        !out->updated_at) {
        agent_object_clear(out);
        return WEIR_ERR_NOMEM;
    }
    return WEIR_OK;
}

static weir_status_t get_locked(store_t *store, const char *kind, const char *name, agent_object_t *out,
                                weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = WEIR_ERR_IO;
    memset(out, 0, sizeof *out);
    weir_status_t bound = store__prepare_bound(
        store, &stmt, err, "SELECT " OBJECT_COLUMNS " FROM objects WHERE kind = ?1 AND name = ?2", "tt", kind, name);
    if (bound != WEIR_OK)
        return bound;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        result = row_to_object(stmt, out);
    else if (step == SQLITE_DONE) {
        weir_err_set(err, "no %s named \"%s\"", kind, name);
        result = WEIR_ERR_NOT_FOUND;
    }
    if (result == WEIR_ERR_IO)
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
    sqlite3_finalize(stmt);
    return result;
}

weir_status_t store_get(store_t *store, const char *kind, const char *name, agent_object_t *out, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    weir_status_t result = get_locked(store, kind, name, out, err);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_get_write_only(store_t *store, const char *kind, const char *name, char **json, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = WEIR_ERR_IO;
    *json = NULL;
    pthread_mutex_lock(&store->lock);
    weir_status_t bound = store__prepare_bound(
        store, &stmt, err, "SELECT write_only_json FROM objects WHERE kind = ?1 AND name = ?2", "tt", kind, name);
    if (bound != WEIR_OK)
        result = bound;
    else {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            *json = column_text(stmt, 0);
            result = *json ? WEIR_OK : WEIR_ERR_NOMEM;
            if (result == WEIR_OK && sealer_is_sealed(*json)) {
                char context[300];
                snprintf(context, sizeof context, "%s/%s", kind, name);
                char *plain = store->sealer ? sealer_open(store->sealer, context, *json, err) : NULL;
                if (!store->sealer)
                    weir_err_set(err, "%s %s has sealed secrets and this agent was started without their key", kind,
                                 name);
                free(*json);
                *json = plain;
                result = plain ? WEIR_OK : WEIR_ERR_AUTH;
            }
        } else if (step == SQLITE_DONE) {
            weir_err_set(err, "no %s named \"%s\"", kind, name);
            result = WEIR_ERR_NOT_FOUND;
        }
    }
    if (result == WEIR_ERR_IO && bound == WEIR_OK)
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

weir_status_t store_list(store_t *store, const char *kind, const char *after_kind, const char *after_name, int limit,
                         agent_object_list_t *out, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = WEIR_ERR_IO;
    size_t cap = 0;
    out->items = NULL;
    out->count = 0;
    pthread_mutex_lock(&store->lock);
    weir_status_t bound = store__prepare_bound(store, &stmt, err,
                                               "SELECT " OBJECT_COLUMNS " FROM objects WHERE (?1 = '' OR kind = ?1) "
                                               "AND (?2 = '' OR (kind, name) > (?2, ?3)) ORDER BY kind, name LIMIT ?4",
                                               "ttti", kind, after_kind ? after_kind : "", after_name ? after_name : "",
                                               limit > 0 ? limit : -1);
    if (bound != WEIR_OK) {
        pthread_mutex_unlock(&store->lock);
        return bound;
    }
    int step;
    result = WEIR_OK;
    while (result == WEIR_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (out->count == cap) {
            cap = cap ? cap * 2 : 64;
            agent_object_t *grown = realloc(out->items, cap * sizeof *grown);
            if (!grown) {
                result = WEIR_ERR_NOMEM;
                break;
            }
            out->items = grown;
        }
        memset(&out->items[out->count], 0, sizeof *out->items);
        result = row_to_object(stmt, &out->items[out->count]);
        if (result == WEIR_OK)
            out->count++;
    }
    if (result == WEIR_OK && step != SQLITE_DONE)
        result = WEIR_ERR_IO;
    if (result == WEIR_ERR_IO)
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
    else if (result == WEIR_ERR_NOMEM)
        weir_err_set(err, "out of memory listing objects");
    if (result != WEIR_OK)
        agent_object_list_free(out);
    sqlite3_finalize(stmt);
    pthread_mutex_unlock(&store->lock);
    return result;
}

/* Finds an object of a kind starting with `prefix` and named `name`; writes its kind. */
static weir_status_t find_by_prefix(store_t *store, const char *prefix, const char *name, const char *skip_kind,
                                    char *kind_out, size_t kind_size, weir_err_t *err)
{
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare_bound(store, &stmt, err,
                                                "SELECT kind FROM objects WHERE substr(kind, 1, length(?1)) = ?1 "
                                                "AND name = ?2 AND kind <> ?3 LIMIT 1",
                                                "ttt", prefix, name, skip_kind ? skip_kind : "");
    if (result != WEIR_OK)
        return result;
    result = WEIR_ERR_IO;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        snprintf(kind_out, kind_size, "%s", (const char *)sqlite3_column_text(stmt, 0));
        result = WEIR_OK;
    } else if (step == SQLITE_DONE) {
        result = WEIR_ERR_NOT_FOUND;
    } else {
        weir_err_set(err, "store: %s", sqlite3_errmsg(store->db));
    }
    sqlite3_finalize(stmt);
    return result;
}

static weir_status_t check_references(store_t *store, const spec_kind_t *spec, const char *kind, const char *name,
                                      const char *spec_json, weir_err_t *err)
{
    /* Names are unique across kinds that share a reference prefix (source_postgres and a later
     * source_http cannot both be "payments"), so a reference is never ambiguous. */
    const char *underscore = strchr(kind, '_');
    if (underscore) {
        char prefix[64], other[64];
        snprintf(prefix, sizeof prefix, "%.*s_", (int)(underscore - kind), kind);
        weir_status_t found = find_by_prefix(store, prefix, name, kind, other, sizeof other, err);
        if (found == WEIR_OK) {
            weir_err_set(err, "name \"%s\" is already used by a %s; %s* names must be unique", name, other, prefix);
            return WEIR_ERR_EXISTS;
        }
        if (found != WEIR_ERR_NOT_FOUND)
            return found;
    }
    for (size_t i = 0; spec && i < spec->block.count; i++) {
        const spec_attr_t *attr = &spec->block.attrs[i];
        if (!attr->ref_prefix)
            continue;
        sqlite3_stmt *stmt = NULL;
        char path[80];
        snprintf(path, sizeof path, "$.%s", attr->name);
        weir_status_t bound =
            store__prepare_bound(store, &stmt, err, "SELECT json_extract(?1, ?2)", "tt", spec_json, path);
        if (bound != WEIR_OK)
            return bound;
        char target[256] = "";
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT)
            snprintf(target, sizeof target, "%s", (const char *)sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        if (!target[0])
            continue;
        char found_kind[64];
        weir_status_t found = find_by_prefix(store, attr->ref_prefix, target, NULL, found_kind, sizeof found_kind, err);
        if (found == WEIR_ERR_NOT_FOUND) {
            weir_err_set(err,
                         "%s: no %s named \"%s\" exists on the agent. Create it first; in HCL, refer to "
                         "the resource (e.g. weir_%s<kind>.<label>.name) so OpenTofu orders the two.",
                         attr->name, attr->ref_prefix, target, attr->ref_prefix);
            return WEIR_ERR_INVALID;
        }
        if (found != WEIR_OK)
            return found;
    }
    return WEIR_OK;
}

void store__new_id(char *out, size_t size)
{
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        /* RAND_bytes only fails without an entropy source; fall back to time and address bits. */
        struct timeval now;
        gettimeofday(&now, NULL);
        uint64_t mix = ((uint64_t)now.tv_sec << 20) ^ (uint64_t)now.tv_usec ^ (uint64_t)(uintptr_t)out;
        memcpy(bytes, &mix, sizeof mix);
        memcpy(bytes + 8, &mix, sizeof mix);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; /* UUID version 4 */
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1],
             bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
             bytes[12], bytes[13], bytes[14], bytes[15]);
}

typedef struct {
    const char *kind, *name, *spec_json, *write_only_json;
    int64_t expected_generation;
    agent_object_t *out;
} put_ctx_t;

/* Seals `write_only_json` for the object (NULL when there is none to store). */
static weir_status_t seal_write_only(store_t *store, const put_ctx_t *p, char **sealed, weir_err_t *err)
{
    *sealed = NULL;
    if (!p->write_only_json || !*p->write_only_json)
        return WEIR_OK;
    if (!store->sealer) {
        weir_err_set(err,
                     "this agent has no key to store write-only secrets at rest: start it with --kms-key-id or "
                     "--secrets-key-file, or use a secret reference (password_ref, url_ref) instead");
        return WEIR_ERR_INVALID;
    }
    char context[300];
    snprintf(context, sizeof context, "%s/%s", p->kind, p->name);
    *sealed = sealer_seal(store->sealer, context, p->write_only_json, err);
    return *sealed ? WEIR_OK : WEIR_ERR_INTERNAL;
}

static weir_status_t put_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    put_ctx_t *p = ctx;
    agent_object_t existing = {0};
    char *sealed = NULL;
    weir_status_t result = get_locked(store, p->kind, p->name, &existing, err);
    bool exists = result == WEIR_OK;
    if (result == WEIR_ERR_NOT_FOUND)
        result = WEIR_OK;
    if (result != WEIR_OK)
        goto out;
    if (p->expected_generation == 0 && exists) {
        weir_err_set(err, "a %s named \"%s\" already exists (generation %lld); import it instead of creating it",
                     p->kind, p->name, (long long)existing.generation);
        result = WEIR_ERR_EXISTS;
    } else if (p->expected_generation > 0 && !exists) {
        weir_err_set(err, "%s \"%s\" was deleted since it was last read", p->kind, p->name);
        result = WEIR_ERR_NOT_FOUND;
    } else if (p->expected_generation > 0 && existing.generation != p->expected_generation) {
        weir_err_set(err,
                     "%s \"%s\" changed on the agent since it was read (generation %lld, expected %lld); "
                     "refresh and plan again",
                     p->kind, p->name, (long long)existing.generation, (long long)p->expected_generation);
        result = WEIR_ERR_CONFLICT;
    }
    if (result == WEIR_OK)
        result = check_references(store, spec_kind_by_kind(p->kind), p->kind, p->name, p->spec_json, err);
    if (result == WEIR_OK)
        result = seal_write_only(store, p, &sealed, err);
    if (result == WEIR_OK && exists && strcmp(p->kind, "pipeline") == 0)
        result = store__pipeline_positions_reset(store, p->name, existing.spec_json, p->spec_json, err);
    if (result != WEIR_OK)
        goto out;
    char stamp[64], id[40];
    store__now(stamp, sizeof stamp);
    if (exists) {
        result = store__exec_bound(store, NULL, err,
                                   "UPDATE objects SET generation = generation + 1, spec_json = ?3, "
                                   "write_only_json = CASE WHEN ?4 = '' THEN write_only_json ELSE ?4 END, "
                                   "updated_at = ?5 WHERE kind = ?1 AND name = ?2",
                                   "ttttt", p->kind, p->name, p->spec_json, sealed ? sealed : "", stamp);
    } else {
        store__new_id(id, sizeof id);
        result = store__exec_bound(store, NULL, err,
                                   "INSERT INTO objects (kind, name, spec_json, write_only_json, created_at, "
                                   "updated_at, id, generation) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, 1)",
                                   "tttttt", p->kind, p->name, p->spec_json, sealed ? sealed : "", stamp, id);
    }
    if (result == WEIR_OK)
        result = get_locked(store, p->kind, p->name, p->out, err);
out:
    agent_object_clear(&existing);
    free(sealed);
    return result;
}

weir_status_t store_put(store_t *store, const char *kind, const char *name, const char *spec_json,
                        const char *write_only_json, int64_t expected_generation, agent_object_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    put_ctx_t ctx = {kind, name, spec_json, write_only_json, expected_generation, out};
    weir_status_t result = store__transaction(store, put_in_transaction, &ctx, err);
    if (result != WEIR_OK)
        agent_object_clear(out);
    return result;
}

/* Lists objects whose spec refers to (kind, name), as "kind/name, ..." into `out`. */
static weir_status_t referrers(store_t *store, const char *kind, const char *name, weir_buf_t *out, weir_err_t *err)
{
    for (size_t k = 0; k < spec_kind_count; k++) {
        const spec_kind_t *spec = spec_kinds[k];
        for (size_t i = 0; i < spec->block.count; i++) {
            const spec_attr_t *attr = &spec->block.attrs[i];
            if (!attr->ref_prefix || strncmp(kind, attr->ref_prefix, strlen(attr->ref_prefix)) != 0)
                continue;
            sqlite3_stmt *stmt = NULL;
            char path[80];
            snprintf(path, sizeof path, "$.%s", attr->name);
            weir_status_t bound = store__prepare_bound(
                store, &stmt, err,
                "SELECT name FROM objects WHERE kind = ?1 AND json_extract(spec_json, ?2) = ?3 ORDER BY name", "ttt",
                spec->kind, path, name);
            if (bound != WEIR_OK)
                return bound;
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                if (buf_printf(out, "%s%s \"%s\"", out->len ? ", " : "", spec->kind,
                               (const char *)sqlite3_column_text(stmt, 0)) != WEIR_OK)
                    break;
            }
            sqlite3_finalize(stmt);
        }
    }
    return WEIR_OK;
}

typedef struct {
    const char *kind, *name;
    int64_t expected_generation;
} delete_ctx_t;

static weir_status_t delete_in_transaction(store_t *store, void *ctx, weir_err_t *err)
{
    const delete_ctx_t *d = ctx;
    agent_object_t existing = {0};
    weir_buf_t users;
    buf_init(&users, 4096); /* the message names the first referrers; more would not help */
    weir_status_t result = get_locked(store, d->kind, d->name, &existing, err);
    if (result == WEIR_OK && d->expected_generation > 0 && existing.generation != d->expected_generation) {
        weir_err_set(err, "%s \"%s\" changed on the agent since it was read; refresh and try again", d->kind, d->name);
        result = WEIR_ERR_CONFLICT;
    }
    if (result == WEIR_OK)
        result = referrers(store, d->kind, d->name, &users, err);
    if (result == WEIR_OK && users.len) {
        /* A replace (a forced-new attribute) deletes first: the hint says how to replace the users with it. */
        weir_err_set(err,
                     "%s \"%s\" is still used by %s; delete or change those first (to replace it, give them "
                     "lifecycle { replace_triggered_by = [<this resource>] })",
                     d->kind, d->name, (const char *)users.data);
        result = WEIR_ERR_IN_USE;
    }
    /* A pipeline created later under this name starts from the beginning, not from this one's position. */
    if (result == WEIR_OK && strcmp(d->kind, "pipeline") == 0)
        result = store__pipeline_positions_reset(store, d->name, existing.spec_json, NULL, err);
    if (result == WEIR_OK)
        result = store__exec_bound(store, NULL, err, "DELETE FROM objects WHERE kind = ?1 AND name = ?2", "tt", d->kind,
                                   d->name);
    agent_object_clear(&existing);
    buf_free(&users);
    return result;
}

weir_status_t store_delete(store_t *store, const char *kind, const char *name, int64_t expected_generation,
                           weir_err_t *err)
{
    delete_ctx_t ctx = {kind, name, expected_generation};
    return store__transaction(store, delete_in_transaction, &ctx, err);
}

/* Secrets an agent stored before it sealed them are sealed now, once. */
static weir_status_t seal_plain_secrets(store_t *store, void *ctx, weir_err_t *err)
{
    const sealer_t *sealer = store->sealer;
    int *sealed_count = ctx;
    sqlite3_stmt *stmt = NULL;
    weir_status_t result = store__prepare(store,
                                          "SELECT kind, name, write_only_json FROM objects WHERE "
                                          "write_only_json <> '' AND write_only_json NOT LIKE 'weir-sealed:%'",
                                          &stmt, err);
    while (result == WEIR_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(stmt, 0),
                   *name = (const char *)sqlite3_column_text(stmt, 1);
        char context[300];
        snprintf(context, sizeof context, "%s/%s", kind, name);
        char *sealed = sealer_seal(sealer, context, (const char *)sqlite3_column_text(stmt, 2), err);
        if (!sealed) {
            result = WEIR_ERR_INTERNAL;
            break;
        }
        result =
            store__exec_bound(store, NULL, err, "UPDATE objects SET write_only_json = ?3 WHERE kind = ?1 AND name = ?2",
                              "ttt", kind, name, sealed);
        free(sealed);
        (*sealed_count)++;
    }
    sqlite3_finalize(stmt);
    return result;
}

weir_status_t store_set_sealer(store_t *store, const sealer_t *sealer, weir_err_t *err)
{
    pthread_mutex_lock(&store->lock);
    store->sealer = sealer;
    pthread_mutex_unlock(&store->lock);
    if (!sealer)
        return WEIR_OK;
    int sealed_count = 0;
    weir_status_t result = store__transaction(store, seal_plain_secrets, &sealed_count, err);
    if (result == WEIR_OK && sealed_count)
        log_info("store", "sealed the write-only secrets of %d object(s) stored in plain text by an older agent",
                 sealed_count);
    return result;
}
