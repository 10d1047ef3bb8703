/* sf_transform.c — a weir_transform's build (SELECT into a per-run scratch table) and publish
 * (replace, MERGE or view) in Snowflake SQL; see sf_transform.h. */
#include "sf_transform.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_checks.h"

/* One generated statement stays under the SQL API's 1 MB limit with the user's SELECT inside. */
#define SF_TRANSFORM_STATEMENT_MAX (1000u * 1024u)
#define SINCE_PLACEHOLDER "{{since}}"

/* "DB"."SCHEMA"."<target>" or, with a suffix, the run's scratch table "<target>__WEIR_BUILD_<run>". */
static weir_status_t put_table(weir_buf_t *sql, const char *database, const char *schema,
                               const destination_transform_t *transform, bool scratch)
{
    char name[1400];
    snprintf(name, sizeof name, "%s%s%s", transform->target, scratch ? "__WEIR_BUILD_" : "",
             scratch ? transform->run_id : "");
    weir_status_t result = sf_put_ident(sql, database);
    if (result == WEIR_OK)
        result = buf_putc(sql, '.');
    if (result == WEIR_OK)
        result = sf_put_ident(sql, schema);
    if (result == WEIR_OK)
        result = buf_putc(sql, '.');
    return result == WEIR_OK ? sf_put_ident(sql, name) : result;
}

/* {{since}} as a timestamp literal with an explicit format: a bare CAST would depend on the
 * account's TIMESTAMP_INPUT_FORMAT. `since` is RFC 3339 UTC (…T…Z, milliseconds optional). */
static weir_status_t put_since(weir_buf_t *sql, const char *since)
{
    int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
    if (since && since[0])
        (void)sscanf(since, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &year, &month, &day, &hour, &minute, &second, &millis);
    return buf_printf(sql,
                      "TO_TIMESTAMP_TZ('%04d-%02d-%02d %02d:%02d:%02d.%03d +00:00', "
                      "'YYYY-MM-DD HH24:MI:SS.FF3 TZH:TZM')",
                      year, month, day, hour, minute, second, millis);
}

weir_status_t sf_transform_expand(const destination_transform_t *transform, weir_buf_t *sql)
{
    const char *text = transform->sql;
    size_t end = strlen(text);
    while (end > 0 && (isspace((unsigned char)text[end - 1]) || text[end - 1] == ';'))
        end--;
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; result == WEIR_OK && i < end;) {
        if (strncmp(text + i, SINCE_PLACEHOLDER, strlen(SINCE_PLACEHOLDER)) == 0 &&
            i + strlen(SINCE_PLACEHOLDER) <= end) {
            result = put_since(sql, transform->since);
            i += strlen(SINCE_PLACEHOLDER);
        } else {
            result = buf_putc(sql, (uint8_t)text[i++]);
        }
    }
    return result;
}

static long long count_of(const sf_result_t *result)
{
    const char *text = sf_result_row_count(result) ? sf_result_text(result, 0, 0) : NULL;
    return text ? strtoll(text, NULL, 10) : 0;
}

/* The scratch table holds each unique key once, or the MERGE could not say which row wins. */
static weir_status_t check_unique(sf_client_t *client, weir_buf_t *sql, const char *database, const char *schema,
                                  const destination_transform_t *transform, weir_err_t *err)
{
    weir_status_t result = buf_puts(sql, "SELECT COUNT(*) FROM (SELECT 1 FROM ");
    if (result == WEIR_OK)
        result = put_table(sql, database, schema, transform, true);
    for (size_t k = 0; result == WEIR_OK && k < transform->key_count; k++) {
        result = buf_puts(sql, k ? ", " : " GROUP BY ");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, transform->unique_key[k]);
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " HAVING COUNT(*) > 1)");
    sf_result_t counted = {0};
    if (result == WEIR_OK)
        result = sf_run(client, sql, &counted, err);
    long long duplicates = result == WEIR_OK ? count_of(&counted) : 0;
    sf_result_free(&counted);
    if (result == WEIR_OK && duplicates > 0) {
        weir_err_set(err,
                     "transform %s: the SELECT returned %lld unique_key value(s) more than once; an incremental "
                     "transform must return each key once (aggregate or QUALIFY ROW_NUMBER() = 1)",
                     transform->transform, duplicates);
        result = WEIR_ERR_INVALID;
    }
    return result;
}

