/* plan.c — reads `tofu show -json` plan documents into typed resource changes. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "fileutil.h"

const char *plan_action_text(plan_action_t action)
{
    switch (action) {
    case PLAN_NOOP:
        return "no-op";
    case PLAN_CREATE:
        return "create";
    case PLAN_UPDATE:
        return "update";
    case PLAN_REPLACE:
        return "replace";
    case PLAN_DELETE:
        return "delete";
    case PLAN_READ:
        return "read";
    case PLAN_FORGET:
        return "forget";
    }
    return "?";
}

static bool label_ok(const char *text, size_t len)
{
    if (len == 0 || len >= PLAN_LABEL_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '/';
        if (!ok)
            return false;
    }
    return text[0] != '/' && text[len - 1] != '/';
}

bool plan_label_parse(const char *arg, char env[PLAN_LABEL_MAX], char unit[PLAN_LABEL_MAX], const char **path,
                      weir_err_t *err)
{
    const char *eq = strchr(arg, '=');
    const char *slash = eq ? memchr(arg, '/', (size_t)(eq - arg)) : NULL;
    if (!eq || !slash || eq[1] == 0) {
        weir_err_set(err, "--plan wants ENV/UNIT=PATH (e.g. dev/pipelines=plan.json), got \"%.100s\"", arg);
        return false;
    }
    size_t env_len = (size_t)(slash - arg), unit_len = (size_t)(eq - slash - 1);
    if (!label_ok(arg, env_len) || memchr(arg, '/', env_len) || !label_ok(slash + 1, unit_len)) {
        weir_err_set(err,
                     "--plan label \"%.*s\": environment and unit are letters, digits, '-', '_' "
                     "and '.' (the unit may contain '/'), each under %d characters",
                     (int)(eq - arg > 200 ? 200 : eq - arg), arg, PLAN_LABEL_MAX);
        return false;
    }
    memcpy(env, arg, env_len);
    env[env_len] = 0;
    memcpy(unit, slash + 1, unit_len);
    unit[unit_len] = 0;
    *path = eq + 1;
    return true;
}

/* Maps the `actions` array; returns false for a combination OpenTofu does not produce. */
static bool parse_actions(const json_t *actions, plan_action_t *out)
{
    size_t n = json_array_size(actions);
    const char *a = n > 0 ? json_string_value(json_array_get(actions, 0)) : NULL;
    const char *b = n > 1 ? json_string_value(json_array_get(actions, 1)) : NULL;
    if (!a || n > 2 || (n == 2 && !b))
        return false;
    if (n == 2) {
        if ((strcmp(a, "delete") == 0 && strcmp(b, "create") == 0) ||
            (strcmp(a, "create") == 0 && strcmp(b, "delete") == 0)) {
            *out = PLAN_REPLACE;
            return true;
        }
        if (strcmp(a, "create") == 0 && strcmp(b, "forget") == 0) {
            *out = PLAN_CREATE; /* a new object replaces one that is only forgotten */
            return true;
        }
        return false;
    }
    static const struct {
        const char *word;
        plan_action_t action;
    } words[] = {
        {"no-op", PLAN_NOOP},    {"create", PLAN_CREATE}, {"update", PLAN_UPDATE},
        {"delete", PLAN_DELETE}, {"read", PLAN_READ},     {"forget", PLAN_FORGET},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(a, words[i].word) == 0) {
            *out = words[i].action;
            return true;
        }
    return false;
}

/* A value slot: absent and JSON null both read as JSON null's pointer-free form (NULL). */
static bool object_or_null(const json_t *value)
{
    return !value || json_is_object(value) || json_is_null(value);
}

static bool marker_ok(const json_t *value)
{
    return !value || json_is_boolean(value) || json_is_object(value) || json_is_array(value) || json_is_null(value);
}

static weir_status_t parse_change(const json_t *item, size_t index, plan_change_t *out, weir_err_t *err)
{
    if (!json_is_object(item)) {
        weir_err_set(err, "resource_changes[%zu] is not an object", index);
        return WEIR_ERR_INVALID;
    }
    static const char *const required[] = {"address", "type", "name", "mode"};
    const char *values[4];
    for (size_t i = 0; i < 4; i++) {
        values[i] = json_string_value(json_object_get(item, required[i]));
        if (!values[i]) {
            weir_err_set(err, "resource_changes[%zu]: missing string \"%s\"", index, required[i]);
            return WEIR_ERR_INVALID;
        }
    }
    out->address = values[0];
    out->type = values[1];
    out->name = values[2];
    out->managed = strcmp(values[3], "managed") == 0;
    const json_t *change = json_object_get(item, "change");
    if (!json_is_object(change)) {
        weir_err_set(err, "resource_changes[%zu] (%.200s): missing object \"change\"", index, out->address);
        return WEIR_ERR_INVALID;
    }
    const json_t *actions = json_object_get(change, "actions");
    if (!json_is_array(actions) || !parse_actions(actions, &out->action)) {
        weir_err_set(err,
                     "resource_changes[%zu] (%.200s): \"change.actions\" is missing or not a known "
                     "combination",
                     index, out->address);
        return WEIR_ERR_INVALID;
    }
    out->before = json_object_get(change, "before");
    out->after = json_object_get(change, "after");
    out->after_unknown = json_object_get(change, "after_unknown");
    out->before_sensitive = json_object_get(change, "before_sensitive");
    out->after_sensitive = json_object_get(change, "after_sensitive");
    out->replace_paths = json_object_get(change, "replace_paths");
    out->importing = json_is_object(json_object_get(change, "importing"));
    if (!object_or_null(out->before) || !object_or_null(out->after)) {
        weir_err_set(err, "resource_changes[%zu] (%.200s): \"before\"/\"after\" must be objects or null", index,
                     out->address);
        return WEIR_ERR_INVALID;
    }
    if (!marker_ok(out->after_unknown) || !marker_ok(out->before_sensitive) || !marker_ok(out->after_sensitive) ||
        (out->replace_paths && !json_is_array(out->replace_paths))) {
        weir_err_set(err, "resource_changes[%zu] (%.200s): malformed unknown/sensitive markers", index, out->address);
        return WEIR_ERR_INVALID;
    }
    if (json_is_null(out->before))
        out->before = NULL;
    if (json_is_null(out->after))
        out->after = NULL;
    return WEIR_OK;
}

