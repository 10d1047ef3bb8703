/* http_fetch.c — requests of the HTTP source: auth, rate limit, retries, classification,
 * redaction. */
#include "http_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_pager.h"
#include "http_rate.h"
#include "json_pointer.h"
#include "log.h"
#include "secrets.h"

/* Retry-After beyond two minutes would hold a run worker longer than a retry is worth; the run's
 * own retry (hours apart at worst) takes over. */
#define RETRY_AFTER_CAP_S 120L
#define CONNECT_TIMEOUT_MS 10000L

static const char *const captured[] = {"Retry-After", "Stripe-Should-Retry", "Link"};
enum { CAP_RETRY_AFTER, CAP_SHOULD_RETRY, CAP_LINK };

bool http_url_origin(const char *url, char *out, size_t size)
{
    const char *rest = strncmp(url, "https://", 8) == 0 ? url + 8 : strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    if (!rest || !*rest)
        return false;
    size_t n = (size_t)(rest - url) + strcspn(rest, "/?#");
    if (n >= size)
        return false;
    memcpy(out, url, n);
    out[n] = 0;
    return true;
}

static char *base64(const char *text)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(text);
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)text[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)text[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)text[i + 2];
        out[o++] = digits[(v >> 18) & 63];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = i + 1 < len ? digits[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? digits[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

/* "Name: value" in new memory the caller wipes; NULL when out of memory. */
static char *header_line(const char *name, const char *value)
{
    size_t size = strlen(name) + strlen(value) + 3;
    char *line = malloc(size);
    if (line)
        snprintf(line, size, "%s: %s", name, value);
    return line;
}

static weir_status_t resolve_auth(const http_spec_t *spec, http_fetcher_t *out, weir_err_t *err)
{
    const char *ref = spec->bearer_token_ref ? spec->bearer_token_ref
        : spec->password_ref                 ? spec->password_ref
                                             : spec->api_key_ref;
    if (!ref)
        return WEIR_OK;
    char *secret = secret_resolve(ref, err);
    if (!secret)
        return WEIR_ERR_AUTH;
    log_redact(secret);
    out->secrets[0] = secret;
    if (spec->api_key_param) {
        out->api_key = secret;
        return WEIR_OK;
    }
    char *value = NULL;
    if (spec->bearer_token_ref) {
        size_t size = strlen(secret) + 8;
        value = malloc(size);
        if (value)
            snprintf(value, size, "Bearer %s", secret);
    } else if (spec->basic_user) {
        size_t size = strlen(spec->basic_user) + strlen(secret) + 2;
        char *pair = malloc(size);
        if (pair) {
            snprintf(pair, size, "%s:%s", spec->basic_user, secret);
            char *encoded = base64(pair);
            secret_free(pair);
            if (encoded) {
                size = strlen(encoded) + 7;
                value = malloc(size);
                if (value)
                    snprintf(value, size, "Basic %s", encoded);
                log_redact(encoded);
                secret_free(encoded);
            }
        }
    } else
        value = strdup(secret);
    if (value)
        out->auth_header = header_line(spec->api_key_header ? spec->api_key_header : "Authorization", value);
    if (value)
        secret_free(value);
    if (!out->auth_header) {
        weir_err_set(err, "out of memory");
        return WEIR_ERR_NOMEM;
    }
    out->api_key = secret; /* kept only to be scrubbed from messages and freed */
    return WEIR_OK;
}

weir_status_t http_fetcher_open(const http_spec_t *spec, http_fetcher_t *out, weir_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->spec = spec;
    if (!http_url_origin(spec->base_url, out->origin, sizeof out->origin)) {
        weir_err_set(err, "source %s: base_url is not an http(s) URL", spec->name);
        return WEIR_ERR_INVALID;
    }
    snprintf(out->rate_key, sizeof out->rate_key, "%s %s", spec->name, out->origin);
    weir_status_t result = resolve_auth(spec, out, err);
    if (result == WEIR_OK)
        result = http_client_new(&out->client);
    if (result != WEIR_OK)
        http_fetcher_close(out);
    return result;
}

void http_fetcher_close(http_fetcher_t *fetcher)
{
    http_client_free(fetcher->client);
    if (fetcher->auth_header)
        secret_free(fetcher->auth_header);
    if (fetcher->api_key)
        secret_free(fetcher->api_key);
    memset(fetcher, 0, sizeof *fetcher);
}

weir_status_t http_query_append(weir_buf_t *out, const char *name, const char *value)
{
    const char *parts[2] = {name, value};
    weir_status_t result = buf_putc(out, out->len && strchr((const char *)out->data, '?') ? '&' : '?');
    for (int part = 0; part < 2 && result == WEIR_OK; part++) {
        if (part == 1)
            result = buf_putc(out, '=');
        for (const unsigned char *p = (const unsigned char *)parts[part]; *p && result == WEIR_OK; p++) {
            if (isalnum(*p) || strchr("-._~", *p))
                result = buf_putc(out, *p);
            else
                result = buf_printf(out, "%%%02X", *p);
        }
    }
    return result;
}

/* `text` with every credential value replaced, into `out`. */
static void scrub(const http_fetcher_t *fetcher, const char *text, char *out, size_t size)
{
    snprintf(out, size, "%s", text);
    for (int s = 0; s < 2; s++) {
        const char *secret = fetcher->secrets[s];
        size_t n = secret ? strlen(secret) : 0;
        char *at;
        while (n >= 4 && (at = strstr(out, secret)) != NULL) {
            static const char mark[] = "[REDACTED]";
            size_t tail = strlen(at + n);
            if ((size_t)(at - out) + sizeof mark + tail > size)
                tail = size - (size_t)(at - out) - sizeof mark;
            memmove(at + sizeof mark - 1, at + n, tail);
            at[sizeof mark - 1 + tail] = 0;
            memcpy(at, mark, sizeof mark - 1);
        }
    }
}

/* The URL as reports show it: path and query only (the host is in the source's spec). */
static const char *display_path(const http_fetcher_t *fetcher, const char *url)
{
    size_t n = strlen(fetcher->origin);
    return strncmp(url, fetcher->origin, n) == 0 ? url + n : url;
}

/* The API's own words for an error: Stripe's error.message, or the usual fields, else the start of
 * the body if it is text. */
static void api_message(const weir_buf_t *body, char *out, size_t size)
{
    out[0] = 0;
    json_t *doc = body->len ? json_loadb((const char *)body->data, body->len, 0, NULL) : NULL;
    static const char *const pointers[] = {"/error/message", "/error", "/message", "/error_description", "/detail"};
    for (size_t i = 0; doc && i < sizeof pointers / sizeof pointers[0] && !out[0]; i++) {
        const json_t *value = json_pointer_get(doc, pointers[i]);
        if (json_is_string(value))
            snprintf(out, size, "%s", json_string_value(value));
    }
    json_decref(doc);
    if (!out[0] && body->len) {
        size_t n = body->len < 200 && body->len < size ? body->len : (size < 200 ? size - 1 : 200);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = body->data[i];
            out[i] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
        }
        out[n] = 0;
    }
}

static void sleep_ms(long ms)
{
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        continue;
}

typedef struct {
    weir_status_t status; /* what a failure of this attempt is, if it is the last */
    bool retry;
    char why[900];
} attempt_t;

/* Judges an answer that is not a usable page. */
static void judge_status(const http_fetcher_t *fetcher, const char *url, const http_response_t *response,
                         const weir_buf_t *body, attempt_t *attempt)
{
    char message[400], scrubbed[400];
    api_message(body, message, sizeof message);
    scrub(fetcher, message, scrubbed, sizeof scrubbed);
    long status = response->status;
    const char *should = response->captured[CAP_SHOULD_RETRY];
    attempt->retry = status == 429 || status >= 500;
    if (strcasecmp(should, "false") == 0)
        attempt->retry = false; /* Stripe knows a repeat cannot succeed (or would do harm) */
    else if (strcasecmp(should, "true") == 0)
        attempt->retry = true;
    /* A server that says a repeat cannot succeed makes the failure final for the run too. */
    attempt->status = status == 401 || status == 403                      ? WEIR_ERR_AUTH
        : (status == 429 || status >= 500) && strcasecmp(should, "false") ? WEIR_ERR_UNAVAILABLE
                                                                          : WEIR_ERR_INVALID;
    snprintf(attempt->why, sizeof attempt->why, "GET %s answered %ld%s%s", display_path(fetcher, url), status,
             scrubbed[0] ? ": " : "", scrubbed);
}

/* One attempt; returns the page or NULL with `attempt` saying why and whether to try again. */
static json_t *attempt_page(http_fetcher_t *fetcher, const char *url, const char *records_pointer,
                            const json_t **records, http_response_t *response, attempt_t *attempt)
{
    const http_spec_t *spec = fetcher->spec;
    /* Fixed headers, the source's own (at most 32: more would be a configuration smell), auth. */
    const char *headers[34];
    char *owned[32] = {0};
    size_t count = 0, owned_count = 0;
    headers[count++] = "Accept: application/json";
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)spec->headers, name, value)
    {
        if (owned_count < 32 && json_is_string(value) &&
            (owned[owned_count] = header_line(name, json_string_value(value))))
            headers[count++] = owned[owned_count++];
    }
    if (fetcher->auth_header)
        headers[count++] = fetcher->auth_header;
    http_request_t request = {.method = "GET",
                              .url = url,
                              .headers = headers,
                              .header_count = count,
                              .timeout_ms = spec->timeout_seconds * 1000,
                              .connect_timeout_ms = CONNECT_TIMEOUT_MS,
                              .ca_file = spec->ca_cert,
                              .user_agent = "weir-agent",
                              .accept_encoding = true,
                              .capture = captured,
                              .capture_count = sizeof captured / sizeof captured[0]};
    weir_buf_t body;
    buf_init(&body, HTTP_PAGE_MAX_BYTES);
    http_rate_acquire(fetcher->rate_key, spec->requests_per_second);
    fetcher->requests++;
    weir_status_t sent = http_request(fetcher->client, &request, &body, response);
    for (size_t i = 0; i < owned_count; i++)
        free(owned[i]);
    json_t *doc = NULL;
    if (sent != WEIR_OK) {
        char scrubbed[300];
        scrub(fetcher, response->error, scrubbed, sizeof scrubbed);
        /* No answer is worth another try; an answer with a header too long to keep (a Link the
         * pager cannot follow whole) would only come back the same. */
        bool answered = sent == WEIR_ERR_INVALID;
        *attempt = (attempt_t){.status = sent == WEIR_ERR_UNAVAILABLE ? WEIR_ERR_UNAVAILABLE : sent,
                               .retry = sent == WEIR_ERR_UNAVAILABLE};
        snprintf(attempt->why, sizeof attempt->why, "GET %s %s: %s", display_path(fetcher, url),
                 answered ? "answered" : "got no answer", scrubbed);
    } else if (response->status < 200 || response->status > 299)
        judge_status(fetcher, url, response, &body, attempt);
    else {
        char why[300];
        doc = http_page_parse((const char *)body.data, body.len, records_pointer, records, why, sizeof why);
        /* A cut body is the usual cause of a page that does not parse: worth another try. */
        *attempt = (attempt_t){.status = WEIR_ERR_IO, .retry = true};
        snprintf(attempt->why, sizeof attempt->why, "GET %s answered %ld but %s", display_path(fetcher, url),
                 response->status, why);
    }
    buf_free(&body);
    return doc;
}

