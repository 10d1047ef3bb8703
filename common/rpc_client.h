/* rpc_client.h — unary gRPC calls over TLS with a bearer token, cancellable as a group. */
#ifndef WEIR_RPC_CLIENT_H
#define WEIR_RPC_CLIENT_H

#include <grpc/grpc.h>

#include "buf.h"
#include "status.h"

typedef struct rpc_channel rpc_channel_t;

typedef struct {
    grpc_status_code code;
    char message[1024];
} rpc_error_t;

/* `ca_pem` is the PEM text of the CA to trust (NULL: the system's roots). `token` may be NULL.
 * Strings are copied. Returns NULL with err filled. */
rpc_channel_t *rpc_channel_new(const char *target, const char *ca_pem, const char *token, weir_err_t *err);
void rpc_channel_free(rpc_channel_t *channel);

/* Sends one request and waits up to `timeout_ms` for the reply, which is appended to `response`.
 * Returns WEIR_OK only for status OK; otherwise `error` holds the gRPC status. Safe to call from
 * several threads at once. */
weir_status_t rpc_call(rpc_channel_t *channel, const char *method, const uint8_t *request, size_t request_len,
                       weir_buf_t *response, int timeout_ms, rpc_error_t *error) WEIR_MUSTCHECK;

/* Cancels every call in flight on the channel (OpenTofu's StopProvider). */
void rpc_channel_cancel_all(rpc_channel_t *channel);

#endif
