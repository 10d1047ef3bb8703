/* spec_validate.c — checks a value against its spec table: required, bounds, validators. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"
#include "ident.h"
#include "spec.h"

typedef struct {
    spec_step_t steps[SPEC_MAX_PATH];
    int len;
} path_t;

static void push_attr(path_t *path, const char *name)
{
    if (path->len < SPEC_MAX_PATH)
        path->steps[path->len] = (spec_step_t){.kind = PATH_ATTR, .name = name};
    path->len++;
}

static void push_index(path_t *path, long index)
{
    if (path->len < SPEC_MAX_PATH)
        path->steps[path->len] = (spec_step_t){.kind = PATH_INDEX, .index = index};
    path->len++;
}

bool spec_duration_seconds(const char *text, long long *seconds)
{
    long long total = 0;
    const char *p = text;
    if (!*p)
        return false;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return false;
        long long amount = 0;
        while (isdigit((unsigned char)*p)) {
            amount = amount * 10 + (*p++ - '0');
            if (amount > 100000000)
                return false;
        }
        long long unit;
        switch (*p++) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return false;
        }
        total += amount * unit;
    }
    *seconds = total;
    return true;
}

static bool all_chars(const char *text, const char *extra, bool allow_upper)
{
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (allow_upper && c >= 'A' && c <= 'Z') ||
            (c && strchr(extra, c));
        if (!ok)
            return false;
    }
    return true;
}

bool spec_secret_ref_valid(const char *text, char *why, size_t why_size)
{
    if (strncmp(text, "env:", 4) == 0) {
        const char *name = text + 4;
        bool ok = *name && !isdigit((unsigned char)*name);
        for (const char *p = name; ok && *p; p++)
            ok = isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
        if (!ok)
            snprintf(why, why_size, "env: must name an environment variable like env:PG_PASSWORD");
        return ok;
    }
    if (strncmp(text, "file:", 5) == 0) {
        if (text[5] != '/') {
            snprintf(why, why_size, "file: must give an absolute path, e.g. file:/run/secrets/pg");
            return false;
        }
        return true;
    }
    if (strncmp(text, "aws-sm:", 7) == 0) {
        const char *id = text + 7;
        if (strncmp(id, "arn:aws", 7) != 0 && !all_chars(id, "/_+=.@-#", true)) {
            snprintf(why, why_size, "aws-sm: takes a secret ARN or name, optionally followed by #json-key");
            return false;
        }
        return *id != 0;
    }
    if (strncmp(text, "ssm:", 4) == 0) {
        const char *id = text + 4;
        if (!(*id == '/' || strncmp(id, "arn:aws", 7) == 0)) {
            snprintf(why, why_size, "ssm: takes a parameter name starting with / or an ARN");
            return false;
        }
        return true;
    }
    snprintf(why, why_size,
             "a secret reference starts with env:, file:, aws-sm: or ssm: — the value itself never "
             "goes into the configuration");
    return false;
}

static bool valid_host(const char *text)
{
    size_t len = strlen(text);
    if (len == 0 || len > 253)
        return false;
    if (text[0] == '[' || strchr(text, ':')) /* IPv6 literal */
        return all_chars(text, ":[].", true);
    return all_chars(text, ".-_", true) && text[0] != '-' && text[0] != '.';
}

/* Reads "(a)" or "(a,b)" after a type name; counts the numbers read. */
static int type_args(const char *p, long *a, long *b)
{
    char close = 0;
    int n = 0;
    if (!*p)
        return 0;
    if (sscanf(p, " ( %ld , %ld %c", a, b, &close) == 3 && close == ')')
        n = 2;
    else if (sscanf(p, " ( %ld %c", a, &close) == 2 && close == ')')
        n = 1;
    else
        return -1;
    const char *end = strchr(p, ')');
    while (end && *++end)
        if (!isspace((unsigned char)*end))
            return -1;
    return n;
}

