/* pg_copy.c — COPY text row parsing: fields point into the input unless they need unescaping. */
#include "pg_copy.h"

#include <stdlib.h>
#include <string.h>

void copy_row_init(copy_row_t *row)
{
    memset(row, 0, sizeof *row);
}

void copy_row_free(copy_row_t *row)
{
    free(row->fields);
    free(row->scratch);
    memset(row, 0, sizeof *row);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes an escaped field into `out` (which has room for len bytes: decoding only shrinks). */
static size_t unescape(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '\\' || i + 1 == len) {
            out[o++] = in[i];
            continue;
        }
        char c = in[++i];
        switch (c) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'v':
            out[o++] = '\v';
            break;
        case 'x':
            if (i + 1 < len && hex_value(in[i + 1]) >= 0) {
                int value = hex_value(in[++i]);
                if (i + 1 < len && hex_value(in[i + 1]) >= 0)
                    value = value * 16 + hex_value(in[++i]);
                out[o++] = (char)value;
            } else {
                out[o++] = 'x';
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int value = c - '0';
                for (int digits = 1; digits < 3 && i + 1 < len && in[i + 1] >= '0' && in[i + 1] <= '7'; digits++)
                    value = value * 8 + (in[++i] - '0');
                out[o++] = (char)value;
            } else {
                out[o++] = c; /* \\ and any other escaped character stand for themselves */
            }
            break;
        }
    }
    return o;
}

weir_status_t copy_parse_row(copy_row_t *row, const char *line, size_t len, size_t expected_fields, weir_err_t *err)
{
    if (len && line[len - 1] == '\n')
        len--;
    row->count = 0;
    /* Escaped fields decode into scratch; a row never decodes to more bytes than it has. */
    if (row->scratch_cap < len + 1) {
        char *grown = realloc(row->scratch, len + 1);
        if (!grown) {
            weir_err_set(err, "out of memory parsing a COPY row of %zu bytes", len);
            return WEIR_ERR_NOMEM;
        }
        row->scratch = grown;
        row->scratch_cap = len + 1;
    }
    size_t scratch_used = 0;
    size_t start = 0;
    bool escaped = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] == '\\') {
            if (i + 1 == len) {
                weir_err_set(err, "COPY row ends inside an escape");
                return WEIR_ERR_INVALID;
            }
            escaped = true;
            i++;
            continue;
        }
        if (i < len && line[i] != '\t')
            continue;
        if (row->count == row->fields_cap) {
            size_t cap = row->fields_cap ? row->fields_cap * 2 : 16;
            copy_field_t *grown = realloc(row->fields, cap * sizeof *grown);
            if (!grown) {
                weir_err_set(err, "out of memory parsing a COPY row");
                return WEIR_ERR_NOMEM;
            }
            row->fields = grown;
            row->fields_cap = cap;
        }
        copy_field_t *field = &row->fields[row->count++];
        const char *text = line + start;
        size_t text_len = i - start;
        if (text_len == 2 && text[0] == '\\' && text[1] == 'N') {
            *field = (copy_field_t){.data = "", .len = 0, .is_null = true};
        } else if (escaped) {
            char *out = row->scratch + scratch_used;
            size_t out_len = unescape(text, text_len, out);
            scratch_used += out_len;
            *field = (copy_field_t){.data = out, .len = out_len, .is_null = false};
        } else {
            *field = (copy_field_t){.data = text, .len = text_len, .is_null = false};
        }
        start = i + 1;
        escaped = false;
    }
    if (expected_fields && row->count != expected_fields) {
        weir_err_set(err, "COPY row has %zu fields, expected %zu", row->count, expected_fields);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}
