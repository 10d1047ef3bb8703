/* sf_checks.c — the SQL behind each quality check kind. */
#include "sf_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Runs `sql` (emptied) and reads its first row's cells as numbers; a NULL cell reads as 0 with
 * *first_null set. */
static weir_status_t query_numbers(sf_client_t *client, weir_buf_t *sql, double *first, double *second,
                                   bool *first_null, weir_err_t *err)
{
    sf_result_t result = {0};
    weir_status_t status = sf_run(client, sql, &result, err);
    if (status == WEIR_OK) {
        bool has_row = sf_result_row_count(&result) > 0;
        const char *a = has_row ? sf_result_text(&result, 0, 0) : NULL;
        const char *b = has_row && second ? sf_result_text(&result, 0, 1) : NULL;
        if (first_null)
            *first_null = a == NULL;
        *first = a ? strtod(a, NULL) : 0;
        if (second)
            *second = b ? strtod(b, NULL) : 0;
    }
    sf_result_free(&result);
    return status;
}

static weir_status_t put_columns(weir_buf_t *sql, char *const *columns, size_t count, const char *prefix)
{
    weir_status_t result = WEIR_OK;
    for (size_t i = 0; result == WEIR_OK && i < count; i++) {
        result = buf_printf(sql, "%s%s", i ? ", " : "", prefix);
        if (result == WEIR_OK)
            result = sf_put_ident(sql, columns[i]);
    }
    return result;
}

/* Duplicates after the publish: for a MERGE, target rows the batch does not replace plus the batch;
 * for a full refresh, which replaces every target row, the batch alone. */
static weir_status_t unique_sql(weir_buf_t *sql, const sf_check_subject_t *subject, const check_spec_t *check)
{
    const char *batch = subject->batch, *target = subject->target;
    if (subject->replace_all) {
        weir_status_t status = buf_puts(sql, "SELECT COUNT(*) FROM (SELECT ");
        if (status == WEIR_OK)
            status = put_columns(sql, check->columns, check->column_count, "");
        if (status == WEIR_OK)
            status = buf_printf(sql, " FROM %s GROUP BY ", batch);
        if (status == WEIR_OK)
            status = put_columns(sql, check->columns, check->column_count, "");
        return status == WEIR_OK ? buf_puts(sql, " HAVING COUNT(*) > 1) d") : status;
    }
    weir_status_t status = buf_puts(sql, "SELECT COUNT(*) FROM (SELECT ");
    if (status == WEIR_OK)
        status = put_columns(sql, check->columns, check->column_count, "");
    if (status == WEIR_OK)
        status = buf_puts(sql, " FROM (SELECT ");
    if (status == WEIR_OK)
        status = put_columns(sql, check->columns, check->column_count, "t.");
    if (status == WEIR_OK)
        status = buf_printf(sql, " FROM %s t WHERE NOT EXISTS (SELECT 1 FROM %s b WHERE ", target, batch);
    for (size_t k = 0; status == WEIR_OK && k < subject->key_count; k++) {
        status = buf_puts(sql, k ? " AND b." : "b.");
        if (status == WEIR_OK)
            status = sf_put_ident(sql, subject->primary_key[k]);
        if (status == WEIR_OK)
            status = buf_puts(sql, " = t.");
        if (status == WEIR_OK)
            status = sf_put_ident(sql, subject->primary_key[k]);
    }
    if (status == WEIR_OK)
        status = buf_puts(sql, ") UNION ALL SELECT ");
    if (status == WEIR_OK)
        status = put_columns(sql, check->columns, check->column_count, "");
    if (status == WEIR_OK)
        status = buf_printf(sql, " FROM %s) u GROUP BY ", batch);
    if (status == WEIR_OK)
        status = put_columns(sql, check->columns, check->column_count, "");
    return status == WEIR_OK ? buf_puts(sql, " HAVING COUNT(*) > 1) d") : status;
}

static weir_status_t accepted_values_sql(weir_buf_t *sql, const char *batch, const check_spec_t *check)
{
    weir_status_t status = buf_printf(sql, "SELECT COUNT(*) FROM %s WHERE ", batch);
    if (status == WEIR_OK)
        status = sf_put_ident(sql, check->column);
    if (status == WEIR_OK)
        status = buf_puts(sql, " IS NOT NULL AND CAST(");
    if (status == WEIR_OK)
        status = sf_put_ident(sql, check->column);
    if (status == WEIR_OK)
        status = buf_puts(sql, " AS VARCHAR) NOT IN (");
    for (size_t i = 0; status == WEIR_OK && i < check->value_count; i++) {
        status = buf_puts(sql, i ? ", " : "");
        if (status == WEIR_OK)
            status = sf_put_literal(sql, check->values[i], strlen(check->values[i]));
    }
    return status == WEIR_OK ? buf_putc(sql, ')') : status;
}

