/* md.c — Markdown output with escaping in one place. */
#include "md.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void md_init(md_t *md, size_t limit)
{
    buf_init(&md->buf, limit);
    md->result = WEIR_OK;
}

void md_free(md_t *md)
{
    buf_free(&md->buf);
}

static void put(md_t *md, const void *data, size_t len)
{
    if (md->result == WEIR_OK)
        md->result = buf_append(&md->buf, data, len);
}

void md_puts(md_t *md, const char *text)
{
    put(md, text, strlen(text));
}

void md_printf(md_t *md, const char *fmt, ...)
{
    char line[1024]; /* callers format short fragments; long values go through md_code */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        if (md->result == WEIR_OK)
            md->result = WEIR_ERR_INTERNAL;
        return;
    }
    put(md, line, (size_t)n);
}

void md_code(md_t *md, const char *text, bool in_table)
{
    size_t longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t fence = longest + 1 > 8 ? 8 : longest + 1;
    bool pad = longest > 0 || text[0] == ' ';
    for (size_t i = 0; i < fence; i++)
        put(md, "`", 1);
    if (pad)
        put(md, " ", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '\n' || *p == '\r')
            put(md, " ", 1);
        else if (*p == '|' && in_table)
            put(md, "\\|", 2);
        else if (*p == '`' && longest >= 8)
            put(md, "'", 1); /* a run longer than any fence we write: keep the span closed */
        else
            put(md, p, 1);
    }
    if (pad)
        put(md, " ", 1);
    for (size_t i = 0; i < fence; i++)
        put(md, "`", 1);
}

void md_text(md_t *md, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (strchr("\\`*_{}[]<>()#+!|~&", *p) && *p)
            put(md, "\\", 1);
        if (*p == '\n' || *p == '\r')
            put(md, " ", 1);
        else
            put(md, p, 1);
    }
}
