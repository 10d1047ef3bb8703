/* alerter.c — alert payloads, HTTP delivery with retries, and the delivery thread. */
#include "alerter.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_client.h"
#include "log.h"
#include "secrets.h"
#include "specs.h"

#define ALERTER_POLL_MS 1000
#define ALERTER_BATCH 20
#define ALERTER_TIMEOUT_S 10L

struct alerter {
    store_t *store;
    atomic_int stopping;
    pthread_t thread;
};

static json_t *incident_json(const store_incident_t *i)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", i->id, "key", i->key, "pipeline",
                     i->pipeline, "table", i->table_name, "kind", i->kind, "severity", i->severity, "summary",
                     i->summary, "run_id", i->run_id, "opened_at", i->opened_at, "resolved_at",
                     i->resolved_at[0] ? json_string(i->resolved_at) : json_null());
}

char *alerter_body(const char *kind, const store_delivery_t *d, const char *routing_key)
{
    const store_incident_t *i = &d->incident;
    bool trigger = strcmp(d->event, "trigger") == 0;
    json_t *body = NULL;
    char dedup[64];
    snprintf(dedup, sizeof dedup, "weir-%s", i->id);
    if (strcmp(kind, "webhook") == 0) {
        body = json_pack("{s:s, s:o}", "event", d->event, "incident", incident_json(i));
    } else if (strcmp(kind, "slack") == 0) {
        char text[2048];
        if (trigger)
            snprintf(text, sizeof text, ":rotating_light: *[%s] %.100s / %.150s — %.60s*\n%.1000s%s%s",
                     strcmp(i->severity, "error") == 0 ? "ERROR" : "WARN", i->pipeline, i->table_name, i->kind,
                     i->summary, i->run_id[0] ? "\nrun " : "", i->run_id);
        else
            snprintf(text, sizeof text, ":white_check_mark: *Resolved: %s / %s — %s*\nopened %s, resolved %s",
                     i->pipeline, i->table_name, i->kind, i->opened_at, i->resolved_at);
        body = json_pack("{s:s}", "text", text);
    } else if (strcmp(kind, "pagerduty") == 0) {
        if (trigger) {
            char summary[1024];
            snprintf(summary, sizeof summary, "%.100s %.150s: %.700s", i->pipeline, i->table_name, i->summary);
            body = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:o}}", "routing_key", routing_key,
                             "event_action", "trigger", "dedup_key", dedup, "payload", "summary", summary, "source",
                             "weir-agent", "severity", strcmp(i->severity, "error") == 0 ? "error" : "warning",
                             "component", i->pipeline, "group", i->table_name, "class", i->kind, "custom_details",
                             incident_json(i));
        } else {
            body =
                json_pack("{s:s, s:s, s:s}", "routing_key", routing_key, "event_action", "resolve", "dedup_key", dedup);
        }
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

void alerter_signature(const char *secret, long long timestamp, const char *body, char *out, size_t size)
{
    out[0] = 0;
    weir_buf_t signed_text;
    buf_init(&signed_text, 16u << 20);
    unsigned char digest[32];
    unsigned int len = sizeof digest;
    if (buf_printf(&signed_text, "%lld.%s", timestamp, body) == WEIR_OK &&
        HMAC(EVP_sha256(), secret, (int)strlen(secret), signed_text.data, signed_text.len, digest, &len)) {
        size_t used = (size_t)snprintf(out, size, "sha256=");
        for (unsigned int b = 0; b < len && used + 2 < size; b++)
            used += (size_t)snprintf(out + used, size - used, "%02x", digest[b]);
    }
    buf_free(&signed_text);
}

/* POSTs `body`; returns the HTTP status (0 after a transport failure, with the reason). */
static long post(const char *url, const char *body, const char *signature, long long timestamp, char *why,
                 size_t why_size)
{
    char timestamp_line[160], signature_line[160];
    const char *headers[3] = {"Content-Type: application/json"};
    size_t count = 1;
    if (signature) {
        snprintf(timestamp_line, sizeof timestamp_line, "X-Weir-Timestamp: %lld", timestamp);
        snprintf(signature_line, sizeof signature_line, "X-Weir-Signature: %s", signature);
        headers[count++] = timestamp_line;
        headers[count++] = signature_line;
    }
    http_request_t request = {.method = "POST",
                              .url = url,
                              .headers = headers,
                              .header_count = count,
                              .body = body,
                              .body_len = strlen(body),
                              .timeout_ms = ALERTER_TIMEOUT_S * 1000,
                              .user_agent = "weir-agent"};
    http_response_t response;
    if (http_request(NULL, &request, NULL, &response) != WEIR_OK)
        snprintf(why, why_size, "%s", response.error);
    return response.status;
}

