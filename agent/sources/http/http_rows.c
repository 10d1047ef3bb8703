/* http_rows.c — the column set of an HTTP batch and each record's values in it. */
#include "http_rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_pointer.h"
#include "timestamp.h"

/* Columns of one batch: Snowflake allows far more, but an API object with more than this many
 * top-level fields is more likely a map of ids than a record; declare its columns instead. */
#define HTTP_MAX_COLUMNS 512

static const char *const type_names[] = {"text", "bigint", "numeric", "boolean", "timestamptz", "jsonb"};

static http_value_type_t kind_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (name && strcmp(name, type_names[i]) == 0)
            return (http_value_type_t)i;
    return HTTP_VALUE_TEXT;
}

static http_value_type_t kind_of_value(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_INTEGER:
        return HTTP_VALUE_BIGINT;
    case JSON_REAL:
        return HTTP_VALUE_NUMERIC;
    case JSON_TRUE:
    case JSON_FALSE:
        return HTTP_VALUE_BOOLEAN;
    case JSON_OBJECT:
    case JSON_ARRAY:
        return HTTP_VALUE_JSONB;
    default:
        return HTTP_VALUE_TEXT;
    }
}

static long find_column(const http_columns_t *columns, const char *name)
{
    for (size_t i = 0; i < columns->count; i++)
        if (strcmp(columns->names[i], name) == 0)
            return (long)i;
    return -1;
}

