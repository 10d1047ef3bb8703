/* rpc_server.c — gRPC C-core server loop: authorize from metadata, then serve each call on one of a
 * capped set of reused worker threads. */
#include "rpc_server.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct rpc_server {
    grpc_server *server;
    grpc_completion_queue *cq;
    const rpc_method_t *methods;
    size_t method_count;
    void *ctx;
    rpc_authorize_fn authorize;
    int max_calls; /* 0: unbounded */
    int port;      /* bound by the last rpc_server_listen */
    atomic_int stopping;
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when a worker exits */
    pthread_cond_t work; /* signalled when a call is queued or the server stops */
    int workers;         /* worker threads alive */
    int idle_workers;    /* of which waiting for work */
    int active_calls;    /* admitted and not yet finished: queued or being served */
    int queued_calls;    /* of which waiting for a worker */
    struct call_ctx *queue_head, *queue_tail;
    rpc_server_stats_t stats; /* under `lock` */
};

typedef struct call_ctx {
    struct call_ctx *next; /* in the server's queue */
    rpc_server_t *server;
    grpc_completion_queue *call_cq; /* the call's batches complete here, not on the server's queue */
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array metadata;
} call_ctx_t;

/* How often blocked loops look at the stop flag. */
#define RPC_SLICE_MS 100
/* A client sends its request right after opening a unary call; a minute is generous. */
#define RPC_REQUEST_WAIT_MS 60000

static gpr_timespec in_ms(int ms)
{
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

void rpc_reply_pack(rpc_reply_t *reply, const ProtobufCMessage *message)
{
    size_t len = protobuf_c_message_get_packed_size(message);
    uint8_t *packed = malloc(len ? len : 1);
    if (!packed || buf_append(&reply->body, packed, protobuf_c_message_pack(message, packed)) != WEIR_OK) {
        reply->code = GRPC_STATUS_INTERNAL;
        snprintf(reply->message, sizeof reply->message, "response too large");
    }
    free(packed);
}

rpc_server_t *rpc_server_new(const rpc_method_t *methods, size_t count, void *ctx, rpc_authorize_fn authorize)
{
    rpc_server_t *server = calloc(1, sizeof *server);
    if (!server)
        return NULL;
    grpc_arg args[2] = {
        {.type = GRPC_ARG_INTEGER, .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, .value.integer = RPC_MAX_MESSAGE_BYTES},
        {.type = GRPC_ARG_INTEGER, .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, .value.integer = RPC_MAX_MESSAGE_BYTES},
    };
    grpc_channel_args channel_args = {.num_args = 2, .args = args};
    server->server = grpc_server_create(&channel_args, NULL);
    server->cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(server->server, server->cq, NULL);
    server->methods = methods;
    server->method_count = count;
    server->ctx = ctx;
    server->authorize = authorize;
    pthread_mutex_init(&server->lock, NULL);
    pthread_cond_init(&server->idle, NULL);
    pthread_cond_init(&server->work, NULL);
    return server;
}

weir_status_t rpc_server_listen(rpc_server_t *server, const char *addr, grpc_server_credentials *creds, weir_err_t *err)
{
    int port = grpc_server_add_http2_port(server->server, addr, creds);
    grpc_server_credentials_release(creds);
    if (port == 0) {
        weir_err_set(err, "cannot listen on %s (address in use or not permitted)", addr);
        return WEIR_ERR_IO;
    }
    server->port = port;
    return WEIR_OK;
}

int rpc_server_port(const rpc_server_t *server)
{
    return server->port;
}

void rpc_server_set_max_calls(rpc_server_t *server, int max_calls)
{
    server->max_calls = max_calls > 0 ? max_calls : 0;
}

void rpc_server_stats(rpc_server_t *server, rpc_server_stats_t *out)
{
    pthread_mutex_lock(&server->lock);
    *out = server->stats;
    pthread_mutex_unlock(&server->lock);
}

static void count(rpc_server_t *server, unsigned long *counter)
{
    pthread_mutex_lock(&server->lock);
    (*counter)++;
    pthread_mutex_unlock(&server->lock);
}

void rpc_server_stop(rpc_server_t *server)
{
    atomic_store(&server->stopping, 1);
}
bool rpc_server_stopping(const rpc_server_t *server)
{
    return atomic_load(&server->stopping) != 0;
}

static void free_call_ctx(call_ctx_t *ctx)
{
    if (ctx->call)
        grpc_call_unref(ctx->call);
    grpc_call_details_destroy(&ctx->details);
    grpc_metadata_array_destroy(&ctx->metadata);
    grpc_completion_queue_shutdown(ctx->call_cq);
    grpc_completion_queue_destroy(ctx->call_cq);
    free(ctx);
}

static call_ctx_t *request_call(rpc_server_t *server)
{
    call_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->server = server;
    ctx->call_cq = grpc_completion_queue_create_for_pluck(NULL);
    grpc_call_details_init(&ctx->details);
    grpc_metadata_array_init(&ctx->metadata);
    if (grpc_server_request_call(server->server, &ctx->call, &ctx->details, &ctx->metadata, ctx->call_cq, server->cq,
                                 ctx) != GRPC_CALL_OK) {
        ctx->call = NULL;
        free_call_ctx(ctx);
        return NULL;
    }
    return ctx;
}

static char *slice_dup(grpc_slice slice)
{
    size_t len = GRPC_SLICE_LENGTH(slice);
    char *out = malloc(len + 1);
    if (out) {
        memcpy(out, GRPC_SLICE_START_PTR(slice), len);
        out[len] = 0;
    }
    return out;
}

static bool pluck_done(grpc_completion_queue *cq, void *tag)
{
    for (;;) {
        grpc_event ev = grpc_completion_queue_pluck(cq, tag, in_ms(RPC_SLICE_MS), NULL);
        if (ev.type == GRPC_OP_COMPLETE)
            return ev.success != 0;
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            return false;
    }
}

/* Waits up to `limit_ms` for `tag`; false on timeout or failure. */
static bool pluck_bounded(grpc_completion_queue *cq, void *tag, int limit_ms)
{
    for (int waited = 0; waited < limit_ms; waited += RPC_SLICE_MS) {
        grpc_event ev = grpc_completion_queue_pluck(cq, tag, in_ms(RPC_SLICE_MS), NULL);
        if (ev.type == GRPC_OP_COMPLETE)
            return ev.success != 0;
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            return false;
    }
    return false;
}

static void read_payload(grpc_byte_buffer *payload, weir_buf_t *out, bool *ok)
{
    *ok = true;
    if (!payload)
        return;
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, payload)) {
        *ok = false;
        return;
    }
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    if (buf_append(out, GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all)) != WEIR_OK)
        *ok = false;
    grpc_slice_unref(all);
    grpc_byte_buffer_reader_destroy(&reader);
}

