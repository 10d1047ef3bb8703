/* sf_retention.c — batched retention deletes in Snowflake SQL (sf_retention.h). */
#include "sf_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_RETENTION_STATEMENT_MAX (64u * 1024u)

static weir_status_t put_table(weir_buf_t *sql, const char *database, const char *schema, const char *table)
{
    weir_status_t result = sf_put_ident(sql, database);
    if (result == WEIR_OK && (result = buf_putc(sql, '.')) == WEIR_OK &&
        (result = sf_put_ident(sql, schema)) == WEIR_OK)
        result = buf_putc(sql, '.');
    return result == WEIR_OK ? sf_put_ident(sql, table) : result;
}

/* The cutoff as a timestamp literal with an explicit format (not the account's input format). */
static weir_status_t put_cutoff(weir_buf_t *sql, const char *cutoff)
{
    int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    (void)sscanf(cutoff, "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute, &second);
    return buf_printf(sql, "TO_TIMESTAMP_TZ('%04d-%02d-%02d %02d:%02d:%02d +00:00', 'YYYY-MM-DD HH24:MI:SS TZH:TZM')",
                      year, month, day, hour, minute, second);
}

/* " WHERE c < cutoff AND c <= COALESCE((SELECT c … ORDER BY c LIMIT 1 OFFSET batch - 1), cutoff)":
 * the oldest `batch_rows` rows older than the cutoff (and rows tied with the last of them). */
static weir_status_t put_batch_filter(weir_buf_t *sql, const char *table_sql, const destination_retention_t *request)
{
    weir_status_t result = buf_puts(sql, " WHERE ");
    if (result == WEIR_OK && (result = sf_put_ident(sql, request->column)) == WEIR_OK &&
        (result = buf_puts(sql, " < ")) == WEIR_OK && (result = put_cutoff(sql, request->cutoff)) == WEIR_OK &&
        (result = buf_puts(sql, " AND ")) == WEIR_OK && (result = sf_put_ident(sql, request->column)) == WEIR_OK &&
        (result = buf_puts(sql, " <= COALESCE((SELECT ")) == WEIR_OK &&
        (result = sf_put_ident(sql, request->column)) == WEIR_OK &&
        (result = buf_printf(sql, " FROM %s WHERE ", table_sql)) == WEIR_OK &&
        (result = sf_put_ident(sql, request->column)) == WEIR_OK && (result = buf_puts(sql, " < ")) == WEIR_OK &&
        (result = put_cutoff(sql, request->cutoff)) == WEIR_OK && (result = buf_puts(sql, " ORDER BY ")) == WEIR_OK &&
        (result = sf_put_ident(sql, request->column)) == WEIR_OK &&
        (result = buf_printf(sql, " LIMIT 1 OFFSET %lld), ", request->batch_rows - 1)) == WEIR_OK)
        result = put_cutoff(sql, request->cutoff);
    return result == WEIR_OK ? buf_putc(sql, ')') : result;
}

/* Whether `database`.INFORMATION_SCHEMA knows the table (a target before its first load does not exist). */
static weir_status_t table_exists(sf_client_t *client, weir_buf_t *sql, const char *database, const char *schema,
                                  const char *table, bool *exists, weir_err_t *err)
{
    sf_result_t found = {0};
    weir_status_t result = buf_puts(sql, "SELECT COUNT(*) FROM ");
    if (result == WEIR_OK && (result = sf_put_ident(sql, database)) == WEIR_OK &&
        (result = buf_puts(sql, ".INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ")) == WEIR_OK &&
        (result = sf_put_literal(sql, schema, strlen(schema))) == WEIR_OK &&
        (result = buf_puts(sql, " AND TABLE_NAME = ")) == WEIR_OK &&
        (result = sf_put_literal(sql, table, strlen(table))) == WEIR_OK)
        result = sf_run(client, sql, &found, err);
    const char *count = result == WEIR_OK && sf_result_row_count(&found) ? sf_result_text(&found, 0, 0) : NULL;
    *exists = count && strtoll(count, NULL, 10) > 0;
    sf_result_free(&found);
    return result;
}

weir_status_t sf_retention_delete(sf_client_t *client, const char *database, const char *schema,
                                  const destination_retention_t *request, destination_retention_result_t *out,
                                  weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    weir_buf_t sql, table;
    buf_init(&sql, SF_RETENTION_STATEMENT_MAX);
    buf_init(&table, 4096);
    bool exists = false;
    weir_status_t result = put_table(&table, database, schema, request->target);
    if (result == WEIR_OK && (result = buf_putc(&table, '\0')) == WEIR_OK)
        result = table_exists(client, &sql, database, schema, request->target, &exists, err);
    if (result == WEIR_OK && !exists) {
        weir_err_set(err, "table %s does not exist yet", (const char *)table.data);
        result = WEIR_ERR_NOT_FOUND;
    }
    while (result == WEIR_OK && out->batches < request->max_batches) {
        sf_result_t counted = {0};
        if ((result = buf_printf(&sql, "SELECT COUNT(*) FROM %s", (const char *)table.data)) == WEIR_OK &&
            (result = put_batch_filter(&sql, (const char *)table.data, request)) == WEIR_OK)
            result = sf_run(client, &sql, &counted, err);
        const char *text = result == WEIR_OK && sf_result_row_count(&counted) ? sf_result_text(&counted, 0, 0) : NULL;
        long long batch = text ? strtoll(text, NULL, 10) : 0;
        sf_result_free(&counted);
        if (result != WEIR_OK || batch == 0) {
            out->finished = result == WEIR_OK;
            break;
        }
        if ((result = buf_printf(&sql, "DELETE FROM %s", (const char *)table.data)) == WEIR_OK &&
            (result = put_batch_filter(&sql, (const char *)table.data, request)) == WEIR_OK)
            result = sf_run(client, &sql, NULL, err);
        if (result == WEIR_OK) {
            out->deleted += batch;
            out->batches++;
        }
    }
    buf_free(&sql);
    buf_free(&table);
    return result;
}
