/* aws_client.c — credentials (environment, IMDSv2), region, endpoints and signed JSON calls. */
#include "aws_client.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_client.h"
#include "log.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TIMEOUT_MS 2000L
#define AWS_CALL_TIMEOUT_S 30L
#define CREDENTIALS_REFRESH_MARGIN_S 300

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static aws_credentials_t cache;

/* One IMDS request; `token` NULL asks for a session token (PUT). Returns the body in `out`. */
static weir_status_t imds(const char *path, const char *token, weir_buf_t *out, weir_err_t *err)
{
    const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!base || !*base)
        base = IMDS_DEFAULT;
    size_t base_len = strlen(base);
    if (base[base_len - 1] == '/') /* the SDKs accept the endpoint with or without it */
        base_len--;
    char url[512], header[600];
    snprintf(url, sizeof url, "%.*s%s", (int)base_len, base, path);
    if (token)
        snprintf(header, sizeof header, "X-aws-ec2-metadata-token: %s", token);
    else
        snprintf(header, sizeof header, "X-aws-ec2-metadata-token-ttl-seconds: 21600");
    const char *headers[] = {header};
    http_request_t request = {.method = token ? "GET" : "PUT",
                              .url = url,
                              .headers = headers,
                              .header_count = 1,
                              .timeout_ms = IMDS_TIMEOUT_MS};
    http_response_t response;
    weir_status_t result = http_request(NULL, &request, out, &response);
    OPENSSL_cleanse(header, sizeof header);
    if (result == WEIR_ERR_NOMEM)
        return result;
    if (result != WEIR_OK || response.status != 200 || buf_append(out, "", 1) != WEIR_OK) {
        weir_err_set(err, "instance metadata (IMDSv2) %s: %s", path,
                     result != WEIR_OK            ? response.error
                         : response.status == 404 ? "not found (no instance profile?)"
                                                  : "unexpected HTTP status");
        return WEIR_ERR_UNAVAILABLE;
    }
    out->len--; /* keep the terminator out of the length */
    return WEIR_OK;
}

static weir_status_t imds_token(char *token, size_t size, weir_err_t *err)
{
    weir_buf_t body;
    buf_init(&body, 4096);
    weir_status_t result = imds("/latest/api/token", NULL, &body, err);
    if (result == WEIR_OK)
        snprintf(token, size, "%s", (const char *)body.data);
    buf_free(&body);
    return result;
}

