/* ident.c — PostgreSQL and Snowflake identifier syntax, and how source names map to targets. */
#include "ident.h"

#include <stdio.h>
#include <string.h>

static bool ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const char *skip_space(const char *p)
{
    while (space((unsigned char)*p))
        p++;
    return p;
}

typedef enum { FOLD_LOWER, FOLD_UPPER } fold_t;

/* Reads one identifier at *pos into out (capacity out_size, at most `max_len` bytes or, for
 * Snowflake, characters), folding unquoted ones. Advances *pos past it. */
static bool read_ident(const char **pos, fold_t fold, size_t max_len, bool count_chars, char *out, size_t out_size,
                       char *why, size_t why_size)
{
    const char *p = *pos;
    size_t len = 0, chars = 0;
    bool quoted = *p == '"';
    if ((*p == 'U' || *p == 'u') && p[1] == '&' && p[2] == '"') {
        snprintf(why, why_size, "Unicode-escaped identifiers (U&\"...\") are not supported; write the characters");
        return false;
    }
    if (quoted) {
        for (p++;; p++) {
            if (!*p) {
                snprintf(why, why_size, "a quoted name is not closed: add the final '\"'");
                return false;
            }
            if (*p == '"') {
                if (p[1] != '"')
                    break;
                p++; /* "" is one " */
            }
            if (len + 1 >= out_size) {
                snprintf(why, why_size, "a name is longer than %zu %s", max_len, count_chars ? "characters" : "bytes");
                return false;
            }
            out[len++] = *p;
            if (((unsigned char)*p & 0xC0) != 0x80)
                chars++;
        }
        p++;
        if (len == 0) {
            snprintf(why, why_size, "a quoted name is empty (\"\")");
            return false;
        }
    } else {
        unsigned char first = (unsigned char)*p;
        bool high_ok = fold == FOLD_LOWER; /* PostgreSQL takes any non-ASCII letter bare; Snowflake does not */
        if (!(ascii_letter(first) || first == '_' || (high_ok && first >= 0x80))) {
            if (!first)
                snprintf(why, why_size, "a name is missing");
            else
                snprintf(why, why_size, "'%c' cannot start a name without quotes: quote the name (\"...\")",
                         first >= 0x20 && first < 0x7f ? first : '?');
            return false;
        }
        for (; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (!(ascii_letter(c) || digit(c) || c == '_' || c == '$' || (high_ok && c >= 0x80)))
                break;
            if (len + 1 >= out_size) {
                snprintf(why, why_size, "a name is longer than %zu %s", max_len, count_chars ? "characters" : "bytes");
                return false;
            }
            if (c >= 'A' && c <= 'Z' && fold == FOLD_LOWER)
                c = (unsigned char)(c - 'A' + 'a');
            else if (c >= 'a' && c <= 'z' && fold == FOLD_UPPER)
                c = (unsigned char)(c - 'a' + 'A');
            out[len++] = (char)c;
            if ((c & 0xC0) != 0x80)
                chars++;
        }
    }
    out[len] = 0;
    if ((count_chars ? chars : len) > max_len) {
        snprintf(why, why_size, "\"%.40s...\" is longer than %zu %s", out, max_len,
                 count_chars ? "characters" : "bytes");
        return false;
    }
    *pos = p;
    return true;
}

