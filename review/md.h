/* md.h — a bounded Markdown writer that remembers its first error, so renderers can append
 * without checking every call; code spans are escaped for lists and GitHub tables alike. */
#ifndef WEIR_REVIEW_MD_H
#define WEIR_REVIEW_MD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "status.h"

typedef struct {
    weir_buf_t buf;       /* owned */
    weir_status_t result; /* first failure; later appends are skipped */
} md_t;

void md_init(md_t *md, size_t limit);
void md_free(md_t *md);
void md_puts(md_t *md, const char *text);
void md_printf(md_t *md, const char *fmt, ...) WEIR_PRINTF(2, 3);
/* A code span holding `text` verbatim; inside a table cell pipes are escaped as GitHub requires.
 * Line breaks become spaces (a span cannot hold them). */
void md_code(md_t *md, const char *text, bool in_table);
/* Plain text with Markdown and HTML punctuation backslash-escaped. */
void md_text(md_t *md, const char *text);

#endif
