/* table_position.c — see table_position.h. */
#include "table_position.h"

#include <string.h>

#include "ident.h"

static const char *text(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool table_position_same_cursor(const json_t *old_table, const json_t *new_table)
{
    const char *a = text(old_table, "cursor"), *b = text(new_table, "cursor");
    char exact_a[IDENT_PG_MAX + 1], exact_b[IDENT_PG_MAX + 1], why[200];
    if (!a || !b || !ident_pg_parse(a, exact_a, why, sizeof why) || !ident_pg_parse(b, exact_b, why, sizeof why))
        return same_text(a, b);
    return strcmp(exact_a, exact_b) == 0;
}

/* The exact Snowflake name a table block lands in; false when the spec does not say one. */
static bool target_of(const json_t *pipeline, const json_t *table, char out[IDENT_SIZE])
{
    char why[200];
    const char *target = text(table, "target");
    if (target)
        return ident_sf_parse(target, out, why, sizeof why);
    pg_table_name_t source;
    naming_policy_t naming = NAMING_UPPER;
    const char *policy = text(pipeline, "naming");
    if (!text(table, "name") || !ident_pg_parse_table(text(table, "name"), &source, why, sizeof why) ||
        (policy && !naming_policy_parse(policy, &naming)))
        return false;
    ident_target_name(naming, source.name, out);
    return true;
}

bool table_position_same_target(const json_t *old_pipeline, const json_t *old_table, const json_t *new_pipeline,
                                const json_t *new_table)
{
    char a[IDENT_SIZE], b[IDENT_SIZE];
    if (!target_of(old_pipeline, old_table, a) || !target_of(new_pipeline, new_table, b))
        return same_text(text(old_table, "target"), text(new_table, "target")) &&
            same_text(text(old_pipeline, "naming"), text(new_pipeline, "naming"));
    return strcmp(a, b) == 0;
}

bool table_position_kept(const json_t *old_pipeline, const json_t *old_table, const json_t *new_pipeline,
                         const json_t *new_table)
{
    return same_text(text(old_pipeline, "source"), text(new_pipeline, "source")) &&
        same_text(text(old_pipeline, "destination"), text(new_pipeline, "destination")) &&
        table_position_same_cursor(old_table, new_table) &&
        table_position_same_target(old_pipeline, old_table, new_pipeline, new_table);
}
