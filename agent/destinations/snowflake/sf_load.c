/* sf_load.c — SQL generation and the statement sequence of one idempotent batch load. */
#include "sf_load.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "sf_types.h"
#include "stage_reader.h"

/* Snowflake caps a statement near 1 MB and a VALUES list at 16,384 expressions. */
#define SF_STATEMENT_MAX_BYTES (900u * 1024u)
/* Snowflake's VARCHAR without a length. */
#define SF_VARCHAR_MAX 16777216LL
/* How much of a refused value an error message shows. */
#define SF_SHOWN_VALUE_BYTES 64
#define SF_VALUES_MAX_EXPRESSIONS 16384

/* "DB"."SCHEMA"."TABLE<suffix>": the whole name, never cut, so a scratch table can never be named
 * like its target (the plan refuses targets too long for a suffix within Snowflake's 255). */
static weir_status_t put_table(weir_buf_t *sql, const sf_load_request_t *request, const char *suffix)
{
    size_t len = strlen(request->table) + (suffix ? strlen(suffix) : 0) + 1;
    char *table = malloc(len);
    if (!table)
        return WEIR_ERR_NOMEM;
    snprintf(table, len, "%s%s", request->table, suffix ? suffix : "");
    weir_status_t result = sf_put_ident(sql, request->database);
    if (result == WEIR_OK)
        result = buf_putc(sql, '.');
    if (result == WEIR_OK)
        result = sf_put_ident(sql, request->schema);
    if (result == WEIR_OK)
        result = buf_putc(sql, '.');
    if (result == WEIR_OK)
        result = sf_put_ident(sql, table);
    free(table);
    return result;
}

/* A column name quoted into `name` (NUL-terminated), whatever its length. */
static weir_status_t quote_column(weir_buf_t *name, const char *column)
{
    buf_reset(name);
    weir_status_t result = sf_put_ident(name, column);
    return result == WEIR_OK ? buf_putc(name, 0) : result;
}

static long long column_number(const sf_result_t *result, size_t row, size_t column)
{
    const char *text = sf_result_text(result, row, column);
    return text ? strtoll(text, NULL, 10) : 0;
}

/* The allowed widenings, done in place: a NUMBER gains precision (same scale), a VARCHAR gains
 * length. A scale change would rewrite stored values, so it is refused like a type change. */
static weir_status_t widen_column(sf_client_t *client, const sf_load_request_t *request, weir_buf_t *sql,
                                  const sf_result_t *existing, size_t row, const char *column,
                                  const sf_type_t *wanted_type, sf_load_result_t *out, weir_err_t *err)
{
    char widened[64] = "";
    const char *wanted = wanted_type->sql_type;
    int precision = wanted_type->precision, scale = wanted_type->scale, length = 0;
    if (wanted_type->kind == SF_KIND_NUMBER || wanted_type->kind == SF_KIND_MONEY) {
        long long have_precision = column_number(existing, row, 2), have_scale = column_number(existing, row, 3);
        if (have_scale != scale) {
            weir_err_set(err,
                         "column %s of %s.%s.%s has scale %lld in Snowflake but the source now gives %s; a scale "
                         "change would rewrite stored values: change the target column yourself or load into a "
                         "new table",
                         column, request->database, request->schema, request->table, have_scale, wanted);
            return WEIR_ERR_INVALID;
        }
        if (precision > have_precision)
            snprintf(widened, sizeof widened, "NUMBER(%d,%d)", precision, scale);
    } else if (strncmp(wanted, "VARCHAR", 7) == 0) {
        long long have_length = column_number(existing, row, 4);
        if (sscanf(wanted, "VARCHAR(%d)", &length) != 1)
            length = 0; /* unbounded: Snowflake's maximum */
        if (have_length > 0 && (length == 0 ? have_length < SF_VARCHAR_MAX : length > have_length))
            snprintf(widened, sizeof widened, "%s", length ? wanted : "VARCHAR");
    }
    if (!widened[0])
        return WEIR_OK;
    buf_reset(sql);
    weir_status_t result = buf_puts(sql, "ALTER TABLE ");
    if (result == WEIR_OK)
        result = put_table(sql, request, NULL);
    if (result == WEIR_OK)
        result = buf_puts(sql, " ALTER COLUMN ");
    if (result == WEIR_OK)
        result = sf_put_ident(sql, column);
    if (result == WEIR_OK)
        result = buf_printf(sql, " SET DATA TYPE %s", widened);
    if (result == WEIR_OK)
        result = sf_run(client, sql, NULL, err);
    if (result == WEIR_OK)
        out->columns_widened++;
    return result;
}