json_t *http_fetch_page(http_fetcher_t *fetcher, const char *url, const char *records_pointer, const json_t **records,
                        char link[HTTP_CAPTURE_VALUE], weir_status_t *status, weir_err_t *err)
{
    weir_buf_t full;
    /* A next URL as long as the pager follows, plus the API key parameter. */
    buf_init(&full, HTTP_PAGER_TOKEN + 1024);
    weir_status_t result = buf_puts(&full, url);
    if (result == WEIR_OK && fetcher->api_key && fetcher->spec->api_key_param)
        result = http_query_append(&full, fetcher->spec->api_key_param, fetcher->api_key);
    json_t *doc = NULL;
    attempt_t attempt = {.status = result, .why = "the URL does not fit"};
    long long attempts = fetcher->spec->max_attempts > 0 ? fetcher->spec->max_attempts : 1;
    for (int n = 1; result == WEIR_OK && n <= attempts && !doc; n++) {
        http_response_t response;
        memset(&response, 0, sizeof response);
        doc = attempt_page(fetcher, (const char *)full.data, records_pointer, records, &response, &attempt);
        if (doc) {
            snprintf(link, HTTP_CAPTURE_VALUE, "%s", response.captured[CAP_LINK]);
            break;
        }
        if (!attempt.retry || n == attempts)
            break;
        long wait =
            http_backoff_ms(n + 1, http_retry_after_seconds(response.captured[CAP_RETRY_AFTER], RETRY_AFTER_CAP_S),
                            (double)arc4random() / 4294967296.0);
        log_warn("source_http", "%s; attempt %d of %lld, retrying in %ld ms", attempt.why, n, attempts, wait);
        sleep_ms(wait);
    }
    buf_free(&full);
    if (!doc) {
        *status = attempt.status == WEIR_OK ? WEIR_ERR_INVALID : attempt.status;
        weir_err_set(err, "source %s: %s%s", fetcher->spec->name, attempt.why,
                     attempt.retry ? " (after every attempt)" : "");
    }
    return doc;
}
