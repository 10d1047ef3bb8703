/* test_stage_writer.c — CSV encoding (quotes, NULL vs empty, newlines), zstd chunks, rotation,
 * sealed chunks (read back only with the key, refused when altered or moved), plain chunks refused
 * when a key is configured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "fileutil.h"
#include "sealer.h"
#include "stage_reader.h"
#include "stage_writer.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/weir-stage-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *read_chunk_in(const char *sub, unsigned index, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%05u.csv.zst", dir, sub, index);
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    static unsigned char compressed[1 << 20];
    size_t n = fread(compressed, 1, sizeof compressed, file);
    fclose(file);
    unsigned long long size = ZSTD_getFrameContentSize(compressed, n);
    size_t cap = size == ZSTD_CONTENTSIZE_UNKNOWN ? (4u << 20) : (size_t)size + 1;
    char *out = malloc(cap);
    size_t got = ZSTD_decompress(out, cap, compressed, n);
    assert_false(ZSTD_isError(got));
    out[got] = 0;
    *len = got;
    return out;
}

static char *read_chunk(unsigned index, size_t *len)
{
    return read_chunk_in("out", index, len);
}

static void encodes_csv(void **state)
{
    (void)state;
    char out_dir[300];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    stage_writer_t *writer;
    weir_err_t err;
    assert_int_equal(stage_writer_open(out_dir, 0, 1, &writer, &err), WEIR_OK);
    const char *row1[] = {"1", "say \"hi\"", "", NULL, "multi\nline,comma"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(stage_writer_field(writer, row1[i], row1[i] ? strlen(row1[i]) : 0, &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(writer, &err), WEIR_OK);
    stage_stats_t stats;
    assert_int_equal(stage_writer_close(writer, &stats, &err), WEIR_OK);
    assert_int_equal(stats.rows, 1);
    assert_int_equal(stats.chunks, 1);
    size_t len;
    char *csv = read_chunk(0, &len);
    assert_non_null(csv);
    assert_string_equal(csv, "\"1\",\"say \"\"hi\"\"\",\"\",,\"multi\nline,comma\"\n");
    assert_int_equal(stats.raw_bytes, len);
    free(csv);
}

static void rotates_chunks(void **state)
{
    (void)state;
    char out_dir[300];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    stage_writer_t *writer;
    weir_err_t err;
    assert_int_equal(stage_writer_open(out_dir, 1000, 3, &writer, &err), WEIR_OK);
    char value[64];
    for (int i = 0; i < 500; i++) {
        snprintf(value, sizeof value, "row-%04d", i);
        assert_int_equal(stage_writer_field(writer, value, strlen(value), &err), WEIR_OK);
        assert_int_equal(stage_writer_end_row(writer, &err), WEIR_OK);
    }
    stage_stats_t stats;
    assert_int_equal(stage_writer_close(writer, &stats, &err), WEIR_OK);
    assert_int_equal(stats.rows, 500);
    assert_true(stats.chunks >= 5);
    /* Every row is in exactly one chunk, in order, and no partial files are left. */
    int next = 0;
    for (unsigned c = 0; c < stats.chunks; c++) {
        size_t len;
        char *csv = read_chunk(c, &len);
        assert_non_null(csv);
        char *save = NULL;
        for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            snprintf(value, sizeof value, "\"row-%04d\"", next++);
            assert_string_equal(line, value);
        }
        free(csv);
    }
    assert_int_equal(next, 500);
    DIR *d = opendir(out_dir);
    struct dirent *entry;
    while ((entry = readdir(d)))
        assert_null(strstr(entry->d_name, ".partial"));
    closedir(d);
}

