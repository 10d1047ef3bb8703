/* s3_stage.h — uploads staged chunk files to the destination's S3 stage, signed with SigV4 and
 * encrypted at rest by S3 with the stage's KMS key (SSE-KMS), or with S3-managed keys when none is
 * given. Credentials come from aws_client.h. */
#ifndef WEIR_S3_STAGE_H
#define WEIR_S3_STAGE_H

#include "sealer.h"
#include "status.h"

typedef struct {
    const char *url;        /* s3://bucket/prefix/ */
    const char *region;     /* NULL: the agent's region */
    const char *kms_key_id; /* NULL: SSE-S3 */
} s3_stage_t;

/* Uploads the chunk `local_path` (opened with `sealer` when sealed on disk) to <prefix><key>.
 * Safe to repeat: the same key is overwritten. */
weir_status_t s3_stage_upload(const s3_stage_t *stage, const char *local_path, const char *key, const sealer_t *sealer,
                              weir_err_t *err) WEIR_MUSTCHECK;

#endif
