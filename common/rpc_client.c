/* rpc_client.c — unary gRPC client calls on a shared secure channel. */
#include "rpc_client.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_server.h"
#include "tls_cert.h"

typedef struct inflight {
    grpc_call *call;
    struct inflight *next;
} inflight_t;

struct rpc_channel {
    grpc_channel *channel;
    char *authorization; /* "Bearer <token>" or NULL */
    pthread_mutex_t lock;
    inflight_t *inflight;
};

rpc_channel_t *rpc_channel_new(const char *target, const char *ca_pem, const char *token, weir_err_t *err)
{
    rpc_channel_t *channel = calloc(1, sizeof *channel);
    if (!channel) {
        weir_err_set(err, "out of memory");
        return NULL;
    }
    if (token && *token) {
        size_t len = strlen(token) + sizeof "Bearer ";
        channel->authorization = malloc(len);
        if (!channel->authorization) {
            free(channel);
            weir_err_set(err, "out of memory");
            return NULL;
        }
        snprintf(channel->authorization, len, "Bearer %s", token);
    }
    if (ca_pem && tls_cert_check_pem(ca_pem, err) != WEIR_OK) {
        free(channel->authorization);
        free(channel);
        return NULL;
    }
    grpc_channel_credentials *creds = grpc_ssl_credentials_create(ca_pem, NULL, NULL, NULL);
    grpc_arg args[3] = {
        {.type = GRPC_ARG_INTEGER, .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, .value.integer = RPC_MAX_MESSAGE_BYTES},
        {.type = GRPC_ARG_INTEGER, .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, .value.integer = RPC_MAX_MESSAGE_BYTES},
        /* Retry a refused connection quickly so an agent that just started is found, but keep the
         * backoff short enough that an unreachable agent fails within seconds. */
        {.type = GRPC_ARG_INTEGER, .key = GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, .value.integer = 200},
    };
    grpc_channel_args channel_args = {.num_args = 3, .args = args};
    channel->channel = grpc_channel_create(target, creds, &channel_args);
    grpc_channel_credentials_release(creds);
    if (!channel->channel) {
        free(channel->authorization);
        free(channel);
        weir_err_set(err, "cannot create a channel to %s", target);
        return NULL;
    }
    pthread_mutex_init(&channel->lock, NULL);
    return channel;
}

void rpc_channel_free(rpc_channel_t *channel)
{
    if (!channel)
        return;
    grpc_channel_destroy(channel->channel);
    if (channel->authorization) {
        memset(channel->authorization, 0, strlen(channel->authorization));
        free(channel->authorization);
    }
    pthread_mutex_destroy(&channel->lock);
    free(channel);
}

static void track(rpc_channel_t *channel, inflight_t *entry, bool add)
{
    pthread_mutex_lock(&channel->lock);
    if (add) {
        entry->next = channel->inflight;
        channel->inflight = entry;
    } else {
        for (inflight_t **p = &channel->inflight; *p; p = &(*p)->next) {
            if (*p == entry) {
                *p = entry->next;
                break;
            }
        }
    }
    pthread_mutex_unlock(&channel->lock);
}

void rpc_channel_cancel_all(rpc_channel_t *channel)
{
    pthread_mutex_lock(&channel->lock);
    for (inflight_t *entry = channel->inflight; entry; entry = entry->next)
        grpc_call_cancel_with_status(entry->call, GRPC_STATUS_CANCELLED, "stopped by OpenTofu", NULL);
    pthread_mutex_unlock(&channel->lock);
}

weir_status_t rpc_call(rpc_channel_t *channel, const char *method, const uint8_t *request, size_t request_len,
                       weir_buf_t *response, int timeout_ms, rpc_error_t *error)
{
    weir_status_t result = WEIR_ERR_INTERNAL;
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
    grpc_slice method_slice = grpc_slice_from_copied_string(method);
    grpc_call *call = grpc_channel_create_call(channel->channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method_slice, NULL,
                                               deadline, NULL);
    grpc_slice_unref(method_slice);
    grpc_slice body = grpc_slice_from_copied_buffer((const char *)request, request_len);
    grpc_byte_buffer *send_payload = grpc_raw_byte_buffer_create(&body, 1);
    grpc_slice_unref(body);
    grpc_byte_buffer *recv_payload = NULL;
    grpc_metadata_array initial, trailing;
    grpc_metadata_array_init(&initial);
    grpc_metadata_array_init(&trailing);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    grpc_metadata auth = {0};
    size_t auth_count = 0;
    if (channel->authorization) {
        auth.key = grpc_slice_from_static_string("authorization");
        auth.value = grpc_slice_from_copied_string(channel->authorization);
        auth_count = 1;
    }
    inflight_t entry = {.call = call};
    track(channel, &entry, true);

    grpc_op ops[6] = {
        {.op = GRPC_OP_SEND_INITIAL_METADATA,
         .data.send_initial_metadata = {.count = auth_count, .metadata = auth_count ? &auth : NULL}},
        {.op = GRPC_OP_SEND_MESSAGE, .data.send_message.send_message = send_payload},
        {.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT},
        {.op = GRPC_OP_RECV_INITIAL_METADATA, .data.recv_initial_metadata.recv_initial_metadata = &initial},
        {.op = GRPC_OP_RECV_MESSAGE, .data.recv_message.recv_message = &recv_payload},
        {.op = GRPC_OP_RECV_STATUS_ON_CLIENT,
         .data.recv_status_on_client = {.trailing_metadata = &trailing, .status = &status, .status_details = &details}},
    };
    if (grpc_call_start_batch(call, ops, 6, (void *)1, NULL) != GRPC_CALL_OK) {
        error->code = GRPC_STATUS_INTERNAL;
        snprintf(error->message, sizeof error->message, "could not start the call");
        goto out;
    }
    /* The deadline bounds the call; the extra second only covers delivery of its completion. */
    grpc_completion_queue_pluck(cq, (void *)1, gpr_time_add(deadline, gpr_time_from_seconds(1, GPR_TIMESPAN)), NULL);
    error->code = status;
    snprintf(error->message, sizeof error->message, "%.*s", (int)GRPC_SLICE_LENGTH(details),
             (const char *)GRPC_SLICE_START_PTR(details));
    if (status != GRPC_STATUS_OK) {
        result = status == GRPC_STATUS_UNAVAILABLE || status == GRPC_STATUS_DEADLINE_EXCEEDED ? WEIR_ERR_UNAVAILABLE
                                                                                              : WEIR_ERR_INVALID;
        goto out;
    }
    if (recv_payload) {
        grpc_byte_buffer_reader reader;
        if (grpc_byte_buffer_reader_init(&reader, recv_payload)) {
            grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
            result = buf_append(response, GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all));
            grpc_slice_unref(all);
            grpc_byte_buffer_reader_destroy(&reader);
        }
    } else {
        result = WEIR_OK;
    }
out:
    track(channel, &entry, false);
    if (auth_count)
        grpc_slice_unref(auth.value);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&initial);
    grpc_metadata_array_destroy(&trailing);
    grpc_byte_buffer_destroy(send_payload);
    if (recv_payload)
        grpc_byte_buffer_destroy(recv_payload);
    grpc_call_unref(call);
    grpc_completion_queue_shutdown(cq);
    grpc_completion_queue_destroy(cq);
    return result;
}