/* One attempt at one delivery; records the outcome. */
static void deliver(store_t *store, const store_delivery_t *d, time_t now)
{
    char why[512] = "";
    const char *outcome = "failed";
    agent_object_t channel = {0};
    channel_spec_t spec = {0};
    json_t *hidden = NULL;
    char *url = NULL, *routing_key = NULL, *write_only = NULL, *body = NULL;
    weir_err_t err = {{0}};
    long status = 0;
    if (store_get(store, "alert_channel", d->channel, &channel, &err) != WEIR_OK) {
        snprintf(why, sizeof why, "channel %s no longer exists", d->channel);
        goto record;
    }
    if (channel_spec_parse(channel.spec_json, d->channel, &spec, &err) != WEIR_OK) {
        snprintf(why, sizeof why, "%.500s", err.msg);
        goto record;
    }
    const char *kind = spec.kind, *url_ref = spec.url_ref, *key_ref = spec.routing_key_ref;
    bool pagerduty = kind && strcmp(kind, "pagerduty") == 0;
    url = url_ref ? secret_resolve(url_ref, &err) : pagerduty ? strdup(ALERTER_PAGERDUTY_URL) : NULL;
    if (!url) {
        snprintf(why, sizeof why, "%.500s", url_ref ? err.msg : "no url_ref");
        outcome = "pending";
        goto record;
    }
    if (pagerduty && (!key_ref || !(routing_key = secret_resolve(key_ref, &err)))) {
        snprintf(why, sizeof why, "%.500s", key_ref ? err.msg : "no routing_key_ref");
        outcome = "pending";
        goto record;
    }
    body = alerter_body(kind ? kind : "", d, routing_key);
    if (!body) {
        snprintf(why, sizeof why, "cannot build the %s payload", kind ? kind : "?");
        goto record;
    }
    char signature[80] = "";
    if (kind && strcmp(kind, "webhook") == 0 &&
        store_get_write_only(store, "alert_channel", d->channel, &write_only, &err) == WEIR_OK && write_only &&
        *write_only) {
        hidden = json_loads(write_only, 0, NULL);
        const char *secret = json_string_value(json_object_get(hidden, "signing_secret_wo"));
        if (secret)
            alerter_signature(secret, (long long)now, body, signature, sizeof signature);
    }
    status = post(url, body, signature[0] ? signature : NULL, (long long)now, why, sizeof why);
    if (status >= 200 && status <= 299) {
        outcome = "sent";
    } else {
        if (status)
            snprintf(why, sizeof why, "HTTP %ld", status);
        /* Throttling, server errors and network trouble pass; other refusals will not. */
        outcome = status == 0 || status == 408 || status == 429 || status >= 500 ? "pending" : "failed";
    }
record:;
    bool give_up = strcmp(outcome, "pending") == 0 && d->attempts + 1 >= ALERTER_MAX_ATTEMPTS;
    if (give_up)
        outcome = "failed";
    long long pause = 5LL << (d->attempts < 6 ? d->attempts : 6); /* 5 s … 320 s */
    weir_err_t record_err = {{0}};
    if (store_delivery_attempted(store, d->id, outcome, (long long)now + (pause > 300 ? 300 : pause), why,
                                 &record_err) != WEIR_OK)
        log_error("alerter", "cannot record delivery %lld: %s", d->id, record_err.msg);
    if (strcmp(outcome, "sent") == 0)
        log_info("alerter", "%s of incident %s sent to %s", d->event, d->incident.id, d->channel);
    else
        log_warn("alerter", "%s of incident %s to %s %s: %s", d->event, d->incident.id, d->channel,
                 strcmp(outcome, "failed") == 0 ? "given up" : "will be retried", why);
    if (write_only)
        OPENSSL_cleanse(write_only, strlen(write_only));
    free(write_only);
    json_decref(hidden);
    channel_spec_free(&spec);
    free(body);
    secret_free(url);
    secret_free(routing_key);
    agent_object_clear(&channel);
}

int alerter_pass(store_t *store, time_t now)
{
    int attempts = 0;
    for (; attempts < ALERTER_BATCH; attempts++) {
        store_delivery_t delivery;
        weir_err_t err = {{0}};
        weir_status_t result = store_delivery_next(store, (long long)now, &delivery, &err);
        if (result != WEIR_OK) {
            if (result != WEIR_ERR_NOT_FOUND)
                log_error("alerter", "cannot read deliveries: %s", err.msg);
            break;
        }
        deliver(store, &delivery, now);
    }
    return attempts;
}

static void *loop(void *arg)
{
    alerter_t *alerter = arg;
    while (!atomic_load(&alerter->stopping)) {
        alerter_pass(alerter->store, time(NULL));
        struct timespec wait = {.tv_sec = ALERTER_POLL_MS / 1000, .tv_nsec = (ALERTER_POLL_MS % 1000) * 1000000L};
        nanosleep(&wait, NULL);
    }
    return NULL;
}

weir_status_t alerter_start(store_t *store, alerter_t **out, weir_err_t *err)
{
    *out = NULL;
    alerter_t *alerter = calloc(1, sizeof *alerter);
    if (!alerter)
        return WEIR_ERR_NOMEM;
    alerter->store = store;
    if (pthread_create(&alerter->thread, NULL, loop, alerter) != 0) {
        free(alerter);
        weir_err_set(err, "cannot start the alerter thread");
        return WEIR_ERR_INTERNAL;
    }
    *out = alerter;
    return WEIR_OK;
}

void alerter_stop(alerter_t *alerter)
{
    if (!alerter)
        return;
    atomic_store(&alerter->stopping, 1);
    pthread_join(alerter->thread, NULL);
    free(alerter);
}
