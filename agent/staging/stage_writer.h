/* stage_writer.h — writes extracted rows as zstd-compressed CSV chunk files with deterministic
 * names (<dir>/<chunk:05>.csv.zst), rotating at a size bound so memory and file size stay bounded
 * whatever the table size.
 *
 * CSV dialect (what the Snowflake file format must say): comma-separated, '\n' line ends, every
 * non-NULL value double-quoted with '"' doubled, NULL as an empty unquoted field. So "" is the empty
 * string and an empty field is NULL (Snowflake: FIELD_OPTIONALLY_ENCLOSED_BY='"',
 * EMPTY_FIELD_AS_NULL=TRUE). */
#ifndef WEIR_STAGE_WRITER_H
#define WEIR_STAGE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "field_rules.h"
#include "sealer.h"
#include "status.h"

typedef struct stage_writer stage_writer_t;

typedef struct {
    uint64_t rows;
    uint64_t raw_bytes;        /* CSV bytes before compression */
    uint64_t compressed_bytes; /* bytes written to chunk files */
    unsigned chunks;
} stage_stats_t;

/* Creates `dir` if needed. A chunk is closed once it holds `chunk_raw_bytes` of CSV. */
weir_status_t stage_writer_open(const char *dir, uint64_t chunk_raw_bytes, int zstd_level, stage_writer_t **out,
                                weir_err_t *err) WEIR_MUSTCHECK;
/* Decides each field's rule once the source names its columns: fills `rules[0..count)`, or fails
 * (the extraction fails with it). */
typedef weir_status_t (*stage_plan_fn)(void *ctx, const char *const *names, const char *const *types, size_t count,
                                       field_rule_t *rules, weir_err_t *err);
/* Makes the writer apply per-column rules (call before the first field): `plan` is asked when the
 * source calls stage_writer_columns; `key` (borrowed, may be NULL when no rule hashes) keys
 * FIELD_HMAC. With rules installed, fields written before the columns are named are refused. */
void stage_writer_set_rules(stage_writer_t *writer, stage_plan_fn plan, void *ctx, const unsigned char *key,
                            size_t key_len);
/* The source names the columns of the fields it writes, in order, before the first row. */
weir_status_t stage_writer_columns(stage_writer_t *writer, const char *const *names, const char *const *types,
                                   size_t count, weir_err_t *err) WEIR_MUSTCHECK;
/* Whether named column `column` is staged (false when its rule drops it). True without rules. */
bool stage_writer_keeps(const stage_writer_t *writer, size_t column);
/* The source will not write the fields its rules drop (it does not read them at all): each row
 * then has one field per kept column, in order. Call after stage_writer_columns. */
void stage_writer_omit_dropped(stage_writer_t *writer);
/* Adds one field to the current row; `value` NULL writes SQL NULL. */
weir_status_t stage_writer_field(stage_writer_t *writer, const char *value, size_t len, weir_err_t *err) WEIR_MUSTCHECK;
weir_status_t stage_writer_end_row(stage_writer_t *writer, weir_err_t *err) WEIR_MUSTCHECK;
/* Flushes and closes the last chunk (each chunk is fsynced and renamed into place when complete,
 * so a crash never leaves a truncated file under a final name). Frees the writer. */
weir_status_t stage_writer_close(stage_writer_t *writer, stage_stats_t *stats, weir_err_t *err) WEIR_MUSTCHECK;
/* Frees a writer after a failure, removing its unfinished chunk. */
void stage_writer_abort(stage_writer_t *writer);
/* Encrypts every chunk written from now on (call before the first field) with `sealer`
 * (borrowed): AES-256-GCM over the zstd stream, bound to the chunk's run and name, so card data
 * never rests on the stage volume in the clear. */
void stage_writer_seal(stage_writer_t *writer, const sealer_t *sealer);
/* The name a chunk's encryption is bound to: "<run directory>/<file>". */
void stage_chunk_context(const char *path, char *out, size_t size);

#endif
