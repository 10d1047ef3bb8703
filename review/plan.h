/* plan.h — one `tofu show -json PLANFILE` document, checked at the edge and parsed into typed
 * resource changes; attribute values stay jansson values borrowed from the document. */
#ifndef WEIR_REVIEW_PLAN_H
#define WEIR_REVIEW_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* Largest plan document read: a plan for ~1,500 pipelines with their checks is a few tens of MiB;
 * 256 MiB leaves room while keeping a runaway file from exhausting a CI runner. */
#define PLAN_MAX_BYTES (256u << 20)
/* Most resource changes in one plan; far above any real unit, it bounds the work per document. */
#define PLAN_MAX_CHANGES 200000
/* Longest env or unit label (`dev`, `pipelines/payments`). */
#define PLAN_LABEL_MAX 128

typedef enum {
    PLAN_NOOP,
    PLAN_CREATE,
    PLAN_UPDATE,
    PLAN_REPLACE, /* delete+create in either order */
    PLAN_DELETE,
    PLAN_READ,   /* data sources read during apply */
    PLAN_FORGET, /* removed from state without being destroyed */
} plan_action_t;

typedef struct {
    const char *address; /* borrowed from the plan's document, like every pointer here */
    const char *type;    /* "weir_pipeline" */
    const char *name;
    bool managed; /* mode "managed" (false: a data source) */
    plan_action_t action;
    bool importing;               /* the change adopts an existing object */
    const json_t *before, *after; /* objects or JSON null */
    const json_t *after_unknown;  /* true / object mirroring `after` / NULL */
    const json_t *before_sensitive, *after_sensitive;
    const json_t *replace_paths; /* array of paths, or NULL */
} plan_change_t;

typedef struct {
    char env[PLAN_LABEL_MAX];
    char unit[PLAN_LABEL_MAX];
    json_t *doc;            /* owned: the whole document */
    plan_change_t *changes; /* owned array, sorted by address */
    size_t count;
    size_t drift_count; /* resources changed outside OpenTofu since the last apply */
    bool errored;       /* the plan stopped on an error and is incomplete */
} plan_t;

/* Parses a document of `len` bytes (need not be NUL-terminated). Returns a new plan, or NULL with a
 * one-line reason in err (not JSON, not a plan, unsupported format_version, a missing field). */
plan_t *plan_parse(const char *text, size_t len, const char *env, const char *unit, weir_err_t *err);

/* Reads and parses a file of at most PLAN_MAX_BYTES; errors name the file. Returns new or NULL. */
plan_t *plan_load(const char *path, const char *env, const char *unit, weir_err_t *err);

void plan_free(plan_t *plan);

/* Splits "env/unit=path" (unit may contain '/'). Writes into the caller's buffers; `path` points
 * into `arg`. Returns false with a reason for any other shape. */
bool plan_label_parse(const char *arg, char env[PLAN_LABEL_MAX], char unit[PLAN_LABEL_MAX], const char **path,
                      weir_err_t *err);

const char *plan_action_text(plan_action_t action);

#endif
