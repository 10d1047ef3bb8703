/* spec.h — the one table per resource kind (ARCHITECTURE.md §2): attribute names, types, flags,
 * defaults, validators and descriptions. The provider builds its schema from it, the agent validates
 * and fills defaults from it, and docs/resources is generated from it. */
#ifndef WEIR_SPEC_H
#define WEIR_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"
#include "value.h"

typedef enum {
    ST_STRING,
    ST_NUMBER,
    ST_BOOL,
    ST_LIST_STRING,
    ST_SET_STRING,
    ST_MAP_STRING,
    ST_BLOCK_LIST,   /* nested block, zero or more */
    ST_BLOCK_SINGLE, /* nested block, at most one */
} spec_type_t;

enum {
    SA_REQUIRED = 1u << 0,
    SA_OPTIONAL = 1u << 1,
    SA_COMPUTED = 1u << 2, /* with SA_OPTIONAL: defaulted or echoed by the agent */
    SA_SENSITIVE = 1u << 3,
    SA_WRITE_ONLY = 1u << 4, /* never stored in state nor returned by the agent */
    SA_FORCE_NEW = 1u << 5,  /* a change replaces the object */
    SA_META = 1u << 6,       /* object metadata (id), not part of spec JSON */
};

typedef enum {
    SV_NONE,
    SV_NAME,       /* object names: lowercase letters, digits, '-' and '_' */
    SV_CRON,       /* 5-field cron or @hourly/@daily/... */
    SV_DURATION,   /* 90s, 15m, 1h30m, 2d */
    SV_ENUM,       /* one of `enum_values` */
    SV_SECRET_REF, /* env:, file:, aws-sm:, ssm: */
    SV_HOST,       /* DNS name or IP literal */
    SV_PORT,       /* 1..65535 */
    SV_PG_TABLE,   /* [schema.]table */
    SV_PG_COLUMN,  /* a column name */
    SV_SF_IDENT,   /* Snowflake identifier: unquoted (means upper case) or "quoted" */
    SV_SF_TYPE,    /* a Snowflake column type, e.g. NUMBER(38,10) */
    SV_SF_ACCOUNT, /* ORG-ACCOUNT or a locator */
    SV_S3_URL,     /* s3://bucket/prefix/ */
    SV_HTTPS_URL,
    SV_POSITIVE, /* number > 0 */
    SV_FRACTION, /* 0 <= number <= 1 */
    SV_NON_EMPTY,
} spec_validator_t;

typedef struct spec_block spec_block_t;

typedef struct {
    const char *name;
    spec_type_t type;
    unsigned flags;
    const char *default_json; /* JSON text of the default, or NULL */
    spec_validator_t validator;
    const char *const *enum_values; /* NULL-terminated, for SV_ENUM */
    const char *description;        /* Markdown, one or two sentences */
    const spec_block_t *block;      /* for ST_BLOCK_* */
    int min_items, max_items;       /* for ST_BLOCK_LIST and list attributes; 0 = no bound */
    const char *ref_prefix;         /* names an object whose kind starts with this, e.g. "source_" */
} spec_attr_t;

/* Diagnostics collected while validating; paths are attribute/index steps. */
typedef struct {
    enum { PATH_ATTR, PATH_INDEX, PATH_KEY } kind;
    const char *name; /* PATH_ATTR / PATH_KEY: borrowed from the spec table or the value */
    long index;
} spec_step_t;

#define SPEC_MAX_PATH 8 /* blocks nest at most twice; 8 steps leave room for list indexes */

typedef struct {
    bool is_error;
    char summary[160];
    char detail[512];
    spec_step_t path[SPEC_MAX_PATH];
    int path_len;
} spec_diag_t;

typedef struct {
    spec_diag_t *items;
    size_t count;
    size_t cap;
    bool oom;
} spec_diags_t;

typedef void (*spec_check_fn)(const wv_t *object, spec_diags_t *diags);

struct spec_block {
    const spec_attr_t *attrs;
    size_t count;
};

typedef struct {
    const char *kind;      /* "pipeline" */
    const char *type_name; /* "weir_pipeline" */
    const char *title;
    const char *description; /* Markdown paragraph */
    spec_block_t block;
    spec_check_fn check; /* cross-attribute rules, may be NULL */
    const char *example_hcl;
} spec_kind_t;

/* The tables, defined in spec_kinds.c. */
extern const spec_kind_t *const spec_kinds[];
extern const size_t spec_kind_count;
extern const spec_kind_t spec_provider_config;

const spec_kind_t *spec_kind_by_type(const char *type_name);
const spec_kind_t *spec_kind_by_kind(const char *kind);
const spec_attr_t *spec_block_attr(const spec_block_t *block, const char *name);

/* Diagnostics. */
void spec_diags_init(spec_diags_t *diags);
void spec_diags_free(spec_diags_t *diags);
bool spec_diags_has_error(const spec_diags_t *diags);
void spec_diag_add(spec_diags_t *diags, bool is_error, const spec_step_t *path, int path_len, const char *summary,
                   const char *fmt, ...) WEIR_PRINTF(6, 7);
/* Renders "table[0].cursor" into `out`. */
void spec_path_format(const spec_step_t *path, int path_len, char *out, size_t size);

/* Validates a value already conformed to the block: types, required, validators, bounds.
 * Unknown values are skipped (they are checked again once known). */
void spec_validate(const spec_kind_t *kind, const wv_t *object, spec_diags_t *diags);

/* Returns a new object with exactly the block's attributes: missing → null (list blocks → []),
 * extra keys dropped, sets sorted, numbers and bools coerced from strings where JSON gave them.
 * Returns NULL (and fills err) when a value has the wrong shape. */
wv_t *spec_conform(const spec_block_t *block, const wv_t *object, weir_err_t *err);

/* Returns the attribute's default as a new value (null when it has none, NULL on failure). */
wv_t *spec_default_value(const spec_attr_t *attr);

/* Sets every null attribute that has a default to it, recursively. */
weir_status_t spec_fill_defaults(const spec_block_t *block, wv_t *object) WEIR_MUSTCHECK;

/* Removes write-only and metadata attributes (what goes into spec JSON). */
void spec_strip_for_store(const spec_block_t *block, wv_t *object);

/* Validators shared with other modules (cron parsing lives in cron.h). */
bool spec_duration_seconds(const char *text, long long *seconds);
bool spec_secret_ref_valid(const char *text, char *why, size_t why_size);
/* A Snowflake column type Weir can load into (`NUMBER(38,10)`, `VARCHAR`, ...); false with a reason. */
bool spec_sf_type_valid(const char *text, char *why, size_t why_size);

#endif
