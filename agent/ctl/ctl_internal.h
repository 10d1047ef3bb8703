/* ctl_internal.h — what the ctl command files share: parsed options and the call/report helpers. */
#ifndef WEIR_CTL_INTERNAL_H
#define WEIR_CTL_INTERNAL_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdio.h>

#include "agent_diags.h"
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
    const char *format;    /* dag graph --format text|dot */
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

/* `status [PIPELINE]`, `pause PIPELINE [REASON]`, `resume PIPELINE`, `retry RUN` (ctl_pipelines.c). */
int ctl_pipelines(rpc_channel_t *channel, const ctl_options_t *options, const char *command, int argc, char **argv);
/* `checks [PIPELINE]` and `quarantine release|discard RUN` (ctl_checks.c); `command` picks which. */
int ctl_quality(rpc_channel_t *channel, const ctl_options_t *options, const char *command, int argc, char **argv);
/* `check PIPELINE` (ctl_check.c): apply's source and target checks, run now. */
int ctl_check(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv);
/* `run TRANSFORM` and `retry TRANSFORM_RUN_ID` (ctl_dag.c), reached when no pipeline or load run
 * has that name; the transforms' rows of `status` (JSON rows appended to `rows`, or a table
 * printed), `only` NULL for all. */
int ctl_transform_run(rpc_channel_t *channel, const ctl_options_t *options, const char *name);
int ctl_transform_retry(rpc_channel_t *channel, const ctl_options_t *options, const char *run_id);
int ctl_transform_status(rpc_channel_t *channel, const ctl_options_t *options, const char *only, json_t *rows);
/* `dag graph --format text|dot` (ctl_dag_graph.c). */
int ctl_dag_graph(rpc_channel_t *channel, const ctl_options_t *options);
/* `retention` and `retention run` (ctl_retention.c). */
int ctl_retention(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv);
/* `dag graph|runs|show DAG_RUN_ID` (ctl_dag_runs.c). */
int ctl_dag(rpc_channel_t *channel, const ctl_options_t *options, int argc, char **argv);
/* Prints each diagnostic as "error|warning: path: summary: detail" lines to `out`. */
void ctl_print_diags(FILE *out, const agent_diags_t *diags);
/* One check result as JSON, and as a table row under its header (also used by `run show`). */
struct Weir__Agent__V1__CheckResult;
json_t *ctl_check_json(const struct Weir__Agent__V1__CheckResult *check);
void ctl_print_check_header(void);
void ctl_print_check_row(const struct Weir__Agent__V1__CheckResult *check);

#endif
