/* sf_types.c — the PostgreSQL → Snowflake type mapping, the conversions of staged text and the
 * value checks behind them (docs/types.md is the same table for readers). */
#include "sf_types.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Snowflake's NUMBER holds 38 digits with a scale of at most 37. */
#define SF_NUMBER_DIGITS 38
#define SF_NUMBER_MAX_SCALE 37
/* Unconstrained numeric: 29 integer digits and 9 decimals, documented in docs/types.md. */
#define SF_UNCONSTRAINED_SCALE 9
/* Largest VARCHAR and BINARY values Snowflake takes (16 MB of text, 8 MB of bytes). */
#define SF_VARCHAR_MAX_BYTES 16777216u
#define SF_BINARY_MAX_BYTES 8388608u
/* A JSON number with an exponent is kept as DOUBLE: 17 significant digits, exponent within ±308. */
#define SF_DOUBLE_DIGITS 17
#define SF_DOUBLE_MAX_EXPONENT 308

static bool starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static void set_type(sf_type_t *out, sf_kind_t kind, const char *sql_type)
{
    out->kind = kind;
    snprintf(out->sql_type, sizeof out->sql_type, "%s", sql_type);
}

static void set_number(sf_type_t *out, sf_kind_t kind, int precision, int scale)
{
    out->kind = kind;
    out->precision = precision;
    out->scale = scale;
    snprintf(out->sql_type, sizeof out->sql_type, "NUMBER(%d,%d)", precision, scale);
}

/* numeric(p,s) as PostgreSQL allows it (s may be negative or above p since 15) → NUMBER(p',s'):
 * the integer digits p - s (at least 0), the scale capped at 37, the whole capped at 38. Values
 * are checked against p',s', so a cap never rounds silently. */
static void map_numeric(int precision, int scale, sf_type_t *out)
{
    int integer_digits = precision - scale > 0 ? precision - scale : 0;
    int sf_scale = scale < 0 ? 0 : scale > SF_NUMBER_MAX_SCALE ? SF_NUMBER_MAX_SCALE : scale;
    int sf_precision = integer_digits + sf_scale;
    if (sf_precision > SF_NUMBER_DIGITS)
        sf_precision = SF_NUMBER_DIGITS;
    if (sf_precision < 1)
        sf_precision = 1;
    set_number(out, SF_KIND_NUMBER, sf_precision, sf_scale);
}

/* "time", "time(3)", "timestamp", "timestamp(6)" followed by " with[out] time zone". */
static bool time_type(const char *pg_type, const char *base, bool *with_zone)
{
    size_t n = strlen(base);
    if (strncmp(pg_type, base, n) != 0 || (pg_type[n] != ' ' && pg_type[n] != '('))
        return false;
    *with_zone = ends_with(pg_type, " with time zone");
    return *with_zone || ends_with(pg_type, " without time zone");
}