static const rpc_method_t *find_method(const rpc_server_t *server, const char *name)
{
    for (size_t i = 0; i < server->method_count; i++)
        if (strcmp(server->methods[i].method, name) == 0)
            return &server->methods[i];
    return NULL;
}

/* Ends a call without reading its request: status only. The client's half-close normally arrives
 * at once; a call that stays open past the wait is cancelled so it cannot hold a worker. */
static void refuse_early(call_ctx_t *ctx, grpc_status_code code, const char *message)
{
    int cancelled = 0;
    grpc_slice details = grpc_slice_from_copied_string(message);
    grpc_op refuse[3] = {
        {.op = GRPC_OP_SEND_INITIAL_METADATA},
        {.op = GRPC_OP_SEND_STATUS_FROM_SERVER,
         .data.send_status_from_server = {.status = code, .status_details = &details}},
        {.op = GRPC_OP_RECV_CLOSE_ON_SERVER, .data.recv_close_on_server.cancelled = &cancelled},
    };
    if (grpc_call_start_batch(ctx->call, refuse, 3, (void *)4, NULL) == GRPC_CALL_OK &&
        !pluck_bounded(ctx->call_cq, (void *)4, RPC_REQUEST_WAIT_MS)) {
        grpc_call_cancel(ctx->call, NULL);
        pluck_done(ctx->call_cq, (void *)4);
    }
    grpc_slice_unref(details);
}

