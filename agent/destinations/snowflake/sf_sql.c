/* sf_sql.c — Snowflake SQL API v2 over the agent's HTTP client: submission, polling, partitions, auth renewal, retries. */
#include "sf_sql.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_client.h"
#include "weir_version.h"

/* A result partition is at most tens of MB; more than this from one response is a protocol error. */
#define SF_RESPONSE_MAX_BYTES (256u * 1024u * 1024u)
/* Renew the JWT when it has less than this left: a statement may be polled for a while. */
#define SF_JWT_LIFETIME_S 3540
#define SF_JWT_RENEW_MARGIN_S 300

struct sf_client {
    http_client_t *http;
    char *base_url, *account, *user, *role, *warehouse, *database, *schema, *token, *token_type;
    const sf_keypair_t *keypair;
    char *jwt;
    time_t jwt_expires;
    int statement_timeout_s, max_attempts, backoff_base_ms;
    sf_client_stats_t stats;
};

static char *dup_opt(const char *text)
{
    return text ? strdup(text) : NULL;
}

weir_status_t sf_client_new(const sf_config_t *config, sf_client_t **out, weir_err_t *err)
{
    *out = NULL;
    if (!config->keypair && !config->token) {
        weir_err_set(err, "Snowflake: no credentials (key pair or token)");
        return WEIR_ERR_INVALID;
    }
    sf_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return WEIR_ERR_NOMEM;
    if (http_client_new(&c->http) != WEIR_OK)
        c->http = NULL;
    c->base_url = dup_opt(config->base_url);
    c->account = dup_opt(config->account);
    c->user = dup_opt(config->user);
    c->role = dup_opt(config->role);
    c->warehouse = dup_opt(config->warehouse);
    c->database = dup_opt(config->database);
    c->schema = dup_opt(config->schema);
    c->token = dup_opt(config->token);
    c->token_type = dup_opt(config->token_type ? config->token_type : "OAUTH");
    c->keypair = config->keypair;
    c->statement_timeout_s = config->statement_timeout_s > 0 ? config->statement_timeout_s : 3600;
    c->max_attempts = config->max_attempts > 0 ? config->max_attempts : 6;
    c->backoff_base_ms = config->backoff_base_ms > 0 ? config->backoff_base_ms : 500;
    if (!c->http || !c->base_url || !c->account || !c->user || !c->database || !c->schema) {
        sf_client_free(c);
        weir_err_set(err, "Snowflake: incomplete client configuration or out of memory");
        return WEIR_ERR_INVALID;
    }
    *out = c;
    return WEIR_OK;
}

static void wipe_free(char *secret)
{
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
}

void sf_client_free(sf_client_t *c)
{
    if (!c)
        return;
    http_client_free(c->http);
    free(c->base_url);
    free(c->account);
    free(c->user);
    free(c->role);
    free(c->warehouse);
    free(c->database);
    free(c->schema);
    wipe_free(c->token);
    free(c->token_type);
    wipe_free(c->jwt);
    free(c);
}

sf_client_stats_t sf_client_stats(const sf_client_t *c)
{
    return c->stats;
}

void sf_result_free(sf_result_t *result)
{
    json_decref(result->columns);
    json_decref(result->rows);
    memset(result, 0, sizeof *result);
}

size_t sf_result_row_count(const sf_result_t *result)
{
    return result->rows ? json_array_size(result->rows) : 0;
}

const char *sf_result_text(const sf_result_t *result, size_t row, size_t column)
{
    json_t *value = json_array_get(json_array_get(result->rows, row), column);
    return json_is_string(value) ? json_string_value(value) : NULL;
}

static weir_status_t bearer(sf_client_t *c, bool force_renew, char *header, size_t size, weir_err_t *err)
{
    if (!c->keypair) {
        snprintf(header, size, "Authorization: Bearer %s", c->token);
        return WEIR_OK;
    }
    time_t now = time(NULL);
    if (force_renew || !c->jwt || now + SF_JWT_RENEW_MARGIN_S >= c->jwt_expires) {
        char *jwt = NULL;
        weir_status_t result = sf_jwt_make(c->keypair, c->account, c->user, now, SF_JWT_LIFETIME_S, &jwt, err);
        if (result != WEIR_OK)
            return result;
        if (c->jwt)
            c->stats.token_renewals++;
        wipe_free(c->jwt);
        c->jwt = jwt;
        c->jwt_expires = now + SF_JWT_LIFETIME_S;
    }
    snprintf(header, size, "Authorization: Bearer %s", c->jwt);
    return WEIR_OK;
}