bool spec_sf_type_valid(const char *text, char *why, size_t why_size)
{
    char name[32];
    size_t len = 0;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    while ((isalnum((unsigned char)*p) || *p == '_') && len + 1 < sizeof name) /* FLOAT4, FLOAT8 */
        name[len++] = (char)toupper((unsigned char)*p++);
    name[len] = 0;
    long a = 0, b = 0;
    int args = type_args(p, &a, &b);
    static const char *const plain[] = {"INT",   "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT",
                                        "FLOAT", "DOUBLE",  "REAL",   "BOOLEAN",  "DATE",    "VARIANT",
                                        "ARRAY", "FLOAT4",  "FLOAT8", NULL};
    for (const char *const *t = plain; *t; t++)
        if (strcmp(name, *t) == 0) {
            if (args == 0)
                return true;
            snprintf(why, why_size, "%s takes no arguments", name);
            return false;
        }
    if (strcmp(name, "NUMBER") == 0 || strcmp(name, "DECIMAL") == 0 || strcmp(name, "NUMERIC") == 0) {
        if (args == 1)
            b = 0;
        if (args == 0 || (args > 0 && a >= 1 && a <= 38 && b >= 0 && b <= 37 && b <= a))
            return true;
        snprintf(why, why_size, "%s needs a precision from 1 to 38 and a scale from 0 to 37, at most the precision",
                 name);
        return false;
    }
    if (strcmp(name, "VARCHAR") == 0 || strcmp(name, "STRING") == 0 || strcmp(name, "TEXT") == 0 ||
        strcmp(name, "BINARY") == 0) {
        long most = strcmp(name, "BINARY") == 0 ? 8388608L : 16777216L;
        if (args == 0 || (args == 1 && a >= 1 && a <= most))
            return true;
        snprintf(why, why_size, "%s takes one length from 1 to %ld", name, most);
        return false;
    }
    if (strcmp(name, "TIME") == 0 || strcmp(name, "TIMESTAMP_NTZ") == 0 || strcmp(name, "TIMESTAMP_LTZ") == 0 ||
        strcmp(name, "TIMESTAMP_TZ") == 0) {
        if (args == 0 || (args == 1 && a >= 0 && a <= 9))
            return true;
        snprintf(why, why_size, "%s takes one fractional-second precision from 0 to 9", name);
        return false;
    }
    snprintf(why, why_size,
             "not a Snowflake column type Weir loads into (NUMBER(p,s), INTEGER, FLOAT, VARCHAR(n), BOOLEAN, DATE, "
             "TIME, TIMESTAMP_NTZ, TIMESTAMP_LTZ, TIMESTAMP_TZ, VARIANT, ARRAY, BINARY)");
    return false;
}

