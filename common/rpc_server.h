/* rpc_server.h — a small gRPC C-core server for unary methods: calls are served by reused worker
 * threads (tofu runs at most ~10 concurrent calls), unknown methods refused at once, graceful stop
 * in short slices. */
#ifndef WEIR_RPC_SERVER_H
#define WEIR_RPC_SERVER_H

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <protobuf-c/protobuf-c.h>
#include <signal.h>
#include <stdbool.h>

#include "buf.h"
#include "status.h"

/* gRPC's default 4 MiB is too small for a schema or a state of thousands of objects; match the
 * Go SDK's 256 MiB. */
#define RPC_MAX_MESSAGE_BYTES (256 * 1024 * 1024)

typedef struct {
    const char *method;        /* "/pkg.Service/Method", borrowed */
    const uint8_t *body;       /* serialized request, borrowed */
    size_t body_len;
    const char *authorization; /* value of the "authorization" header, or NULL */
} rpc_request_t;

typedef struct {
    grpc_status_code code; /* GRPC_STATUS_OK unless the handler sets another */
    char message[1024];    /* status text for errors */
    weir_buf_t body;       /* serialized response, sent when code is OK */
} rpc_reply_t;

/* Serialises `message` into the reply body, or sets RESOURCE_EXHAUSTED when it cannot. */
void rpc_reply_pack(rpc_reply_t *reply, const ProtobufCMessage *message);

typedef void (*rpc_handler_fn)(void *ctx, const rpc_request_t *request, rpc_reply_t *reply);
/* Returns false to refuse the call with UNAUTHENTICATED. */
typedef bool (*rpc_authorize_fn)(void *ctx, const rpc_request_t *request);

/* A unary method: one request, one reply. */
typedef struct {
    const char *method;
    rpc_handler_fn handler;
} rpc_method_t;

typedef struct rpc_server rpc_server_t;

/* `methods` and `ctx` are borrowed for the server's lifetime. Unknown methods get UNIMPLEMENTED. */
rpc_server_t *rpc_server_new(const rpc_method_t *methods, size_t count, void *ctx,
                             rpc_authorize_fn authorize);
/* Takes `creds`. `addr` is "unix:/path" or "host:port". */
weir_status_t rpc_server_listen(rpc_server_t *server, const char *addr, grpc_server_credentials *creds,
                                weir_err_t *err) WEIR_MUSTCHECK;
/* Starts serving and blocks until rpc_server_stop() is called or *external_stop becomes non-zero,
 * then stops gracefully: in-flight calls get up to `grace_ms` to finish before being cancelled. */
weir_status_t rpc_server_run(rpc_server_t *server, volatile sig_atomic_t *external_stop,
                             int grace_ms) WEIR_MUSTCHECK;
/* Thread-safe; may be called from a handler. */
void rpc_server_stop(rpc_server_t *server);
bool rpc_server_stopping(const rpc_server_t *server);
void rpc_server_free(rpc_server_t *server);

#endif