/* One HTTP exchange. *status is 0 after a transport failure (retryable). */
static weir_status_t http(sf_client_t *c, bool post, const char *url, const char *body, bool renew, long *status,
                          weir_buf_t *response, weir_err_t *err)
{
    char auth[8192];
    weir_status_t result = bearer(c, renew, auth, sizeof auth, err);
    if (result != WEIR_OK)
        return result;
    char token_type[96];
    snprintf(token_type, sizeof token_type, "X-Snowflake-Authorization-Token-Type: %s",
             c->keypair ? "KEYPAIR_JWT" : c->token_type);
    const char *headers[] = {auth, token_type, "Content-Type: application/json", "Accept: application/json",
                             "User-Agent: weir-agent/" WEIR_VERSION};
    /* The server holds a synchronous request for at most 45 s before answering 202. */
    http_request_t request = {.method = post ? "POST" : "GET",
                              .url = url,
                              .headers = headers,
                              .header_count = sizeof headers / sizeof headers[0],
                              .body = body,
                              .body_len = body ? strlen(body) : 0,
                              .timeout_ms = 120 * 1000,
                              .connect_timeout_ms = 10 * 1000,
                              .accept_encoding = true};
    http_response_t answer;
    result = http_request(c->http, &request, response, &answer);
    memset(auth, 0, sizeof auth);
    *status = answer.status;
    if (result == WEIR_ERR_NOMEM)
        return result;
    if (result != WEIR_OK) {
        weir_err_set(err, "Snowflake: %s: %s", url, answer.error);
        return WEIR_OK; /* transport failures are retried by the caller */
    }
    return WEIR_OK;
}

static void backoff(sf_client_t *c, int attempt)
{
    unsigned char random_byte = 128;
    (void)RAND_bytes(&random_byte, 1);
    long long ms = (long long)c->backoff_base_ms << (attempt < 10 ? attempt : 10);
    if (ms > 30000)
        ms = 30000;
    ms = ms / 2 + (ms * random_byte) / 255; /* 50 %–150 % of the nominal wait */
    struct timespec wait = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&wait, NULL);
}

static void describe_error(const weir_buf_t *body, long status, weir_err_t *err)
{
    json_t *root = json_loadb((const char *)body->data, body->len, 0, NULL);
    const char *message = json_string_value(json_object_get(root, "message"));
    const char *code = json_string_value(json_object_get(root, "code"));
    const char *state = json_string_value(json_object_get(root, "sqlState"));
    weir_err_set(err, "Snowflake error %s (%s, HTTP %ld): %s", code ? code : "?", state ? state : "?", status,
                 message ? message : "no message");
    json_decref(root);
}

/* Turns every non-null cell into a string so callers read one representation. */
static weir_status_t append_rows(sf_result_t *result, json_t *data)
{
    size_t i;
    json_t *row;
    json_array_foreach(data, i, row)
    {
        size_t j;
        json_t *cell;
        json_array_foreach(row, j, cell)
        {
            if (json_is_null(cell) || json_is_string(cell))
                continue;
            char *text = json_dumps(cell, JSON_ENCODE_ANY | JSON_COMPACT);
            if (!text || json_array_set_new(row, j, json_string(text)) != 0) {
                free(text);
                return WEIR_ERR_NOMEM;
            }
            free(text);
        }
        if (json_array_append(result->rows, row) != 0)
            return WEIR_ERR_NOMEM;
    }
    return WEIR_OK;
}

