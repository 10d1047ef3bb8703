/* ctl_internal.h — what the ctl command files share: parsed options and the call/report helpers. */
#ifndef WEIR_CTL_INTERNAL_H
#define WEIR_CTL_INTERNAL_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "rpc_client.h"
#include "status.h"

#define CTL_TIMEOUT_MS 15000

typedef struct {
    const char *endpoint;
    const char *ca;
    const char *token_file;
    const char *spec;      /* apply --spec */
    const char *spec_file; /* apply --file */
    const char *table;     /* run --table */
    int wait_seconds;      /* run --wait[=SECONDS] */
    bool json;
} ctl_options_t;

/* Calls an RPC and returns the unpacked reply (free with protobuf_c_message_free_unpacked), or
 * NULL with `error` filled. */
ProtobufCMessage *ctl_call(rpc_channel_t *channel, const char *method, const ProtobufCMessage *request,
                           const ProtobufCMessageDescriptor *reply_type, rpc_error_t *error);
/* Prints a failed call for people; returns the exit code (3 for not found, else 1; 0 for WEIR_OK). */
int ctl_report(weir_status_t result, const rpc_error_t *error, const char *what);
void ctl_print_json(json_t *value);

/* `backfill status [NAME]` and `backfill retry NAME` (ctl_backfill.c). */
int ctl_backfill(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv);

#endif