static void check_string(const spec_attr_t *attr, const wv_t *value, const path_t *path, spec_diags_t *diags)
{
    const char *text = value->text;
    char why[256] = "";
    switch (attr->validator) {
    case SV_NONE:
        return;
    case SV_NON_EMPTY:
        if (!*text)
            spec_diag_add(diags, true, path->steps, path->len, "Empty value", "%s must not be empty.", attr->name);
        return;
    case SV_NAME: {
        size_t len = strlen(text);
        if (len == 0 || len > 63 || !all_chars(text, "-_", false) || !isalnum((unsigned char)text[0]))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid name",
                          "\"%s\" is not a valid name: use 1-63 lowercase letters, digits, '-' or '_', "
                          "starting with a letter or digit.",
                          text);
        return;
    }
    case SV_CRON: {
        cron_t cron;
        if (!cron_parse(text, &cron, why, sizeof why))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid schedule",
                          "\"%s\" is not a valid cron schedule: %s.", text, why);
        return;
    }
    case SV_DURATION: {
        long long seconds;
        if (!spec_duration_seconds(text, &seconds))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid duration",
                          "\"%s\" is not a duration: write a number and a unit (s, m, h, d), e.g. 15m "
                          "or 1h30m.",
                          text);
        return;
    }
    case SV_ENUM: {
        char allowed[256] = "";
        size_t used = 0;
        for (const char *const *e = attr->enum_values; *e; e++) {
            if (strcmp(*e, text) == 0)
                return;
            int n = snprintf(allowed + used, sizeof allowed - used, "%s\"%s\"", used ? ", " : "", *e);
            if (n > 0 && (size_t)n < sizeof allowed - used)
                used += (size_t)n;
        }
        spec_diag_add(diags, true, path->steps, path->len, "Unsupported value", "\"%s\" is not one of %s.", text,
                      allowed);
        return;
    }
    case SV_SECRET_REF:
        if (!spec_secret_ref_valid(text, why, sizeof why))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid secret reference",
                          "%s must be a secret reference: %s.", attr->name, why);
        return;
    case SV_HOST:
        if (!valid_host(text))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid host",
                          "\"%s\" is not a host name or IP address.", text);
        return;
    case SV_PG_TABLE: {
        pg_table_name_t table;
        if (!ident_pg_parse_table(text, &table, why, sizeof why))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid table name",
                          "\"%s\" is not a PostgreSQL table name: %s. Write table or schema.table; quote a "
                          "part that has capitals, spaces or other characters, as in SQL: "
                          "\"Billing\".\"Order Items\".",
                          text, why);
        return;
    }
    case SV_PG_COLUMN: {
        char column[IDENT_PG_MAX + 1];
        if (!ident_pg_parse(text, column, why, sizeof why))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid column name",
                          "\"%s\" is not a PostgreSQL column name: %s. Quote a name that has capitals, "
                          "spaces or other characters, as in SQL: \"CustomerId\".",
                          text, why);
        return;
    }
    case SV_SF_IDENT: {
        char name[IDENT_SIZE];
        if (!ident_sf_parse(text, name, why, sizeof why))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid Snowflake identifier",
                          "\"%s\" is not a Snowflake identifier: %s. Unquoted names (letters, digits, '_' "
                          "and '$') mean their upper case; quote a name to keep its case or characters.",
                          text, why);
        return;
    }
    case SV_SF_TYPE:
        if (!spec_sf_type_valid(text, why, sizeof why))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid Snowflake type", "\"%s\": %s.", text, why);
        return;
    case SV_SF_ACCOUNT:
        if (!*text || !all_chars(text, "-_.", true))
            spec_diag_add(diags, true, path->steps, path->len, "Invalid Snowflake account",
                          "\"%s\" is not an account identifier: use ORGNAME-ACCOUNTNAME or an "
                          "account locator such as xy12345.eu-central-1.",
                          text);
        return;
    case SV_S3_URL:
        if (strncmp(text, "s3://", 5) != 0 || strlen(text) < 8 || text[strlen(text) - 1] != '/')
            spec_diag_add(diags, true, path->steps, path->len, "Invalid S3 URL",
                          "\"%s\" must look like s3://bucket/prefix/ (ending in '/').", text);
        return;
    case SV_HTTPS_URL:
        if (strncmp(text, "https://", 8) != 0 && strncmp(text, "http://127.0.0.1", 16) != 0 &&
            strncmp(text, "http://localhost", 16) != 0)
            spec_diag_add(diags, true, path->steps, path->len, "Invalid URL",
                          "\"%s\" must be an https:// URL (plain http only for localhost).", text);
        return;
    case SV_PORT:
    case SV_POSITIVE:
    case SV_FRACTION:
        return;
    }
}