/* Explains what follows a complete name. */
static bool trailing(const char *p, const char *what, char *why, size_t why_size)
{
    p = skip_space(p);
    if (!*p)
        return false;
    if (*p == '.')
        snprintf(why, why_size, "%s has too many parts", what);
    else
        snprintf(why, why_size, "unexpected '%c' after the name: quote a name that holds it (\"...\")",
                 (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?');
    return true;
}

bool ident_pg_parse(const char *text, char out[IDENT_PG_MAX + 1], char *why, size_t why_size)
{
    const char *p = skip_space(text);
    if (!read_ident(&p, FOLD_LOWER, IDENT_PG_MAX, false, out, IDENT_PG_MAX + 1, why, why_size))
        return false;
    return !trailing(p, "a column name", why, why_size);
}

bool ident_pg_parse_table(const char *text, pg_table_name_t *out, char *why, size_t why_size)
{
    char first[IDENT_PG_MAX + 1], second[IDENT_PG_MAX + 1];
    const char *p = skip_space(text);
    if (!read_ident(&p, FOLD_LOWER, IDENT_PG_MAX, false, first, sizeof first, why, why_size))
        return false;
    p = skip_space(p);
    if (*p != '.') {
        if (trailing(p, "a table name", why, why_size))
            return false;
        out->schema[0] = 0;
        memcpy(out->name, first, sizeof first);
        return true;
    }
    p = skip_space(p + 1);
    if (!read_ident(&p, FOLD_LOWER, IDENT_PG_MAX, false, second, sizeof second, why, why_size))
        return false;
    if (trailing(p, "a table name (write schema.table; a pipeline reads from its source's database)", why, why_size))
        return false;
    memcpy(out->schema, first, sizeof first);
    memcpy(out->name, second, sizeof second);
    return true;
}

static bool bare_in_pg(const char *name)
{
    if (!(*name >= 'a' && *name <= 'z') && *name != '_')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || digit((unsigned char)*p) || *p == '_' || *p == '$'))
            return false;
    return true;
}

/* Appends `name` to out (which holds `used` bytes), bare or quoted. */
static size_t put_canonical(const char *name, char *out, size_t size, size_t used)
{
    bool bare = bare_in_pg(name);
    if (!bare && used + 1 < size)
        out[used++] = '"';
    for (const char *p = name; *p && used + 1 < size; p++) {
        if (*p == '"' && used + 2 < size)
            out[used++] = '"';
        out[used++] = *p;
    }
    if (!bare && used + 1 < size)
        out[used++] = '"';
    out[used] = 0;
    return used;
}

void ident_pg_canonical(const char *name, char *out, size_t size)
{
    if (size)
        put_canonical(name, out, size, 0);
}

void ident_pg_canonical_table(const pg_table_name_t *table, char *out, size_t size)
{
    if (!size)
        return;
    size_t used = 0;
    out[0] = 0;
    if (table->schema[0]) {
        used = put_canonical(table->schema, out, size, 0);
        if (used + 1 < size) {
            out[used++] = '.';
            out[used] = 0;
        }
    }
    put_canonical(table->name, out, size, used);
}

bool ident_sf_parse(const char *text, char out[IDENT_SIZE], char *why, size_t why_size)
{
    const char *p = skip_space(text);
    if (!read_ident(&p, FOLD_UPPER, IDENT_SF_MAX, true, out, IDENT_SIZE, why, why_size))
        return false;
    return !trailing(p, "a Snowflake name", why, why_size);
}

bool naming_policy_parse(const char *text, naming_policy_t *out)
{
    if (text && strcmp(text, "preserve") == 0)
        *out = NAMING_PRESERVE;
    else if (!text || strcmp(text, "upper") == 0)
        *out = NAMING_UPPER;
    else
        return false;
    return true;
}

void ident_target_name(naming_policy_t policy, const char *source_name, char out[IDENT_SIZE])
{
    if (policy == NAMING_PRESERVE) {
        snprintf(out, IDENT_SIZE, "%s", source_name);
        return;
    }
    size_t used = 0;
    const unsigned char *p = (const unsigned char *)source_name;
    if (digit(*p) || *p == '$')
        out[used++] = '_';     /* an unquoted Snowflake name cannot start with either */
    bool in_character = false; /* inside a multi-byte UTF-8 character */
    for (; *p && used + 1 < IDENT_SIZE; p++) {
        bool continuation = (*p & 0xC0) == 0x80;
        if (continuation && in_character)
            continue; /* one '_' per character, not per byte */
        in_character = *p >= 0xC0;
        if (*p >= 'a' && *p <= 'z')
            out[used++] = (char)(*p - 'a' + 'A');
        else if ((*p >= 'A' && *p <= 'Z') || digit(*p) || *p == '_' || *p == '$')
            out[used++] = (char)*p;
        else
            out[used++] = '_';
    }
    out[used] = 0;
}
