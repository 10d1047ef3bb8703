/* manifest.c — the staged batch's manifest as JSON. */
#include "manifest.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileutil.h"

/* A manifest lists at most a few thousand columns: 4 MB is far beyond any real one. */
#define MANIFEST_MAX_BYTES (4u * 1024 * 1024)

static weir_status_t manifest_path(const char *dir, char *out, size_t size, weir_err_t *err)
{
    int written = snprintf(out, size, "%s/manifest.json", dir);
    if (written < 0 || (size_t)written >= size) {
        weir_err_set(err, "stage directory %s is too long for its manifest path", dir);
        return WEIR_ERR_INVALID;
    }
    return WEIR_OK;
}

weir_status_t stage_manifest_write(const char *dir, const stage_manifest_t *manifest, weir_err_t *err)
{
    char path[1200];
    weir_status_t result = manifest_path(dir, path, sizeof path, err);
    if (result != WEIR_OK)
        return result;
    json_t *doc = json_pack("{s:[], s:[], s:[], s:I, s:I}", "columns", "types", "rules", "chunks",
                            (json_int_t)manifest->chunks, "rows", (json_int_t)manifest->rows);
    for (size_t i = 0; doc && i < manifest->column_count; i++) {
        const char *rule = manifest->rules ? manifest->rules[i] : "none";
        if (json_array_append_new(json_object_get(doc, "columns"), json_string(manifest->columns[i])) != 0 ||
            json_array_append_new(json_object_get(doc, "types"), json_string(manifest->types[i])) != 0 ||
            json_array_append_new(json_object_get(doc, "rules"), json_string(rule)) != 0) {
            json_decref(doc);
            doc = NULL;
        }
    }
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    result = text ? file_write_all(path, text, strlen(text), 0600, err) : WEIR_ERR_NOMEM;
    free(text);
    return result;
}

void stage_manifest_free(stage_manifest_t *manifest)
{
    for (size_t i = 0; i < manifest->column_count; i++) {
        free(manifest->columns[i]);
        free(manifest->types[i]);
        if (manifest->rules)
            free(manifest->rules[i]);
    }
    free(manifest->columns);
    free(manifest->types);
    free(manifest->rules);
    memset(manifest, 0, sizeof *manifest);
}

static weir_status_t damaged(const char *path, const char *why, weir_err_t *err)
{
    weir_err_set(err, "the stage manifest %s is damaged (%s)", path, why);
    return WEIR_ERR_INVALID;
}

weir_status_t stage_manifest_read(const char *dir, stage_manifest_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    char path[1200];
    weir_status_t result = manifest_path(dir, path, sizeof path, err);
    if (result != WEIR_OK)
        return result;
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        weir_err_set(err, "no stage manifest at %s", path);
        return WEIR_ERR_NOT_FOUND;
    }
    char *text = file_read_all(path, MANIFEST_MAX_BYTES, err);
    if (!text)
        return WEIR_ERR_IO;
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    json_t *columns = json_object_get(doc, "columns"), *types = json_object_get(doc, "types");
    json_t *chunks = json_object_get(doc, "chunks"), *rows = json_object_get(doc, "rows");
    json_t *rules = json_object_get(doc, "rules");
    size_t count = json_array_size(columns);
    if (!json_is_array(columns) || !json_is_array(types) || json_array_size(types) != count ||
        (rules && (!json_is_array(rules) || json_array_size(rules) != count)) || !json_is_integer(chunks) ||
        json_integer_value(chunks) < 0 || json_integer_value(chunks) > 99999 || !json_is_integer(rows) ||
        json_integer_value(rows) < 0) {
        json_decref(doc);
        return damaged(path, "not the columns, types, chunks and rows of a batch", err);
    }
    out->columns = calloc(count + 1, sizeof *out->columns);
    out->types = calloc(count + 1, sizeof *out->types);
    out->rules = rules ? calloc(count + 1, sizeof *out->rules) : NULL;
    result = out->columns && out->types && (out->rules || !rules) ? WEIR_OK : WEIR_ERR_NOMEM;
    for (size_t i = 0; result == WEIR_OK && i < count; i++) {
        const char *name = json_string_value(json_array_get(columns, i));
        const char *type = json_string_value(json_array_get(types, i));
        const char *rule = rules ? json_string_value(json_array_get(rules, i)) : "none";
        if (!name || !type || !rule) {
            result = damaged(path, "a column name, type or rule is not text", err);
            break;
        }
        out->columns[i] = strdup(name);
        out->types[i] = strdup(type);
        if (out->rules)
            out->rules[i] = strdup(rule);
        out->column_count++;
        if (!out->columns[i] || !out->types[i] || (out->rules && !out->rules[i]))
            result = WEIR_ERR_NOMEM;
    }
    out->chunks = (unsigned)json_integer_value(chunks);
    out->rows = (long long)json_integer_value(rows);
    json_decref(doc);
    if (result != WEIR_OK)
        stage_manifest_free(out);
    return result;
}
