/* stage_reader.h — reads rows back from a stage chunk file written by stage_writer (zstd CSV in
 * Weir's dialect), streaming: memory is bounded by the longest row, not the file. */
#ifndef WEIR_STAGE_READER_H
#define WEIR_STAGE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "sealer.h"
#include "status.h"

typedef struct stage_reader stage_reader_t;

typedef struct {
    const char *data; /* valid until the next stage_reader_next call */
    size_t len;
    bool is_null;
} stage_field_t;

weir_status_t stage_reader_open(const char *path, stage_reader_t **out, weir_err_t *err) WEIR_MUSTCHECK;
/* Also opens sealed chunks (stage_writer_seal): the whole file is decrypted and its tag checked
 * before a byte is parsed, so an altered chunk is refused, never half-loaded. With a sealer, a
 * plain chunk is refused (WEIR_ERR_AUTH naming the file); without one, a sealed chunk is. */
weir_status_t stage_reader_open_sealed(const char *path, const sealer_t *sealer, stage_reader_t **out,
                                       weir_err_t *err) WEIR_MUSTCHECK;
/* A chunk's zstd bytes (decrypted when sealed) as a new buffer, for uploads; the same refusals. */
weir_status_t stage_chunk_load(const char *path, const sealer_t *sealer, unsigned char **data, size_t *len,
                               weir_err_t *err) WEIR_MUSTCHECK;
/* Reads the next row into fields and count; returns WEIR_ERR_NOT_FOUND at the end of the file. */
weir_status_t stage_reader_next(stage_reader_t *reader, const stage_field_t **fields, size_t *count,
                                weir_err_t *err) WEIR_MUSTCHECK;
void stage_reader_close(stage_reader_t *reader);

#endif
