/* tg_report.c — parses Terragrunt run reports in their JSON and CSV forms. */
#include "tg_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileutil.h"

/* Longest CSV field kept; names and reasons are short, a Cause can carry an error message. */
#define FIELD_MAX 4096

void tg_report_init(tg_report_t *report)
{
    report->runs = NULL;
    report->count = 0;
}

static void run_clear(tg_run_t *run)
{
    free(run->result);
    free(run->reason);
    run->result = run->reason = NULL;
}

void tg_report_free(tg_report_t *report)
{
    for (size_t i = 0; i < report->count; i++)
        run_clear(&report->runs[i]);
    free(report->runs);
    tg_report_init(report);
}

bool tg_run_ok(const tg_run_t *run)
{
    return strcmp(run->result, "succeeded") == 0 || strcmp(run->result, "excluded") == 0;
}

/* Drops every ".terragrunt-stack/" segment: "dev/.terragrunt-stack/pipelines" → "dev/pipelines". */
static void strip_stack_dirs(const char *name, char *out, size_t size)
{
    static const char marker[] = ".terragrunt-stack/";
    size_t n = 0;
    const char *p = name;
    while (*p && n + 1 < size) {
        if ((p == name || p[-1] == '/') && strncmp(p, marker, sizeof marker - 1) == 0) {
            p += sizeof marker - 1;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = 0;
    while (n > 0 && out[n - 1] == '/')
        out[--n] = 0;
}

static weir_status_t add_run(tg_report_t *report, size_t base, const char *env, const char *name, const char *result,
                             const char *reason, weir_err_t *err)
{
    if (report->count - base >= TG_REPORT_MAX_RUNS) {
        weir_err_set(err, "more than %d runs in one report", TG_REPORT_MAX_RUNS);
        return WEIR_ERR_TOO_BIG;
    }
    if (!name[0] || !result[0]) {
        weir_err_set(err, "run %zu: empty Name or Result", report->count - base + 1);
        return WEIR_ERR_INVALID;
    }
    char stripped[PLAN_LABEL_MAX * 2];
    strip_stack_dirs(name, stripped, sizeof stripped);
    tg_run_t run = {0};
    if (env) {
        if (strlen(env) >= sizeof run.env || strlen(stripped) >= sizeof run.unit) {
            weir_err_set(err, "run \"%.100s\": name too long", name);
            return WEIR_ERR_INVALID;
        }
        memcpy(run.env, env, strlen(env) + 1);
        memcpy(run.unit, stripped, strlen(stripped) + 1);
    } else {
        const char *slash = strchr(stripped, '/');
        size_t env_len = slash ? (size_t)(slash - stripped) : 0;
        const char *unit = slash ? slash + 1 : stripped;
        if (env_len >= sizeof run.env || strlen(unit) >= sizeof run.unit) {
            weir_err_set(err, "run \"%.100s\": name too long", name);
            return WEIR_ERR_INVALID;
        }
        memcpy(run.env, stripped, env_len);
        run.env[env_len] = 0;
        memcpy(run.unit, unit, strlen(unit) + 1);
    }
    run.result = strdup(result);
    run.reason = reason && reason[0] ? strdup(reason) : NULL;
    if (!run.result || (reason && reason[0] && !run.reason)) {
        run_clear(&run);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    tg_run_t *grown = realloc(report->runs, (report->count + 1) * sizeof *grown);
    if (!grown) {
        run_clear(&run);
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    report->runs = grown;
    report->runs[report->count++] = run;
    return WEIR_OK;
}

/* Terragrunt 1.x writes "Name"/"Result"; early report versions wrote lower-case keys. */
static const char *field(const json_t *object, const char *key)
{
    const char *value = json_string_value(json_object_get(object, key));
    if (value)
        return value;
    char lower[32];
    size_t n = strlen(key);
    if (n >= sizeof lower)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
    return json_string_value(json_object_get(object, lower));
}

static weir_status_t parse_json(const char *text, size_t len, const char *env, tg_report_t *report, size_t base,
                                weir_err_t *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    weir_status_t result = WEIR_OK;
    if (!doc) {
        weir_err_set(err, "report is not JSON (line %d: %s)", jerr.line, jerr.text);
        return WEIR_ERR_INVALID;
    }
    if (!json_is_array(doc)) {
        weir_err_set(err, "report: expected a JSON array of runs");
        result = WEIR_ERR_INVALID;
        goto out;
    }
    for (size_t i = 0; i < json_array_size(doc) && result == WEIR_OK; i++) {
        const json_t *item = json_array_get(doc, i);
        const char *name = json_is_object(item) ? field(item, "Name") : NULL;
        const char *res = json_is_object(item) ? field(item, "Result") : NULL;
        if (!name || !res) {
            weir_err_set(err, "report run %zu: missing string \"Name\" or \"Result\"", i + 1);
            result = WEIR_ERR_INVALID;
            break;
        }
        result = add_run(report, base, env, name, res, field(item, "Reason"), err);
    }
out:
    json_decref(doc);
    return result;
}

/* Reads one RFC 4180 field at *p into `out`; returns false on an unterminated quote or a field
 * longer than FIELD_MAX. Leaves *p on the separator, newline or end. */
static bool csv_field(const char **p, const char *end, weir_buf_t *out)
{
    buf_reset(out);
    const char *s = *p;
    bool ok = true;
    if (s < end && *s == '"') {
        s++;
        for (;;) {
            if (s >= end)
                return false;
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    ok = ok && buf_putc(out, '"') == WEIR_OK;
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            ok = ok && buf_putc(out, (uint8_t)*s++) == WEIR_OK;
        }
    } else {
        while (s < end && *s != ',' && *s != '\n' && *s != '\r')
            ok = ok && buf_putc(out, (uint8_t)*s++) == WEIR_OK;
    }
    *p = s;
    if (ok && !out->data)
        ok = buf_append(out, "", 0) == WEIR_OK && out->data;
    return ok && (s >= end || *s == ',' || *s == '\n' || *s == '\r');
}

#define CSV_COLUMNS_MAX 32 /* Terragrunt writes 6 or 9 */

static weir_status_t parse_csv(const char *text, size_t len, const char *env, tg_report_t *report, size_t base,
                               weir_err_t *err)
{
    const char *p = text, *end = text + len;
    weir_buf_t cell;
    buf_init(&cell, FIELD_MAX);
    weir_status_t result = WEIR_OK;
    int name_col = -1, result_col = -1, reason_col = -1, columns = 0;
    char *row[CSV_COLUMNS_MAX] = {0};
    size_t line = 0;
    while (p < end && result == WEIR_OK) {
        line++;
        int n = 0;
        for (;;) {
            if (!csv_field(&p, end, &cell)) {
                weir_err_set(err, "report line %zu: malformed CSV field", line);
                result = WEIR_ERR_INVALID;
                goto out;
            }
            if (n >= CSV_COLUMNS_MAX) {
                weir_err_set(err, "report line %zu: more than %d columns", line, CSV_COLUMNS_MAX);
                result = WEIR_ERR_INVALID;
                goto out;
            }
            row[n] = buf_steal(&cell);
            if (!row[n]) {
                weir_err_set(err, "out of memory");
                result = WEIR_ERR_NOMEM;
                goto out;
            }
            n++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            break;
        }
        while (p < end && (*p == '\r' || *p == '\n'))
            p++;
        if (line == 1) {
            columns = n;
            for (int i = 0; i < n; i++) {
                if (strcmp(row[i], "Name") == 0)
                    name_col = i;
                else if (strcmp(row[i], "Result") == 0)
                    result_col = i;
                else if (strcmp(row[i], "Reason") == 0)
                    reason_col = i;
            }
            if (name_col < 0 || result_col < 0) {
                weir_err_set(err, "report: neither a JSON array nor a CSV with Name and Result columns");
                result = WEIR_ERR_INVALID;
            }
        } else if (n == 1 && row[0][0] == 0) {
            /* a blank line */
        } else if (n != columns) {
            weir_err_set(err, "report line %zu: %d fields, the header has %d", line, n, columns);
            result = WEIR_ERR_INVALID;
        } else {
            result = add_run(report, base, env, row[name_col], row[result_col],
                             reason_col >= 0 ? row[reason_col] : NULL, err);
        }
        for (int i = 0; i < n; i++) {
            free(row[i]);
            row[i] = NULL;
        }
    }
    if (result == WEIR_OK && line == 0) {
        weir_err_set(err, "report is empty");
        result = WEIR_ERR_INVALID;
    }
out:
    for (int i = 0; i < CSV_COLUMNS_MAX; i++)
        free(row[i]);
    buf_free(&cell);
    return result;
}

weir_status_t tg_report_parse(const char *text, size_t len, const char *env, tg_report_t *report, weir_err_t *err)
{
    size_t base = report->count;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
        i++;
    if (len > TG_REPORT_MAX_BYTES) {
        weir_err_set(err, "report is larger than %u bytes", TG_REPORT_MAX_BYTES);
        return WEIR_ERR_TOO_BIG;
    }
    if (memchr(text, 0, len)) {
        weir_err_set(err, "report contains NUL bytes");
        return WEIR_ERR_INVALID;
    }
    weir_status_t result = i < len && text[i] == '[' ? parse_json(text, len, env, report, base, err)
                                                     : parse_csv(text + i, len - i, env, report, base, err);
    if (result != WEIR_OK) {
        while (report->count > base)
            run_clear(&report->runs[--report->count]);
    }
    return result;
}

weir_status_t tg_report_load(const char *arg, tg_report_t *report, weir_err_t *err)
{
    const char *eq = strchr(arg, '=');
    char env[PLAN_LABEL_MAX] = "";
    const char *path = arg;
    if (eq) {
        size_t n = (size_t)(eq - arg);
        if (n == 0 || n >= sizeof env || memchr(arg, '/', n)) {
            weir_err_set(err, "--report wants [ENV=]PATH, got \"%.100s\"", arg);
            return WEIR_ERR_INVALID;
        }
        memcpy(env, arg, n);
        env[n] = 0;
        path = eq + 1;
    }
    char *text = file_read_all(path, TG_REPORT_MAX_BYTES, err);
    if (!text)
        return WEIR_ERR_IO;
    weir_status_t result = tg_report_parse(text, strlen(text), eq ? env : NULL, report, err);
    free(text);
    if (result != WEIR_OK) {
        weir_err_t inner = *err;
        weir_err_set(err, "%.300s: %s", path, inner.msg);
    }
    return result;
}