void sf_types_map(const char *pg_type, sf_type_t *out)
{
    memset(out, 0, sizeof *out);
    int precision = 0, scale = 0;
    char rest = 0;
    bool with_zone = false;
    if (ends_with(pg_type, "[]")) /* by the array itself, never by its element's name */
        set_type(out, SF_KIND_ARRAY, "ARRAY");
    else if (strcmp(pg_type, "smallint") == 0 || strcmp(pg_type, "integer") == 0 || strcmp(pg_type, "bigint") == 0)
        set_number(out, SF_KIND_NUMBER, SF_NUMBER_DIGITS, 0);
    else if (strcmp(pg_type, "numeric") == 0)
        set_number(out, SF_KIND_NUMBER, SF_NUMBER_DIGITS, SF_UNCONSTRAINED_SCALE);
    else if (sscanf(pg_type, "numeric(%d,%d%c", &precision, &scale, &rest) == 3 && rest == ')')
        map_numeric(precision, scale, out);
    else if (strcmp(pg_type, "money") == 0)
        set_number(out, SF_KIND_MONEY, 19, 2);
    else if (strcmp(pg_type, "real") == 0 || strcmp(pg_type, "double precision") == 0)
        set_type(out, SF_KIND_FLOAT, "FLOAT");
    else if (strcmp(pg_type, "boolean") == 0)
        set_type(out, SF_KIND_BOOLEAN, "BOOLEAN");
    else if (strcmp(pg_type, "date") == 0)
        set_type(out, SF_KIND_DATE, "DATE");
    else if (time_type(pg_type, "timestamp", &with_zone))
        set_type(out, with_zone ? SF_KIND_TIMESTAMP_TZ : SF_KIND_TIMESTAMP_NTZ,
                 with_zone ? "TIMESTAMP_TZ" : "TIMESTAMP_NTZ");
    else if (time_type(pg_type, "time", &with_zone))
        set_type(out, with_zone ? SF_KIND_TEXT : SF_KIND_TIME, with_zone ? "VARCHAR" : "TIME");
    else if (strcmp(pg_type, "json") == 0)
        set_type(out, SF_KIND_JSON, "VARIANT");
    else if (strcmp(pg_type, "jsonb") == 0)
        set_type(out, SF_KIND_JSONB, "VARIANT");
    else if (strcmp(pg_type, "bytea") == 0)
        set_type(out, SF_KIND_BINARY, "BINARY");
    else if (strcmp(pg_type, "uuid") == 0)
        set_type(out, SF_KIND_TEXT, "VARCHAR(36)");
    else /* text, varchar, char, interval, bit, inet, enums, ranges, hstore, composites, … */
        set_type(out, SF_KIND_TEXT, "VARCHAR");
}

bool sf_types_override(const char *text, sf_type_t *out)
{
    memset(out, 0, sizeof *out);
    char name[32];
    size_t len = 0;
    const char *p = text;
    while (*p == ' ')
        p++;
    while ((isalpha((unsigned char)*p) || *p == '_' || isdigit((unsigned char)*p)) && len + 1 < sizeof name)
        name[len++] = (char)toupper((unsigned char)*p++);
    name[len] = 0;
    int a = -1, b = -1;
    char close = 0;
    int args = 0;
    if (sscanf(p, " ( %d , %d %c", &a, &b, &close) == 3 && close == ')')
        args = 2;
    else if (sscanf(p, " ( %d %c", &a, &close) == 2 && close == ')')
        args = 1;
    static const char *const integers[] = {"INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT", NULL};
    for (const char *const *t = integers; *t; t++)
        if (strcmp(name, *t) == 0 && args == 0) {
            set_number(out, SF_KIND_NUMBER, SF_NUMBER_DIGITS, 0);
            return true;
        }
    if (strcmp(name, "NUMBER") == 0 || strcmp(name, "DECIMAL") == 0 || strcmp(name, "NUMERIC") == 0) {
        int precision = args ? a : SF_NUMBER_DIGITS, scale = args == 2 ? b : 0;
        if (precision < 1 || precision > SF_NUMBER_DIGITS || scale < 0 || scale > SF_NUMBER_MAX_SCALE ||
            scale > precision)
            return false;
        set_number(out, SF_KIND_NUMBER, precision, scale);
        return true;
    }
    static const struct {
        const char *name;
        sf_kind_t kind;
        const char *sql_type;
    } plain[] = {{"FLOAT", SF_KIND_FLOAT, "FLOAT"},  {"FLOAT4", SF_KIND_FLOAT, "FLOAT"},
                 {"FLOAT8", SF_KIND_FLOAT, "FLOAT"}, {"DOUBLE", SF_KIND_FLOAT, "FLOAT"},
                 {"REAL", SF_KIND_FLOAT, "FLOAT"},   {"BOOLEAN", SF_KIND_BOOLEAN, "BOOLEAN"},
                 {"DATE", SF_KIND_DATE, "DATE"},     {"VARIANT", SF_KIND_JSONB, "VARIANT"},
                 {"ARRAY", SF_KIND_ARRAY, "ARRAY"}};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (strcmp(name, plain[i].name) == 0 && args == 0) {
            set_type(out, plain[i].kind, plain[i].sql_type);
            return true;
        }
    char sized[48];
    if (strcmp(name, "VARCHAR") == 0 || strcmp(name, "STRING") == 0 || strcmp(name, "TEXT") == 0 ||
        strcmp(name, "BINARY") == 0) {
        bool binary = strcmp(name, "BINARY") == 0;
        if (args > 1 || (args == 1 && a < 1))
            return false;
        snprintf(sized, sizeof sized, args ? "%s(%d)" : "%s", binary ? "BINARY" : "VARCHAR", a);
        set_type(out, binary ? SF_KIND_BINARY : SF_KIND_TEXT, sized);
        return true;
    }
    static const struct {
        const char *name;
        sf_kind_t kind;
    } timed[] = {{"TIME", SF_KIND_TIME},
                 {"TIMESTAMP_NTZ", SF_KIND_TIMESTAMP_NTZ},
                 {"TIMESTAMP_LTZ", SF_KIND_TIMESTAMP_TZ},
                 {"TIMESTAMP_TZ", SF_KIND_TIMESTAMP_TZ}};
    for (size_t i = 0; i < sizeof timed / sizeof timed[0]; i++)
        if (strcmp(name, timed[i].name) == 0 && args <= 1 && (args == 0 || (a >= 0 && a <= 9))) {
            snprintf(sized, sizeof sized, args ? "%s(%d)" : "%s", timed[i].name, a);
            set_type(out, timed[i].kind, sized);
            out->has_fraction_limit = args == 1;
            out->fraction_limit = args == 1 ? a : 9;
            return true;
        }
    return false;
}