static void reads_back_what_it_wrote(void **state)
{
    (void)state;
    char out_dir[300], path[400];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    stage_writer_t *writer;
    weir_err_t err;
    assert_int_equal(stage_writer_open(out_dir, 0, 1, &writer, &err), WEIR_OK);
    const char *values[] = {"a,b", "", NULL, "quote \"x\"\nline", "ünï"};
    for (int row = 0; row < 3000; row++) {
        for (size_t i = 0; i < 5; i++)
            assert_int_equal(stage_writer_field(writer, values[i], values[i] ? strlen(values[i]) : 0, &err), WEIR_OK);
        assert_int_equal(stage_writer_end_row(writer, &err), WEIR_OK);
    }
    stage_stats_t stats;
    assert_int_equal(stage_writer_close(writer, &stats, &err), WEIR_OK);
    snprintf(path, sizeof path, "%s/00000.csv.zst", out_dir);
    stage_reader_t *reader;
    assert_int_equal(stage_reader_open(path, &reader, &err), WEIR_OK);
    int rows = 0;
    const stage_field_t *fields;
    size_t count;
    while (stage_reader_next(reader, &fields, &count, &err) == WEIR_OK) {
        assert_int_equal(count, 5);
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(fields[i].is_null, values[i] == NULL);
            if (values[i]) {
                assert_int_equal(fields[i].len, strlen(values[i]));
                assert_memory_equal(fields[i].data, values[i], fields[i].len);
            }
        }
        rows++;
    }
    assert_int_equal(rows, 3000);
    stage_reader_close(reader);

    snprintf(path, sizeof path, "%s/nope.csv.zst", out_dir);
    assert_int_equal(stage_reader_open(path, &reader, &err), WEIR_ERR_IO);
    /* A file that is not zstd at all is reported, not misread. */
    snprintf(path, sizeof path, "%s/garbage.csv.zst", out_dir);
    FILE *file = fopen(path, "wb");
    fputs("this is not zstd", file);
    fclose(file);
    assert_int_equal(stage_reader_open(path, &reader, &err), WEIR_OK);
    assert_int_equal(stage_reader_next(reader, &fields, &count, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "corrupt"));
    stage_reader_close(reader);
}

static sealer_t *key(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sealer_t *sealer = NULL;
    weir_err_t err;
    assert_int_equal(sealer_from_new_key_file(path, &sealer, &err), WEIR_OK);
    return sealer;
}

