/* secrets.h — resolves secret references (env:NAME, file:/path, aws-sm:ARN-or-name[#key],
 * ssm:/parameter-or-ARN[#key]) to their values at run time.
 * Values are returned in memory the caller wipes with secret_free; they are never logged. */
#ifndef WEIR_SECRETS_H
#define WEIR_SECRETS_H

#include "status.h"

/* Returns the secret (new), trailing newline removed, or NULL with err naming the reference
 * (never the value). AWS references are fetched on every call (rotation needs no restart) with
 * credentials from aws_client.h. */
char *secret_resolve(const char *reference, weir_err_t *err);
/* Wipes and frees a value from secret_resolve. */
void secret_free(char *value);

#endif