/* CASE picking one of two explicit formats: with fractional seconds or without. */
static weir_status_t put_timed(weir_buf_t *sql, const char *function, const char *format, const char *zone,
                               const char *c)
{
    return buf_printf(sql, "CASE WHEN %s LIKE '%%.%%' THEN %s(%s, '%s.FF%s') ELSE %s(%s, '%s%s') END", c, function, c,
                      format, zone, function, c, format, zone);
}

weir_status_t sf_types_put_converted(weir_buf_t *sql, const sf_type_t *type, const char *c)
{
    switch (type->kind) {
    case SF_KIND_NUMBER:
        return buf_printf(sql, "CAST(%s AS %s)", c, type->sql_type);
    case SF_KIND_MONEY: /* "-$1,234.56" once checked: drop the symbol and the group separators */
        return buf_printf(sql, "CAST(REPLACE(REPLACE(%s, '$', ''), ',', '') AS %s)", c, type->sql_type);
    case SF_KIND_FLOAT: /* Snowflake spells the infinities 'inf' and '-inf' */
        return buf_printf(
            sql, "CAST(CASE %s WHEN 'Infinity' THEN 'inf' WHEN '-Infinity' THEN '-inf' ELSE %s END AS FLOAT)", c, c);
    case SF_KIND_BOOLEAN:
        return buf_printf(sql, "CAST(%s AS BOOLEAN)", c);
    case SF_KIND_DATE:
        return buf_printf(sql, "TO_DATE(%s, 'YYYY-MM-DD')", c);
    case SF_KIND_TIME:
        return put_timed(sql, "TO_TIME", "HH24:MI:SS", "", c);
    case SF_KIND_TIMESTAMP_NTZ:
        return put_timed(sql, "TO_TIMESTAMP_NTZ", "YYYY-MM-DD HH24:MI:SS", "", c);
    case SF_KIND_TIMESTAMP_TZ:
        return put_timed(sql, "TO_TIMESTAMP_TZ", "YYYY-MM-DD HH24:MI:SS", "TZH", c);
    case SF_KIND_JSON:
    case SF_KIND_JSONB:
        return buf_printf(sql, "PARSE_JSON(%s)", c);
    case SF_KIND_ARRAY:
        return buf_printf(sql, "CAST(PARSE_JSON(%s) AS ARRAY)", c);
    case SF_KIND_BINARY: /* PostgreSQL's hex output starts with \x */
        return buf_printf(sql, "TO_BINARY(SUBSTR(%s, 3), 'HEX')", c);
    case SF_KIND_TEXT:
        break;
    }
    return buf_puts(sql, c);
}