static void check_number(const spec_attr_t *attr, const wv_t *value, const path_t *path, spec_diags_t *diags)
{
    double number = 0;
    int64_t integer = 0;
    switch (attr->validator) {
    case SV_PORT:
        if (!wv_number_as_i64(value, &integer) || integer < 1 || integer > 65535)
            spec_diag_add(diags, true, path->steps, path->len, "Invalid port",
                          "%s must be a whole number from 1 to 65535, not %s.", attr->name, value->text);
        return;
    case SV_POSITIVE:
        if (!wv_number_as_double(value, &number) || !(number > 0))
            spec_diag_add(diags, true, path->steps, path->len, "Value out of range",
                          "%s must be greater than 0, not %s.", attr->name, value->text);
        return;
    case SV_FRACTION:
        if (!wv_number_as_double(value, &number) || number < 0 || number > 1)
            spec_diag_add(diags, true, path->steps, path->len, "Value out of range",
                          "%s must lie between 0 and 1, not %s.", attr->name, value->text);
        return;
    default:
        return;
    }
}

static void validate_block(const spec_block_t *block, const wv_t *object, path_t *path, spec_diags_t *diags);

static void validate_attr(const spec_attr_t *attr, const wv_t *value, path_t *path, spec_diags_t *diags)
{
    if (value && value->kind == WV_UNKNOWN)
        return;
    if (wv_is_null(value) || (attr->type == ST_BLOCK_LIST && value->count == 0)) {
        if ((attr->flags & SA_REQUIRED) || (attr->type == ST_BLOCK_LIST && attr->min_items > 0)) {
            if (attr->type == ST_BLOCK_LIST)
                spec_diag_add(diags, true, path->steps, path->len, "Missing required block",
                              "At least %d \"%s\" block%s required.", attr->min_items, attr->name,
                              attr->min_items == 1 ? " is" : "s are");
            else
                spec_diag_add(diags, true, path->steps, path->len, "Missing required argument",
                              "The argument \"%s\" is required, but no definition was found.", attr->name);
        }
        return;
    }
    switch (attr->type) {
    case ST_STRING:
        if (value->kind == WV_STRING)
            check_string(attr, value, path, diags);
        return;
    case ST_NUMBER:
        if (value->kind == WV_NUMBER)
            check_number(attr, value, path, diags);
        return;
    case ST_BOOL:
        return;
    case ST_LIST_STRING:
    case ST_SET_STRING:
    case ST_BLOCK_LIST:
        if (attr->min_items && value->count < (size_t)attr->min_items)
            spec_diag_add(diags, true, path->steps, path->len, "Too few elements", "%s needs at least %d element%s.",
                          attr->name, attr->min_items, attr->min_items == 1 ? "" : "s");
        if (attr->max_items && value->count > (size_t)attr->max_items)
            spec_diag_add(diags, true, path->steps, path->len, "Too many elements", "%s takes at most %d element%s.",
                          attr->name, attr->max_items, attr->max_items == 1 ? "" : "s");
        for (size_t i = 0; i < value->count; i++) {
            push_index(path, (long)i);
            if (attr->type == ST_BLOCK_LIST)
                validate_block(attr->block, value->items[i], path, diags);
            else if (value->items[i] && value->items[i]->kind == WV_STRING)
                check_string(attr, value->items[i], path, diags);
            path->len--;
        }
        return;
    case ST_MAP_STRING:
        return;
    case ST_BLOCK_SINGLE:
        validate_block(attr->block, value, path, diags);
        return;
    }
}

static void validate_block(const spec_block_t *block, const wv_t *object, path_t *path, spec_diags_t *diags)
{
    if (wv_is_null(object) || object->kind != WV_MAP)
        return;
    for (size_t i = 0; i < block->count; i++) {
        const spec_attr_t *attr = &block->attrs[i];
        if ((attr->flags & SA_COMPUTED) && !(attr->flags & SA_OPTIONAL))
            continue;
        push_attr(path, attr->name);
        validate_attr(attr, wv_map_get(object, attr->name), path, diags);
        path->len--;
    }
}

void spec_validate(const spec_kind_t *kind, const wv_t *object, spec_diags_t *diags)
{
    path_t path = {.len = 0};
    validate_block(&kind->block, object, &path, diags);
    if (kind->check && !spec_diags_has_error(diags))
        kind->check(object, diags);
}