/* references: TABLE.COLUMN or SCHEMA.TABLE.COLUMN in the destination database. */
static weir_status_t referential_sql(weir_buf_t *sql, const sf_check_subject_t *subject, const check_spec_t *check,
                                     weir_err_t *err)
{
    char parts[3][256] = {{0}};
    int count = 0;
    const char *p = check->references;
    bool too_long = false;
    while (p && *p && count < 3) {
        size_t len = strcspn(p, ".");
        too_long |= len >= sizeof parts[0];
        snprintf(parts[count++], sizeof parts[0], "%.*s", (int)len, p);
        p += len + (p[len] == '.');
    }
    if (too_long) {
        weir_err_set(err, "references \"%.300s\" has a name longer than %zu bytes", check->references,
                     sizeof parts[0] - 1);
        return WEIR_ERR_INVALID;
    }
    if (count < 2 || (p && *p)) {
        weir_err_set(err, "references \"%s\" is not TABLE.COLUMN or SCHEMA.TABLE.COLUMN",
                     check->references ? check->references : "");
        return WEIR_ERR_INVALID;
    }
    char upper[256];
    if (count == 3)
        sf_upper_name(parts[0], upper, sizeof upper);
    else
        snprintf(upper, sizeof upper, "%s", subject->schema); /* exact already */
    weir_status_t status = buf_printf(sql, "SELECT COUNT(*) FROM %s b WHERE b.", subject->batch);
    if (status == WEIR_OK)
        status = sf_put_ident(sql, check->column);
    if (status == WEIR_OK)
        status = buf_puts(sql, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ");
    if (status == WEIR_OK)
        status = sf_put_ident(sql, subject->database);
    if (status == WEIR_OK)
        status = buf_putc(sql, '.');
    if (status == WEIR_OK)
        status = sf_put_ident(sql, upper);
    if (status == WEIR_OK)
        status = buf_putc(sql, '.');
    if (status == WEIR_OK)
        status = sf_put_column(sql, parts[count - 2]);
    if (status == WEIR_OK)
        status = buf_puts(sql, " p WHERE p.");
    if (status == WEIR_OK)
        status = sf_put_column(sql, parts[count - 1]);
    if (status == WEIR_OK)
        status = buf_puts(sql, " = b.");
    if (status == WEIR_OK)
        status = sf_put_ident(sql, check->column);
    return status == WEIR_OK ? buf_putc(sql, ')') : status;
}

/* The user's SQL with {{batch}} and {{target}} replaced by the quoted tables. */
static weir_status_t custom_sql(weir_buf_t *sql, const char *batch, const char *target, const check_spec_t *check)
{
    weir_status_t status = WEIR_OK;
    for (const char *p = check->sql ? check->sql : ""; status == WEIR_OK && *p;) {
        if (strncmp(p, "{{batch}}", 9) == 0) {
            status = buf_puts(sql, batch);
            p += 9;
        } else if (strncmp(p, "{{target}}", 10) == 0) {
            status = buf_puts(sql, target);
            p += 10;
        } else {
            status = buf_putc(sql, (uint8_t)*p++);
        }
    }
    return status;
}

weir_status_t sf_checks_measure(sf_client_t *client, const sf_check_subject_t *subject, const check_spec_t *check,
                                destination_measure_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *batch = subject->batch, *target = subject->target;
    /* Checks carry user SQL and value lists: a statement of up to 1 MB. */
    weir_buf_t sql;
    buf_init(&sql, 1024 * 1024);
    weir_status_t status = WEIR_OK;
    double *second = NULL;
    bool *first_null = NULL;
    switch (check->kind) {
    case CHECK_ROW_COUNT:
        status = buf_printf(&sql, "SELECT COUNT(*) FROM %s", batch);
        break;
    case CHECK_NULL_SPIKE:
        status = buf_puts(&sql, "SELECT SUM(CASE WHEN ");
        if (status == WEIR_OK)
            status = sf_put_ident(&sql, check->column);
        if (status == WEIR_OK)
            status = buf_printf(&sql, " IS NULL THEN 1 ELSE 0 END), COUNT(*) FROM %s", batch);
        second = &out->total;
        break;
    case CHECK_UNIQUE:
        status = unique_sql(&sql, subject, check);
        break;
    case CHECK_ACCEPTED_VALUES:
        status = accepted_values_sql(&sql, batch, check);
        break;
    case CHECK_REFERENTIAL_INTEGRITY:
        status = referential_sql(&sql, subject, check, err);
        break;
    case CHECK_CUSTOM_SQL:
        status = custom_sql(&sql, batch, target, check);
        break;
    case CHECK_FRESHNESS:
        if (!subject->cursor) {
            weir_err_set(err, "the table has no cursor column to measure freshness by");
            status = WEIR_ERR_INVALID;
            break;
        }
        status = buf_puts(&sql, "SELECT DATEDIFF('second', MAX(");
        if (status == WEIR_OK)
            status = sf_put_ident(&sql, subject->cursor);
        if (status == WEIR_OK)
            status = buf_printf(&sql, "), CURRENT_TIMESTAMP()) FROM %s", target);
        first_null = &out->is_null;
        break;
    }
    if (status == WEIR_ERR_TOO_BIG || status == WEIR_ERR_NOMEM)
        weir_err_set(err, "the check's SQL does not fit in %d bytes", 1024 * 1024);
    if (status == WEIR_OK)
        status = query_numbers(client, &sql, &out->value, second, first_null, err);
    buf_free(&sql);
    return status;
}
