/* source_registry.c — the source kinds this agent can run: adding a kind is a folder under
 * sources/ and one line here. */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "http_source.h"
#include "pg_source.h"

const source_ops_t *const source_backends[] = {&pg_source_ops, &http_source_ops};
const size_t source_backend_count = sizeof source_backends / sizeof source_backends[0];

const source_ops_t *source_for_kind(const char *kind)
{
    for (size_t i = 0; kind && i < source_backend_count; i++)
        if (strcmp(source_backends[i]->kind, kind) == 0)
            return source_backends[i];
    return NULL;
}

void source_columns_free(source_columns_t *columns)
{
    for (size_t i = 0; i < columns->count; i++) {
        free(columns->names[i]);
        free(columns->types[i]);
    }
    free(columns->names);
    free(columns->types);
    memset(columns, 0, sizeof *columns);
}

void source_extract_free(source_extract_t *extracted)
{
    free(extracted->new_watermark);
    source_columns_free(&extracted->columns);
    memset(extracted, 0, sizeof *extracted);
}

void source_table_info_free(source_table_info_t *info)
{
    source_columns_free(&info->columns);
    free(info->cursor_classes);
    memset(info, 0, sizeof *info);
}
