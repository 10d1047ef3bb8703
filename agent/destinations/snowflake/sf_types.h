/* sf_types.h — how a PostgreSQL column lands in Snowflake: the column type for a source type, the
 * SQL that turns its staged text into that type, and the check that the text converts without
 * loss. The mapping table with reasons is docs/types.md; keep the two in step.
 *
 * Values are staged as PostgreSQL's text output (DateStyle ISO, IntervalStyle iso_8601,
 * extra_float_digits 3, bytea hex, TimeZone UTC; arrays as to_json). A value Snowflake would refuse,
 * round or reinterpret (NaN in NUMBER, more digits than NUMBER(38) holds, infinity or BC dates,
 * years above 9999, 24:00:00, duplicate json keys, JSON numbers that would become DOUBLE) fails the
 * run instead: sf_types_check says why, and the loader names the column and the row's key. */
#ifndef WEIR_SF_TYPES_H
#define WEIR_SF_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "status.h"

typedef enum {
    SF_KIND_NUMBER,        /* integers and numeric: NUMBER(p,s), value digits checked */
    SF_KIND_MONEY,         /* money: NUMBER(19,2) from the "$1,234.56" text */
    SF_KIND_FLOAT,         /* real, double precision: FLOAT, Infinity → 'inf' */
    SF_KIND_BOOLEAN,       /* boolean: 't'/'f' */
    SF_KIND_DATE,          /* date: TO_DATE with 'YYYY-MM-DD' */
    SF_KIND_TIME,          /* time without time zone: TO_TIME with 'HH24:MI:SS[.FF]' */
    SF_KIND_TIMESTAMP_NTZ, /* timestamp without time zone */
    SF_KIND_TIMESTAMP_TZ,  /* timestamp with time zone (UTC session: "+00") */
    SF_KIND_JSON,          /* json: VARIANT, duplicate keys refused */
    SF_KIND_JSONB,         /* jsonb: VARIANT */
    SF_KIND_ARRAY,         /* any array: ARRAY, staged as to_json text */
    SF_KIND_BINARY,        /* bytea: BINARY from "\x…" hex */
    SF_KIND_TEXT,          /* everything else: VARCHAR holding PostgreSQL's text form */
} sf_kind_t;

typedef struct {
    sf_kind_t kind;
    char sql_type[48];       /* the Snowflake column type, e.g. "NUMBER(38,9)", "VARCHAR(36)" */
    int precision;           /* NUMBER: digits a value may have in all (SF_KIND_NUMBER, _MONEY) */
    int scale;               /* NUMBER: digits after the point */
    bool has_fraction_limit; /* TIME(n), TIMESTAMP_*(n) overrides: at most n fractional digits */
    int fraction_limit;
} sf_type_t;

/* The Snowflake type for a PostgreSQL type as format_type() prints it (domains already resolved
 * to their base type by the source). Unknown types become VARCHAR (SF_KIND_TEXT). */
void sf_types_map(const char *pg_type, sf_type_t *out);

/* A column block's `type` (a Snowflake type, e.g. "NUMBER(38,10)", "VARCHAR", "TIMESTAMP_LTZ")
 * instead of the mapped one: the staged text converts and is checked as that type. False when
 * `text` is not a type Weir loads into (the provider refuses those at plan). */
bool sf_types_override(const char *text, sf_type_t *out);

/* Appends the expression that converts the staged text column `quoted_column` to `type`. Date and
 * time conversions always name their format: nothing depends on the account's *_INPUT_FORMAT. */
weir_status_t sf_types_put_converted(weir_buf_t *sql, const sf_type_t *type, const char *quoted_column) WEIR_MUSTCHECK;

/* True when the staged text `value` lands in `type` unchanged; otherwise false with the reason
 * ("does not fit NUMBER(38,2)", …) in `why`. NULL values are not passed here. */
bool sf_types_check(const sf_type_t *type, const char *value, size_t len, char *why, size_t why_size);

/* Whether an existing Snowflake column (INFORMATION_SCHEMA DATA_TYPE) can take values of `wanted`. */
bool sf_types_same_family(const char *target_type, const sf_type_t *wanted);

#endif