/* The first publish creates the target with the result's columns and no rows; later runs only MERGE. */
static weir_status_t create_incremental_target(sf_client_t *client, weir_buf_t *sql, const char *database,
                                               const char *schema, const destination_transform_t *transform,
                                               weir_err_t *err)
{
    weir_status_t result = buf_puts(sql, "CREATE TABLE IF NOT EXISTS ");
    if (result == WEIR_OK && (result = put_table(sql, database, schema, transform, false)) == WEIR_OK &&
        (result = buf_puts(sql, " AS SELECT * FROM ")) == WEIR_OK &&
        (result = put_table(sql, database, schema, transform, true)) == WEIR_OK &&
        (result = buf_puts(sql, " WHERE 1 = 0")) == WEIR_OK)
        result = sf_run(client, sql, NULL, err);
    return result;
}

weir_status_t sf_transform_build(sf_client_t *client, const char *database, const char *schema,
                                 const destination_transform_t *transform, destination_transform_result_t *out,
                                 weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (transform->materialization == MATERIALIZE_VIEW)
        return WEIR_OK;
    weir_buf_t sql;
    buf_init(&sql, SF_TRANSFORM_STATEMENT_MAX);
    sf_result_t counted = {0};
    /* The newline before ')' keeps a trailing -- comment of the user's SELECT from eating it. */
    weir_status_t result = buf_puts(&sql, "CREATE OR REPLACE TRANSIENT TABLE ");
    if (result == WEIR_OK)
        result = put_table(&sql, database, schema, transform, true);
    if (result == WEIR_OK)
        result = buf_puts(&sql, " AS SELECT * FROM (\n");
    if (result == WEIR_OK)
        result = sf_transform_expand(transform, &sql);
    if (result == WEIR_OK)
        result = buf_puts(&sql, "\n)");
    if (result == WEIR_ERR_TOO_BIG)
        weir_err_set(err, "transform %s: the SQL is too long for one statement", transform->transform);
    if (result == WEIR_OK)
        result = sf_run(client, &sql, NULL, err);
    if (result == WEIR_OK && (result = buf_puts(&sql, "SELECT COUNT(*) FROM ")) == WEIR_OK &&
        (result = put_table(&sql, database, schema, transform, true)) == WEIR_OK)
        result = sf_run(client, &sql, &counted, err);
    if (result == WEIR_OK)
        out->rows = count_of(&counted);
    if (result == WEIR_OK && transform->materialization == MATERIALIZE_INCREMENTAL)
        result = check_unique(client, &sql, database, schema, transform, err);

    sf_result_free(&counted);
    buf_free(&sql);
    return result;
}

/* WEIR_ERR_NOT_FOUND when the run's scratch table does not exist. */
static weir_status_t scratch_columns(sf_client_t *client, weir_buf_t *sql, const char *database, const char *schema,
                                     const destination_transform_t *transform, sf_result_t *columns, weir_err_t *err)
{
    char scratch[1400];
    snprintf(scratch, sizeof scratch, "%s__WEIR_BUILD_%s", transform->target, transform->run_id);
    weir_status_t result = buf_puts(sql, "SELECT COLUMN_NAME FROM ");
    if (result == WEIR_OK)
        result = sf_put_ident(sql, database);
    if (result == WEIR_OK)
        result = buf_puts(sql, ".INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ");
    if (result == WEIR_OK)
        result = sf_put_literal(sql, schema, strlen(schema));
    if (result == WEIR_OK)
        result = buf_puts(sql, " AND TABLE_NAME = ");
    if (result == WEIR_OK)
        result = sf_put_literal(sql, scratch, strlen(scratch));
    if (result == WEIR_OK)
        result = buf_puts(sql, " ORDER BY ORDINAL_POSITION");
    if (result == WEIR_OK)
        result = sf_run(client, sql, columns, err);
    if (result == WEIR_OK && sf_result_row_count(columns) == 0) {
        weir_err_set(err, "transform %s: the built result of run %s is gone", transform->transform, transform->run_id);
        result = WEIR_ERR_NOT_FOUND;
    }
    return result;
}