static void sealed_chunks(void **state)
{
    (void)state;
    char run_dir[300], path[400], moved[420];
    snprintf(run_dir, sizeof run_dir, "%s/run-1", dir);
    sealer_t *sealer = key("a.key"), *other = key("b.key");
    stage_writer_t *writer;
    weir_err_t err;
    assert_int_equal(stage_writer_open(run_dir, 0, 1, &writer, &err), WEIR_OK);
    stage_writer_seal(writer, sealer);
    assert_int_equal(stage_writer_field(writer, "4111111111111111", 16, &err), WEIR_OK);
    assert_int_equal(stage_writer_field(writer, NULL, 0, &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(writer, &err), WEIR_OK);
    assert_int_equal(stage_writer_close(writer, NULL, &err), WEIR_OK);
    snprintf(path, sizeof path, "%s/00000.csv.zst", run_dir);
    /* On disk: the magic, then nothing a zstd reader or a grep could use. */
    char *raw = file_read_all(path, 1 << 20, &err);
    assert_non_null(raw);
    assert_memory_equal(raw, SEALER_FILE_MAGIC, 8);
    free(raw);
    stage_reader_t *reader;
    const stage_field_t *fields;
    size_t count;
    assert_int_equal(stage_reader_open_sealed(path, sealer, &reader, &err), WEIR_OK);
    assert_int_equal(stage_reader_next(reader, &fields, &count, &err), WEIR_OK);
    assert_int_equal(count, 2);
    assert_memory_equal(fields[0].data, "4111111111111111", 16);
    assert_true(fields[1].is_null);
    stage_reader_close(reader);
    assert_int_equal(stage_reader_open(path, &reader, &err), WEIR_ERR_AUTH);               /* no key */
    assert_int_equal(stage_reader_open_sealed(path, other, &reader, &err), WEIR_ERR_AUTH); /* wrong key */
    /* Renamed into another chunk's place: bound to its own name, it does not open. */
    snprintf(moved, sizeof moved, "%s/00001.csv.zst", run_dir);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(stage_reader_open_sealed(moved, sealer, &reader, &err), WEIR_ERR_AUTH);
    assert_int_equal(rename(moved, path), 0);
    /* One flipped byte anywhere fails the whole chunk before anything is parsed. */
    FILE *file = fopen(path, "r+b");
    assert_int_equal(fseek(file, 24, SEEK_SET), 0);
    int byte = fgetc(file);
    assert_int_equal(fseek(file, 24, SEEK_SET), 0);
    fputc(byte ^ 1, file);
    fclose(file);
    assert_int_equal(stage_reader_open_sealed(path, sealer, &reader, &err), WEIR_ERR_AUTH);
    assert_non_null(strstr(err.msg, "altered"));
    sealer_free(sealer);
    sealer_free(other);
}

/* With a key configured every chunk must be sealed: a plain file in a chunk's place may have been
 * substituted, so neither the reader nor the upload path loads it. Without a key it still opens. */
static void plain_chunks_are_refused_when_sealing(void **state)
{
    (void)state;
    char run_dir[300], path[400], expected[700];
    snprintf(run_dir, sizeof run_dir, "%s/run-2", dir);
    sealer_t *sealer = key("c.key");
    stage_writer_t *writer;
    weir_err_t err;
    assert_int_equal(stage_writer_open(run_dir, 0, 1, &writer, &err), WEIR_OK);
    assert_int_equal(stage_writer_field(writer, "4111111111111111", 16, &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(writer, &err), WEIR_OK);
    assert_int_equal(stage_writer_close(writer, NULL, &err), WEIR_OK);
    snprintf(path, sizeof path, "%s/00000.csv.zst", run_dir);
    snprintf(expected, sizeof expected,
             "stage: %s is not sealed but the stage is configured to seal chunks; refusing to load data that may "
             "have been tampered with or written by another process",
             path);
    stage_reader_t *reader = NULL;
    assert_int_equal(stage_reader_open_sealed(path, sealer, &reader, &err), WEIR_ERR_AUTH);
    assert_null(reader);
    assert_string_equal(err.msg, expected);
    unsigned char *bytes = NULL;
    size_t len = 0;
    memset(&err, 0, sizeof err);
    assert_int_equal(stage_chunk_load(path, sealer, &bytes, &len, &err), WEIR_ERR_AUTH);
    assert_null(bytes);
    assert_string_equal(err.msg, expected);
    /* Without a key the same file is an ordinary plain chunk. */
    const stage_field_t *fields;
    size_t count;
    assert_int_equal(stage_reader_open(path, &reader, &err), WEIR_OK);
    assert_int_equal(stage_reader_next(reader, &fields, &count, &err), WEIR_OK);
    assert_memory_equal(fields[0].data, "4111111111111111", 16);
    stage_reader_close(reader);
    assert_int_equal(stage_chunk_load(path, NULL, &bytes, &len, &err), WEIR_OK);
    free(bytes);
    /* A file too short to hold the magic is not sealed either: refused, not read as empty. */
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fclose(file);
    assert_int_equal(stage_reader_open_sealed(path, sealer, &reader, &err), WEIR_ERR_AUTH);
    assert_string_equal(err.msg, expected);
    assert_int_equal(stage_chunk_load(path, sealer, &bytes, &len, &err), WEIR_ERR_AUTH);
    sealer_free(sealer);
}

/* A plan for four columns: keep, drop, hash, mask the last 4; a fifth nulled. */
static weir_status_t card_plan(void *ctx, const char *const *names, const char *const *types, size_t count,
                               field_rule_t *rules, weir_err_t *err)
{
    (void)types;
    (void)err;
    *(size_t *)ctx = count;
    assert_string_equal(names[1], "cvv");
    static const field_rule_t plan[] = {
        {FIELD_KEEP, 0}, {FIELD_DROP, 0}, {FIELD_HMAC, 0}, {FIELD_MASK, 4}, {FIELD_NULL, 0}};
    memcpy(rules, plan, sizeof plan);
    return WEIR_OK;
}

static void rules_apply_before_anything_is_written(void **state)
{
    (void)state;
    /* RFC 4231 test case 2 checks the HMAC itself. */
    char digest[65];
    assert_int_equal(field_hmac_hex((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, digest),
                     WEIR_OK);
    assert_string_equal(digest, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    char masked[32];
    assert_int_equal(field_mask("4242 4242 4242 4242", 19, 4, masked), 19);
    assert_memory_equal(masked, "***************4242", 19);
    assert_int_equal(field_mask("€€€1", 10, 2, masked), 6); /* characters, not bytes */
    assert_memory_equal(masked,
                        "**\xe2\x82\xac"
                        "1",
                        6);
    /* A value no longer than the kept tail is masked whole: a 3-digit CVV never lands in the clear. */
    assert_int_equal(field_mask("123", 3, 4, masked), 3);
    assert_memory_equal(masked, "***", 3);
    assert_int_equal(field_mask("1234", 4, 4, masked), 4);
    assert_memory_equal(masked, "****", 4);
    assert_int_equal(field_mask("12345", 5, 4, masked), 5);
    assert_memory_equal(masked, "*2345", 5);
    assert_int_equal(field_mask("", 0, 4, masked), 0);

    char out_dir[300];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    weir_err_t err = {{0}};
    stage_writer_t *w;
    assert_int_equal(stage_writer_open(out_dir, 1 << 20, 1, &w, &err), WEIR_OK);
    const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
    size_t named = 0;
    stage_writer_set_rules(w, card_plan, &named, key, sizeof key);
    /* Fields before the columns are named are refused: nothing slips past the rules. */
    assert_int_equal(stage_writer_field(w, "1", 1, &err), WEIR_ERR_INTERNAL);
    const char *names[] = {"id", "cvv", "card_number", "pan", "secret"};
    assert_int_equal(stage_writer_columns(w, names, NULL, 5, &err), WEIR_OK);
    assert_int_equal(named, 5);
    const char *row[] = {"7", "123", "4111111111111111", "4111111111111111", "s3cr3t"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(stage_writer_field(w, row[i], strlen(row[i]), &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(w, &err), WEIR_OK);
    for (int i = 0; i < 5; i++) /* NULL stays NULL under every rule */
        assert_int_equal(stage_writer_field(w, NULL, 0, &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(w, &err), WEIR_OK);
    for (int i = 0; i < 5; i++) /* and the empty string stays the empty string under a mask */
        assert_int_equal(stage_writer_field(w, i == 3 ? "" : NULL, 0, &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(w, &err), WEIR_OK);
    assert_int_equal(stage_writer_close(w, NULL, &err), WEIR_OK);

    size_t len;
    char *csv = read_chunk(0, &len);
    assert_non_null(csv);
    char hashed[65];
    assert_int_equal(field_hmac_hex(key, sizeof key, "4111111111111111", 16, hashed), WEIR_OK);
    char expected[300];
    snprintf(expected, sizeof expected, "\"7\",\"%s\",\"************1111\",\n,,,\n,,\"\",\n", hashed);
    assert_string_equal(csv, expected);
    assert_null(strstr(csv, "\"123\""));
    assert_null(strstr(csv, "4111111111111111"));
    assert_null(strstr(csv, "s3cr3t"));
    free(csv);

    /* A source that leaves dropped columns out of its query writes one field fewer per row. */
    snprintf(out_dir, sizeof out_dir, "%s/omit", dir);
    assert_int_equal(stage_writer_open(out_dir, 1 << 20, 1, &w, &err), WEIR_OK);
    stage_writer_set_rules(w, card_plan, &named, key, sizeof key);
    assert_int_equal(stage_writer_columns(w, names, NULL, 5, &err), WEIR_OK);
    assert_true(stage_writer_keeps(w, 0));
    assert_false(stage_writer_keeps(w, 1));
    stage_writer_omit_dropped(w);
    const char *kept[] = {"7", "4111111111111111", "4111111111111111", "s3cr3t"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(stage_writer_field(w, kept[i], strlen(kept[i]), &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(w, &err), WEIR_OK);
    assert_int_equal(stage_writer_close(w, NULL, &err), WEIR_OK);
    char *omitted = read_chunk_in("omit", 0, &len);
    assert_non_null(omitted);
    snprintf(expected, sizeof expected, "\"7\",\"%s\",\"************1111\",\n", hashed);
    assert_string_equal(omitted, expected);
    free(omitted);

    /* A short row is refused. */
    snprintf(out_dir, sizeof out_dir, "%s/again", dir);
    assert_int_equal(stage_writer_open(out_dir, 1 << 20, 1, &w, &err), WEIR_OK);
    stage_writer_set_rules(w, card_plan, &named, key, sizeof key);
    assert_int_equal(stage_writer_columns(w, names, NULL, 5, &err), WEIR_OK);
    assert_int_equal(stage_writer_field(w, "1", 1, &err), WEIR_OK);
    assert_int_equal(stage_writer_end_row(w, &err), WEIR_ERR_INTERNAL);
    stage_writer_abort(w);

    /* A hashed column without a long enough key is refused when the columns are named. */
    assert_int_equal(stage_writer_open(out_dir, 1 << 20, 1, &w, &err), WEIR_OK);
    stage_writer_set_rules(w, card_plan, &named, key, 16);
    assert_int_equal(stage_writer_columns(w, names, NULL, 5, &err), WEIR_ERR_INVALID);
    assert_non_null(strstr(err.msg, "card_number is hashed"));
    stage_writer_abort(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(encodes_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(rotates_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(reads_back_what_it_wrote, setup, teardown),
        cmocka_unit_test_setup_teardown(sealed_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_chunks_are_refused_when_sealing, setup, teardown),
        cmocka_unit_test_setup_teardown(rules_apply_before_anything_is_written, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
