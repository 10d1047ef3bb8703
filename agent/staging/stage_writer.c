/* stage_writer.c — CSV encoding and streaming zstd compression into rotating chunk files. */
#include "stage_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fileutil.h"
#include "strutil.h"

/* CSV is assembled in a small buffer and handed to zstd in blocks of this size. */
#define STAGE_BUFFER_BYTES (256 * 1024)

struct stage_writer {
    char dir[4096];
    uint64_t chunk_raw_bytes;
    int level;
    ZSTD_CCtx *cctx;
    int fd;                /* current chunk's temp file, or -1 */
    char temp_path[4300];  /* final_path plus ".partial" */
    char final_path[4200]; /* dir (< 4096) plus "/NNNNN.csv.zst" with up to 10 digits: always fits */
    uint64_t chunk_raw;    /* CSV bytes in the current chunk */
    bool row_started;
    char *in; /* pending CSV */
    size_t in_len;
    char *out; /* compressed output buffer */
    size_t out_cap;
    unsigned char *sealed;   /* encrypted output, as large as `out` */
    const sealer_t *sealer;  /* borrowed; NULL: chunks are written in plain zstd */
    sealer_stream_t *stream; /* the current chunk's encryption */
    stage_stats_t stats;
    stage_plan_fn plan; /* per-column rules, or NULL: every field is kept */
    void *plan_ctx;
    const unsigned char *key; /* borrowed HMAC key */
    size_t key_len;
    field_rule_t *rules; /* one per named column, once the source named them */
    size_t rule_count;
    size_t field_index; /* of the next field in the current row */
    bool omit_dropped;  /* the source writes no field for a dropped column */
    char *scratch;      /* a masked value */
    size_t scratch_cap;
};

void stage_chunk_context(const char *path, char *out, size_t size)
{
    /* "<run>/<chunk>": a sealed chunk opens only under its own name in its own run directory. */
    const char *base = strrchr(path, '/');
    const char *dir_end = base ? base : path;
    const char *dir = dir_end;
    while (dir > path && dir[-1] != '/')
        dir--;
    int dir_len = dir_end - dir > 255 ? 255 : (int)(dir_end - dir);
    snprintf(out, size, "%.*s/%.255s", dir_len, dir, base ? base + 1 : path);
}

static weir_status_t write_raw(stage_writer_t *w, const char *data, size_t len, weir_err_t *err);

static weir_status_t write_all(stage_writer_t *w, const char *data, size_t len, weir_err_t *err)
{
    if (!w->stream)
        return write_raw(w, data, len, err);
    if (sealer_stream_update(w->stream, (const unsigned char *)data, len, w->sealed) != WEIR_OK) {
        weir_err_set(err, "stage: cannot encrypt %s", w->temp_path);
        return WEIR_ERR_INTERNAL;
    }
    return write_raw(w, (const char *)w->sealed, len, err);
}

static weir_status_t write_raw(stage_writer_t *w, const char *data, size_t len, weir_err_t *err)
{
    while (len) {
        ssize_t n = write(w->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            weir_err_set(err, "stage: cannot write %s: %s", w->temp_path, strerror(errno));
            return WEIR_ERR_IO;
        }
        data += n;
        len -= (size_t)n;
        w->stats.compressed_bytes += (uint64_t)n;
    }
    return WEIR_OK;
}

static weir_status_t open_chunk(stage_writer_t *w, weir_err_t *err)
{
    snprintf(w->final_path, sizeof w->final_path, "%s/%05u.csv.zst", w->dir, w->stats.chunks);
    snprintf(w->temp_path, sizeof w->temp_path, "%s.partial", w->final_path);
    w->fd = open(w->temp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        weir_err_set(err, "stage: cannot create %s: %s", w->temp_path, strerror(errno));
        return WEIR_ERR_IO;
    }
    ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
    w->chunk_raw = 0;
    if (!w->sealer)
        return WEIR_OK;
    char context[600];
    unsigned char header[SEALER_FILE_HEADER];
    stage_chunk_context(w->final_path, context, sizeof context);
    w->stream = sealer_stream_encrypt(w->sealer, context, header);
    if (!w->stream) {
        weir_err_set(err, "stage: cannot start encrypting %s", w->temp_path);
        return WEIR_ERR_INTERNAL;
    }
    return write_raw(w, (const char *)header, sizeof header, err);
}

/* Compresses the pending CSV; with `end` also finishes the frame. */
static weir_status_t compress_pending(stage_writer_t *w, bool end, weir_err_t *err)
{
    ZSTD_inBuffer input = {w->in, w->in_len, 0};
    for (;;) {
        ZSTD_outBuffer output = {w->out, w->out_cap, 0};
        size_t remaining = ZSTD_compressStream2(w->cctx, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(remaining)) {
            weir_err_set(err, "stage: zstd: %s", ZSTD_getErrorName(remaining));
            return WEIR_ERR_INTERNAL;
        }
        weir_status_t result = write_all(w, w->out, output.pos, err);
        if (result != WEIR_OK)
            return result;
        if (end ? remaining == 0 : input.pos == input.size)
            break;
    }
    w->in_len = 0;
    return WEIR_OK;
}