/* MERGE INTO target USING scratch ON every key equal: matched rows take the new values, new keys are inserted. */
static weir_status_t put_merge(weir_buf_t *sql, const char *database, const char *schema,
                               const destination_transform_t *transform, const sf_result_t *columns)
{
    size_t count = sf_result_row_count(columns);
    weir_status_t result = buf_puts(sql, "MERGE INTO ");
    if (result == WEIR_OK)
        result = put_table(sql, database, schema, transform, false);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS \"T\" USING ");
    if (result == WEIR_OK)
        result = put_table(sql, database, schema, transform, true);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS \"S\" ON ");
    for (size_t k = 0; result == WEIR_OK && k < transform->key_count; k++) {
        const char *key = transform->unique_key[k];
        result = buf_puts(sql, k ? " AND \"T\"." : "\"T\".");
        if (result == WEIR_OK && (result = sf_put_ident(sql, key)) == WEIR_OK &&
            (result = buf_puts(sql, " = \"S\".")) == WEIR_OK)
            result = sf_put_ident(sql, key);
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " WHEN MATCHED THEN UPDATE SET ");
    for (size_t c = 0; result == WEIR_OK && c < count; c++) {
        const char *column = sf_result_text(columns, c, 0);
        result = buf_puts(sql, c ? ", " : "");
        if (result == WEIR_OK && (result = sf_put_ident(sql, column)) == WEIR_OK &&
            (result = buf_puts(sql, " = \"S\".")) == WEIR_OK)
            result = sf_put_ident(sql, column);
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " WHEN NOT MATCHED THEN INSERT (");
    for (size_t c = 0; result == WEIR_OK && c < count; c++)
        if ((result = buf_puts(sql, c ? ", " : "")) == WEIR_OK)
            result = sf_put_ident(sql, sf_result_text(columns, c, 0));
    if (result == WEIR_OK)
        result = buf_puts(sql, ") VALUES (");
    for (size_t c = 0; result == WEIR_OK && c < count; c++)
        if ((result = buf_puts(sql, c ? ", \"S\"." : "\"S\".")) == WEIR_OK)
            result = sf_put_ident(sql, sf_result_text(columns, c, 0));
    return result == WEIR_OK ? buf_putc(sql, ')') : result;
}

static weir_status_t publish_incremental(sf_client_t *client, weir_buf_t *sql, const char *database, const char *schema,
                                         const destination_transform_t *transform, destination_transform_result_t *out,
                                         weir_err_t *err)
{
    sf_result_t columns = {0}, merged = {0};
    weir_status_t result = scratch_columns(client, sql, database, schema, transform, &columns, err);
    if (result == WEIR_OK)
        result = create_incremental_target(client, sql, database, schema, transform, err);
    if (result == WEIR_OK && (result = put_merge(sql, database, schema, transform, &columns)) == WEIR_OK)
        result = sf_run(client, sql, &merged, err);
    if (result == WEIR_OK) {
        /* MERGE answers one row: number of rows inserted, number of rows updated. */
        const char *inserted = sf_result_text(&merged, 0, 0), *updated = sf_result_text(&merged, 0, 1);
        out->inserted = inserted ? strtoll(inserted, NULL, 10) : 0;
        out->updated = updated ? strtoll(updated, NULL, 10) : 0;
    }
    sf_result_free(&merged);
    sf_result_free(&columns);
    return result;
}

weir_status_t sf_transform_publish(sf_client_t *client, const char *database, const char *schema,
                                   const destination_transform_t *transform, destination_transform_result_t *out,
                                   weir_err_t *err)
{
    weir_buf_t sql;
    buf_init(&sql, SF_TRANSFORM_STATEMENT_MAX);
    weir_status_t result = WEIR_OK;
    sf_result_t columns = {0};
    switch (transform->materialization) {
    case MATERIALIZE_VIEW:
        if ((result = buf_puts(&sql, "CREATE OR REPLACE VIEW ")) == WEIR_OK &&
            (result = put_table(&sql, database, schema, transform, false)) == WEIR_OK &&
            (result = buf_puts(&sql, " AS\n")) == WEIR_OK && (result = sf_transform_expand(transform, &sql)) == WEIR_OK)
            result = sf_run(client, &sql, NULL, err);
        break;
    case MATERIALIZE_TABLE:
        /* One statement: Snowflake replaces the table atomically, and COPY GRANTS keeps readers' grants. */
        if ((result = scratch_columns(client, &sql, database, schema, transform, &columns, err)) == WEIR_OK &&
            (result = buf_puts(&sql, "CREATE OR REPLACE TABLE ")) == WEIR_OK &&
            (result = put_table(&sql, database, schema, transform, false)) == WEIR_OK &&
            (result = buf_puts(&sql, " COPY GRANTS AS SELECT * FROM ")) == WEIR_OK &&
            (result = put_table(&sql, database, schema, transform, true)) == WEIR_OK)
            result = sf_run(client, &sql, NULL, err);
        break;
    case MATERIALIZE_INCREMENTAL:
        result = publish_incremental(client, &sql, database, schema, transform, out, err);
        break;
    }
    sf_result_free(&columns);
    buf_free(&sql);
    if (result == WEIR_OK)
        sf_transform_drop(client, database, schema, transform);
    return result;
}

/* Writes `built` as a FROM item: the scratch table, or for a view the parenthesised SELECT. */
static weir_status_t put_built(weir_buf_t *sql, const char *database, const char *schema,
                               const destination_transform_t *transform)
{
    if (transform->materialization != MATERIALIZE_VIEW)
        return put_table(sql, database, schema, transform, true);
    weir_status_t result = buf_puts(sql, "(\n");
    if (result == WEIR_OK)
        result = sf_transform_expand(transform, sql);
    return result == WEIR_OK ? buf_puts(sql, "\n)") : result;
}

