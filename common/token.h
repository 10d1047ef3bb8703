/* token.h — where the control API's bearer token comes from, in one order shared by `serve` and
 * `ctl`: an explicit --token-file flag, then WEIR_TOKEN, then the file WEIR_TOKEN_FILE names. */
#ifndef WEIR_TOKEN_H
#define WEIR_TOKEN_H

#include "status.h"

/* A token file may hold a trailing newline and nothing else of note; 4 KiB is far above any token. */
#define TOKEN_FILE_MAX_BYTES 4096

typedef enum {
    TOKEN_FROM_NONE,      /* no source was set */
    TOKEN_FROM_FLAG_FILE, /* --token-file on the command line */
    TOKEN_FROM_ENV,       /* WEIR_TOKEN */
    TOKEN_FROM_ENV_FILE,  /* WEIR_TOKEN_FILE */
} token_source_t;

/* The candidate sources, borrowed; NULL or "" means unset. */
typedef struct {
    const char *flag_file; /* --token-file as given on the command line */
    const char *env_token; /* WEIR_TOKEN */
    const char *env_file;  /* WEIR_TOKEN_FILE */
} token_sources_t;

/* The environment's sources plus the command line's --token-file (may be NULL). */
token_sources_t token_sources_from_env(const char *flag_file);

/* Takes the first set source in the order above. A file's first line is the token. Sets *token to
 * a new string (free with token_free) or NULL with TOKEN_FROM_NONE when nothing is set. A set
 * source that cannot be used — an unreadable file, an empty token — is an error, never a fall
 * through to the next source. */
weir_status_t token_resolve(const token_sources_t *sources, char **token, token_source_t *source,
                            weir_err_t *err) WEIR_MUSTCHECK;
/* Names a source for messages ("WEIR_TOKEN", "--token-file", ...). */
const char *token_source_text(token_source_t source);
/* Wipes and frees. */
void token_free(char *token);

#endif
