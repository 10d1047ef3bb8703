/* aws_sigv4.h — AWS Signature Version 4 for the agent's AWS calls (Secrets Manager, SSM, S3 stage
 * uploads). Pure: no clock, no I/O, so it is unit-tested against AWS's published
 * example requests. */
#ifndef WEIR_AWS_SIGV4_H
#define WEIR_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "status.h"

typedef struct {
    char access_key_id[128];
    char secret_access_key[128];
    char session_token[4096]; /* "" for long-term keys */
    time_t expires;           /* 0: does not expire */
} aws_credentials_t;

typedef struct {
    const char *method;         /* "GET", "POST" … */
    const char *host;           /* Host header value, with :port when not the default */
    const char *path;           /* URI-encoded absolute path, "/" at least */
    const char *query;          /* canonical query string (sorted, encoded), "" for none */
    const char *const *headers; /* extra signed headers as "name:value", lowercase names */
    size_t header_count;
    const void *payload;
    size_t payload_len;
    const char *payload_hash;   /* hex SHA-256 of a payload streamed from a file; overrides payload */
    bool content_sha256_header; /* S3: sign and send x-amz-content-sha256 */
    const char *region;
    const char *service;
    time_t when;
} aws_sigv4_request_t;

typedef struct {
    char amz_date[20];        /* X-Amz-Date: 20150830T123600Z */
    char payload_hash[65];    /* X-Amz-Content-Sha256 when asked for */
    char authorization[1024]; /* Authorization header value */
} aws_sigv4_result_t;

/* Signs `request`; the caller sends Host, X-Amz-Date, the extra headers, X-Amz-Security-Token
 * (when the credentials have one) and, when asked, X-Amz-Content-Sha256, exactly as signed. */
weir_status_t aws_sigv4_sign(const aws_sigv4_request_t *request, const aws_credentials_t *credentials,
                             aws_sigv4_result_t *out, weir_err_t *err) WEIR_MUSTCHECK;

#endif