static size_t count_digits(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && isdigit((unsigned char)p[n]))
        n++;
    return n;
}

/* PostgreSQL numeric text: -?digits[.digits], or NaN / Infinity / -Infinity. */
static bool check_number(const sf_type_t *type, const char *value, size_t len, char *why, size_t size)
{
    if ((len == 3 && memcmp(value, "NaN", 3) == 0) || (len >= 8 && memcmp(value + len - 8, "Infinity", 8) == 0)) {
        snprintf(why, size, "is not a number %s can hold (NaN and infinity exist only in FLOAT)", type->sql_type);
        return false;
    }
    const char *p = value, *end = value + len;
    if (p < end && *p == '-')
        p++;
    size_t whole = count_digits(p, end);
    const char *fraction = p + whole; /* the '.', when there is one */
    size_t decimals = 0;
    bool shaped = true;
    if (fraction < end) {
        decimals = count_digits(fraction + 1, end);
        shaped = *fraction == '.' && fraction + 1 + decimals == end;
    }
    if (!shaped || whole + decimals == 0) {
        snprintf(why, size, "is not a decimal number");
        return false;
    }
    while (whole > 0 && *p == '0') /* leading zeros hold no digit of the value */
        p++, whole--;
    while (decimals > 0 && fraction[decimals] == '0') /* nor do trailing zeros after the point */
        decimals--;
    if (whole > (size_t)(type->precision - type->scale) || decimals > (size_t)type->scale) {
        snprintf(why, size, "does not fit %s", type->sql_type);
        return false;
    }
    return true;
}

/* money in the C/en_US monetary format: -?$d,ddd.dd (lc_monetary decides; others are refused). */
static bool check_money(const sf_type_t *type, const char *value, size_t len, char *why, size_t size)
{
    char digits[64];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '$' || value[i] == ',')
            continue;
        if (n + 1 >= sizeof digits || !(isdigit((unsigned char)value[i]) || value[i] == '.' || value[i] == '-')) {
            snprintf(why, size, "is not money as $1,234.56 (set the source's lc_monetary to C or en_US)");
            return false;
        }
        digits[n++] = value[i];
    }
    return check_number(type, digits, n, why, size);
}

/* YYYY-MM-DD at the start of a date or timestamp; infinity, BC and five-digit years refused. */
static bool check_date_part(const char *value, size_t len, char *why, size_t size)
{
    if ((len == 8 && memcmp(value, "infinity", 8) == 0) || (len == 9 && memcmp(value, "-infinity", 9) == 0)) {
        snprintf(why, size, "is PostgreSQL's infinity, which no Snowflake date or timestamp can hold");
        return false;
    }
    if (len >= 3 && memcmp(value + len - 3, " BC", 3) == 0) {
        snprintf(why, size, "is a BC date; Snowflake's dates start at year 1");
        return false;
    }
    size_t year = count_digits(value, value + len);
    if (year > 4) {
        snprintf(why, size, "has a year above 9999, beyond Snowflake's date range");
        return false;
    }
    if (year != 4 || len < 10 || value[4] != '-' || value[7] != '-' || count_digits(value + 5, value + 7) != 2 ||
        count_digits(value + 8, value + 10) != 2) {
        snprintf(why, size, "is not a date as YYYY-MM-DD");
        return false;
    }
    return true;
}

