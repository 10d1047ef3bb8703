/* alerts.c — incident keys, channel routing and the store calls behind raise/clear. */
#include "alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "specs.h"
#include "store_alerts.h"

static int severity_rank(const char *severity)
{
    return severity && strcmp(severity, "error") == 0 ? 2 : 1;
}

void alerts_run_key(const char *pipeline, const char *table, const char *backfill, char *out, size_t size)
{
    if (backfill && *backfill)
        snprintf(out, size, "backfill/%s", backfill);
    else
        snprintf(out, size, "run/%s/%s", pipeline, table);
}

void alerts_check_key(const char *check, char *out, size_t size)
{
    snprintf(out, size, "check/%s", check);
}

/* Names of the channels that take this condition (new array of new strings). */
static size_t route(store_t *store, const alert_condition_t *condition, char ***out)
{
    agent_object_list_t channels = {0};
    weir_err_t err = {{0}};
    *out = NULL;
    if (store_list(store, "alert_channel", "", "", 0, &channels, &err) != WEIR_OK) {
        log_error("alerts", "cannot list alert channels: %s", err.msg);
        return 0;
    }
    char **names = calloc(channels.count ? channels.count : 1, sizeof *names);
    size_t count = 0;
    for (size_t i = 0; names && i < channels.count; i++) {
        channel_spec_t spec;
        if (channel_spec_parse(channels.items[i].spec_json, channels.items[i].name, &spec, &err) != WEIR_OK) {
            log_error("alerts", "%s", err.msg);
            continue;
        }
        bool severe_enough = severity_rank(condition->severity) >= severity_rank(spec.min_severity);
        bool wanted = spec.pipeline_count == 0;
        for (size_t p = 0; p < spec.pipeline_count; p++)
            wanted |= strcmp(spec.pipelines[p], condition->pipeline) == 0;
        if (severe_enough && wanted && (names[count] = strdup(channels.items[i].name)))
            count++;
        channel_spec_free(&spec);
    }
    agent_object_list_free(&channels);
    *out = names;
    return count;
}

void alerts_raise(store_t *store, const alert_condition_t *condition)
{
    store_incident_t incident;
    memset(&incident, 0, sizeof incident);
    snprintf(incident.key, sizeof incident.key, "%s", condition->key);
    snprintf(incident.pipeline, sizeof incident.pipeline, "%s", condition->pipeline);
    snprintf(incident.table_name, sizeof incident.table_name, "%s", condition->table);
    snprintf(incident.kind, sizeof incident.kind, "%s", condition->kind);
    snprintf(incident.severity, sizeof incident.severity, "%s", condition->severity);
    snprintf(incident.summary, sizeof incident.summary, "%s", condition->summary);
    snprintf(incident.run_id, sizeof incident.run_id, "%s", condition->run_id ? condition->run_id : "");
    char **channels = NULL;
    size_t count = route(store, condition, &channels);
    bool opened = false;
    weir_err_t err = {{0}};
    if (store_incident_open(store, &incident, channels, count, &opened, &err) != WEIR_OK)
        log_error("alerts", "cannot record incident %s: %s", condition->key, err.msg);
    else if (opened)
        log_warn("alerts", "incident %s opened (%s, %s): %s; alerting %zu channel(s)", incident.id, condition->key,
                 condition->severity, condition->summary, count);
    for (size_t i = 0; i < count; i++)
        free(channels[i]);
    free(channels);
}

void alerts_clear(store_t *store, const char *key)
{
    bool resolved = false;
    weir_err_t err = {{0}};
    if (store_incident_resolve(store, key, &resolved, &err) != WEIR_OK)
        log_error("alerts", "cannot resolve %s: %s", key, err.msg);
    else if (resolved)
        log_info("alerts", "incident %s resolved", key);
}