/* The last "authorization" header of the call's initial metadata, new, or NULL. */
static char *authorization_header(const grpc_metadata_array *metadata)
{
    char *found = NULL;
    for (size_t i = 0; i < metadata->count; i++) {
        grpc_slice key = metadata->metadata[i].key;
        if (GRPC_SLICE_LENGTH(key) == 13 && memcmp(GRPC_SLICE_START_PTR(key), "authorization", 13) == 0) {
            free(found);
            found = slice_dup(metadata->metadata[i].value);
        }
    }
    return found;
}

static void send_reply(call_ctx_t *ctx, const rpc_reply_t *reply)
{
    int cancelled = 0;
    grpc_byte_buffer *response_payload = NULL;
    grpc_op last[3];
    size_t n = 0;
    if (reply->code == GRPC_STATUS_OK) {
        grpc_slice body = grpc_slice_from_copied_buffer((const char *)reply->body.data, reply->body.len);
        response_payload = grpc_raw_byte_buffer_create(&body, 1);
        grpc_slice_unref(body);
        last[n++] = (grpc_op){.op = GRPC_OP_SEND_MESSAGE, .data.send_message.send_message = response_payload};
    }
    grpc_slice details = grpc_slice_from_copied_string(reply->message);
    last[n++] = (grpc_op){.op = GRPC_OP_SEND_STATUS_FROM_SERVER,
                          .data.send_status_from_server = {.status = reply->code, .status_details = &details}};
    last[n++] = (grpc_op){.op = GRPC_OP_RECV_CLOSE_ON_SERVER, .data.recv_close_on_server.cancelled = &cancelled};
    if (grpc_call_start_batch(ctx->call, last, n, (void *)3, NULL) == GRPC_CALL_OK)
        pluck_done(ctx->call_cq, (void *)3);
    grpc_slice_unref(details);
    if (response_payload)
        grpc_byte_buffer_destroy(response_payload);
}

static void serve_call(call_ctx_t *ctx)
{
    rpc_server_t *server = ctx->server;
    grpc_completion_queue *cq = ctx->call_cq;
    grpc_byte_buffer *request_payload = NULL;
    char *method_name = slice_dup(ctx->details.method);
    char *authorization = authorization_header(&ctx->metadata);
    weir_buf_t request_body;
    buf_init(&request_body, RPC_MAX_MESSAGE_BYTES);
    rpc_reply_t reply = {.code = GRPC_STATUS_OK};
    buf_init(&reply.body, RPC_MAX_MESSAGE_BYTES);

    const rpc_method_t *method = method_name ? find_method(server, method_name) : NULL;
    if (!method) {
        /* Unknown methods are refused at once, without waiting for their request. */
        reply.code = GRPC_STATUS_UNIMPLEMENTED;
        refuse_early(ctx, reply.code, "method not implemented");
        goto out;
    }
    /* Authorization needs only the headers, which arrived with the call: a caller without the token
     * never gets as far as having its message received, let alone parsed. */
    rpc_call_meta_t meta = {.method = method_name, .authorization = authorization};
    if (server->authorize && !server->authorize(server->ctx, &meta)) {
        reply.code = GRPC_STATUS_UNAUTHENTICATED;
        snprintf(reply.message, sizeof reply.message,
                 "missing or wrong bearer token (send \"authorization: Bearer <token>\")");
        count(server, &server->stats.refused_auth);
        refuse_early(ctx, reply.code, reply.message);
        goto out;
    }

    grpc_op first[2] = {
        {.op = GRPC_OP_SEND_INITIAL_METADATA},
        {.op = GRPC_OP_RECV_MESSAGE, .data.recv_message.recv_message = &request_payload},
    };
    if (grpc_call_start_batch(ctx->call, first, 2, (void *)1, NULL) != GRPC_CALL_OK)
        goto out;
    if (!pluck_bounded(cq, (void *)1, RPC_REQUEST_WAIT_MS)) {
        /* A request that never arrives must not hold a worker (and the client) forever. */
        grpc_call_cancel_with_status(ctx->call, GRPC_STATUS_UNAVAILABLE, "request message did not arrive", NULL);
        pluck_done(cq, (void *)1);
        log_warn("rpc", "%s: request message did not arrive within %d ms; call cancelled", method_name,
                 RPC_REQUEST_WAIT_MS);
        goto out;
    }

    bool payload_ok;
    read_payload(request_payload, &request_body, &payload_ok);
    count(server, &server->stats.request_bodies_read);
    rpc_request_t request = {
        .method = method_name, .body = request_body.data, .body_len = request_body.len, .authorization = authorization};
    if (!payload_ok) {
        reply.code = GRPC_STATUS_INVALID_ARGUMENT;
        snprintf(reply.message, sizeof reply.message, "request could not be read");
    } else {
        count(server, &server->stats.calls_served);
        method->handler(server->ctx, &request, &reply);
    }
    send_reply(ctx, &reply);

out:
    if (reply.code != GRPC_STATUS_OK && reply.code != GRPC_STATUS_UNIMPLEMENTED)
        log_debug("rpc", "%s failed with status %d: %s", method_name ? method_name : "call", (int)reply.code,
                  reply.message);
    if (request_payload)
        grpc_byte_buffer_destroy(request_payload);
    buf_free(&request_body);
    buf_free(&reply.body);
    free(method_name);
    free(authorization);
    free_call_ctx(ctx);
}

