/* fuzz_ident.c — libFuzzer target for the identifier parsers (table and column names from users'
 * configurations): any text is a name or refused with a reason, never a crash; a parsed name's
 * canonical spelling parses back to the same name; an upper-case target name is a valid unquoted
 * Snowflake name that resolves to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trips_as_pg(const char *name)
{
    char canonical[IDENT_SIZE], again[IDENT_PG_MAX + 1], why[256];
    ident_pg_canonical(name, canonical, sizeof canonical);
    if (!ident_pg_parse(canonical, again, why, sizeof why) || strcmp(again, name) != 0)
        abort();
}

static void targets_are_valid(const char *name)
{
    char target[IDENT_SIZE], resolved[IDENT_SIZE], why[256];
    ident_target_name(NAMING_UPPER, name, target);
    if (strlen(target) <= IDENT_SF_MAX &&
        (!ident_sf_parse(target, resolved, why, sizeof why) || strcmp(resolved, target) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char column[IDENT_PG_MAX + 1], why[256], sf[IDENT_SIZE];
    pg_table_name_t table;
    why[0] = 0;
    if (ident_pg_parse(text, column, why, sizeof why)) {
        round_trips_as_pg(column);
        targets_are_valid(column);
    } else if (!why[0]) {
        abort(); /* a refusal always says why */
    }
    if (ident_pg_parse_table(text, &table, why, sizeof why)) {
        if (table.schema[0])
            round_trips_as_pg(table.schema);
        round_trips_as_pg(table.name);
    }
    (void)ident_sf_parse(text, sf, why, sizeof why);
    free(text);
    return 0;
}