/* HH:MI:SS[.f…] from `value`; *used is how much it took. 24:00:00 is refused. */
static bool check_time_part(const char *value, size_t len, size_t *used, int limit, char *why, size_t size)
{
    if (len < 8 || count_digits(value, value + 2) != 2 || value[2] != ':' || count_digits(value + 3, value + 5) != 2 ||
        value[5] != ':' || count_digits(value + 6, value + 8) != 2) {
        snprintf(why, size, "is not a time as HH:MI:SS");
        return false;
    }
    if (value[0] == '2' && value[1] == '4') {
        snprintf(why, size, "is 24:00:00, PostgreSQL's end of day; Snowflake's TIME ends at 23:59:59.999999999");
        return false;
    }
    *used = 8;
    if (len > 8 && value[8] == '.') {
        size_t fraction = count_digits(value + 9, value + len);
        if (fraction == 0 || fraction > 9) {
            snprintf(why, size, "has fractional seconds Snowflake cannot read");
            return false;
        }
        size_t significant = fraction;
        while (significant > 0 && value[9 + significant - 1] == '0')
            significant--;
        if ((int)significant > limit) {
            snprintf(why, size, "has %zu fractional digits; a type keeping %d would round it", significant, limit);
            return false;
        }
        *used += 1 + fraction;
    }
    return true;
}

static bool check_timed(const sf_type_t *type, const char *value, size_t len, char *why, size_t size)
{
    size_t used = 0;
    int limit = type->has_fraction_limit ? type->fraction_limit : 9;
    if (type->kind == SF_KIND_TIME) {
        if (!check_time_part(value, len, &used, limit, why, size))
            return false;
    } else {
        if (!check_date_part(value, len, why, size))
            return false;
        if (len < 11 || value[10] != ' ') {
            snprintf(why, size, "is not a timestamp as YYYY-MM-DD HH:MI:SS");
            return false;
        }
        if (!check_time_part(value + 11, len - 11, &used, limit, why, size))
            return false;
        used += 11;
        /* The source session runs in UTC, so an offset is always "+00". */
        if (type->kind == SF_KIND_TIMESTAMP_TZ && used + 3 == len && (value[used] == '+' || value[used] == '-') &&
            count_digits(value + used + 1, value + len) == 2)
            used += 3;
    }
    if (used != len) {
        snprintf(why, size, "is not in the form %s takes", type->sql_type);
        return false;
    }
    return true;
}

/* Every number in a JSON text must survive PARSE_JSON exactly: up to 38 digits (37 after the
 * point) become NUMBER; with an exponent they are DOUBLE, so at most 17 digits within ±308. */
static bool check_json_numbers(const char *value, size_t len, char *why, size_t size)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char ch = value[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"') {
            in_string = true;
            continue;
        }
        if (ch != '-' && !isdigit((unsigned char)ch))
            continue;
        size_t start = i + (ch == '-'), whole = count_digits(value + start, value + len), decimals = 0, skip = 0;
        const char *p = value + start + whole;
        if (p < value + len && *p == '.')
            decimals = count_digits(p + 1, value + len);
        const char *after = p + (decimals ? decimals + 1 : 0);
        while (skip < whole && value[start + skip] == '0')
            skip++;
        size_t trailing = 0;
        while (trailing < decimals && p[decimals - trailing] == '0')
            trailing++;
        size_t digits = whole - skip + decimals - trailing;
        long exponent = 0;
        bool exponential = after < value + len && (*after == 'e' || *after == 'E');
        if (exponential) {
            const char *e = after + 1;
            e += (e < value + len && (*e == '+' || *e == '-'));
            size_t n = count_digits(e, value + len);
            for (size_t k = 0; k < n && exponent < 100000; k++)
                exponent = exponent * 10 + (e[k] - '0');
            after = e + n;
        }
        if (exponential ? (digits > SF_DOUBLE_DIGITS || exponent + (long)whole > SF_DOUBLE_MAX_EXPONENT)
                        : (digits > SF_NUMBER_DIGITS || decimals - trailing > SF_NUMBER_MAX_SCALE)) {
            snprintf(why, size, "holds the JSON number %.*s, which PARSE_JSON would turn into a %s",
                     (int)(after - value - i > 48 ? 48 : after - value - i), value + i,
                     exponential ? "rounded or infinite DOUBLE" : "DOUBLE (more than NUMBER's 38 digits)");
            return false;
        }
        i = (size_t)(after - value) - 1;
    }
    return true;
}

