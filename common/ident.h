/* ident.h — table and column names as users write them, read by each system's own quoting rules,
 * so what the user wrote names exactly the object the catalog holds.
 *
 * PostgreSQL: an unquoted identifier folds to lower case (ASCII letters only, as the server does
 * for UTF-8 databases) and may hold letters, digits, '_' and '$' (not first); a "quoted" one is
 * taken exactly, with "" standing for one ". At most 63 bytes (NAMEDATALEN - 1): a longer name is
 * refused where PostgreSQL would silently cut it. Whitespace may surround the parts and the dot.
 *
 * Snowflake: an unquoted identifier (letters, digits, '_', '$', not starting with a digit or '$')
 * resolves to upper case, a "quoted" one is exact; at most 255 characters.
 *
 * Parsed names are the exact catalog names; generated SQL always quotes them. */
#ifndef WEIR_IDENT_H
#define WEIR_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#define IDENT_PG_MAX 63
#define IDENT_SF_MAX 255
/* Room for any parsed name: 255 characters of UTF-8, or a canonical spelling with its quotes. */
#define IDENT_SIZE 1040

typedef struct {
    char schema[IDENT_PG_MAX + 1]; /* "" when the name is not schema-qualified */
    char name[IDENT_PG_MAX + 1];
} pg_table_name_t;

/* One PostgreSQL identifier (a column). False with a reason in `why` when `text` is not one. */
bool ident_pg_parse(const char *text, char out[IDENT_PG_MAX + 1], char *why, size_t why_size);
/* `table` or `schema.table`, each part quoted or not. */
bool ident_pg_parse_table(const char *text, pg_table_name_t *out, char *why, size_t why_size);
/* The canonical spelling of a name: bare where PostgreSQL reads it back unchanged, else quoted.
 * Two spellings name the same object exactly when their canonical spellings are equal. */
void ident_pg_canonical(const char *name, char *out, size_t size);
void ident_pg_canonical_table(const pg_table_name_t *table, char *out, size_t size);

/* One Snowflake identifier, resolved: `orders` and `ORDERS` give ORDERS, `"orders"` gives orders. */
bool ident_sf_parse(const char *text, char out[IDENT_SIZE], char *why, size_t why_size);

/* How source names become Snowflake names when no column block or target says otherwise. */
typedef enum {
    NAMING_UPPER,    /* upper case; characters Snowflake does not allow unquoted become '_' */
    NAMING_PRESERVE, /* the source name exactly, always quoted */
} naming_policy_t;

bool naming_policy_parse(const char *text, naming_policy_t *out);
/* The Snowflake name `source_name` lands as under `policy`. Deterministic: the same name always
 * maps the same way, and `"Order Items"` and `order_items` both become ORDER_ITEMS under upper. */
void ident_target_name(naming_policy_t policy, const char *source_name, char out[IDENT_SIZE]);

#endif
