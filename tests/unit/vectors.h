/* vectors.h — reads line-oriented test vector files ("input | expected") for the unit tests. */
#ifndef WEIR_TEST_VECTORS_H
#define WEIR_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Calls `fn(input, expected, ctx)` for every non-comment line of $WEIR_VECTORS/<relative>.
 * Returns the number of vectors, or -1 when the file cannot be opened. */
static inline int vectors_each(const char *relative, void (*fn)(const char *, const char *, void *), void *ctx)
{
    const char *root = getenv("WEIR_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root ? root : "tests/vectors", relative);
    FILE *file = fopen(path, "r");
    if (!file)
        return -1;
    char line[8192];
    int count = 0;
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        char *bar = strstr(line, " | ");
        char *input = line;
        char *expected;
        if (bar) {
            *bar = 0;
            expected = bar + 3;
        } else if (line[0] == '|') {
            input = "";
            expected = line + 2;
        } else {
            continue;
        }
        fn(input, expected, ctx);
        count++;
    }
    fclose(file);
    return count;
}

#endif
