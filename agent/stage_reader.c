/* stage_reader.c — streaming zstd decompression and CSV row parsing for stage chunks. */
#include "stage_reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* One row may be at most this large: a guard against a corrupt file, far above real rows. */
#define STAGE_MAX_ROW_BYTES (256u * 1024u * 1024u)

struct stage_reader {
    FILE *file;
    ZSTD_DCtx *dctx;
    unsigned char *in;
    size_t in_cap;
    ZSTD_inBuffer input;
    char *text;      /* decompressed bytes not yet consumed */
    size_t text_len, text_pos, text_cap;
    bool eof;
    char *row;       /* decoded fields of the current row */
    size_t row_cap;
    stage_field_t *fields;
    size_t fields_cap;
    char path[512];
};

weir_status_t stage_reader_open(const char *path, stage_reader_t **out, weir_err_t *err)
{
    *out = NULL;
    stage_reader_t *r = calloc(1, sizeof *r);
    if (!r)
        return WEIR_ERR_NOMEM;
    snprintf(r->path, sizeof r->path, "%s", path);
    r->file = fopen(path, "rb");
    r->dctx = ZSTD_createDCtx();
    r->in_cap = ZSTD_DStreamInSize();
    r->in = malloc(r->in_cap);
    r->text_cap = ZSTD_DStreamOutSize() * 2;
    r->text = malloc(r->text_cap);
    if (!r->file || !r->dctx || !r->in || !r->text) {
        weir_status_t result = r->file ? WEIR_ERR_NOMEM : WEIR_ERR_IO;
        weir_err_set(err, "stage: cannot read %s: %s", path, r->file ? "out of memory" : strerror(errno));
        stage_reader_close(r);
        return result;
    }
    *out = r;
    return WEIR_OK;
}

void stage_reader_close(stage_reader_t *r)
{
    if (!r)
        return;
    if (r->file)
        fclose(r->file);
    ZSTD_freeDCtx(r->dctx);
    free(r->in);
    free(r->text);
    free(r->row);
    free(r->fields);
    free(r);
}

/* Decompresses more text after what is unconsumed; returns false at the end of input. */
static weir_status_t refill(stage_reader_t *r, bool *more, weir_err_t *err)
{
    *more = false;
    if (r->text_pos > 0) {
        memmove(r->text, r->text + r->text_pos, r->text_len - r->text_pos);
        r->text_len -= r->text_pos;
        r->text_pos = 0;
    }
    while (!*more) {
        if (r->input.pos == r->input.size) {
            if (r->eof)
                return WEIR_OK;
            size_t got = fread(r->in, 1, r->in_cap, r->file);
            if (got == 0) {
                r->eof = true;
                if (ferror(r->file)) {
                    weir_err_set(err, "stage: cannot read %s", r->path);
                    return WEIR_ERR_IO;
                }
                return WEIR_OK;
            }
            r->input = (ZSTD_inBuffer){r->in, got, 0};
        }
        if (r->text_cap - r->text_len < ZSTD_DStreamOutSize()) {
            if (r->text_cap * 2 > STAGE_MAX_ROW_BYTES) {
                weir_err_set(err, "stage: %s has a row longer than %u bytes", r->path, STAGE_MAX_ROW_BYTES);
                return WEIR_ERR_INVALID;
            }
            char *grown = realloc(r->text, r->text_cap * 2);
            if (!grown)
                return WEIR_ERR_NOMEM;
            r->text = grown;
            r->text_cap *= 2;
        }
        ZSTD_outBuffer output = {r->text + r->text_len, r->text_cap - r->text_len, 0};
        size_t rc = ZSTD_decompressStream(r->dctx, &output, &r->input);
        if (ZSTD_isError(rc)) {
            weir_err_set(err, "stage: %s is corrupt: %s", r->path, ZSTD_getErrorName(rc));
            return WEIR_ERR_INVALID;
        }
        r->text_len += output.pos;
        *more = output.pos > 0;
    }
    return WEIR_OK;
}

/* Parses one row starting at text_pos if it is complete; *complete false asks for more text. */
static weir_status_t parse_row(stage_reader_t *r, size_t *count, bool *complete, weir_err_t *err)
{
    *complete = false;
    *count = 0;
    size_t i = r->text_pos, end = r->text_len;
    if (r->row_cap < end - i + 1) {
        char *grown = realloc(r->row, end - i + 1);
        if (!grown)
            return WEIR_ERR_NOMEM;
        r->row = grown;
        r->row_cap = end - i + 1;
    }
    size_t w = 0;
    for (;;) {
        if (i >= end)
            return WEIR_OK;
        if (*count == r->fields_cap) {
            size_t cap = r->fields_cap ? r->fields_cap * 2 : 32;
            stage_field_t *grown = realloc(r->fields, cap * sizeof *grown);
            if (!grown)
                return WEIR_ERR_NOMEM;
            r->fields = grown;
            r->fields_cap = cap;
        }
        stage_field_t *field = &r->fields[(*count)++];
        if (r->text[i] == '"') {
            size_t start = w;
            i++;
            for (;;) {
                if (i >= end)
                    return WEIR_OK;
                if (r->text[i] == '"') {
                    if (i + 1 >= end)
                        return WEIR_OK;
                    if (r->text[i + 1] != '"') {
                        i++;
                        break;
                    }
                    i++;
                }
                r->row[w++] = r->text[i++];
            }
            /* The row buffer was sized for the whole text before parsing, so it does not move. */
            *field = (stage_field_t){.data = r->row + start, .len = w - start, .is_null = false};
        } else {
            *field = (stage_field_t){.data = "", .len = 0, .is_null = true};
        }
        if (i >= end)
            return WEIR_OK;
        if (r->text[i] == '\n') {
            r->text_pos = i + 1;
            *complete = true;
            return WEIR_OK;
        }
        if (r->text[i] != ',') {
            weir_err_set(err, "stage: %s is not Weir CSV (unexpected byte 0x%02x)", r->path, (unsigned char)r->text[i]);
            return WEIR_ERR_INVALID;
        }
        i++;
    }
}

weir_status_t stage_reader_next(stage_reader_t *r, const stage_field_t **fields, size_t *count, weir_err_t *err)
{
    for (;;) {
        bool complete;
        weir_status_t result = parse_row(r, count, &complete, err);
        if (result != WEIR_OK)
            return result;
        if (complete) {
            *fields = r->fields;
            return WEIR_OK;
        }
        bool more;
        result = refill(r, &more, err);
        if (result != WEIR_OK)
            return result;
        if (!more) {
            if (r->text_pos < r->text_len) {
                weir_err_set(err, "stage: %s ends in the middle of a row", r->path);
                return WEIR_ERR_INVALID;
            }
            return WEIR_ERR_NOT_FOUND;
        }
    }
}