/* Workers are created on demand and kept while calls keep coming, so a burst of tofu's parallel
 * calls reuses threads (and their malloc arenas) instead of creating one per call. */
#define RPC_WORKER_IDLE_MS 5000

/* `finished` says the caller just ended a call; it stops counting as active in the same critical
 * section that makes the worker idle, so workers never outnumber the cap even for an instant. */
static call_ctx_t *next_call(rpc_server_t *server, bool finished)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += RPC_WORKER_IDLE_MS / 1000;
    pthread_mutex_lock(&server->lock);
    if (finished)
        server->active_calls--;
    server->idle_workers++;
    while (!server->queue_head && !rpc_server_stopping(server)) {
        if (pthread_cond_timedwait(&server->work, &server->lock, &until) != 0 && !server->queue_head)
            break;
    }
    server->idle_workers--;
    call_ctx_t *ctx = server->queue_head;
    if (ctx) {
        server->queue_head = ctx->next;
        if (!server->queue_head)
            server->queue_tail = NULL;
        server->queued_calls--;
    } else {
        server->workers--;
        pthread_cond_broadcast(&server->idle);
    }
    pthread_mutex_unlock(&server->lock);
    return ctx;
}

static void *worker_thread(void *arg)
{
    rpc_server_t *server = arg;
    call_ctx_t *ctx;
    bool finished = false;
    while ((ctx = next_call(server, finished))) {
        serve_call(ctx);
        finished = true;
    }
    return NULL;
}

/* Refuses a call from the accepting thread without blocking it: the status goes out as the call is
 * cancelled, and no batch is left for anyone to wait on. */
static void refuse_now(call_ctx_t *ctx, grpc_status_code code, const char *message)
{
    grpc_call_cancel_with_status(ctx->call, code, message, NULL);
    free_call_ctx(ctx);
}

/* Admits a call (queues it and makes sure a worker will take it), or refuses it when the cap of
 * calls in service is reached, so a flood of calls cannot start threads without bound. */
