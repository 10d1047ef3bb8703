/* token.c — bearer-token resolution in the documented order: --token-file, WEIR_TOKEN, WEIR_TOKEN_FILE. */
#include "token.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"

static bool set(const char *value)
{
    return value && *value;
}

token_sources_t token_sources_from_env(const char *flag_file)
{
    return (token_sources_t){
        .flag_file = flag_file, .env_token = getenv("WEIR_TOKEN"), .env_file = getenv("WEIR_TOKEN_FILE")};
}

const char *token_source_text(token_source_t source)
{
    switch (source) {
    case TOKEN_FROM_NONE:
        return "no token source";
    case TOKEN_FROM_FLAG_FILE:
        return "--token-file";
    case TOKEN_FROM_ENV:
        return "WEIR_TOKEN";
    case TOKEN_FROM_ENV_FILE:
        return "WEIR_TOKEN_FILE";
    }
    return "unknown token source";
}

void token_free(char *token)
{
    if (!token)
        return;
    memset(token, 0, strlen(token));
    free(token);
}

static char *read_token_file(const char *path, token_source_t source, weir_err_t *err)
{
    weir_err_t read_err = {{0}};
    char *token = file_read_all(path, TOKEN_FILE_MAX_BYTES, &read_err);
    if (!token) {
        weir_err_set(err, "cannot read the bearer token (%s): %s", token_source_text(source), read_err.msg);
        return NULL;
    }
    token[strcspn(token, "\r\n")] = 0;
    return token;
}

weir_status_t token_resolve(const token_sources_t *sources, char **token, token_source_t *source, weir_err_t *err)
{
    *token = NULL;
    *source = TOKEN_FROM_NONE;
    char *found = NULL;
    if (set(sources->flag_file)) {
        *source = TOKEN_FROM_FLAG_FILE;
        found = read_token_file(sources->flag_file, *source, err);
    } else if (set(sources->env_token)) {
        *source = TOKEN_FROM_ENV;
        found = strdup(sources->env_token);
        if (!found)
            weir_err_set(err, "out of memory");
    } else if (set(sources->env_file)) {
        *source = TOKEN_FROM_ENV_FILE;
        found = read_token_file(sources->env_file, *source, err);
    } else {
        return WEIR_OK;
    }
    if (!found)
        return *source == TOKEN_FROM_ENV ? WEIR_ERR_NOMEM : WEIR_ERR_INVALID;
    if (!*found) {
        weir_err_set(err, "the bearer token from %s is empty", token_source_text(*source));
        token_free(found);
        return WEIR_ERR_INVALID;
    }
    *token = found;
    return WEIR_OK;
}