/* Creates the target or brings its columns in line with the source, by policy. */
static weir_status_t prepare_target(sf_client_t *client, const sf_load_request_t *request, const sf_type_t *types,
                                    sf_load_result_t *out, weir_err_t *err)
{
    weir_buf_t sql;
    buf_init(&sql, SF_STATEMENT_MAX_BYTES);
    sf_result_t existing = {0};
    weir_status_t result = buf_printf(&sql,
                                      "SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, "
                                      "CHARACTER_MAXIMUM_LENGTH FROM ");
    if (result == WEIR_OK)
        result = sf_put_ident(&sql, request->database);
    if (result == WEIR_OK)
        result = buf_puts(&sql, ".INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ");
    if (result == WEIR_OK)
        result = sf_put_literal(&sql, request->schema, strlen(request->schema));
    if (result == WEIR_OK)
        result = buf_puts(&sql, " AND TABLE_NAME = ");
    if (result == WEIR_OK)
        result = sf_put_literal(&sql, request->table, strlen(request->table));
    if (result == WEIR_OK)
        result = sf_run(client, &sql, &existing, err);
    if (result != WEIR_OK)
        goto out;

    size_t present = sf_result_row_count(&existing);
    if (present == 0) {
        result = buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
        if (result == WEIR_OK)
            result = put_table(&sql, request, NULL);
        if (result == WEIR_OK)
            result = buf_puts(&sql, " (");
        for (size_t i = 0; result == WEIR_OK && i < request->column_count; i++) {
            result = sf_put_ident(&sql, request->columns[i]);
            if (result == WEIR_OK)
                result = buf_printf(&sql, " %s, ", types[i].sql_type);
        }
        if (result == WEIR_OK)
            result = buf_puts(&sql, "\"_WEIR_RUN_ID\" VARCHAR, \"_WEIR_LOADED_AT\" TIMESTAMP_TZ)");
        if (result == WEIR_OK)
            result = sf_run(client, &sql, NULL, err);
        out->created_table = result == WEIR_OK;
        goto out;
    }
    for (size_t i = 0; result == WEIR_OK && i < request->column_count; i++) {
        const char *upper = request->columns[i]; /* exact destination name */
        const char *found_type = NULL;
        size_t found_row = 0;
        for (size_t row = 0; row < present; row++)
            if (sf_result_text(&existing, row, 0) && strcmp(sf_result_text(&existing, row, 0), upper) == 0) {
                found_type = sf_result_text(&existing, row, 1);
                found_row = row;
            }
        if (found_type) {
            if (sf_types_same_family(found_type, &types[i])) {
                result = widen_column(client, request, &sql, &existing, found_row, upper, &types[i], out, err);
                continue;
            }
            weir_err_set(err,
                         "column %s of %s.%s.%s is %s in Snowflake but the source now gives %s (%s); change the "
                         "target column yourself or load into a new table: Weir only adds columns and widens "
                         "NUMBER precision or VARCHAR length, never rewrites existing data",
                         upper, request->database, request->schema, request->table, found_type, types[i].sql_type,
                         request->pg_types[i]);
            result = WEIR_ERR_INVALID;
            continue;
        }
        if (!request->add_columns) {
            weir_err_set(err, "source column %s is not in %s.%s.%s and schema_evolution = \"fail\"", upper,
                         request->database, request->schema, request->table);
            result = WEIR_ERR_INVALID;
            break;
        }
        result = buf_puts(&sql, "ALTER TABLE ");
        if (result == WEIR_OK)
            result = put_table(&sql, request, NULL);
        if (result == WEIR_OK)
            result = buf_puts(&sql, " ADD COLUMN ");
        if (result == WEIR_OK)
            result = sf_put_ident(&sql, upper);
        if (result == WEIR_OK)
            result = buf_printf(&sql, " %s", types[i].sql_type);
        if (result == WEIR_OK)
            result = sf_run(client, &sql, NULL, err);
        if (result == WEIR_OK)
            out->columns_added++;
    }
out:
    sf_result_free(&existing);
    buf_free(&sql);
    return result;
}

/* Column i as the user knows it: its source name when the request has one. */
static const char *column_label(const sf_load_request_t *request, size_t i)
{
    return request->source_columns ? request->source_columns[i] : request->columns[i];
}

