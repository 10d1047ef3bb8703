/* secrets.c — secret reference resolution: env:, file:, aws-sm: (Secrets Manager) and ssm: (Parameter Store). */
#include "secrets.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"
#include "fileutil.h"
#include "log.h"
#include "spec.h"
#include "strutil.h"

/* Secrets are short: keys and passwords. A larger file is a mistake (a wrong path). */
#define SECRET_MAX_BYTES (64 * 1024)

/* The region an ARN names ("arn:aws:service:REGION:…"), or the agent's own region. */
static weir_status_t region_for(const char *id, char *region, size_t size, weir_err_t *err)
{
    if (strncmp(id, "arn:", 4) == 0) {
        const char *p = id;
        for (int colons = 0; colons < 3 && p; colons++)
            p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
        size_t len = p ? strcspn(p, ":") : 0;
        if (len) /* a region that does not fit is an error, not a cut name */
            return str_format(region, size, err, "the region in the secret ARN", "%.*s", (int)len, p);
    }
    return aws_region_get(region, size, err);
}

/* Fetches an aws-sm: or ssm: reference. "#key" picks one field of a JSON secret. */
static char *resolve_aws(const char *reference, weir_err_t *err)
{
    bool secrets_manager = strncmp(reference, "aws-sm:", 7) == 0;
    const char *id_start = reference + (secrets_manager ? 7 : 4);
    const char *hash = strchr(id_start, '#');
    /* Secret ARNs and names, and parameter names, are far shorter than this (2048 is SSM's limit). */
    char id[2048], region[64], failure[sizeof err->msg];
    size_t id_len = hash ? (size_t)(hash - id_start) : strlen(id_start);
    weir_buf_t response;
    buf_init(&response, 1024 * 1024);
    json_t *request = NULL, *doc = NULL, *fields = NULL;
    char *body = NULL, *value = NULL;
    weir_status_t result = str_format(id, sizeof id, err, "the secret id", "%.*s", (int)id_len, id_start);
    if (result == WEIR_OK)
        result = region_for(id, region, sizeof region, err);
    if (result != WEIR_OK)
        goto out;
    request =
        secrets_manager ? json_pack("{s:s}", "SecretId", id) : json_pack("{s:s, s:b}", "Name", id, "WithDecryption", 1);
    body = request ? json_dumps(request, JSON_COMPACT) : NULL;
    if (!body) {
        result = WEIR_ERR_NOMEM;
        goto out;
    }
    result = aws_json_call(secrets_manager ? "secretsmanager" : "ssm", region,
                           secrets_manager ? "secretsmanager.GetSecretValue" : "AmazonSSM.GetParameter", body,
                           &response, err);
    if (result != WEIR_OK)
        goto out;
    doc = json_loadb((const char *)response.data, response.len, 0, NULL);
    const char *text = secrets_manager ? json_string_value(json_object_get(doc, "SecretString"))
                                       : json_string_value(json_object_get(json_object_get(doc, "Parameter"), "Value"));
    if (!text) {
        weir_err_set(err, "the answer has no %s",
                     secrets_manager ? "SecretString (binary secrets are not supported)" : "Parameter.Value");
        result = WEIR_ERR_INVALID;
        goto out;
    }
    if (hash) {
        fields = json_loads(text, 0, NULL);
        const char *field = json_string_value(json_object_get(fields, hash + 1));
        if (!field) {
            weir_err_set(err, "the secret is not a JSON object with a string field \"%s\"", hash + 1);
            result = WEIR_ERR_INVALID;
            goto out;
        }
        text = field;
    }
    value = strdup(text);
    if (!value)
        result = WEIR_ERR_NOMEM;
out:
    if (result != WEIR_OK) {
        snprintf(failure, sizeof failure, "%s", err->msg);
        weir_err_set(err, "secret %s: %s", reference, failure);
    }
    if (response.data)
        OPENSSL_cleanse(response.data, response.len);
    buf_free(&response);
    json_decref(request);
    json_decref(doc);
    json_decref(fields); /* jansson does not wipe: the JSON copies live only as long as this call */
    free(body);
    return value;
}

char *secret_resolve(const char *reference, weir_err_t *err)
{
    char why[256];
    if (!spec_secret_ref_valid(reference, why, sizeof why)) {
        weir_err_set(err, "invalid secret reference: %s", why);
        return NULL;
    }
    char *value = NULL;
    if (strncmp(reference, "env:", 4) == 0) {
        const char *found = getenv(reference + 4);
        if (!found) {
            weir_err_set(err, "secret %s: the agent's environment has no %s", reference, reference + 4);
            return NULL;
        }
        value = strdup(found);
    } else if (strncmp(reference, "file:", 5) == 0) {
        weir_err_t read_err;
        value = file_read_all(reference + 5, SECRET_MAX_BYTES, &read_err);
        if (!value) {
            weir_err_set(err, "secret %s: %s", reference, read_err.msg);
            return NULL;
        }
    } else {
        value = resolve_aws(reference, err);
        if (!value)
            return NULL;
    }
    if (!value) {
        weir_err_set(err, "out of memory");
        return NULL;
    }
    size_t len = strlen(value);
    while (len && (value[len - 1] == '\n' || value[len - 1] == '\r'))
        value[--len] = 0;
    log_redact(value);
    return value;
}

void secret_free(char *value)
{
    if (!value)
        return;
    OPENSSL_cleanse(value, strlen(value));
    free(value);
}
