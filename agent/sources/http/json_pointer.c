/* json_pointer.c — RFC 6901 pointers, page bodies and Link headers: the HTTP source's parsers of
 * outside data. */
#include "json_pointer.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool json_pointer_valid(const char *pointer)
{
    if (*pointer && *pointer != '/')
        return false;
    for (const char *p = pointer; *p; p++)
        if (*p == '~' && p[1] != '0' && p[1] != '1')
            return false;
    return true;
}

/* Decodes the token that starts at `p` (after a '/') into `out`; returns where it ends. Tokens
 * longer than the buffer are cut, which then matches no key of that length: object keys longer than
 * 255 bytes are not worth selecting. */
static const char *read_token(const char *p, char *out, size_t size, size_t *len)
{
    *len = 0;
    for (; *p && *p != '/'; p++) {
        char c = *p;
        if (c == '~') {
            c = p[1] == '0' ? '~' : '/';
            p++;
        }
        if (*len + 1 < size)
            out[(*len)++] = c;
    }
    out[*len] = 0;
    return p;
}

static bool array_index(const char *token, size_t len, size_t *index)
{
    if (len == 0 || len > 9 || (len > 1 && token[0] == '0'))
        return false;
    size_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)token[i]))
            return false;
        value = value * 10 + (size_t)(token[i] - '0');
    }
    *index = value;
    return true;
}

const json_t *json_pointer_get(const json_t *root, const char *pointer)
{
    if (!root || !pointer || !json_pointer_valid(pointer))
        return NULL;
    const json_t *at = root;
    const char *p = pointer;
    char token[256];
    while (at && *p == '/') {
        size_t len;
        p = read_token(p + 1, token, sizeof token, &len);
        if (json_is_object(at))
            at = json_object_getn(at, token, len);
        else if (json_is_array(at)) {
            size_t index;
            at = array_index(token, len, &index) ? json_array_get(at, index) : NULL;
        } else
            at = NULL;
    }
    return at;
}

json_t *http_page_parse(const char *body, size_t len, const char *records_pointer, const json_t **records, char *why,
                        size_t why_size)
{
    *records = NULL;
    if (len > HTTP_PAGE_MAX_BYTES) {
        snprintf(why, why_size, "the page is %zu bytes, over the %u-byte limit", len, HTTP_PAGE_MAX_BYTES);
        return NULL;
    }
    json_error_t error;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
    if (!doc) {
        /* jansson's text may quote the body; say only where it broke. */
        snprintf(why, why_size, "the body is not JSON (broken at byte %d of %zu)", error.position, len);
        return NULL;
    }
    const json_t *found = json_pointer_get(doc, records_pointer);
    if (!json_is_array(found)) {
        snprintf(why, why_size, "the body has no array of records at \"%s\"", records_pointer);
        json_decref(doc);
        return NULL;
    }
    *records = found;
    return doc;
}

/* Link: <https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last" */
bool http_link_next(const char *header, char *out, size_t size)
{
    const char *p = header;
    while (p && *p) {
        const char *open = strchr(p, '<');
        const char *close = open ? strchr(open, '>') : NULL;
        if (!close)
            return false;
        const char *end = close + 1;
        bool in_quotes = false;
        while (*end && (in_quotes || *end != ',')) {
            if (*end == '"')
                in_quotes = !in_quotes;
            end++;
        }
        /* The parameters of this entry are between '>' and the ',' that ends it. */
        for (const char *q = close + 1; q < end; q++) {
            if (strncasecmp(q, "rel=", 4) != 0)
                continue;
            q += 4;
            bool quoted = *q == '"';
            q += quoted;
            if (strncasecmp(q, "next", 4) == 0 &&
                (quoted ? q[4] == '"' || q[4] == ' ' : (q + 4 >= end || q[4] == ';' || q[4] == ' '))) {
                size_t n = (size_t)(close - open - 1);
                if (n == 0 || n >= size)
                    return false;
                memcpy(out, open + 1, n);
                out[n] = 0;
                return true;
            }
        }
        p = *end ? end + 1 : end;
    }
    return false;
}
