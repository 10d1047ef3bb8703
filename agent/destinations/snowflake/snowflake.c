/* snowflake.c — binds a destination_snowflake spec, opens an SQL API client with its key pair or
 * token, and serves the destination interface with sf_load (stage, MERGE), the S3 stage upload and
 * sf_checks. */
#include "snowflake.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "ident.h"
#include "log.h"
#include "s3_stage.h"
#include "secrets.h"
#include "sf_auth.h"
#include "sf_checks.h"
#include "sf_load.h"
#include "sf_sql.h"
#include "sf_retention.h"
#include "sf_transform.h"
#include "spec.h"
#include "spec_bind.h"

typedef struct {
    char *url, *name, *kms_key_id, *region;
} sf_stage_spec_t;

typedef struct {
    char *account, *user, *role, *warehouse, *database, *schema;
    char *auth, *private_key_ref, *token_ref, *api_url;
    sf_stage_spec_t *stage;
} sf_spec_t;

#define SF_TEXT(type, field)                              \
    {                                                     \
#field, BIND_TEXT, offsetof(type, field), 0, NULL \
    }
static const bind_field_t stage_fields[] = {
    SF_TEXT(sf_stage_spec_t, url),
    SF_TEXT(sf_stage_spec_t, name),
    SF_TEXT(sf_stage_spec_t, kms_key_id),
    SF_TEXT(sf_stage_spec_t, region),
};
static const bind_table_t stage_binding = {"stage", BIND_FIELDS(sf_stage_spec_t, stage_fields)};
static const bind_field_t spec_fields[] = {
    SF_TEXT(sf_spec_t, account),
    SF_TEXT(sf_spec_t, user),
    SF_TEXT(sf_spec_t, role),
    SF_TEXT(sf_spec_t, warehouse),
    SF_TEXT(sf_spec_t, database),
    SF_TEXT(sf_spec_t, schema),
    SF_TEXT(sf_spec_t, auth),
    SF_TEXT(sf_spec_t, private_key_ref),
    SF_TEXT(sf_spec_t, token_ref),
    SF_TEXT(sf_spec_t, api_url),
    {"stage", BIND_BLOCK, offsetof(sf_spec_t, stage), 0, &stage_binding},
};
static const bind_table_t spec_binding = {"destination_snowflake", BIND_FIELDS(sf_spec_t, spec_fields)};

struct destination_session {
    arena_t arena; /* owns the bound spec's strings */
    sf_spec_t spec;
    sf_keypair_t *keypair;
    char *secret; /* the private key or token, wiped on close */
    sf_client_t *client;
};

/* Role, warehouse, database and schema as Snowflake names them: unquoted means upper case, so
 * `raw` is RAW (the SQL API's fields and quoted SQL identifiers are case-sensitive). */
static weir_status_t resolve_spec_names(sf_spec_t *spec, arena_t *arena, weir_err_t *err)
{
    struct {
        const char *attr;
        char **value;
    } names[] = {{"role", &spec->role},
                 {"warehouse", &spec->warehouse},
                 {"database", &spec->database},
                 {"schema", &spec->schema}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char exact[IDENT_SIZE], why[256];
        if (!*names[i].value)
            continue;
        if (!ident_sf_parse(*names[i].value, exact, why, sizeof why)) {
            weir_err_set(err, "destination_snowflake: %s \"%s\": %s", names[i].attr, *names[i].value, why);
            return WEIR_ERR_INVALID;
        }
        *names[i].value = arena_strdup(arena, exact);
        if (!*names[i].value)
            return WEIR_ERR_NOMEM;
    }
    return WEIR_OK;
}

/* Binds a stored spec and resolves its names. */
static weir_status_t bind_spec(const char *spec_json, arena_t *arena, sf_spec_t *spec, weir_err_t *err)
{
    json_t *object = json_loads(spec_json, 0, NULL);
    const spec_kind_t *kind = spec_kind_by_kind("destination_snowflake");
    weir_status_t result = spec_bind(&spec_binding, &kind->block, object, arena, spec, "destination_snowflake", err);
    json_decref(object);
    return result == WEIR_OK ? resolve_spec_names(spec, arena, err) : result;
}

static void sf_close(destination_session_t *session)
{
    if (!session)
        return;
    sf_client_free(session->client);
    sf_keypair_free(session->keypair);
    secret_free(session->secret);
    arena_free(&session->arena);
    free(session);
}