static weir_status_t instance_profile(aws_credentials_t *out, weir_err_t *err)
{
    char token[512];
    weir_buf_t body;
    buf_init(&body, 64 * 1024);
    json_t *doc = NULL;
    weir_status_t result = imds_token(token, sizeof token, err);
    if (result == WEIR_OK)
        result = imds("/latest/meta-data/iam/security-credentials/", token, &body, err);
    if (result != WEIR_OK)
        goto out;
    char role[256], path[400];
    snprintf(role, sizeof role, "%.*s", (int)strcspn((const char *)body.data, "\r\n"), (const char *)body.data);
    snprintf(path, sizeof path, "/latest/meta-data/iam/security-credentials/%s", role);
    result = imds(path, token, &body, err);
    if (result != WEIR_OK)
        goto out;
    doc = json_loadb((const char *)body.data, body.len, 0, NULL);
    const char *key = json_string_value(json_object_get(doc, "AccessKeyId"));
    const char *secret = json_string_value(json_object_get(doc, "SecretAccessKey"));
    const char *session = json_string_value(json_object_get(doc, "Token"));
    const char *expiration = json_string_value(json_object_get(doc, "Expiration"));
    if (!key || !secret) {
        weir_err_set(err, "instance metadata: role %s returned no credentials", role);
        result = WEIR_ERR_UNAVAILABLE;
        goto out;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->access_key_id, sizeof out->access_key_id, "%s", key);
    snprintf(out->secret_access_key, sizeof out->secret_access_key, "%s", secret);
    snprintf(out->session_token, sizeof out->session_token, "%s", session ? session : "");
    struct tm tm = {0};
    if (expiration &&
        sscanf(expiration, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        out->expires = timegm(&tm);
    } else {
        out->expires = time(NULL) + 600; /* unknown: ask again soon */
    }
    log_info("aws", "using instance profile role %s (credentials expire %s)", role, expiration ? expiration : "?");
out:
    if (body.data)
        OPENSSL_cleanse(body.data, body.len);
    buf_free(&body);
    json_decref(doc);
    OPENSSL_cleanse(token, sizeof token);
    return result;
}

weir_status_t aws_credentials_get(aws_credentials_t *out, weir_err_t *err)
{
    const char *key = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (key && *key && secret && *secret) {
        memset(out, 0, sizeof *out);
        snprintf(out->access_key_id, sizeof out->access_key_id, "%s", key);
        snprintf(out->secret_access_key, sizeof out->secret_access_key, "%s", secret);
        const char *session = getenv("AWS_SESSION_TOKEN");
        snprintf(out->session_token, sizeof out->session_token, "%s", session ? session : "");
        return WEIR_OK;
    }
    pthread_mutex_lock(&cache_lock);
    weir_status_t result = WEIR_OK;
    if (!cache.access_key_id[0] || (cache.expires && cache.expires - CREDENTIALS_REFRESH_MARGIN_S <= time(NULL))) {
        aws_credentials_t fresh;
        result = instance_profile(&fresh, err);
        if (result == WEIR_OK)
            cache = fresh;
        OPENSSL_cleanse(&fresh, sizeof fresh);
    }
    if (result == WEIR_OK)
        *out = cache;
    pthread_mutex_unlock(&cache_lock);
    return result;
}

weir_status_t aws_region_get(char *out, size_t size, weir_err_t *err)
{
    const char *region = getenv("AWS_REGION");
    if (!region || !*region)
        region = getenv("AWS_DEFAULT_REGION");
    if (region && *region) {
        snprintf(out, size, "%s", region);
        return WEIR_OK;
    }
    char token[512];
    weir_buf_t body;
    buf_init(&body, 4096);
    weir_status_t result = imds_token(token, sizeof token, err);
    if (result == WEIR_OK)
        result = imds("/latest/meta-data/placement/region", token, &body, err);
    if (result == WEIR_OK)
        snprintf(out, size, "%s", (const char *)body.data);
    buf_free(&body);
    return result;
}

void aws_endpoint(const char *service, const char *region, char *out, size_t size)
{
    char variable[64] = "AWS_ENDPOINT_URL_";
    size_t n = strlen(variable);
    /* Service ids as the SDKs spell them in variable names: SECRETS_MANAGER, SSM, S3. */
    const char *id = strcmp(service, "secretsmanager") == 0 ? "SECRETS_MANAGER" : service;
    for (const char *p = id; *p && n + 1 < sizeof variable; p++)
        variable[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    variable[n] = 0;
    const char *endpoint = getenv(variable);
    if (!endpoint || !*endpoint)
        endpoint = getenv("AWS_ENDPOINT_URL");
    if (endpoint && *endpoint)
        snprintf(out, size, "%s", endpoint);
    else
        snprintf(out, size, "https://%s.%s.amazonaws.com", service, region);
    size_t len = strlen(out);
    if (len && out[len - 1] == '/')
        out[len - 1] = 0;
}

void aws_xml_error_code(weir_buf_t *body, char *out, size_t size)
{
    out[0] = 0;
    if (buf_append(body, "", 1) != WEIR_OK)
        return;
    body->len--;
    const char *start = strstr((const char *)body->data, "<Code>");
    const char *end = start ? strstr(start, "</Code>") : NULL;
    if (end)
        snprintf(out, size, "%.*s", (int)(end - start - 6), start + 6);
}

weir_status_t aws_json_call(const char *service, const char *region, const char *target, const char *body,
                            weir_buf_t *response, weir_err_t *err)
{
    aws_credentials_t credentials;
    weir_status_t result = aws_credentials_get(&credentials, err);
    if (result != WEIR_OK)
        return result;
    char endpoint[512], host[512], target_header[160], date_header[64], auth_header[1100];
    aws_endpoint(service, region, endpoint, sizeof endpoint);
    const char *authority = strstr(endpoint, "://") ? strstr(endpoint, "://") + 3 : endpoint;
    snprintf(host, sizeof host, "%.*s", (int)strcspn(authority, "/"), authority);
    snprintf(target_header, sizeof target_header, "x-amz-target:%s", target);
    const char *signed_headers[] = {"content-type:application/x-amz-json-1.1", target_header};
    aws_sigv4_request_t request = {.method = "POST",
                                   .host = host,
                                   .path = "/",
                                   .query = "",
                                   .headers = signed_headers,
                                   .header_count = 2,
                                   .payload = body,
                                   .payload_len = strlen(body),
                                   .region = region,
                                   .service = service,
                                   .when = time(NULL)};
    aws_sigv4_result_t signature;
    result = aws_sigv4_sign(&request, &credentials, &signature, err);
    char *token_header = NULL;
    long status = 0;
    if (result != WEIR_OK)
        goto out;
    snprintf(date_header, sizeof date_header, "X-Amz-Date: %s", signature.amz_date);
    snprintf(auth_header, sizeof auth_header, "Authorization: %s", signature.authorization);
    const char *headers[6] = {"Content-Type: application/x-amz-json-1.1", target_header, date_header, auth_header};
    size_t header_count = 4;
    if (credentials.session_token[0]) {
        size_t len = strlen(credentials.session_token) + 32;
        token_header = malloc(len);
        if (token_header) {
            snprintf(token_header, len, "X-Amz-Security-Token: %s", credentials.session_token);
            headers[header_count++] = token_header;
        }
    }
    headers[header_count++] = "Expect:";
    char url[600];
    snprintf(url, sizeof url, "%s/", endpoint);
    http_request_t http = {.method = "POST",
                           .url = url,
                           .headers = headers,
                           .header_count = header_count,
                           .body = body,
                           .body_len = strlen(body),
                           .timeout_ms = AWS_CALL_TIMEOUT_S * 1000};
    http_response_t answer;
    result = http_request(NULL, &http, response, &answer);
    status = answer.status;
    if (result == WEIR_ERR_NOMEM) {
        goto out;
    } else if (result != WEIR_OK) {
        weir_err_set(err, "%s %s: %s", service, target, answer.error);
        result = WEIR_ERR_UNAVAILABLE;
    } else if (status < 200 || status > 299) {
        json_t *doc = json_loadb((const char *)response->data, response->len, 0, NULL);
        const char *type = json_string_value(json_object_get(doc, "__type"));
        const char *message = json_string_value(json_object_get(doc, "message"));
        if (!message)
            message = json_string_value(json_object_get(doc, "Message"));
        char code_text[128] = "";
        if (!type)
            aws_xml_error_code(response, code_text, sizeof code_text);
        weir_err_set(err, "%s %s: HTTP %ld %s%s%s%s", service, target, status, type ? type : "", code_text,
                     message ? ": " : "", message ? message : "");
        result = status == 429 || status >= 500                          ? WEIR_ERR_UNAVAILABLE
            : status == 400 && type && strstr(type, "ResourceNotFound")  ? WEIR_ERR_NOT_FOUND
            : status == 400 && type && strstr(type, "ParameterNotFound") ? WEIR_ERR_NOT_FOUND
                                                                         : WEIR_ERR_AUTH;
        json_decref(doc); /* `type` and `message` point into it */
    }
out:
    if (token_header) {
        OPENSSL_cleanse(token_header, strlen(token_header));
        free(token_header);
    }
    OPENSSL_cleanse(&credentials, sizeof credentials);
    OPENSSL_cleanse(auth_header, sizeof auth_header);
    return result;
}
