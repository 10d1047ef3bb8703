/* fuzz_stage_chunk.c — libFuzzer target for the stage chunk reader: any bytes in a chunk file are
 * read to the end or refused with an error, never a crash, and every field stays inside its row.
 * The first input byte picks the mode, the rest is the file:
 *   0  the bytes as a plain chunk (zstd CSV), opened without a key;
 *   1  the bytes as a chunk opened with the test key: refused when plain (a keyed reader loads
 *      only sealed chunks), a forged sealed header is read to the end or refused;
 *   2  the bytes sealed with the test key under the chunk's own name, then read back: the load
 *      returns exactly the bytes, and the reader parses them as mode 0 would;
 *   3  as 2 with one byte of the sealed file flipped (position from the input): always refused (a
 *      flip in the magic leaves a plain file, which a keyed reader refuses too);
 *   4  the bytes as CSV text, compressed here with zstd, so the row parser sees every shape of text
 *      rather than only what survives a mutated zstd frame; read plain and then sealed, with the
 *      same rows both ways.
 * The key is a fixed test key, read once from a file that is removed at once; the chunk's directory
 * exists only while an input runs (libFuzzer may end the process without running atexit handlers,
 * so nothing is left for them to clean up). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "sealer.h"
#include "stage_reader.h"
#include "stage_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 32 bytes, base64: a test key only, never used outside this target. */
static const char test_key[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

static char dir[64], run_dir[96], chunk[160];
static sealer_t *sealer;

static void setup_once(void)
{
    if (sealer)
        return;
    char tmpl[] = "/tmp/weir-fuzz-stage-XXXXXX";
    if (!mkdtemp(tmpl))
        abort();
    snprintf(dir, sizeof dir, "%s", tmpl);
    snprintf(run_dir, sizeof run_dir, "%s/run-1", dir);
    snprintf(chunk, sizeof chunk, "%s/chunk-000001.csv.zst", run_dir);
    char key_path[128];
    snprintf(key_path, sizeof key_path, "%s/test.key", dir);
    FILE *file = fopen(key_path, "w");
    if (!file || fputs(test_key, file) < 0 || fclose(file) != 0 || chmod(key_path, 0600) != 0)
        abort();
    weir_err_t err;
    if (sealer_from_key_file(key_path, &sealer, &err) != WEIR_OK || unlink(key_path) != 0 || rmdir(dir) != 0)
        abort();
}

/* The chunk's directories, made for one input and removed after it. */
static void enter(void)
{
    if (mkdir(dir, 0700) != 0 || mkdir(run_dir, 0700) != 0)
        abort();
}

static void leave(void)
{
    unlink(chunk);
    if (rmdir(run_dir) != 0 || rmdir(dir) != 0)
        abort();
}

static void write_file(const unsigned char *bytes, size_t len)
{
    FILE *file = fopen(chunk, "wb");
    if (!file || (len && fwrite(bytes, 1, len, file) != len) || fclose(file) != 0)
        abort();
}

/* Reads every row; returns the number of rows, or -1 when the reader refused the file. */
static long read_all(const sealer_t *key)
{
    stage_reader_t *reader = NULL;
    weir_err_t err;
    if (stage_reader_open_sealed(chunk, key, &reader, &err) != WEIR_OK) {
        if (reader || !err.msg[0])
            abort(); /* a refusal leaves nothing open and says why */
        return -1;
    }
    long rows = 0;
    for (;;) {
        const stage_field_t *fields = NULL;
        size_t count = 0;
        weir_status_t result = stage_reader_next(reader, &fields, &count, &err);
        if (result == WEIR_ERR_NOT_FOUND)
            break;
        if (result != WEIR_OK) {
            if (!err.msg[0])
                abort();
            rows = -1;
            break;
        }
        if (count == 0)
            abort(); /* a complete row has at least one field */
        for (size_t i = 0; i < count; i++) {
            if (fields[i].is_null && fields[i].len != 0)
                abort();
            /* Touch every byte so the sanitizers see a field that points outside its row. */
            volatile unsigned char sum = 0;
            for (size_t j = 0; j < fields[i].len; j++)
                sum ^= (unsigned char)fields[i].data[j];
            (void)sum;
        }
        rows++;
    }
    stage_reader_close(reader);
    return rows;
}

/* Writes `plain` sealed with the test key under the chunk's name; returns the sealed size. */
static unsigned char *seal(const unsigned char *plain, size_t len, size_t *sealed_len)
{
    char context[600];
    stage_chunk_context(chunk, context, sizeof context);
    unsigned char *sealed = malloc(SEALER_FILE_HEADER + len + SEALER_FILE_TAG);
    sealer_stream_t *stream = sealed ? sealer_stream_encrypt(sealer, context, sealed) : NULL;
    if (!stream || sealer_stream_update(stream, plain, len, sealed + SEALER_FILE_HEADER) != WEIR_OK ||
        sealer_stream_finish(stream, sealed + SEALER_FILE_HEADER + len) != WEIR_OK)
        abort();
    sealer_stream_free(stream);
    *sealed_len = SEALER_FILE_HEADER + len + SEALER_FILE_TAG;
    return sealed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    setup_once();
    enter();
    unsigned mode = data[0] % 5;
    const unsigned char *body = data + 1;
    size_t len = size - 1;
    if (mode == 4) {
        size_t bound = ZSTD_compressBound(len);
        unsigned char *frame = malloc(bound);
        size_t frame_len = frame ? ZSTD_compress(frame, bound, body, len, 1) : 0;
        if (!frame || ZSTD_isError(frame_len))
            abort();
        write_file(frame, frame_len);
        long rows = read_all(NULL);
        size_t sealed_len;
        unsigned char *sealed = seal(frame, frame_len, &sealed_len);
        write_file(sealed, sealed_len);
        if (read_all(sealer) != rows)
            abort();
        free(sealed);
        free(frame);
    } else if (mode == 0) {
        write_file(body, len);
        long rows = read_all(NULL);
        if (sealer_file_header_is_sealed(body, len) && rows >= 0)
            abort(); /* a sealed chunk never opens without the key */
    } else if (mode == 1) {
        write_file(body, len);
        if (read_all(sealer) >= 0 && !sealer_file_header_is_sealed(body, len))
            abort(); /* a plain chunk never opens with the key */
    } else {
        size_t sealed_len;
        unsigned char *sealed = seal(body, len, &sealed_len);
        bool flipped = mode == 3 && len >= 2;
        if (flipped) {
            size_t at = ((size_t)body[0] << 8 | body[1]) % sealed_len;
            sealed[at] ^= (unsigned char)(body[len - 1] | 1);
        }
        write_file(sealed, sealed_len);
        unsigned char *loaded = NULL;
        size_t loaded_len = 0;
        weir_err_t err;
        weir_status_t result = stage_chunk_load(chunk, sealer, &loaded, &loaded_len, &err);
        if (mode == 2 && (result != WEIR_OK || loaded_len != len || (len && memcmp(loaded, body, len) != 0)))
            abort(); /* a sealed chunk opens to exactly what was sealed */
        if (flipped && result == WEIR_OK)
            abort(); /* an altered sealed chunk never opens, nor does one whose magic was broken */
        free(loaded);
        free(sealed);
        long sealed_rows = read_all(sealer);
        if (flipped && sealed_rows >= 0)
            abort(); /* nor does the reader parse a row of it */
        if (mode == 2) {
            write_file(body, len);
            if (read_all(NULL) != sealed_rows)
                abort(); /* sealing changes nothing about what is read */
        }
    }
    leave();
    return 0;
}
