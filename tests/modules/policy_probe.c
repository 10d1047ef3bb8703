/* policy_probe.c — runs one of the agent's own AWS calls, so that policy_moto.py can check the
 * module's rendered instance policy against moto with the code that runs on the host:
 *   policy_probe secret REFERENCE          Secrets Manager GetSecretValue / SSM GetParameter
 *   policy_probe kms KEY_ARN BLOB_PATH     KMS GenerateDataKey, then Decrypt (the sealer's envelope)
 *   policy_probe s3 S3_URL KEY FILE        S3 PutObject with SSE-KMS (a stage chunk upload)
 * Prints "ok" and exits 0, or prints the agent's error and exits 1. Values are never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_stage.h"
#include "sealer.h"
#include "secrets.h"

int main(int argc, char **argv)
{
    weir_err_t err = {{0}};
    if (argc == 3 && strcmp(argv[1], "secret") == 0) {
        char *value = secret_resolve(argv[2], &err);
        if (!value)
            goto failed;
        secret_free(value);
    } else if (argc == 4 && strcmp(argv[1], "kms") == 0) {
        sealer_t *sealer = NULL;
        remove(argv[3]);
        /* First start generates and stores the encrypted data key; the second decrypts it. */
        for (int start = 0; start < 2; start++) {
            if (sealer_from_kms(argv[2], argv[3], &sealer, &err) != WEIR_OK)
                goto failed;
            sealer_free(sealer);
            sealer = NULL;
        }
    } else if (argc == 5 && strcmp(argv[1], "s3") == 0) {
        s3_stage_t stage = {.url = argv[2], .region = NULL, .kms_key_id = getenv("WEIR_PROBE_KMS_KEY")};
        if (s3_stage_upload(&stage, argv[4], argv[3], NULL, &err) != WEIR_OK)
            goto failed;
    } else {
        fprintf(stderr, "usage: policy_probe secret REF | kms KEY_ARN BLOB | s3 URL KEY FILE\n");
        return 2;
    }
    puts("ok");
    return 0;
failed:
    printf("%s\n", err.msg);
    return 1;
}
