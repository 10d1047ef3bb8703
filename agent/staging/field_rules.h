/* field_rules.h — what happens to a field before it is staged: kept, dropped, replaced by its
 * keyed hash, masked or nulled. Applied by the stage writer as the source writes each field, so a
 * value a rule removes never reaches a chunk file, the stage bucket or the warehouse. */
#ifndef WEIR_FIELD_RULES_H
#define WEIR_FIELD_RULES_H

#include <stddef.h>

#include "status.h"

typedef enum { FIELD_KEEP, FIELD_DROP, FIELD_HMAC, FIELD_MASK, FIELD_NULL } field_rule_kind_t;

typedef struct {
    field_rule_kind_t kind;
    unsigned keep_last; /* FIELD_MASK: characters kept at the end */
} field_rule_t;

/* Keys shorter than this are refused: HMAC-SHA-256 wants a key as long as its output. */
#define FIELD_HMAC_MIN_KEY 32

/* HMAC-SHA-256 of `value` under `key`, as 64 lowercase hex digits and a NUL. */
weir_status_t field_hmac_hex(const unsigned char *key, size_t key_len, const char *value, size_t len,
                             char out[65]) WEIR_MUSTCHECK;
/* `value` with every character but the last `keep_last` (UTF-8 characters, not bytes) replaced by
 * one '*'; a value of `keep_last` characters or fewer is masked whole. `out` needs `len` bytes;
 * returns the length written. */
size_t field_mask(const char *value, size_t len, unsigned keep_last, char *out);

#endif