static weir_status_t read_result_set(sf_client_t *c, const weir_buf_t *body, sf_result_t *result, weir_err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)body->data, body->len, 0, &jerr);
    if (!root) {
        weir_err_set(err, "Snowflake: unreadable result: %s", jerr.text);
        return WEIR_ERR_INVALID;
    }
    json_t *meta = json_object_get(root, "resultSetMetaData");
    if (!meta) {
        /* A 200 without a result set is an error report from a server that does not use 422. */
        describe_error(body, 200, err);
        json_decref(root);
        return WEIR_ERR_INVALID;
    }
    result->columns = json_incref(json_object_get(meta, "rowType"));
    result->rows = json_array();
    const char *handle = json_string_value(json_object_get(root, "statementHandle"));
    snprintf(result->statement_handle, sizeof result->statement_handle, "%s", handle ? handle : "");
    json_t *stats = json_object_get(root, "stats");
    result->rows_inserted = json_integer_value(json_object_get(stats, "numRowsInserted"));
    result->rows_updated = json_integer_value(json_object_get(stats, "numRowsUpdated"));
    result->rows_deleted = json_integer_value(json_object_get(stats, "numRowsDeleted"));
    weir_status_t status = result->rows ? append_rows(result, json_object_get(root, "data")) : WEIR_ERR_NOMEM;
    size_t partitions = json_array_size(json_object_get(meta, "partitionInfo"));
    json_decref(root);

    weir_buf_t page;
    buf_init(&page, SF_RESPONSE_MAX_BYTES);
    for (size_t p = 1; status == WEIR_OK && p < partitions; p++) {
        char url[1024];
        snprintf(url, sizeof url, "%s/api/v2/statements/%s?partition=%zu", c->base_url, result->statement_handle, p);
        long code = 0;
        for (int attempt = 0; status == WEIR_OK; attempt++) {
            status = http(c, false, url, NULL, false, &code, &page, err);
            if (status != WEIR_OK || code == 200 || attempt + 1 >= c->max_attempts ||
                !(code == 0 || code == 429 || code >= 500))
                break;
            c->stats.retries++;
            backoff(c, attempt);
        }
        if (status == WEIR_OK && code != 200) {
            describe_error(&page, code, err);
            status = WEIR_ERR_UNAVAILABLE;
            break;
        }
        json_t *part = status == WEIR_OK ? json_loadb((const char *)page.data, page.len, 0, &jerr) : NULL;
        if (status == WEIR_OK && !part) {
            weir_err_set(err, "Snowflake: unreadable partition %zu: %s", p, jerr.text);
            status = WEIR_ERR_INVALID;
        }
        if (part) {
            status = append_rows(result, json_object_get(part, "data"));
            json_decref(part);
            c->stats.partitions_fetched++;
        }
    }
    buf_free(&page);
    if (status != WEIR_OK)
        sf_result_free(result);
    return status;
}

/* Answers the SQL API documents as worth resubmitting with the same requestId and retry=true:
 * no answer at all (0), throttling (429) and server errors (500, 502, 503, 504). */