/* "id=42, region='eu'": the row's primary key as the error names it. */
static void describe_key(const sf_load_request_t *request, const stage_field_t *fields, size_t count, char *out,
                         size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t k = 0; k < request->key_count && used < size; k++)
        for (size_t i = 0; i < count && used < size; i++) {
            if (strcmp(request->columns[i], request->primary_key[k]) != 0)
                continue;
            int shown = fields[i].len > SF_SHOWN_VALUE_BYTES ? SF_SHOWN_VALUE_BYTES : (int)fields[i].len;
            int written = fields[i].is_null
                ? snprintf(out + used, size - used, "%s%s=NULL", k ? ", " : "", column_label(request, i))
                : snprintf(out + used, size - used, "%s%s=%.*s", k ? ", " : "", column_label(request, i), shown,
                           fields[i].data);
            used += written > 0 ? (size_t)written : 0;
        }
}

/* A row with a value that would not land unchanged (sf_types_check) fails the batch, naming the
 * column, the source table and the row's key. The check runs as the destination reads the chunks:
 * while INSERT statements are built (inline path) or before the upload (S3 stage path), so no
 * statement of a failing batch reaches Snowflake's tables and nothing is published. */
static weir_status_t check_row(const sf_load_request_t *request, const sf_type_t *types, const stage_field_t *fields,
                               size_t count, weir_err_t *err)
{
    char why[384];
    for (size_t i = 0; i < count && i < request->column_count; i++) {
        if (fields[i].is_null || sf_types_check(&types[i], fields[i].data, fields[i].len, why, sizeof why))
            continue;
        char key[512];
        describe_key(request, fields, count, key, sizeof key);
        int shown = fields[i].len > SF_SHOWN_VALUE_BYTES ? SF_SHOWN_VALUE_BYTES : (int)fields[i].len;
        weir_err_set(err, "column \"%s\" of %s: value %.*s%s %s (key %s)", column_label(request, i),
                     request->source_table ? request->source_table : request->table, shown, fields[i].data,
                     fields[i].len > SF_SHOWN_VALUE_BYTES ? "…" : "", why, key);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

/* Fills the staging table from the chunk files in INSERT statements under Snowflake's limits. */
static weir_status_t stage_rows(sf_client_t *client, const sf_load_request_t *request, const sf_type_t *types,
                                const char *stage_suffix, sf_load_result_t *out, weir_err_t *err)
{
    weir_buf_t sql;
    buf_init(&sql, SF_STATEMENT_MAX_BYTES + 256 * 1024);
    weir_buf_t row;
    buf_init(&row, SF_STATEMENT_MAX_BYTES);
    weir_status_t result = WEIR_OK;
    size_t rows_in_statement = 0;
    size_t max_rows = SF_VALUES_MAX_EXPRESSIONS / (request->column_count ? request->column_count : 1);
    for (unsigned chunk = 0; result == WEIR_OK && chunk < request->chunk_count; chunk++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%05u.csv.zst", request->stage_dir, chunk);
        stage_reader_t *reader;
        result = stage_reader_open_sealed(path, request->stage_sealer, &reader, err);
        while (result == WEIR_OK) {
            const stage_field_t *fields;
            size_t count;
            result = stage_reader_next(reader, &fields, &count, err);
            if (result == WEIR_ERR_NOT_FOUND) {
                result = WEIR_OK;
                break;
            }
            if (result == WEIR_OK && count != request->column_count) {
                weir_err_set(err, "stage chunk %s has a row of %zu fields, expected %zu", path, count,
                             request->column_count);
                result = WEIR_ERR_INVALID;
            }
            if (result == WEIR_OK)
                result = check_row(request, types, fields, count, err);
            buf_reset(&row);
            for (size_t i = 0; result == WEIR_OK && i < count; i++) {
                result = buf_puts(&row, i ? ", " : "(");
                if (result == WEIR_OK)
                    result = fields[i].is_null ? buf_puts(&row, "NULL")
                                               : sf_put_literal(&row, fields[i].data, fields[i].len);
            }
            if (result == WEIR_OK)
                result = buf_putc(&row, ')');
            if (result != WEIR_OK)
                break;
            if (rows_in_statement &&
                (sql.len + row.len + 2 > SF_STATEMENT_MAX_BYTES || rows_in_statement >= max_rows)) {
                result = sf_run(client, &sql, NULL, err);
                rows_in_statement = 0;
            }
            if (result == WEIR_OK && rows_in_statement == 0) {
                result = buf_puts(&sql, "INSERT INTO ");
                if (result == WEIR_OK)
                    result = put_table(&sql, request, stage_suffix);
                if (result == WEIR_OK)
                    result = buf_puts(&sql, " VALUES ");
            } else if (result == WEIR_OK) {
                result = buf_puts(&sql, ", ");
            }
            if (result == WEIR_OK)
                result = buf_append(&sql, row.data, row.len);
            rows_in_statement++;
            out->staged_rows++;
        }
        stage_reader_close(reader);
    }
    if (result == WEIR_OK && rows_in_statement)
        result = sf_run(client, &sql, NULL, err);
    if (result == WEIR_ERR_TOO_BIG)
        weir_err_set(err, "a staged row does not fit in one Snowflake statement; load this table through an S3 stage");
    buf_free(&sql);
    buf_free(&row);
    return result;
}

/* COPY INTO takes at most 1,000 files by name in one statement. */
#define SF_COPY_MAX_FILES 1000

/* "db.schema.stage" → "DB"."SCHEMA"."STAGE": unquoted identifiers mean their upper case. */
static weir_status_t put_stage_name(weir_buf_t *sql, const char *name, weir_err_t *err)
{
    weir_status_t result = buf_puts(sql, "@\"");
    for (const char *p = name; result == WEIR_OK && *p; p++) {
        if (*p == '.')
            result = buf_puts(sql, "\".\"");
        else if (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
            result = buf_putc(sql, (char)toupper((unsigned char)*p));
        else {
            weir_err_set(err, "stage name %s: only letters, digits, _ and $ in dot-separated parts", name);
            return WEIR_ERR_INVALID;
        }
    }
    return result == WEIR_OK ? buf_putc(sql, '"') : result;
}

/* Fills the staging table from the uploaded chunks with COPY INTO; the file format is the stage
 * writer's CSV dialect (stage_writer.h); '\n' records, UTF-8 and a column-count check are
 * Snowflake's defaults. COMPRESSION = AUTO recognises zstd by the .zst name, as ZSTD would, and is
 * what the emulator implements. NULL_IF = () keeps a quoted "\N" a string. */
static weir_status_t copy_rows(sf_client_t *client, const sf_load_request_t *request, const char *stage_suffix,
                               sf_load_result_t *out, weir_err_t *err)
{
    weir_buf_t sql;
    buf_init(&sql, SF_STATEMENT_MAX_BYTES);
    weir_status_t result = WEIR_OK;
    for (unsigned first = 0; result == WEIR_OK && first < request->chunk_count; first += SF_COPY_MAX_FILES) {
        buf_reset(&sql);
        result = buf_puts(&sql, "COPY INTO ");
        if (result == WEIR_OK)
            result = put_table(&sql, request, stage_suffix);
        if (result == WEIR_OK)
            result = buf_puts(&sql, " FROM ");
        if (result == WEIR_OK)
            result = put_stage_name(&sql, request->stage_name, err);
        if (result == WEIR_OK)
            result = buf_printf(&sql, "/%s FILES = (", request->stage_path);
        for (unsigned c = first; result == WEIR_OK && c < request->chunk_count && c < first + SF_COPY_MAX_FILES; c++)
            result = buf_printf(&sql, "%s'%05u.csv.zst'", c > first ? ", " : "", c);
        if (result == WEIR_OK)
            result = buf_puts(&sql,
                              ") FILE_FORMAT = (TYPE = CSV COMPRESSION = AUTO FIELD_DELIMITER = ',' "
                              "FIELD_OPTIONALLY_ENCLOSED_BY = '\"' EMPTY_FIELD_AS_NULL = TRUE "
                              "ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ()) ON_ERROR = ABORT_STATEMENT FORCE = TRUE");
        if (result == WEIR_OK)
            result = sf_run(client, &sql, NULL, err);
    }
    sf_result_t counted = {0};
    buf_reset(&sql);
    if (result == WEIR_OK)
        result = buf_puts(&sql, "SELECT COUNT(*) FROM ");
    if (result == WEIR_OK)
        result = put_table(&sql, request, stage_suffix);
    if (result == WEIR_OK)
        result = sf_run(client, &sql, &counted, err);
    if (result == WEIR_OK) {
        const char *rows = sf_result_text(&counted, 0, 0);
        out->staged_rows = rows ? strtoll(rows, NULL, 10) : 0;
    }
    sf_result_free(&counted);
    buf_free(&sql);
    return result;
}

static weir_status_t put_key_match(weir_buf_t *sql, const sf_load_request_t *request)
{
    weir_status_t result = WEIR_OK;
    for (size_t k = 0; result == WEIR_OK && k < request->key_count; k++) {
        result = buf_puts(sql, k ? " AND \"T\"." : "\"T\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->primary_key[k]);
        if (result == WEIR_OK)
            result = buf_puts(sql, " = \"S\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->primary_key[k]);
    }
    return result;
}

static weir_status_t build_dedup(weir_buf_t *sql, const sf_load_request_t *request, const sf_type_t *types,
                                 const char *stage_suffix, const char *dedup_suffix, int cursor_index)
{
    weir_status_t result = buf_puts(sql, "CREATE OR REPLACE TRANSIENT TABLE ");
    if (result == WEIR_OK)
        result = put_table(sql, request, dedup_suffix);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS SELECT ");
    weir_buf_t name;
    buf_init(&name, SF_STATEMENT_MAX_BYTES);
    for (size_t i = 0; result == WEIR_OK && i < request->column_count; i++) {
        result = quote_column(&name, request->columns[i]);
        if (result == WEIR_OK)
            result = buf_puts(sql, i ? ", " : "");
        if (result == WEIR_OK)
            result = sf_types_put_converted(sql, &types[i], (const char *)name.data);
        if (result == WEIR_OK)
            result = buf_printf(sql, " AS %s", (const char *)name.data);
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " FROM ");
    if (result == WEIR_OK)
        result = put_table(sql, request, stage_suffix);
    /* Several versions of one key in a batch: keep the newest, or MERGE would fail or duplicate. */
    if (result == WEIR_OK)
        result = buf_puts(sql, " QUALIFY ROW_NUMBER() OVER (PARTITION BY ");
    for (size_t k = 0; result == WEIR_OK && k < request->key_count; k++) {
        result = buf_puts(sql, k ? ", " : "");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->primary_key[k]);
    }
    if (result == WEIR_OK && cursor_index >= 0) {
        result = quote_column(&name, request->cursor);
        if (result == WEIR_OK)
            result = buf_puts(sql, " ORDER BY ");
        if (result == WEIR_OK)
            result = sf_types_put_converted(sql, &types[cursor_index], (const char *)name.data);
        if (result == WEIR_OK)
            result = buf_puts(sql, " DESC NULLS LAST");
    } else if (result == WEIR_OK) {
        result = buf_puts(sql, " ORDER BY ");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->primary_key[0]);
    }
    buf_free(&name);
    return result == WEIR_OK ? buf_puts(sql, ") = 1") : result;
}

/* The request's columns as Snowflake names them, comma-separated, each after `prefix` ("\"S\"."). */
static weir_status_t put_column_list(weir_buf_t *sql, const sf_load_request_t *request, const char *prefix)
{
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; result == WEIR_OK && i < request->column_count; i++) {
        result = buf_printf(sql, "%s%s", i ? ", " : "", prefix);
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->columns[i]);
    }
    return result;
}

/* ", '<run id>', CURRENT_TIMESTAMP()": the values of _WEIR_RUN_ID and _WEIR_LOADED_AT. */
static weir_status_t put_stamp(weir_buf_t *sql, const sf_load_request_t *request)
{
    weir_status_t result = buf_puts(sql, ", ");
    if (result == WEIR_OK)
        result = sf_put_literal(sql, request->run_id, strlen(request->run_id));
    return result == WEIR_OK ? buf_puts(sql, ", CURRENT_TIMESTAMP()") : result;
}

/* A staged boolean column `_WEIR_DELETE` (any case) marks rows whose key was deleted at the source and
 * must leave the target (a hard delete, e.g. the Stripe preset's hard_deletes): the column that marks
 * them, or NULL. */
static const char *hard_delete_column(const sf_load_request_t *request)
{
    for (size_t i = 0; i < request->column_count; i++)
        if (strcasecmp(request->columns[i], "_WEIR_DELETE") == 0)
            return request->columns[i];
    return NULL;
}

static weir_status_t build_merge(weir_buf_t *sql, const sf_load_request_t *request, const char *dedup_suffix)
{
    const char *deletes = hard_delete_column(request);
    weir_status_t result = buf_puts(sql, "MERGE INTO ");
    if (result == WEIR_OK)
        result = put_table(sql, request, NULL);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS \"T\" USING ");
    if (result == WEIR_OK)
        result = put_table(sql, request, dedup_suffix);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS \"S\" ON ");
    if (result == WEIR_OK)
        result = put_key_match(sql, request);
    if (result == WEIR_OK && deletes) {
        result = buf_puts(sql, " WHEN MATCHED AND \"S\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, deletes);
        if (result == WEIR_OK)
            result = buf_puts(sql, " THEN DELETE");
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " WHEN MATCHED");
    if (result == WEIR_OK && request->cursor) {
        /* An older version (from a lookback re-read or a late retry) never overwrites a newer one. */
        result = buf_puts(sql, " AND (\"T\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->cursor);
        if (result == WEIR_OK)
            result = buf_puts(sql, " IS NULL OR \"S\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->cursor);
        if (result == WEIR_OK)
            result = buf_puts(sql, " IS NULL OR \"S\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->cursor);
        if (result == WEIR_OK)
            result = buf_puts(sql, " >= \"T\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->cursor);
        if (result == WEIR_OK)
            result = buf_putc(sql, ')');
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " THEN UPDATE SET ");
    for (size_t i = 0; result == WEIR_OK && i < request->column_count; i++) {
        result = buf_puts(sql, i ? ", " : "");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->columns[i]);
        if (result == WEIR_OK)
            result = buf_puts(sql, " = \"S\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, request->columns[i]);
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, ", \"_WEIR_RUN_ID\" = ");
    if (result == WEIR_OK)
        result = sf_put_literal(sql, request->run_id, strlen(request->run_id));
    if (result == WEIR_OK)
        result = buf_puts(sql, ", \"_WEIR_LOADED_AT\" = CURRENT_TIMESTAMP() WHEN NOT MATCHED");
    if (result == WEIR_OK && deletes) {
        result = buf_puts(sql, " AND NOT COALESCE(\"S\".");
        if (result == WEIR_OK)
            result = sf_put_ident(sql, deletes);
        if (result == WEIR_OK)
            result = buf_puts(sql, ", FALSE)");
    }
    if (result == WEIR_OK)
        result = buf_puts(sql, " THEN INSERT (");
    if (result == WEIR_OK)
        result = put_column_list(sql, request, "");
    if (result == WEIR_OK)
        result = buf_puts(sql, ", \"_WEIR_RUN_ID\", \"_WEIR_LOADED_AT\") VALUES (");
    if (result == WEIR_OK)
        result = put_column_list(sql, request, "\"S\".");
    if (result == WEIR_OK)
        result = put_stamp(sql, request);
    return result == WEIR_OK ? buf_putc(sql, ')') : result;
}

/* Full refresh: the target's rows become exactly the batch's, in one statement. */
static weir_status_t build_replace(weir_buf_t *sql, const sf_load_request_t *request, const char *dedup_suffix)
{
    weir_status_t result = buf_puts(sql, "INSERT OVERWRITE INTO ");
    if (result == WEIR_OK)
        result = put_table(sql, request, NULL);
    if (result == WEIR_OK)
        result = buf_puts(sql, " (");
    if (result == WEIR_OK)
        result = put_column_list(sql, request, "");
    if (result == WEIR_OK)
        result = buf_puts(sql, ", \"_WEIR_RUN_ID\", \"_WEIR_LOADED_AT\") SELECT ");
    if (result == WEIR_OK)
        result = put_column_list(sql, request, "");
    if (result == WEIR_OK)
        result = put_stamp(sql, request);
    if (result == WEIR_OK)
        result = buf_puts(sql, " FROM ");
    return result == WEIR_OK ? put_table(sql, request, dedup_suffix) : result;
}

/* Rows of the target whose key the batch lacks: what a full refresh removes. */
static weir_status_t build_count_removed(weir_buf_t *sql, const sf_load_request_t *request, const char *dedup_suffix)
{
    weir_status_t result = buf_puts(sql, "SELECT COUNT(*) FROM ");
    if (result == WEIR_OK)
        result = put_table(sql, request, NULL);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS \"T\" WHERE NOT EXISTS (SELECT 1 FROM ");
    if (result == WEIR_OK)
        result = put_table(sql, request, dedup_suffix);
    if (result == WEIR_OK)
        result = buf_puts(sql, " AS \"S\" WHERE ");
    if (result == WEIR_OK)
        result = put_key_match(sql, request);
    return result == WEIR_OK ? buf_putc(sql, ')') : result;
}

/* Per-batch names: a retry of the same run reuses (and replaces) its own staging tables. */
static void batch_suffixes(const sf_load_request_t *request, char *stage_suffix, size_t stage_size, char *dedup_suffix,
                           size_t dedup_size)
{
    size_t n = (size_t)snprintf(stage_suffix, stage_size, "__WEIR_");
    for (const char *p = request->run_id; *p && n + 1 < stage_size; p++)
        stage_suffix[n++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    stage_suffix[n] = 0;
    snprintf(dedup_suffix, dedup_size, "%s_D", stage_suffix);
}

/* Target types for the request's columns (new array) and the cursor's index (-1 for none). */
static weir_status_t column_types(const sf_load_request_t *request, sf_type_t **types_out, int *cursor_index,
                                  weir_err_t *err)
{
    *types_out = NULL;
    if (request->column_count == 0 || request->key_count == 0) {
        weir_err_set(err, "a load needs columns and a primary key");
        return WEIR_ERR_INVALID;
    }
    sf_type_t *types = calloc(request->column_count, sizeof *types);
    if (!types)
        return WEIR_ERR_NOMEM;
    *cursor_index = -1;
    for (size_t i = 0; i < request->column_count; i++) {
        if (request->type_overrides && request->type_overrides[i]) {
            if (!sf_types_override(request->type_overrides[i], &types[i])) {
                weir_err_set(err, "column %s: type \"%s\" is not a type Weir loads into", request->columns[i],
                             request->type_overrides[i]);
                free(types);
                return WEIR_ERR_INVALID;
            }
        } else {
            sf_types_map(request->pg_types[i], &types[i]);
        }
        if (request->cursor && strcmp(request->columns[i], request->cursor) == 0)
            *cursor_index = (int)i;
    }
    for (size_t k = 0; k < request->key_count; k++) {
        bool found = false;
        for (size_t i = 0; i < request->column_count; i++)
            found |= strcmp(request->columns[i], request->primary_key[k]) == 0;
        if (!found) {
            weir_err_set(err, "primary key column %s is not in the source table", request->primary_key[k]);
            free(types);
            return WEIR_ERR_INVALID;
        }
    }
    *types_out = types;
    return WEIR_OK;
}

weir_status_t sf_load_check_chunks(const sf_load_request_t *request, weir_err_t *err)
{
    sf_type_t *types;
    int cursor_index;
    weir_status_t result = column_types(request, &types, &cursor_index, err);
    for (unsigned chunk = 0; result == WEIR_OK && chunk < request->chunk_count; chunk++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%05u.csv.zst", request->stage_dir, chunk);
        stage_reader_t *reader = NULL;
        result = stage_reader_open_sealed(path, request->stage_sealer, &reader, err);
        while (result == WEIR_OK) {
            const stage_field_t *fields;
            size_t count;
            result = stage_reader_next(reader, &fields, &count, err);
            if (result == WEIR_ERR_NOT_FOUND) {
                result = WEIR_OK;
                break;
            }
            if (result == WEIR_OK)
                result = check_row(request, types, fields, count, err);
        }
        stage_reader_close(reader);
    }
    free(types);
    return result;
}

void sf_load_batch_table(const sf_load_request_t *request, char *out, size_t size)
{
    char stage_suffix[128], dedup_suffix[140];
    batch_suffixes(request, stage_suffix, sizeof stage_suffix, dedup_suffix, sizeof dedup_suffix);
    weir_buf_t name;
    buf_init(&name, 4096);
    if (put_table(&name, request, dedup_suffix) == WEIR_OK && buf_putc(&name, 0) == WEIR_OK)
        snprintf(out, size, "%s", (const char *)name.data);
    else
        out[0] = 0;
    buf_free(&name);
}

void sf_load_target_table(const sf_load_request_t *request, char *out, size_t size)
{
    weir_buf_t name;
    buf_init(&name, 4096);
    if (put_table(&name, request, NULL) == WEIR_OK && buf_putc(&name, 0) == WEIR_OK)
        snprintf(out, size, "%s", (const char *)name.data);
    else
        out[0] = 0;
    buf_free(&name);
}

weir_status_t sf_load_stage(sf_client_t *client, const sf_load_request_t *request, sf_load_result_t *out,
                            weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    sf_type_t *types;
    int cursor_index;
    weir_status_t result = column_types(request, &types, &cursor_index, err);
    if (result != WEIR_OK)
        return result;
    char stage_suffix[128], dedup_suffix[140];
    batch_suffixes(request, stage_suffix, sizeof stage_suffix, dedup_suffix, sizeof dedup_suffix);
    weir_buf_t sql;
    buf_init(&sql, SF_STATEMENT_MAX_BYTES * 4);
    result = prepare_target(client, request, types, out, err);
    if (result == WEIR_OK)
        result = buf_puts(&sql, "CREATE OR REPLACE TRANSIENT TABLE ");
    if (result == WEIR_OK)
        result = put_table(&sql, request, stage_suffix);
    for (size_t i = 0; result == WEIR_OK && i < request->column_count; i++) {
        result = buf_puts(&sql, i ? ", " : " (");
        if (result == WEIR_OK)
            result = sf_put_ident(&sql, request->columns[i]);
        if (result == WEIR_OK)
            result = buf_puts(&sql, " VARCHAR");
    }
    if (result == WEIR_OK)
        result = buf_putc(&sql, ')');
    if (result == WEIR_OK)
        result = sf_run(client, &sql, NULL, err);
    if (result == WEIR_OK)
        result = request->stage_name ? copy_rows(client, request, stage_suffix, out, err)
                                     : stage_rows(client, request, types, stage_suffix, out, err);
    if (result == WEIR_OK)
        result = build_dedup(&sql, request, types, stage_suffix, dedup_suffix, cursor_index);
    if (result == WEIR_OK)
        result = sf_run(client, &sql, NULL, err);
    buf_free(&sql);
    free(types);
    if (result != WEIR_OK)
        sf_load_drop(client, request);
    return result;
}

weir_status_t sf_load_publish(sf_client_t *client, const sf_load_request_t *request, sf_load_result_t *out,
                              weir_err_t *err)
{
    char stage_suffix[128], dedup_suffix[140];
    batch_suffixes(request, stage_suffix, sizeof stage_suffix, dedup_suffix, sizeof dedup_suffix);
    weir_buf_t sql;
    buf_init(&sql, SF_STATEMENT_MAX_BYTES * 4);
    sf_result_t counted = {0}, merged = {0};
    weir_status_t result = WEIR_OK;
    if (request->replace_all) {
        result = build_count_removed(&sql, request, dedup_suffix);
        if (result == WEIR_OK)
            result = sf_run(client, &sql, &counted, err);
        const char *removed = result == WEIR_OK ? sf_result_text(&counted, 0, 0) : NULL;
        out->deleted = removed ? strtoll(removed, NULL, 10) : 0;
        if (result == WEIR_OK)
            result = build_replace(&sql, request, dedup_suffix);
    } else {
        result = build_merge(&sql, request, dedup_suffix);
    }
    if (result == WEIR_OK)
        result = sf_run(client, &sql, &merged, err);
    if (result == WEIR_OK) {
        const char *inserted = sf_result_text(&merged, 0, 0);
        const char *updated = request->replace_all ? NULL : sf_result_text(&merged, 0, 1);
        out->inserted = inserted ? strtoll(inserted, NULL, 10) : 0;
        out->updated = updated ? strtoll(updated, NULL, 10) : 0;
        if (!request->replace_all && hard_delete_column(request)) /* a MERGE with DELETE counts those third */
            out->deleted = column_number(&merged, 0, 2);
    }
    sf_result_free(&counted);
    sf_result_free(&merged);
    buf_free(&sql);
    sf_load_drop(client, request);
    return result;
}

void sf_load_drop(sf_client_t *client, const sf_load_request_t *request)
{
    char stage_suffix[128], dedup_suffix[140];
    batch_suffixes(request, stage_suffix, sizeof stage_suffix, dedup_suffix, sizeof dedup_suffix);
    weir_buf_t sql;
    buf_init(&sql, 64 * 1024);
    /* The staging tables are scratch: dropped whether or not the load worked. */
    for (int t = 0; t < 2; t++) {
        weir_err_t drop_err;
        buf_reset(&sql);
        if (buf_puts(&sql, "DROP TABLE IF EXISTS ") == WEIR_OK &&
            put_table(&sql, request, t ? dedup_suffix : stage_suffix) == WEIR_OK &&
            sf_run(client, &sql, NULL, &drop_err) != WEIR_OK)
            log_warn("sf_load", "cannot drop a scratch table of run %s: %s", request->run_id, drop_err.msg);
    }
    buf_free(&sql);
}

weir_status_t sf_load_batch(sf_client_t *client, const sf_load_request_t *request, sf_load_result_t *out,
                            weir_err_t *err)
{
    weir_status_t result = sf_load_stage(client, request, out, err);
    return result == WEIR_OK ? sf_load_publish(client, request, out, err) : result;
}