/* PARSE_JSON refuses objects with a repeated key; PostgreSQL's json keeps them. */
static bool check_json_keys(const char *value, size_t len, char *why, size_t size)
{
    json_error_t error;
    json_t *parsed = json_loadb(
        value, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &error);
    if (parsed) {
        json_decref(parsed);
        return true;
    }
    snprintf(why, size, "is json Snowflake's PARSE_JSON refuses (%s); store it as jsonb, which keeps the last key",
             error.text);
    return false;
}

bool sf_types_check(const sf_type_t *type, const char *value, size_t len, char *why, size_t why_size)
{
    switch (type->kind) {
    case SF_KIND_NUMBER:
        return check_number(type, value, len, why, why_size);
    case SF_KIND_MONEY:
        return check_money(type, value, len, why, why_size);
    case SF_KIND_DATE:
        if (!check_date_part(value, len, why, why_size))
            return false;
        if (len == 10)
            return true;
        snprintf(why, why_size, "is not a date as YYYY-MM-DD");
        return false;
    case SF_KIND_TIME:
    case SF_KIND_TIMESTAMP_NTZ:
    case SF_KIND_TIMESTAMP_TZ:
        return check_timed(type, value, len, why, why_size);
    case SF_KIND_JSON:
        return check_json_numbers(value, len, why, why_size) && check_json_keys(value, len, why, why_size);
    case SF_KIND_JSONB:
    case SF_KIND_ARRAY:
        return check_json_numbers(value, len, why, why_size);
    case SF_KIND_BINARY:
        if (len <= 2 + 2 * (size_t)SF_BINARY_MAX_BYTES)
            return true;
        snprintf(why, why_size, "is longer than BINARY's 8 MB");
        return false;
    case SF_KIND_TEXT:
        if (len <= SF_VARCHAR_MAX_BYTES)
            return true;
        snprintf(why, why_size, "is longer than VARCHAR's 16 MB");
        return false;
    case SF_KIND_FLOAT:
    case SF_KIND_BOOLEAN:
        break;
    }
    return true;
}

bool sf_types_same_family(const char *target_type, const sf_type_t *wanted)
{
    /* INFORMATION_SCHEMA reports NUMBER, FLOAT, TEXT, BOOLEAN, DATE, TIME, TIMESTAMP_*, VARIANT,
     * ARRAY, BINARY; an ARRAY also fits a VARIANT column. */
    if (starts_with(wanted->sql_type, "VARCHAR"))
        return strcmp(target_type, "TEXT") == 0 || starts_with(target_type, "VARCHAR");
    if (starts_with(wanted->sql_type, "NUMBER"))
        return strcmp(target_type, "NUMBER") == 0 || strcmp(target_type, "FIXED") == 0;
    if (strcmp(wanted->sql_type, "FLOAT") == 0)
        return strcmp(target_type, "FLOAT") == 0 || strcmp(target_type, "REAL") == 0 ||
            strcmp(target_type, "DOUBLE") == 0;
    if (wanted->kind == SF_KIND_ARRAY)
        return strcmp(target_type, "ARRAY") == 0 || strcmp(target_type, "VARIANT") == 0;
    /* TIME(3), TIMESTAMP_TZ(0), BINARY(16): the catalog names the type without its parameter. */
    size_t base = strcspn(wanted->sql_type, "(");
    return strlen(target_type) == base && strncmp(target_type, wanted->sql_type, base) == 0;
}