static weir_status_t close_chunk(stage_writer_t *w, weir_err_t *err)
{
    weir_status_t result = compress_pending(w, true, err);
    if (result == WEIR_OK && w->stream) {
        unsigned char tag[SEALER_FILE_TAG];
        result = sealer_stream_finish(w->stream, tag);
        if (result == WEIR_OK)
            result = write_raw(w, (const char *)tag, sizeof tag, err);
        else
            weir_err_set(err, "stage: cannot finish encrypting %s", w->temp_path);
    }
    sealer_stream_free(w->stream);
    w->stream = NULL;
    if (result == WEIR_OK && fsync(w->fd) != 0) {
        weir_err_set(err, "stage: cannot sync %s: %s", w->temp_path, strerror(errno));
        result = WEIR_ERR_IO;
    }
    if (close(w->fd) != 0 && result == WEIR_OK) {
        weir_err_set(err, "stage: cannot close %s: %s", w->temp_path, strerror(errno));
        result = WEIR_ERR_IO;
    }
    w->fd = -1;
    if (result == WEIR_OK && rename(w->temp_path, w->final_path) != 0) {
        weir_err_set(err, "stage: cannot rename %s: %s", w->temp_path, strerror(errno));
        result = WEIR_ERR_IO;
    }
    if (result == WEIR_OK)
        w->stats.chunks++;
    return result;
}

weir_status_t stage_writer_open(const char *dir, uint64_t chunk_raw_bytes, int zstd_level, stage_writer_t **out,
                                weir_err_t *err)
{
    *out = NULL;
    /* The chunk paths are built from `dir` in fixed buffers sized from it; a longer one is refused. */
    weir_err_t detail = {{0}};
    char checked[sizeof((stage_writer_t *)0)->dir];
    if (str_copy(checked, sizeof checked, dir, "the stage directory path", &detail) != WEIR_OK) {
        weir_err_set(err, "stage: %s", detail.msg);
        return WEIR_ERR_INVALID;
    }
    if (dir_make_all(dir, 0700, &detail) != WEIR_OK) {
        weir_err_set(err, "stage: %s", detail.msg);
        return WEIR_ERR_IO;
    }
    stage_writer_t *w = calloc(1, sizeof *w);
    if (!w) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    memcpy(w->dir, checked, sizeof checked);
    w->chunk_raw_bytes = chunk_raw_bytes ? chunk_raw_bytes : UINT64_MAX;
    w->level = zstd_level;
    w->fd = -1;
    w->cctx = ZSTD_createCCtx();
    w->in = malloc(STAGE_BUFFER_BYTES);
    w->out_cap = ZSTD_CStreamOutSize();
    w->out = malloc(w->out_cap);
    w->sealed = malloc(w->out_cap);
    if (!w->cctx || !w->in || !w->out || !w->sealed) {
        stage_writer_abort(w);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, zstd_level);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    *out = w;
    return WEIR_OK;
}

static weir_status_t put(stage_writer_t *w, const char *data, size_t len, weir_err_t *err)
{
    while (len) {
        size_t room = STAGE_BUFFER_BYTES - w->in_len;
        size_t n = len < room ? len : room;
        memcpy(w->in + w->in_len, data, n);
        w->in_len += n;
        data += n;
        len -= n;
        w->chunk_raw += n;
        w->stats.raw_bytes += n;
        if (w->in_len == STAGE_BUFFER_BYTES) {
            weir_status_t result = compress_pending(w, false, err);
            if (result != WEIR_OK)
                return result;
        }
    }
    return WEIR_OK;
}

static void writer_free(stage_writer_t *w)
{
    ZSTD_freeCCtx(w->cctx);
    free(w->in);
    free(w->out);
    free(w->sealed);
    free(w->rules);
    free(w->scratch);
    free(w);
}

void stage_writer_set_rules(stage_writer_t *w, stage_plan_fn plan, void *ctx, const unsigned char *key, size_t key_len)
{
    w->plan = plan;
    w->plan_ctx = ctx;
    w->key = key;
    w->key_len = key_len;
}

weir_status_t stage_writer_columns(stage_writer_t *w, const char *const *names, const char *const *types, size_t count,
                                   weir_err_t *err)
{
    if (!w->plan)
        return WEIR_OK;
    free(w->rules);
    w->rules = calloc(count ? count : 1, sizeof *w->rules);
    if (!w->rules)
        return WEIR_ERR_NOMEM;
    w->rule_count = count;
    weir_status_t result = w->plan(w->plan_ctx, names, types, count, w->rules, err);
    for (size_t i = 0; result == WEIR_OK && i < count; i++)
        if (w->rules[i].kind == FIELD_HMAC && (!w->key || w->key_len < FIELD_HMAC_MIN_KEY)) {
            weir_err_set(err, "column %s is hashed but the hash key is missing or shorter than %d bytes", names[i],
                         FIELD_HMAC_MIN_KEY);
            result = WEIR_ERR_INVALID;
        }
    if (result != WEIR_OK) {
        free(w->rules);
        w->rules = NULL;
        w->rule_count = 0;
    }
    return result;
}