static void dispatch(rpc_server_t *server, call_ctx_t *ctx)
{
    ctx->next = NULL;
    pthread_mutex_lock(&server->lock);
    if (server->max_calls && server->active_calls >= server->max_calls) {
        server->stats.refused_busy++;
        int cap = server->max_calls;
        pthread_mutex_unlock(&server->lock);
        log_warn("rpc",
                 "refused a call: %d calls already in service (the cap; raise it if clients run more "
                 "in parallel)",
                 cap);
        refuse_now(ctx, GRPC_STATUS_RESOURCE_EXHAUSTED,
                   "the agent is serving as many calls as it allows at once; retry shortly");
        return;
    }
    server->active_calls++;
    if (server->queue_tail)
        server->queue_tail->next = ctx;
    else
        server->queue_head = ctx;
    server->queue_tail = ctx;
    server->queued_calls++;
    /* Each idle worker will take one queued call; start another only when the queue outgrows them.
     * Workers never outnumber admitted calls, so the cap bounds threads too. */
    bool spawn = server->queued_calls > server->idle_workers;
    if (spawn && ++server->workers > server->stats.peak_workers)
        server->stats.peak_workers = server->workers;
    pthread_cond_signal(&server->work);
    pthread_mutex_unlock(&server->lock);
    if (!spawn)
        return;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    if (pthread_create(&thread, &attr, worker_thread, server) != 0) {
        pthread_mutex_lock(&server->lock);
        server->workers--;
        /* With no worker at all the call would wait forever: take it back and refuse it. Otherwise
         * an existing worker takes it when it is free. */
        bool take_back = server->workers == 0 && server->queue_head == ctx;
        if (take_back) {
            server->queue_head = ctx->next;
            if (!server->queue_head)
                server->queue_tail = NULL;
            server->queued_calls--;
            server->active_calls--;
        }
        pthread_mutex_unlock(&server->lock);
        log_warn("rpc", "cannot start another worker thread");
        if (take_back)
            refuse_now(ctx, GRPC_STATUS_RESOURCE_EXHAUSTED, "the agent cannot start a worker thread");
    }
    pthread_attr_destroy(&attr);
}

weir_status_t rpc_server_run(rpc_server_t *server, volatile sig_atomic_t *external_stop, int grace_ms)
{
    grpc_server_start(server->server);
    call_ctx_t *pending = request_call(server);
    if (!pending)
        return WEIR_ERR_INTERNAL;

    while (!rpc_server_stopping(server) && !(external_stop && *external_stop)) {
        grpc_event ev = grpc_completion_queue_next(server->cq, in_ms(RPC_SLICE_MS), NULL);
        if (ev.type != GRPC_OP_COMPLETE || ev.tag != pending)
            continue;
        if (!ev.success) {
            free_call_ctx(pending);
            pending = NULL;
            break;
        }
        dispatch(server, pending);
        pending = request_call(server);
        if (!pending)
            break;
    }
    rpc_server_stop(server);

    /* Shutdown order: stop accepting and notify, give in-flight calls their grace, cancel the rest,
     * wait for handler threads, drain, destroy. */
    int shutdown_tag;
    grpc_server_shutdown_and_notify(server->server, server->cq, &shutdown_tag);
    gpr_timespec grace_end = in_ms(grace_ms);
    bool shut_down = false, cancelled = false;
    while (!shut_down || pending) {
        grpc_event ev = grpc_completion_queue_next(server->cq, in_ms(RPC_SLICE_MS), NULL);
        if (ev.type == GRPC_OP_COMPLETE && ev.tag == &shutdown_tag)
            shut_down = true;
        else if (ev.type == GRPC_OP_COMPLETE && pending && ev.tag == pending) {
            if (ev.success)
                grpc_call_cancel(pending->call, NULL);
            free_call_ctx(pending);
            pending = NULL;
        }
        if (!cancelled && gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), grace_end) > 0) {
            grpc_server_cancel_all_calls(server->server);
            cancelled = true;
        }
    }
    pthread_mutex_lock(&server->lock);
    pthread_cond_broadcast(&server->work);
    while (server->workers > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += RPC_SLICE_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&server->idle, &server->lock, &until);
    }
    /* Calls queued after the last worker left are refused rather than leaked. */
    while (server->queue_head) {
        call_ctx_t *ctx = server->queue_head;
        server->queue_head = ctx->next;
        server->queued_calls--;
        server->active_calls--;
        grpc_call_cancel_with_status(ctx->call, GRPC_STATUS_UNAVAILABLE, "server stopping", NULL);
        free_call_ctx(ctx);
    }
    server->queue_tail = NULL;
    pthread_mutex_unlock(&server->lock);
    return WEIR_OK;
}

void rpc_server_free(rpc_server_t *server)
{
    if (!server)
        return;
    grpc_server_destroy(server->server);
    grpc_completion_queue_shutdown(server->cq);
    while (grpc_completion_queue_next(server->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(server->cq);
    pthread_mutex_destroy(&server->lock);
    pthread_cond_destroy(&server->idle);
    pthread_cond_destroy(&server->work);
    free(server);
}
