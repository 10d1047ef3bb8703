/* config.h — `weir-agent serve` settings, declared once in a table that also drives --help and docs. */
#ifndef WEIR_AGENT_CONFIG_H
#define WEIR_AGENT_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

typedef struct {
    char *listen;
    char *data_dir;
    char *tls_cert;
    char *tls_key;
    char *token_file;
    char *log_level;
    char *stage_dir;
    char *workers;
    char *rpc_workers;
    char *chunk_mb;
    char *metrics_addr;
    char *secrets_key_file;
    char *kms_key_id;
    bool dev;
    char *token; /* resolved by token_resolve (see token.h for the order); never logged */
} agent_config_t;

/* Parses argv (after "serve") with WEIR_* environment fallbacks. Returns WEIR_ERR_INVALID with a
 * message on bad input; *show_help is set for --help. */
weir_status_t config_parse(int argc, char **argv, agent_config_t *config, bool *show_help,
                           weir_err_t *err) WEIR_MUSTCHECK;
void config_free(agent_config_t *config);
void config_print_help(FILE *out);

#endif
