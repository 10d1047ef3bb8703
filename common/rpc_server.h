/* rpc_server.h — a small gRPC C-core server for unary methods: calls are authorized from their
 * metadata before the request is read, served by a bounded set of reused worker threads (calls
 * beyond the cap are refused at once), unknown methods refused at once, graceful stop in short
 * slices. */
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

/* What is known of a call before its request message is read: its method and headers. */
typedef struct {
    const char *method;        /* "/pkg.Service/Method", borrowed */
    const char *authorization; /* value of the "authorization" header, or NULL; borrowed */
} rpc_call_meta_t;

typedef struct {
    const char *method;  /* "/pkg.Service/Method", borrowed */
    const uint8_t *body; /* serialized request, borrowed */
    size_t body_len;
    const char *authorization; /* value of the "authorization" header, or NULL */
} rpc_request_t;

typedef struct {
    grpc_status_code code; /* GRPC_STATUS_OK unless the handler sets another */
    char message[1024];    /* status text for errors */
    weir_buf_t body;       /* serialized response, sent when code is OK */
} rpc_reply_t;

/* Serialises `message` into the reply body, or sets INTERNAL when it cannot. */
void rpc_reply_pack(rpc_reply_t *reply, const ProtobufCMessage *message);

typedef void (*rpc_handler_fn)(void *ctx, const rpc_request_t *request, rpc_reply_t *reply);
/* Runs on the call's initial metadata, before its request message is received: returning false
 * refuses the call with UNAUTHENTICATED and the message is never read or parsed. */
typedef bool (*rpc_authorize_fn)(void *ctx, const rpc_call_meta_t *call);

/* A unary method: one request, one reply. */
typedef struct {
    const char *method;
    rpc_handler_fn handler;
} rpc_method_t;

typedef struct rpc_server rpc_server_t;

/* Counters since the server was created, for tests and metrics. */
typedef struct {
    unsigned long calls_served; /* reached a handler */
    unsigned long refused_auth; /* UNAUTHENTICATED from the metadata, body never read */
    unsigned long refused_busy; /* RESOURCE_EXHAUSTED: the worker cap was reached */
    unsigned long request_bodies_read;
    int peak_workers; /* most worker threads alive at once */
} rpc_server_stats_t;

/* `methods` and `ctx` are borrowed for the server's lifetime. Unknown methods get UNIMPLEMENTED. */
rpc_server_t *rpc_server_new(const rpc_method_t *methods, size_t count, void *ctx, rpc_authorize_fn authorize);
/* At most `max_calls` calls are served at once, each on its own worker thread; a call beyond that is
 * refused at once with RESOURCE_EXHAUSTED instead of starting another thread. RESOURCE_EXHAUSTED
 * means exactly this here (handlers never answer it): the call was refused before its request was
 * read, so a client may send it again. 0 (the default)
 * leaves it unbounded, for the provider whose only caller is the tofu process that started it.
 * Call before rpc_server_run. */
void rpc_server_set_max_calls(rpc_server_t *server, int max_calls);
/* Takes `creds`. `addr` is "unix:/path" or "host:port" (port 0 picks a free port; see
 * rpc_server_port). */
weir_status_t rpc_server_listen(rpc_server_t *server, const char *addr, grpc_server_credentials *creds,
                                weir_err_t *err) WEIR_MUSTCHECK;
/* The TCP port the last successful rpc_server_listen bound, or 0. */
int rpc_server_port(const rpc_server_t *server);
/* Starts serving and blocks until rpc_server_stop() is called or *external_stop becomes non-zero,
 * then stops gracefully: in-flight calls get up to `grace_ms` to finish before being cancelled. */
weir_status_t rpc_server_run(rpc_server_t *server, volatile sig_atomic_t *external_stop, int grace_ms) WEIR_MUSTCHECK;
/* Thread-safe; may be called from a handler. */
void rpc_server_stop(rpc_server_t *server);
bool rpc_server_stopping(const rpc_server_t *server);
void rpc_server_stats(rpc_server_t *server, rpc_server_stats_t *out);
void rpc_server_free(rpc_server_t *server);

#endif
