/* manifest.h — the staged batch's manifest (<run dir>/manifest.json): the columns and source types
 * of the staged fields, the chunk count and the row count, written when extraction finishes so a
 * restarted agent can load the batch without asking the source again, and the rule each column
 * was staged under, so a load never publishes values under rules that changed since. */
#ifndef WEIR_MANIFEST_H
#define WEIR_MANIFEST_H

#include <stddef.h>

#include "status.h"

typedef struct {
    size_t column_count;
    char **columns; /* owned by a manifest read from disk; borrowed when writing */
    char **types;
    /* Per column, the rule applied before staging: "none", "hash", "mask" or "null". NULL when
     * read from a manifest written before rules were recorded (read as "none" throughout). */
    char **rules;
    unsigned chunks;
    long long rows;
} stage_manifest_t;

/* Writes the manifest into `dir` (atomically: a crash leaves the old one or the new one). */
weir_status_t stage_manifest_write(const char *dir, const stage_manifest_t *manifest, weir_err_t *err) WEIR_MUSTCHECK;
/* Reads it back: WEIR_ERR_NOT_FOUND when there is none, WEIR_ERR_INVALID when it is damaged. */
weir_status_t stage_manifest_read(const char *dir, stage_manifest_t *out, weir_err_t *err) WEIR_MUSTCHECK;
void stage_manifest_free(stage_manifest_t *manifest);

#endif
