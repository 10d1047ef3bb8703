/* spec_bind.h — fills a typed struct from an object's stored spec JSON, attribute by attribute, as
 * declared by a field table checked against the shared spec tables (common/spec.h): an attribute the
 * table does not have, or one bound as the wrong type, is refused rather than read as null. Missing
 * or null values take the spec table's default. */
#ifndef WEIR_SPEC_BIND_H
#define WEIR_SPEC_BIND_H

#include <jansson.h>
#include <stddef.h>

#include "arena.h"
#include "spec.h"
#include "status.h"

typedef enum {
    BIND_TEXT,     /* char * (NULL for null) */
    BIND_DURATION, /* char * text at `offset`, long long seconds at `aux` */
    BIND_INT,      /* long long */
    BIND_NUMBER,   /* double at `offset`, bool "has a value" at `aux` */
    BIND_BOOL,     /* bool */
    BIND_TEXTS,    /* char ** at `offset`, size_t count at `aux` */
    BIND_BLOCKS,   /* an array of `nested` structs at `offset`, size_t count at `aux` */
    BIND_BLOCK,    /* a pointer to one `nested` struct at `offset`, NULL when the block is absent */
} bind_type_t;

typedef struct bind_table bind_table_t;

typedef struct {
    const char *attr;
    bind_type_t type;
    size_t offset;
    size_t aux;
    const bind_table_t *nested; /* BIND_BLOCKS, BIND_BLOCK */
} bind_field_t;

struct bind_table {
    const char *what; /* "pipeline", "table": for messages */
    size_t struct_size;
    const bind_field_t *fields;
    size_t count;
};

#define BIND_FIELDS(type, list) sizeof(type), list, sizeof list / sizeof list[0]

/* Fills `out` (struct_size bytes, zeroed first) from `object` under `block`. Strings and arrays
 * are allocated from `arena`. `name` labels errors ("pipeline orders"). */
weir_status_t spec_bind(const bind_table_t *table, const spec_block_t *block, const json_t *object, arena_t *arena,
                        void *out, const char *name, weir_err_t *err) WEIR_MUSTCHECK;

/* Checks that every field of `table` (and of its nested tables) names an attribute of `block`
 * with a matching type; WEIR_ERR_INTERNAL naming the first that does not. */
weir_status_t spec_bind_check(const bind_table_t *table, const spec_block_t *block, weir_err_t *err) WEIR_MUSTCHECK;

#endif