weir_status_t sf_transform_built(sf_client_t *client, const char *database, const char *schema,
                                 const destination_transform_t *transform, weir_err_t *err)
{
    if (transform->materialization == MATERIALIZE_VIEW)
        return WEIR_OK;
    weir_buf_t sql;
    buf_init(&sql, 4096);
    sf_result_t columns = {0};
    weir_status_t result = scratch_columns(client, &sql, database, schema, transform, &columns, err);
    sf_result_free(&columns);
    buf_free(&sql);
    return result;
}

/* Whether the target exists yet (before the first publish it does not). */
static weir_status_t target_exists(sf_client_t *client, const char *database, const char *schema,
                                   const destination_transform_t *transform, bool *exists, weir_err_t *err)
{
    weir_buf_t sql;
    buf_init(&sql, 4096);
    sf_result_t found = {0};
    weir_status_t result = buf_puts(&sql, "SELECT COUNT(*) FROM ");
    if (result == WEIR_OK && (result = sf_put_ident(&sql, database)) == WEIR_OK &&
        (result = buf_puts(&sql, ".INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ")) == WEIR_OK &&
        (result = sf_put_literal(&sql, schema, strlen(schema))) == WEIR_OK &&
        (result = buf_puts(&sql, " AND TABLE_NAME = ")) == WEIR_OK &&
        (result = sf_put_literal(&sql, transform->target, strlen(transform->target))) == WEIR_OK)
        result = sf_run(client, &sql, &found, err);
    *exists = result == WEIR_OK && count_of(&found) > 0;
    sf_result_free(&found);
    buf_free(&sql);
    return result;
}

/* The target as a FROM item: the table, or before the first publish an empty relation shaped like
 * the result, so `unique` and `{{target}}` read "no rows yet" instead of failing. */
static weir_status_t put_target(sf_client_t *client, weir_buf_t *sql, const char *database, const char *schema,
                                const destination_transform_t *transform, const check_spec_t *check, const char *built,
                                weir_err_t *err)
{
    /* Freshness runs after the publish: the target is there. */
    bool before_publish_reads_target = check->kind == CHECK_UNIQUE ||
        (check->kind == CHECK_CUSTOM_SQL && check->sql && strstr(check->sql, "{{target}}"));
    bool exists = true;
    weir_status_t result =
        before_publish_reads_target ? target_exists(client, database, schema, transform, &exists, err) : WEIR_OK;
    if (result == WEIR_OK && exists)
        result = put_table(sql, database, schema, transform, false);
    else if (result == WEIR_OK)
        result = buf_printf(sql, "(SELECT * FROM %s WHERE 1 = 0)", built);
    return result == WEIR_OK ? buf_putc(sql, 0) : result;
}

weir_status_t sf_transform_measure(sf_client_t *client, const char *database, const char *schema,
                                   const destination_transform_t *transform, const check_spec_t *check,
                                   destination_measure_t *out, weir_err_t *err)
{
    weir_buf_t built, target;
    buf_init(&built, SF_TRANSFORM_STATEMENT_MAX);
    buf_init(&target, SF_TRANSFORM_STATEMENT_MAX);
    weir_status_t result = put_built(&built, database, schema, transform);
    if (result == WEIR_OK)
        result = buf_putc(&built, 0);
    if (result == WEIR_OK)
        result = put_target(client, &target, database, schema, transform, check, (const char *)built.data, err);
    if (result == WEIR_ERR_TOO_BIG)
        weir_err_set(err, "transform %s: the SQL is too long for one statement", transform->transform);
    /* An incremental result is MERGEd by unique_key; a table or a view replaces the whole target. */
    sf_check_subject_t subject = {.batch = (const char *)built.data,
                                  .target = (const char *)target.data,
                                  .database = database,
                                  .schema = schema,
                                  .key_count = transform->key_count,
                                  .primary_key = transform->unique_key,
                                  .replace_all = transform->materialization != MATERIALIZE_INCREMENTAL,
                                  .cursor = check->column};
    if (result == WEIR_OK)
        result = sf_checks_measure(client, &subject, check, out, err);
    buf_free(&target);
    buf_free(&built);
    return result;
}

void sf_transform_drop(sf_client_t *client, const char *database, const char *schema,
                       const destination_transform_t *transform)
{
    if (transform->materialization == MATERIALIZE_VIEW)
        return;
    weir_buf_t sql;
    buf_init(&sql, 4096);
    weir_err_t ignored;
    /* A scratch table left behind costs storage only: it is transient and named after its run. */
    if (buf_puts(&sql, "DROP TABLE IF EXISTS ") == WEIR_OK &&
        put_table(&sql, database, schema, transform, true) == WEIR_OK)
        (void)!sf_run(client, &sql, NULL, &ignored);
    buf_free(&sql);
}
