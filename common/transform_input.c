/* transform_input.c — reads the two forms of a weir_transform input (transform_input.h). */
#include "transform_input.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The spec tables' SV_NAME rule: 1-63 lowercase letters, digits, '-' or '_', starting alphanumeric. */
static bool object_name_valid(const char *text, size_t len)
{
    if (len == 0 || len >= TRANSFORM_INPUT_NAME_SIZE || !isalnum((unsigned char)text[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!(islower(c) || isdigit(c) || c == '-' || c == '_'))
            return false;
    }
    return true;
}

bool transform_input_parse(const char *text, transform_input_t *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    const char *slash = text ? strchr(text, '/') : NULL;
    size_t name_len = text ? (slash ? (size_t)(slash - text) : strlen(text)) : 0;
    if (!text || !object_name_valid(text, name_len)) {
        snprintf(why, why_size,
                 "\"%s\" is not an input: write a transform's name, or a pipeline table as "
                 "\"<pipeline>/<table>\" (e.g. \"payments/public.orders\"); names use 1-63 lowercase letters, "
                 "digits, '-' or '_'",
                 text ? text : "");
        return false;
    }
    memcpy(out->object, text, name_len);
    if (!slash)
        return true;
    char reason[256];
    if (strlen(slash + 1) >= sizeof out->table ||
        !ident_pg_parse_table(slash + 1, &out->table_name, reason, sizeof reason)) {
        snprintf(why, why_size, "\"%s\": \"%s\" is not a table name: %s", text, slash + 1,
                 strlen(slash + 1) >= sizeof out->table ? "too long" : reason);
        return false;
    }
    out->is_table = true;
    snprintf(out->table, sizeof out->table, "%s", slash + 1);
    return true;
}
