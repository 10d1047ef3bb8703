/* stage_reader.c — streaming zstd decompression and CSV row parsing for stage chunks. */
#include "stage_reader.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#include "stage_writer.h"

/* One row may be at most this large: a guard against a corrupt file, far above real rows. */
#define STAGE_MAX_ROW_BYTES (256u * 1024u * 1024u)

struct stage_reader {
    FILE *file;            /* plain chunks stream from the file… */
    unsigned char *memory; /* …sealed ones are opened and verified whole first */
    size_t memory_len, memory_pos;
    ZSTD_DCtx *dctx;
    unsigned char *in;
    size_t in_cap;
    ZSTD_inBuffer input;
    char *text; /* decompressed bytes not yet consumed */
    size_t text_len, text_pos, text_cap;
    bool eof;
    char *row; /* decoded fields of the current row */
    size_t row_cap;
    stage_field_t *fields;
    size_t fields_cap;
    char path[512]; /* for messages only: a longer path is shown cut, the file opened is the full one */
};

/* Chunk files stay far below this; a larger one is not ours. */
#define STAGE_MAX_CHUNK_FILE (4ull << 30)

/* With a key every chunk this agent writes is sealed, so a plain file in a chunk's place was put
 * there by something else (or staged before sealing was turned on): it is never loaded. */
static weir_status_t refuse_plain(const char *path, weir_err_t *err)
{
    weir_err_set(err,
                 "stage: %s is not sealed but the stage is configured to seal chunks; refusing to load data that "
                 "may have been tampered with or written by another process",
                 path);
    return WEIR_ERR_AUTH;
}

weir_status_t stage_chunk_load(const char *path, const sealer_t *sealer, unsigned char **data, size_t *len,
                               weir_err_t *err)
{
    *data = NULL;
    *len = 0;
    FILE *file = fopen(path, "rb");
    struct stat info;
    if (!file || fstat(fileno(file), &info) != 0 || (unsigned long long)info.st_size > STAGE_MAX_CHUNK_FILE) {
        weir_err_set(err, "stage: cannot read %s: %s", path, file ? "too large" : strerror(errno));
        if (file)
            fclose(file);
        return WEIR_ERR_IO;
    }
    size_t size = (size_t)info.st_size;
    unsigned char *bytes = malloc(size ? size : 1);
    weir_status_t result = WEIR_OK;
    if (!bytes)
        result = WEIR_ERR_NOMEM;
    else if (fread(bytes, 1, size, file) != size) {
        weir_err_set(err, "stage: cannot read %s", path);
        result = WEIR_ERR_IO;
    }
    fclose(file);
    if (result == WEIR_OK && sealer && !sealer_file_header_is_sealed(bytes, size))
        result = refuse_plain(path, err);
    else if (result == WEIR_OK && sealer_file_header_is_sealed(bytes, size)) {
        char context[600];
        stage_chunk_context(path, context, sizeof context);
        sealer_stream_t *stream = NULL;
        if (!sealer || size < SEALER_FILE_HEADER + SEALER_FILE_TAG) {
            weir_err_set(err, "stage: %s is sealed and %s", path,
                         sealer ? "too short" : "this agent was started without the key");
            result = WEIR_ERR_AUTH;
        } else if (!(stream = sealer_stream_decrypt(sealer, context, bytes))) {
            result = WEIR_ERR_INTERNAL;
        } else {
            size_t body = size - SEALER_FILE_HEADER - SEALER_FILE_TAG;
            result = sealer_stream_update(stream, bytes + SEALER_FILE_HEADER, body, bytes);
            if (result == WEIR_OK)
                result = sealer_stream_finish(stream, bytes + SEALER_FILE_HEADER + body);
            if (result != WEIR_OK)
                weir_err_set(err, "stage: %s does not open with this agent's key or was altered", path);
            size = body;
        }
        sealer_stream_free(stream);
    }
    if (result != WEIR_OK) {
        if (bytes)
            OPENSSL_cleanse(bytes, size);
        free(bytes);
        return result;
    }
    *data = bytes;
    *len = size;
    return WEIR_OK;
}

weir_status_t stage_reader_open_sealed(const char *path, const sealer_t *sealer, stage_reader_t **out, weir_err_t *err)
{
    *out = NULL;
    stage_reader_t *r = calloc(1, sizeof *r);
    if (!r)
        return WEIR_ERR_NOMEM;
    snprintf(r->path, sizeof r->path, "%s", path);
    r->file = fopen(path, "rb");
    unsigned char header[SEALER_FILE_HEADER];
    size_t got = r->file ? fread(header, 1, sizeof header, r->file) : 0;
    if (r->file && sealer_file_header_is_sealed(header, got)) {
        fclose(r->file);
        r->file = NULL;
        weir_status_t loaded = stage_chunk_load(path, sealer, &r->memory, &r->memory_len, err);
        if (loaded != WEIR_OK) {
            stage_reader_close(r);
            return loaded;
        }
    } else if (r->file && sealer) {
        stage_reader_close(r);
        return refuse_plain(path, err);
    } else if (r->file) {
        rewind(r->file);
    }
    r->dctx = ZSTD_createDCtx();
    r->in_cap = ZSTD_DStreamInSize();
    r->in = malloc(r->in_cap);
    r->text_cap = ZSTD_DStreamOutSize() * 2;
    r->text = malloc(r->text_cap);
    if ((!r->file && !r->memory) || !r->dctx || !r->in || !r->text) {
        weir_status_t result = r->file || r->memory ? WEIR_ERR_NOMEM : WEIR_ERR_IO;
        weir_err_set(err, "stage: cannot read %s: %s", path, r->file || r->memory ? "out of memory" : strerror(errno));
        stage_reader_close(r);
        return result;
    }
    *out = r;
    return WEIR_OK;
}

weir_status_t stage_reader_open(const char *path, stage_reader_t **out, weir_err_t *err)
{
    return stage_reader_open_sealed(path, NULL, out, err);
}

void stage_reader_close(stage_reader_t *r)
{
    if (!r)
        return;
    if (r->file)
        fclose(r->file);
    if (r->memory)
        OPENSSL_cleanse(r->memory, r->memory_len);
    free(r->memory);
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
            size_t got;
            if (r->memory) {
                got = r->memory_len - r->memory_pos < r->in_cap ? r->memory_len - r->memory_pos : r->in_cap;
                memcpy(r->in, r->memory + r->memory_pos, got);
                r->memory_pos += got;
            } else {
                got = fread(r->in, 1, r->in_cap, r->file);
            }
            if (got == 0) {
                r->eof = true;
                if (r->file && ferror(r->file)) {
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