/* "https://<account>.snowflakecomputing.com" unless the spec names an API URL. */
static weir_status_t base_url(const sf_spec_t *spec, char *out, size_t size, weir_err_t *err)
{
    int written;
    if (spec->api_url) {
        written = snprintf(out, size, "%s", spec->api_url);
    } else {
        char host[256];
        size_t i = 0;
        for (const char *p = spec->account; *p && i + 1 < sizeof host; p++)
            host[i++] = (char)tolower((unsigned char)*p);
        host[i] = 0;
        written = snprintf(out, size, "https://%s.snowflakecomputing.com", host);
    }
    if (written < 0 || (size_t)written >= size) {
        weir_err_set(err, "destination_snowflake: the API URL is longer than %zu bytes", size - 1);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

static weir_status_t sf_open(const char *spec_json, const char *write_only_json, destination_session_t **out,
                             weir_err_t *err)
{
    (void)write_only_json; /* Snowflake credentials are references only */
    *out = NULL;
    destination_session_t *session = calloc(1, sizeof *session);
    if (!session)
        return WEIR_ERR_NOMEM;
    arena_init(&session->arena);
    weir_status_t result = bind_spec(spec_json, &session->arena, &session->spec, err);
    if (result != WEIR_OK)
        goto fail;
    const sf_spec_t *spec = &session->spec;
    bool key_pair = !spec->auth || strcmp(spec->auth, "key_pair") == 0;
    const char *ref = key_pair ? spec->private_key_ref : spec->token_ref;
    session->secret = ref ? secret_resolve(ref, err) : NULL;
    if (!session->secret) {
        if (!ref)
            weir_err_set(err, "destination_snowflake: %s is not set", key_pair ? "private_key_ref" : "token_ref");
        result = WEIR_ERR_AUTH;
        goto fail;
    }
    if (key_pair && (result = sf_keypair_load(session->secret, &session->keypair, err)) != WEIR_OK)
        goto fail;
    char url[512];
    if ((result = base_url(spec, url, sizeof url, err)) != WEIR_OK)
        goto fail;
    sf_config_t config = {.base_url = url,
                          .account = spec->account,
                          .user = spec->user,
                          .role = spec->role,
                          .warehouse = spec->warehouse,
                          .database = spec->database,
                          .schema = spec->schema,
                          .keypair = session->keypair,
                          .token = key_pair ? NULL : session->secret,
                          .token_type =
                              spec->auth && strcmp(spec->auth, "oauth") == 0 ? "OAUTH" : "PROGRAMMATIC_ACCESS_TOKEN"};
    if ((result = sf_client_new(&config, &session->client, err)) != WEIR_OK)
        goto fail;
    *out = session;
    return WEIR_OK;
fail:
    sf_close(session);
    return result;
}

/* Most primary-key columns a table block may have (common/spec_kinds.c). */
#define SF_MAX_KEYS 32

/* Per-call scratch for turning a batch into sf_load's request, in destination names. */
typedef struct {
    sf_load_request_t request;
    const char *keys[SF_MAX_KEYS];
    char stage_path[1024];
} sf_batch_t;

/* The destination name of a source column the batch must have staged. */
static weir_status_t staged_target(const destination_batch_t *batch, const char *source, const char *role,
                                   const char **out, weir_err_t *err)
{
    *out = destination_batch_target_of(batch, source);
    if (*out)
        return WEIR_OK;
    weir_err_set(err, "%s column %s of %s was not staged (the source has no such column)", role, source, batch->table);
    return WEIR_ERR_INVALID;
}

static weir_status_t batch_request(const destination_session_t *session, const destination_batch_t *batch,
                                   sf_batch_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (batch->key_count > SF_MAX_KEYS) {
        weir_err_set(err, "%s has %zu primary-key columns; at most %d", batch->table, batch->key_count, SF_MAX_KEYS);
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = WEIR_OK;
    for (size_t k = 0; result == WEIR_OK && k < batch->key_count; k++)
        result = staged_target(batch, batch->primary_key[k], "primary-key", &out->keys[k], err);
    const char *cursor = NULL;
    if (result == WEIR_OK && batch->cursor)
        result = staged_target(batch, batch->cursor, "cursor", &cursor, err);
    if (result != WEIR_OK)
        return result;
    const sf_stage_spec_t *stage = session->spec.stage;
    if (stage) {
        /* The key segment of a table whose name needs quoting stays plain: the run id keeps paths apart. */
        char table[512];
        path_component(batch->table, table, sizeof table);
        int written =
            snprintf(out->stage_path, sizeof out->stage_path, "%s/%s/%s/", batch->pipeline, table, batch->run_id);
        if (written < 0 || (size_t)written >= sizeof out->stage_path) {
            weir_err_set(err, "stage path of run %s is longer than %zu bytes", batch->run_id,
                         sizeof out->stage_path - 1);
            return WEIR_ERR_INVALID;
        }
    }
    out->request = (sf_load_request_t){.database = session->spec.database,
                                       .schema = session->spec.schema,
                                       .table = batch->target,
                                       .source_table = batch->table,
                                       .column_count = batch->column_count,
                                       .columns = batch->targets,
                                       .source_columns = batch->columns,
                                       .pg_types = batch->source_types,
                                       .type_overrides = batch->target_types,
                                       .key_count = batch->key_count,
                                       .primary_key = out->keys,
                                       .cursor = cursor,
                                       .add_columns = batch->add_columns,
                                       .replace_all = batch->full_refresh,
                                       .run_id = batch->run_id,
                                       .stage_dir = batch->stage_dir,
                                       .chunk_count = batch->chunk_count,
                                       .stage_name = stage ? stage->name : NULL,
                                       .stage_path = stage ? out->stage_path : NULL,
                                       .stage_sealer = batch->sealer};
    return WEIR_OK;
}

/* Chunks go to the external stage (SSE-KMS) for COPY INTO; uploading again rewrites the same keys. */
static weir_status_t sf_upload(destination_session_t *session, const destination_batch_t *batch, weir_err_t *err)
{
    const sf_stage_spec_t *stage = session->spec.stage;
    if (!stage)
        return WEIR_OK; /* without a stage the rows travel inline with the statements */
    sf_batch_t scratch;
    weir_status_t result = batch_request(session, batch, &scratch, err);
    /* Values are checked before any chunk leaves the machine; COPY INTO only moves checked text. */
    if (result == WEIR_OK)
        result = sf_load_check_chunks(&scratch.request, err);
    s3_stage_t target = {.url = stage->url, .region = stage->region, .kms_key_id = stage->kms_key_id};
    for (unsigned chunk = 0; result == WEIR_OK && chunk < batch->chunk_count; chunk++) {
        char local[1300], key[1100];
        int local_len = snprintf(local, sizeof local, "%s/%05u.csv.zst", batch->stage_dir, chunk);
        int key_len = snprintf(key, sizeof key, "%s%05u.csv.zst", scratch.stage_path, chunk);
        if (local_len < 0 || (size_t)local_len >= sizeof local || key_len < 0 || (size_t)key_len >= sizeof key) {
            weir_err_set(err, "chunk path of run %s is too long", batch->run_id);
            return WEIR_ERR_INVALID;
        }
        result = s3_stage_upload(&target, local, key, batch->sealer, err);
    }
    return result;
}

static void copy_load(const sf_load_result_t *loaded, destination_load_t *out)
{
    out->staged_rows = loaded->staged_rows;
    out->inserted = loaded->inserted;
    out->updated = loaded->updated;
    out->deleted = loaded->deleted;
    out->columns_added = loaded->columns_added;
    out->columns_widened = loaded->columns_widened;
    out->created_table = loaded->created_table;
}

/* Above this much staged CSV a batch loaded by INSERT statements takes minutes of round trips
 * (docs/loading.md); the run still loads, and says so. */
#define SF_INLINE_WARN_BYTES (64LL << 20)

static weir_status_t sf_stage(destination_session_t *session, const destination_batch_t *batch, destination_load_t *out,
                              weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!session->spec.stage && batch->raw_bytes > SF_INLINE_WARN_BYTES)
        log_warn("snowflake",
                 "run %s: %s: %.1f MiB loaded inline without an S3 stage (more than %lld MiB per batch is slow "
                 "this way): configure the destination's stage block (docs/loading.md)",
                 batch->run_id, batch->table, (double)batch->raw_bytes / (1 << 20), SF_INLINE_WARN_BYTES >> 20);
    sf_batch_t scratch;
    sf_load_result_t loaded;
    weir_status_t result = batch_request(session, batch, &scratch, err);
    if (result == WEIR_OK)
        result = sf_load_stage(session->client, &scratch.request, &loaded, err);
    if (result == WEIR_OK)
        copy_load(&loaded, out);
    return result;
}

static weir_status_t sf_measure(destination_session_t *session, const destination_batch_t *batch,
                                const check_spec_t *check, destination_measure_t *out, weir_err_t *err)
{
    sf_batch_t scratch;
    weir_status_t result = batch_request(session, batch, &scratch, err);
    /* Freshness is measured by the table's cursor even when the load (a full refresh) needs none. */
    scratch.request.cursor = NULL;
    if (result == WEIR_OK && batch->table_cursor)
        result = staged_target(batch, batch->table_cursor, "cursor", &scratch.request.cursor, err);
    /* The check names source columns; the SQL needs their destination names. */
    check_spec_t named = *check;
    const char **columns = calloc(check->column_count + 1, sizeof *columns);
    if (!columns)
        return WEIR_ERR_NOMEM;
    if (result == WEIR_OK && check->column)
        result = staged_target(batch, check->column, "checked", (const char **)&named.column, err);
    for (size_t i = 0; result == WEIR_OK && i < check->column_count; i++)
        result = staged_target(batch, check->columns[i], "checked", &columns[i], err);
    named.columns = (char **)columns;
    char batch_table[1024], target_table[1024];
    sf_load_batch_table(&scratch.request, batch_table, sizeof batch_table);
    sf_load_target_table(&scratch.request, target_table, sizeof target_table);
    sf_check_subject_t subject = {.batch = batch_table,
                                  .target = target_table,
                                  .database = scratch.request.database,
                                  .schema = scratch.request.schema,
                                  .key_count = scratch.request.key_count,
                                  .primary_key = scratch.request.primary_key,
                                  .replace_all = scratch.request.replace_all,
                                  .cursor = scratch.request.cursor};
    if (result == WEIR_OK)
        result = sf_checks_measure(session->client, &subject, &named, out, err);
    free(columns);
    return result;
}

static weir_status_t sf_publish(destination_session_t *session, const destination_batch_t *batch,
                                destination_load_t *out, weir_err_t *err)
{
    sf_batch_t scratch;
    sf_load_result_t loaded = {.staged_rows = out->staged_rows};
    weir_status_t result = batch_request(session, batch, &scratch, err);
    if (result == WEIR_OK)
        result = sf_load_publish(session->client, &scratch.request, &loaded, err);
    if (result == WEIR_OK) {
        out->inserted = loaded.inserted;
        out->updated = loaded.updated;
        out->deleted = loaded.deleted;
    }
    return result;
}

/* ACCOUNT/DATABASE.SCHEMA.TABLE with the names resolved as Snowflake resolves them. */
static weir_status_t sf_target_identity(const char *spec_json, const char *target, char *out, size_t size,
                                        weir_err_t *err)
{
    arena_t arena;
    arena_init(&arena);
    sf_spec_t spec;
    weir_status_t result = bind_spec(spec_json, &arena, &spec, err);
    if (result == WEIR_OK) {
        char account[256];
        sf_upper_name(spec.account ? spec.account : "", account, sizeof account);
        int written = snprintf(out, size, "%s/%s.%s.%s", account, spec.database ? spec.database : "",
                               spec.schema ? spec.schema : "", target);
        if (written < 0 || (size_t)written >= size) {
            weir_err_set(err, "the target name %s.%s.%s is too long", spec.database, spec.schema, target);
            result = WEIR_ERR_INVALID;
        }
    }
    arena_free(&arena);
    return result;
}

static void sf_discard(destination_session_t *session, const destination_batch_t *batch)
{
    sf_batch_t scratch;
    weir_err_t err;
    if (batch_request(session, batch, &scratch, &err) == WEIR_OK)
        sf_load_drop(session->client, &scratch.request);
}

static weir_status_t sf_op_transform_build(destination_session_t *session, const destination_transform_t *transform,
                                           destination_transform_result_t *out, weir_err_t *err)
{
    return sf_transform_build(session->client, session->spec.database, session->spec.schema, transform, out, err);
}

static weir_status_t sf_op_transform_publish(destination_session_t *session, const destination_transform_t *transform,
                                             destination_transform_result_t *out, weir_err_t *err)
{
    return sf_transform_publish(session->client, session->spec.database, session->spec.schema, transform, out, err);
}

static weir_status_t sf_op_transform_built(destination_session_t *session, const destination_transform_t *transform,
                                           weir_err_t *err)
{
    return sf_transform_built(session->client, session->spec.database, session->spec.schema, transform, err);
}

static weir_status_t sf_op_transform_measure(destination_session_t *session, const destination_transform_t *transform,
                                             const check_spec_t *check, destination_measure_t *out, weir_err_t *err)
{
    return sf_transform_measure(session->client, session->spec.database, session->spec.schema, transform, check, out,
                                err);
}

static void sf_op_transform_discard(destination_session_t *session, const destination_transform_t *transform)
{
    sf_transform_drop(session->client, session->spec.database, session->spec.schema, transform);
}

static weir_status_t sf_op_retention_delete(destination_session_t *session, const destination_retention_t *request,
                                            destination_retention_result_t *out, weir_err_t *err)
{
    return sf_retention_delete(session->client, session->spec.database, session->spec.schema, request, out, err);
}

const destination_ops_t snowflake_destination_ops = {
    .kind = "destination_snowflake",
    .open = sf_open,
    .upload = sf_upload,
    .stage = sf_stage,
    .measure = sf_measure,
    .publish = sf_publish,
    .target_identity = sf_target_identity,
    .discard = sf_discard,
    .close = sf_close,
    .transform_build = sf_op_transform_build,
    .transform_publish = sf_op_transform_publish,
    .transform_built = sf_op_transform_built,
    .transform_measure = sf_op_transform_measure,
    .transform_discard = sf_op_transform_discard,
    .retention_delete = sf_op_retention_delete,
};