static weir_status_t put_field(stage_writer_t *w, const char *value, size_t len, weir_err_t *err)
{
    weir_status_t result = WEIR_OK;
    if (w->fd < 0)
        result = open_chunk(w, err);
    if (result == WEIR_OK && w->row_started)
        result = put(w, ",", 1, err);
    w->row_started = true;
    if (result != WEIR_OK || !value)
        return result;
    result = put(w, "\"", 1, err);
    const char *p = value, *end = value + len;
    while (result == WEIR_OK && p < end) {
        const char *quote = memchr(p, '"', (size_t)(end - p));
        size_t run = quote ? (size_t)(quote - p) + 1 : (size_t)(end - p);
        result = put(w, p, run, err);
        if (result == WEIR_OK && quote)
            result = put(w, "\"", 1, err); /* double the quote */
        p += run;
    }
    return result == WEIR_OK ? put(w, "\"", 1, err) : result;
}

/* Applies the field's rule; NULL stays NULL whatever the rule. */
static weir_status_t put_ruled(stage_writer_t *w, const field_rule_t *rule, const char *value, size_t len,
                               weir_err_t *err)
{
    if (rule->kind == FIELD_DROP)
        return WEIR_OK;
    if (rule->kind == FIELD_KEEP || !value)
        return put_field(w, value, len, err);
    if (rule->kind == FIELD_NULL)
        return put_field(w, NULL, 0, err);
    if (rule->kind == FIELD_HMAC) {
        char digest[65];
        weir_status_t result = field_hmac_hex(w->key, w->key_len, value, len, digest);
        if (result != WEIR_OK) {
            weir_err_set(err, "stage: cannot hash a value");
            return result;
        }
        return put_field(w, digest, 64, err);
    }
    if (len == 0)
        return put_field(w, "", 0, err); /* the empty string stays the empty string, not NULL */
    if (len > w->scratch_cap) {
        char *grown = realloc(w->scratch, len);
        if (!grown)
            return WEIR_ERR_NOMEM;
        w->scratch = grown;
        w->scratch_cap = len;
    }
    return put_field(w, w->scratch, field_mask(value, len, rule->keep_last, w->scratch), err);
}

bool stage_writer_keeps(const stage_writer_t *w, size_t column)
{
    return !w->rules || column >= w->rule_count || w->rules[column].kind != FIELD_DROP;
}

void stage_writer_omit_dropped(stage_writer_t *w)
{
    w->omit_dropped = true;
}

/* Past the dropped columns the source does not write. */
static void skip_omitted(stage_writer_t *w)
{
    while (w->omit_dropped && w->field_index < w->rule_count && w->rules[w->field_index].kind == FIELD_DROP)
        w->field_index++;
}

weir_status_t stage_writer_field(stage_writer_t *w, const char *value, size_t len, weir_err_t *err)
{
    if (!w->plan)
        return put_field(w, value, len, err);
    skip_omitted(w);
    if (!w->rules) {
        weir_err_set(err, "stage: the source wrote a field before naming its columns");
        return WEIR_ERR_INTERNAL;
    }
    if (w->field_index >= w->rule_count) {
        weir_err_set(err, "stage: a row has more than the %zu columns the source named", w->rule_count);
        return WEIR_ERR_INTERNAL;
    }
    return put_ruled(w, &w->rules[w->field_index++], value, len, err);
}

weir_status_t stage_writer_end_row(stage_writer_t *w, weir_err_t *err)
{
    if (w->rules)
        skip_omitted(w);
    if (w->plan && w->field_index != w->rule_count) {
        weir_err_set(err, "stage: a row has %zu fields, the source named %zu columns", w->field_index, w->rule_count);
        return WEIR_ERR_INTERNAL;
    }
    w->field_index = 0;
    weir_status_t result = w->fd < 0 ? open_chunk(w, err) : WEIR_OK;
    if (result == WEIR_OK)
        result = put(w, "\n", 1, err);
    w->row_started = false;
    w->stats.rows++;
    if (result == WEIR_OK && w->chunk_raw >= w->chunk_raw_bytes)
        result = close_chunk(w, err);
    return result;
}

weir_status_t stage_writer_close(stage_writer_t *w, stage_stats_t *stats, weir_err_t *err)
{
    weir_status_t result = w->fd >= 0 ? close_chunk(w, err) : WEIR_OK;
    if (stats)
        *stats = w->stats;
    if (result != WEIR_OK) {
        stage_writer_abort(w);
        return result;
    }
    writer_free(w);
    return WEIR_OK;
}

void stage_writer_seal(stage_writer_t *w, const sealer_t *sealer)
{
    w->sealer = sealer;
}

void stage_writer_abort(stage_writer_t *w)
{
    if (!w)
        return;
    if (w->fd >= 0) {
        close(w->fd);
        unlink(w->temp_path);
    }
    sealer_stream_free(w->stream);
    writer_free(w);
}