/* "/" + `field` with '~' and '/' escaped, new. */
static char *pointer_to(const char *field)
{
    size_t len = strlen(field);
    char *out = malloc(2 * len + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    out[o++] = '/';
    for (const char *p = field; *p; p++) {
        if (*p == '~' || *p == '/') {
            out[o++] = '~';
            out[o++] = *p == '~' ? '0' : '1';
        } else
            out[o++] = *p;
    }
    out[o] = 0;
    return out;
}

static weir_status_t add_column(http_columns_t *columns, const char *name, http_value_type_t kind, const char *pointer,
                                bool raw, weir_err_t *err)
{
    if (columns->count == HTTP_MAX_COLUMNS) {
        weir_err_set(err, "the records have more than %d fields; declare the columns to load", HTTP_MAX_COLUMNS);
        return WEIR_ERR_INVALID;
    }
    size_t i = columns->count;
    columns->names[i] = strdup(name);
    columns->types[i] = strdup(type_names[kind]);
    columns->pointers[i] = raw ? NULL : pointer ? strdup(pointer) : pointer_to(name);
    columns->kinds[i] = kind;
    columns->count++;
    if (!columns->names[i] || !columns->types[i] || (!raw && !columns->pointers[i])) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    return WEIR_OK;
}

/* The first page's type for top-level field `name`: its first non-null value's, else text. */
static http_value_type_t sampled_kind(const json_t *records, const char *name)
{
    size_t i;
    const json_t *record;
    json_array_foreach(records, i, record)
    {
        const json_t *value = json_object_get(record, name);
        if (value && !json_is_null(value))
            return kind_of_value(value);
    }
    return HTTP_VALUE_TEXT;
}

static weir_status_t plan_fixed(const http_resource_t *resource, const json_t *records, http_columns_t *out,
                                weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    for (size_t c = 0; result == WEIR_OK && c < resource->column_count; c++)
        result = add_column(out, resource->columns[c].name, kind_by_name(resource->columns[c].type),
                            resource->columns[c].pointer, false, err);
    for (size_t k = 0; result == WEIR_OK && k < resource->key_count; k++)
        if (find_column(out, resource->primary_key[k]) < 0)
            result = add_column(out, resource->primary_key[k], sampled_kind(records, resource->primary_key[k]), NULL,
                                false, err);
    const char *cursor = http_resource_cursor_column(resource);
    if (result == WEIR_OK && cursor && find_column(out, cursor) < 0) {
        http_value_type_t kind =
            resource->cursor_type == HTTP_CURSOR_TIMESTAMP ? HTTP_VALUE_TIMESTAMPTZ : HTTP_VALUE_BIGINT;
        result = add_column(out, cursor, kind, resource->cursor, false, err);
    }
    return result;
}

weir_status_t http_columns_plan(const http_resource_t *resource, const json_t *records, http_columns_t *out,
                                weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->names = calloc(HTTP_MAX_COLUMNS, sizeof *out->names);
    out->types = calloc(HTTP_MAX_COLUMNS, sizeof *out->types);
    out->pointers = calloc(HTTP_MAX_COLUMNS, sizeof *out->pointers);
    out->kinds = calloc(HTTP_MAX_COLUMNS, sizeof *out->kinds);
    if (!out->names || !out->types || !out->pointers || !out->kinds) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    weir_status_t result = plan_fixed(resource, records, out, err);
    size_t i;
    const json_t *record;
    json_array_foreach(records, i, record)
    {
        const char *field;
        const json_t *value;
        json_object_foreach((json_t *)record, field, value)
        {
            if (result != WEIR_OK)
                break;
            if (find_column(out, field) < 0 && strcmp(field, "_raw") != 0)
                result = add_column(out, field, sampled_kind(records, field), NULL, false, err);
        }
    }
    if (result == WEIR_OK && resource->keep_raw && find_column(out, "_raw") < 0)
        result = add_column(out, "_raw", HTTP_VALUE_JSONB, NULL, true, err);
    return result;
}

void http_columns_free(http_columns_t *columns)
{
    for (size_t i = 0; i < columns->count; i++) {
        free(columns->names[i]);
        free(columns->types[i]);
        free(columns->pointers[i]);
    }
    free(columns->names);
    free(columns->types);
    free(columns->pointers);
    free(columns->kinds);
    memset(columns, 0, sizeof *columns);
}

void http_format_timestamptz(double epoch, char *out, size_t size)
{
    double whole = floor(epoch);
    time_t seconds = (time_t)whole;
    long micros = lround((epoch - whole) * 1e6);
    if (micros >= 1000000) {
        seconds++;
        micros = 0;
    }
    struct tm tm;
    gmtime_r(&seconds, &tm);
    char date[40];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    if (micros)
        snprintf(out, size, "%s.%06ld+00", date, micros);
    else
        snprintf(out, size, "%s+00", date);
}

/* `value` as text for a column of `kind` into `scratch`; false when it does not fit the type. */
static bool format_value(const json_t *value, http_value_type_t kind, weir_buf_t *scratch)
{
    buf_reset(scratch);
    char text[64];
    double epoch;
    switch (kind) {
    case HTTP_VALUE_BIGINT:
        return json_is_integer(value) &&
            buf_printf(scratch, "%" JSON_INTEGER_FORMAT, json_integer_value(value)) == WEIR_OK;
    case HTTP_VALUE_NUMERIC:
        if (json_is_integer(value))
            return buf_printf(scratch, "%" JSON_INTEGER_FORMAT, json_integer_value(value)) == WEIR_OK;
        return json_is_real(value) && isfinite(json_real_value(value)) &&
            buf_printf(scratch, "%.17g", json_real_value(value)) == WEIR_OK;
    case HTTP_VALUE_BOOLEAN:
        return json_is_boolean(value) && buf_puts(scratch, json_is_true(value) ? "t" : "f") == WEIR_OK;
    case HTTP_VALUE_TIMESTAMPTZ:
        if (json_is_integer(value))
            epoch = (double)json_integer_value(value);
        else if (!json_is_string(value) || !timestamp_parse(json_string_value(value), &epoch))
            return false;
        http_format_timestamptz(epoch, text, sizeof text);
        return buf_puts(scratch, text) == WEIR_OK;
    case HTTP_VALUE_TEXT:
        if (json_is_string(value))
            return buf_append(scratch, json_string_value(value), json_string_length(value)) == WEIR_OK;
        break;
    case HTTP_VALUE_JSONB:
        break;
    }
    /* jsonb, and text holding a non-string: the value's JSON text. */
    char *dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    bool ok = dumped && buf_puts(scratch, dumped) == WEIR_OK;
    free(dumped);
    return ok;
}

/* Counts fields of `record` that are no column, remembering the first one's name for the report. */
static void note_unplaced(http_columns_t *columns, const json_t *record)
{
    const char *field;
    const json_t *value;
    json_object_foreach((json_t *)record, field, value)
    {
        if (json_is_null(value) || find_column(columns, field) >= 0)
            continue;
        if (columns->unplaced++ == 0)
            snprintf(columns->first_unplaced, sizeof columns->first_unplaced, "%s", field);
    }
}

weir_status_t http_row_write(http_columns_t *columns, const http_resource_t *resource, const json_t *record,
                             stage_writer_t *writer, weir_buf_t *scratch, weir_err_t *err)
{
    if (!json_is_object(record)) {
        weir_err_set(err, "resource %s: a record is not a JSON object", resource->name);
        return WEIR_ERR_INVALID;
    }
    note_unplaced(columns, record);
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; result == WEIR_OK && i < columns->count; i++) {
        if (!stage_writer_keeps(writer, i))
            continue;
        const json_t *value = columns->pointers[i] ? json_pointer_get(record, columns->pointers[i]) : record;
        if (!value || json_is_null(value)) {
            result = stage_writer_field(writer, NULL, 0, err);
            continue;
        }
        if (!format_value(value, columns->kinds[i], scratch)) {
            const json_t *key = resource->key_count ? json_object_get(record, resource->primary_key[0]) : NULL;
            char *key_text = key ? json_dumps(key, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            weir_err_set(err,
                         "resource %s: column %s is %s but record %s=%s holds a %s there; declare a column block "
                         "with a type that fits (text or jsonb take anything)",
                         resource->name, columns->names[i], columns->types[i],
                         resource->key_count ? resource->primary_key[0] : "?", key_text ? key_text : "?",
                         json_is_string(value)        ? "string"
                             : json_is_number(value)  ? "number"
                             : json_is_boolean(value) ? "boolean"
                                                      : "nested value");
            free(key_text);
            return WEIR_ERR_INVALID;
        }
        result = stage_writer_field(writer, (const char *)scratch->data, scratch->len, err);
    }
    return result == WEIR_OK ? stage_writer_end_row(writer, err) : result;
}
