/* source.h — what the run state machine asks of a source, whatever its kind: open a session from
 * the stored spec, describe a table, and extract a window or a cursor range of it into the stage
 * writer. Each kind lives in its own folder (postgres/) behind a source_ops_t; source_registry.c
 * lists them. Errors come back classified (weir_status_t) by the backend from codes (SQLSTATE,
 * HTTP status), never from message text: WEIR_ERR_UNAVAILABLE and WEIR_ERR_IO are worth a retry,
 * WEIR_ERR_AUTH and WEIR_ERR_INVALID are not. */
#ifndef WEIR_SOURCE_H
#define WEIR_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage_writer.h"
#include "status.h"

typedef struct source_session source_session_t; /* a backend's open connection */

enum {
    SOURCE_CAN_CURSOR = 1u << 0,  /* incremental reads past a watermark, with a lookback */
    SOURCE_CAN_RANGES = 1u << 1,  /* [from, to) cursor ranges, for backfills */
    SOURCE_CAN_DELETES = 1u << 2, /* reports deleted keys */
};

/* What to read. Without a cursor the whole table is read (full refresh). */
typedef struct {
    const char *table;          /* as the pipeline names it */
    const char *cursor;         /* NULL: everything */
    const char *watermark;      /* last committed cursor value as text; NULL on a first run */
    long long lookback_seconds; /* re-read overlap below the watermark (time-typed cursors) */
    const char *range_from;     /* backfills: [range_from, range_to) instead of the watermark */
    const char *range_to;
} source_window_t;

/* A table's columns as the source names and types them. */
typedef struct {
    size_t count;
    char **names; /* owned */
    char **types; /* owned, in the source's own type syntax, e.g. "numeric(18,4)" */
} source_columns_t;

void source_columns_free(source_columns_t *columns);

typedef struct {
    uint64_t rows;
    char *new_watermark;      /* largest cursor value read, as text; NULL when none (owned) */
    source_columns_t columns; /* in the order of the staged fields */
} source_extract_t;

void source_extract_free(source_extract_t *extracted);

/* What a column could serve as for an incremental cursor, judged by its type (a domain by its base
 * type): time and numbers order rows as they change; text orders them only if the application
 * writes sortable text; anything else does not order them at all. */
typedef enum {
    SOURCE_CURSOR_UNORDERED, /* boolean, json, uuid, floats, arrays, … */
    SOURCE_CURSOR_TIME,      /* timestamp, timestamptz, date: lookback applies */
    SOURCE_CURSOR_NUMBER,    /* smallint, integer, bigint, numeric */
    SOURCE_CURSOR_TEXT,      /* text, varchar, char */
} source_cursor_class_t;

/* A table as apply's checks see it (source_ops_t.inspect). */
typedef struct {
    source_columns_t columns;
    source_cursor_class_t *cursor_classes; /* one per column (owned) */
    bool key_unique;                       /* a unique constraint or index covers only key columns */
    bool readable;                         /* the session's user may SELECT the table */
} source_table_info_t;

void source_table_info_free(source_table_info_t *info);

typedef struct {
    const char *kind;      /* the object kind it serves, e.g. "source_postgres" */
    unsigned capabilities; /* SOURCE_CAN_* */
    /* Opens a session from the stored spec JSON and the object's write-only values (JSON text,
     * may be NULL), resolving secret references. */
    weir_status_t (*open)(const char *spec_json, const char *write_only_json, source_session_t **out, weir_err_t *err);
    /* The columns of `table`; WEIR_ERR_NOT_FOUND when it does not exist. */
    weir_status_t (*describe)(source_session_t *session, const char *table, source_columns_t *out, weir_err_t *err);
    /* Streams the rows `window` selects into `writer` (which it does not close). */
    weir_status_t (*extract)(source_session_t *session, const source_window_t *window, stage_writer_t *writer,
                             source_extract_t *out, weir_err_t *err);
    void (*close)(source_session_t *session);
    /* For apply's checks: `table`'s columns and their cursor classes, whether the `key_count`
     * columns of `key` are unique by a constraint or unique index of the table, and whether the
     * session may read it. WEIR_ERR_NOT_FOUND when the table does not exist. Bounded in time:
     * apply waits for it. NULL when the kind cannot tell (its tables are not checked). */
    weir_status_t (*inspect)(source_session_t *session, const char *table, char *const *key, size_t key_count,
                             source_table_info_t *out, weir_err_t *err);
    /* `open` for a session that only inspects, giving up after `timeout_ms` in all (name lookup
     * included): apply waits for it. NULL when `open` itself does no network I/O. */
    weir_status_t (*open_inspect)(const char *spec_json, const char *write_only_json, int timeout_ms,
                                  source_session_t **out, weir_err_t *err);
} source_ops_t;

/* The backend serving object kind `kind`, or NULL. */
const source_ops_t *source_for_kind(const char *kind);
/* Registered backends, for lookups by object name across kinds. */
extern const source_ops_t *const source_backends[];
extern const size_t source_backend_count;

#endif