static bool retryable(long code)
{
    return code == 0 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

static void new_request_id(char *out, size_t size)
{
    unsigned char b[16] = {0};
    (void)RAND_bytes(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

weir_status_t sf_execute(sf_client_t *c, const char *statement, sf_result_t *result, weir_err_t *err)
{
    memset(result, 0, sizeof *result);
    err->msg[0] = 0;
    json_t *request = json_pack("{s:s, s:i, s:s, s:s}", "statement", statement, "timeout", c->statement_timeout_s,
                                "database", c->database, "schema", c->schema);
    if (!request)
        return WEIR_ERR_NOMEM;
    if (c->warehouse)
        json_object_set_new(request, "warehouse", json_string(c->warehouse));
    if (c->role)
        json_object_set_new(request, "role", json_string(c->role));
    json_object_set_new(request, "parameters", json_pack("{s:s}", "TIMEZONE", "UTC"));
    char *body = json_dumps(request, JSON_COMPACT);
    json_decref(request);
    if (!body)
        return WEIR_ERR_NOMEM;

    char request_id[40];
    new_request_id(request_id, sizeof request_id);
    weir_buf_t response;
    buf_init(&response, SF_RESPONSE_MAX_BYTES);
    weir_status_t status = WEIR_ERR_UNAVAILABLE;
    bool renewed = false;
    long code = 0;
    for (int attempt = 0; attempt < c->max_attempts; attempt++) {
        char url[1024];
        /* The same requestId with retry=true lets Snowflake refuse to run a statement twice. */
        snprintf(url, sizeof url, "%s/api/v2/statements?requestId=%s%s", c->base_url, request_id,
                 attempt ? "&retry=true" : "");
        c->stats.submissions++;
        status = http(c, true, url, body, false, &code, &response, err);
        if (status != WEIR_OK)
            break;
        if (code == 401 && !renewed) {
            /* An expired or rotated token: renew once and resubmit at once, as a retry. */
            renewed = true;
            snprintf(url, sizeof url, "%s/api/v2/statements?requestId=%s&retry=true", c->base_url, request_id);
            c->stats.submissions++;
            status = http(c, true, url, body, true, &code, &response, err);
            if (status != WEIR_OK)
                break;
        }
        while (code == 202) {
            json_t *root = json_loadb((const char *)response.data, response.len, 0, NULL);
            char status_url[1024];
            const char *handle = json_string_value(json_object_get(root, "statementHandle"));
            snprintf(status_url, sizeof status_url, "%s/api/v2/statements/%s", c->base_url, handle ? handle : "");
            json_decref(root);
            if (!handle) {
                weir_err_set(err, "Snowflake: 202 without a statement handle");
                status = WEIR_ERR_INVALID;
                goto out;
            }
            for (int polls = 0;; polls++) {
                backoff(c, polls < 4 ? polls : 4);
                c->stats.polls++;
                status = http(c, false, status_url, NULL, false, &code, &response, err);
                if (status != WEIR_OK)
                    goto out;
                if (code == 401 && !renewed) {
                    renewed = true;
                    status = http(c, false, status_url, NULL, true, &code, &response, err);
                    if (status != WEIR_OK)
                        goto out;
                }
                if (code != 202 && !retryable(code))
                    break;
                if (polls > 100000) {
                    weir_err_set(err, "Snowflake: statement %s never finished", handle);
                    status = WEIR_ERR_UNAVAILABLE;
                    goto out;
                }
            }
        }
        if (code == 200) {
            status = read_result_set(c, &response, result, err);
            goto out;
        }
        if (retryable(code)) {
            status = WEIR_ERR_UNAVAILABLE;
            if (code)
                describe_error(&response, code, err);
            if (attempt + 1 < c->max_attempts) {
                c->stats.retries++;
                backoff(c, attempt);
            }
            continue;
        }
        describe_error(&response, code, err);
        /* By status: refused credentials or role (401, 403) will not improve by retrying; a timeout or
         * another server error (408, 5xx) may pass; anything else is a statement Snowflake rejected. */
        status = code == 401 || code == 403 ? WEIR_ERR_AUTH
            : code == 408 || code >= 500    ? WEIR_ERR_UNAVAILABLE
                                            : WEIR_ERR_INVALID;
        goto out;
    }
out:
    buf_free(&response);
    free(body);
    return status;
}

weir_status_t sf_put_ident(weir_buf_t *sql, const char *name)
{
    weir_status_t result = buf_putc(sql, '"');
    for (const char *p = name; *p && result == WEIR_OK; p++)
        result = *p == '"' ? buf_puts(sql, "\"\"") : buf_putc(sql, (uint8_t)*p);
    return result == WEIR_OK ? buf_putc(sql, '"') : result;
}

void sf_upper_name(const char *name, char *out, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        out[i] = (char)toupper((unsigned char)name[i]);
    out[i] = 0;
}

weir_status_t sf_put_column(weir_buf_t *sql, const char *unquoted_name)
{
    char upper[256];
    sf_upper_name(unquoted_name, upper, sizeof upper);
    return sf_put_ident(sql, upper);
}

weir_status_t sf_put_literal(weir_buf_t *sql, const char *value, size_t len)
{
    weir_status_t result = buf_putc(sql, '\'');
    for (size_t i = 0; i < len && result == WEIR_OK; i++) {
        char c = value[i];
        if (c == '\'')
            result = buf_puts(sql, "''");
        else if (c == '\\')
            result = buf_puts(sql, "\\\\");
        else
            result = buf_putc(sql, (uint8_t)c);
    }
    return result == WEIR_OK ? buf_putc(sql, '\'') : result;
}

weir_status_t sf_run(sf_client_t *client, weir_buf_t *sql, sf_result_t *result_out, weir_err_t *err)
{
    sf_result_t result;
    weir_status_t status = sf_execute(client, (const char *)sql->data, &result, err);
    if (status == WEIR_OK && result_out)
        *result_out = result;
    else if (status == WEIR_OK)
        sf_result_free(&result);
    buf_reset(sql);
    return status;
}