static int by_address(const void *a, const void *b)
{
    return strcmp(((const plan_change_t *)a)->address, ((const plan_change_t *)b)->address);
}

plan_t *plan_parse(const char *text, size_t len, const char *env, const char *unit, weir_err_t *err)
{
    plan_t *plan = calloc(1, sizeof *plan);
    if (!plan) {
        weir_err_set(err, "out of memory");
        return NULL;
    }
    if (snprintf(plan->env, sizeof plan->env, "%s", env) >= (int)sizeof plan->env ||
        snprintf(plan->unit, sizeof plan->unit, "%s", unit) >= (int)sizeof plan->unit) {
        weir_err_set(err, "environment or unit label too long");
        goto fail;
    }
    if (len > PLAN_MAX_BYTES) {
        weir_err_set(err, "plan document is %zu bytes, more than the %u allowed", len, PLAN_MAX_BYTES);
        goto fail;
    }
    json_error_t jerr;
    /* Duplicate keys would let two readers see different values: refuse them. */
    plan->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!plan->doc) {
        weir_err_set(err, "not JSON (line %d, column %d: %s); pass the output of `tofu show -json PLANFILE`", jerr.line,
                     jerr.column, jerr.text);
        goto fail;
    }
    if (!json_is_object(plan->doc)) {
        weir_err_set(err, "not a plan: the document is not a JSON object");
        goto fail;
    }
    const char *version = json_string_value(json_object_get(plan->doc, "format_version"));
    if (!version) {
        weir_err_set(err, "not a plan: no \"format_version\"");
        goto fail;
    }
    if (strncmp(version, "1.", 2) != 0) {
        weir_err_set(err, "unsupported format_version \"%.40s\": this tool reads plan format 1.x", version);
        goto fail;
    }
    if (!json_object_get(plan->doc, "planned_values") && !json_object_get(plan->doc, "resource_changes")) {
        weir_err_set(err,
                     "not a plan: no \"planned_values\" nor \"resource_changes\" (a state? run "
                     "`tofu show -json PLANFILE` on a saved plan)");
        goto fail;
    }
    const json_t *changes = json_object_get(plan->doc, "resource_changes");
    if (changes && !json_is_array(changes)) {
        weir_err_set(err, "\"resource_changes\" is not an array");
        goto fail;
    }
    size_t count = json_array_size(changes);
    if (count > PLAN_MAX_CHANGES) {
        weir_err_set(err, "%zu resource changes, more than the %d allowed", count, PLAN_MAX_CHANGES);
        goto fail;
    }
    if (count > 0) {
        plan->changes = calloc(count, sizeof *plan->changes);
        if (!plan->changes) {
            weir_err_set(err, "out of memory");
            goto fail;
        }
    }
    for (size_t i = 0; i < count; i++) {
        if (parse_change(json_array_get(changes, i), i, &plan->changes[i], err) != WEIR_OK)
            goto fail;
        plan->count++;
    }
    if (count > 1)
        qsort(plan->changes, count, sizeof *plan->changes, by_address);
    const json_t *drift = json_object_get(plan->doc, "resource_drift");
    plan->drift_count = json_is_array(drift) ? json_array_size(drift) : 0;
    plan->errored = json_is_true(json_object_get(plan->doc, "errored"));
    return plan;
fail:
    plan_free(plan);
    return NULL;
}

plan_t *plan_load(const char *path, const char *env, const char *unit, weir_err_t *err)
{
    char *text = file_read_all(path, PLAN_MAX_BYTES, err);
    if (!text)
        return NULL;
    plan_t *plan = plan_parse(text, strlen(text), env, unit, err);
    free(text);
    if (!plan) {
        weir_err_t inner = *err;
        weir_err_set(err, "%s/%s (%.300s): %s", env, unit, path, inner.msg);
    }
    return plan;
}

void plan_free(plan_t *plan)
{
    if (!plan)
        return;
    free(plan->changes);
    json_decref(plan->doc);
    free(plan);
}
