/* tfp_msgpack.c — a bounded msgpack reader and writer for tofu values. */
#include "tfp_msgpack.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    weir_err_t *err;
} reader_t;

static bool take(reader_t *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n) {
        weir_err_set(r->err, "msgpack value truncated");
        return false;
    }
    *out = r->p;
    r->p += n;
    return true;
}

static bool read_be(reader_t *r, size_t n, uint64_t *out)
{
    const uint8_t *bytes;
    if (!take(r, n, &bytes))
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < n; i++)
        value = (value << 8) | bytes[i];
    *out = value;
    return true;
}

static wv_t *decode(reader_t *r, int depth);

static wv_t *decode_string(reader_t *r, uint64_t len)
{
    const uint8_t *bytes;
    if (!take(r, (size_t)len, &bytes))
        return NULL;
    return wv_string_len((const char *)bytes, (size_t)len);
}

static wv_t *decode_array(reader_t *r, uint64_t count, int depth)
{
    /* Every element takes at least one byte: a larger count is a lie, refuse before allocating. */
    if (count > (uint64_t)(r->end - r->p)) {
        weir_err_set(r->err, "msgpack array claims %" PRIu64 " elements in %zu bytes", count, (size_t)(r->end - r->p));
        return NULL;
    }
    wv_t *list = wv_list();
    if (!list)
        return NULL;
    for (uint64_t i = 0; i < count; i++) {
        wv_t *item = decode(r, depth + 1);
        if (!item || wv_list_push(list, item) != WEIR_OK) {
            wv_free(list);
            return NULL;
        }
    }
    return list;
}

static wv_t *decode_map(reader_t *r, uint64_t count, int depth)
{
    if (count > (uint64_t)(r->end - r->p) / 2) {
        weir_err_set(r->err, "msgpack map claims %" PRIu64 " entries in %zu bytes", count, (size_t)(r->end - r->p));
        return NULL;
    }
    wv_t *map = wv_map();
    if (!map)
        return NULL;
    for (uint64_t i = 0; i < count; i++) {
        wv_t *key = decode(r, depth + 1);
        if (!key || key->kind != WV_STRING || strlen(key->text) != key->text_len) {
            if (key)
                weir_err_set(r->err, "msgpack map key is not a string");
            wv_free(key);
            wv_free(map);
            return NULL;
        }
        if (wv_map_get(map, key->text)) {
            weir_err_set(r->err, "msgpack map repeats key \"%s\"", key->text);
            wv_free(key);
            wv_free(map);
            return NULL;
        }
        wv_t *item = decode(r, depth + 1);
        weir_status_t result = item ? wv_map_set(map, key->text, item) : WEIR_ERR_INVALID;
        wv_free(key);
        if (result != WEIR_OK) {
            wv_free(map);
            return NULL;
        }
    }
    return map;
}

static wv_t *decode_unsigned(uint64_t value)
{
    if (value <= INT64_MAX)
        return wv_number_i64((int64_t)value);
    char text[32];
    snprintf(text, sizeof text, "%" PRIu64, value);
    return wv_number_text(text);
}

static wv_t *decode_float(reader_t *r, double value)
{
    wv_t *number = wv_number_double(value);
    if (!number)
        weir_err_set(r->err, "msgpack number is not finite");
    return number;
}

static wv_t *skip_ext(reader_t *r, uint64_t len)
{
    const uint8_t *bytes;
    /* One type byte, then the payload; the payload (refinements) is ignored. */
    if (!take(r, 1 + (size_t)len, &bytes))
        return NULL;
    return wv_unknown();
}

static wv_t *decode(reader_t *r, int depth)
{
    if (depth > TFP_MSGPACK_MAX_DEPTH) {
        weir_err_set(r->err, "msgpack value nests deeper than %d levels", TFP_MSGPACK_MAX_DEPTH);
        return NULL;
    }
    const uint8_t *tag_byte;
    if (!take(r, 1, &tag_byte))
        return NULL;
    uint8_t tag = *tag_byte;
    uint64_t n;
    if (tag <= 0x7f)
        return wv_number_i64(tag);
    if (tag >= 0xe0)
        return wv_number_i64((int8_t)tag);
    if ((tag & 0xe0) == 0xa0)
        return decode_string(r, tag & 0x1f);
    if ((tag & 0xf0) == 0x90)
        return decode_array(r, tag & 0x0f, depth);
    if ((tag & 0xf0) == 0x80)
        return decode_map(r, tag & 0x0f, depth);
    switch (tag) {
    case 0xc0:
        return wv_null();
    case 0xc2:
        return wv_bool(false);
    case 0xc3:
        return wv_bool(true);
    case 0xcc:
        return read_be(r, 1, &n) ? decode_unsigned(n) : NULL;
    case 0xcd:
        return read_be(r, 2, &n) ? decode_unsigned(n) : NULL;
    case 0xce:
        return read_be(r, 4, &n) ? decode_unsigned(n) : NULL;
    case 0xcf:
        return read_be(r, 8, &n) ? decode_unsigned(n) : NULL;
    case 0xd0:
        return read_be(r, 1, &n) ? wv_number_i64((int8_t)n) : NULL;
    case 0xd1:
        return read_be(r, 2, &n) ? wv_number_i64((int16_t)n) : NULL;
    case 0xd2:
        return read_be(r, 4, &n) ? wv_number_i64((int32_t)n) : NULL;
    case 0xd3:
        return read_be(r, 8, &n) ? wv_number_i64((int64_t)n) : NULL;
    case 0xca: {
        if (!read_be(r, 4, &n))
            return NULL;
        uint32_t bits = (uint32_t)n;
        float value;
        memcpy(&value, &bits, sizeof value);
        return decode_float(r, value);
    }
    case 0xcb: {
        if (!read_be(r, 8, &n))
            return NULL;
        double value;
        memcpy(&value, &n, sizeof value);
        return decode_float(r, value);
    }
    case 0xd9:
    case 0xc4:
        return read_be(r, 1, &n) ? decode_string(r, n) : NULL;
    case 0xda:
    case 0xc5:
        return read_be(r, 2, &n) ? decode_string(r, n) : NULL;
    case 0xdb:
    case 0xc6:
        return read_be(r, 4, &n) ? decode_string(r, n) : NULL;
    case 0xdc:
        return read_be(r, 2, &n) ? decode_array(r, n, depth) : NULL;
    case 0xdd:
        return read_be(r, 4, &n) ? decode_array(r, n, depth) : NULL;
    case 0xde:
        return read_be(r, 2, &n) ? decode_map(r, n, depth) : NULL;
    case 0xdf:
        return read_be(r, 4, &n) ? decode_map(r, n, depth) : NULL;
    case 0xd4:
        return skip_ext(r, 1);
    case 0xd5:
        return skip_ext(r, 2);
    case 0xd6:
        return skip_ext(r, 4);
    case 0xd7:
        return skip_ext(r, 8);
    case 0xd8:
        return skip_ext(r, 16);
    case 0xc7:
        return read_be(r, 1, &n) ? skip_ext(r, n) : NULL;
    case 0xc8:
        return read_be(r, 2, &n) ? skip_ext(r, n) : NULL;
    case 0xc9:
        return read_be(r, 4, &n) ? skip_ext(r, n) : NULL;
    default:
        break;
    }
    weir_err_set(r->err, "invalid msgpack type byte 0x%02x", tag);
    return NULL;
}

wv_t *tfp_msgpack_decode(const uint8_t *data, size_t len, weir_err_t *err)
{
    if (err)
        err->msg[0] = 0;
    reader_t reader = {.p = data, .end = data + len, .err = err};
    wv_t *value = decode(&reader, 0);
    if (value && reader.p != reader.end) {
        weir_err_set(err, "%zu unexpected bytes after the msgpack value", (size_t)(reader.end - reader.p));
        wv_free(value);
        return NULL;
    }
    if (!value && err && !err->msg[0])
        weir_err_set(err, "out of memory decoding msgpack");
    return value;
}

static weir_status_t put_be(weir_buf_t *out, uint8_t tag, uint64_t value, size_t n)
{
    uint8_t bytes[9];
    bytes[0] = tag;
    for (size_t i = 0; i < n; i++)
        bytes[1 + i] = (uint8_t)(value >> (8 * (n - 1 - i)));
    return buf_append(out, bytes, 1 + n);
}

static weir_status_t put_int(weir_buf_t *out, int64_t value)
{
    if (value >= 0) {
        if (value <= 0x7f)
            return buf_putc(out, (uint8_t)value);
        if (value <= 0xff)
            return put_be(out, 0xcc, (uint64_t)value, 1);
        if (value <= 0xffff)
            return put_be(out, 0xcd, (uint64_t)value, 2);
        if (value <= 0xffffffffLL)
            return put_be(out, 0xce, (uint64_t)value, 4);
        return put_be(out, 0xd3, (uint64_t)value, 8);
    }
    if (value >= -32)
        return buf_putc(out, (uint8_t)(int8_t)value);
    if (value >= INT8_MIN)
        return put_be(out, 0xd0, (uint64_t)value & 0xff, 1);
    if (value >= INT16_MIN)
        return put_be(out, 0xd1, (uint64_t)value & 0xffff, 2);
    if (value >= INT32_MIN)
        return put_be(out, 0xd2, (uint64_t)value & 0xffffffff, 4);
    return put_be(out, 0xd3, (uint64_t)value, 8);
}

static weir_status_t put_str(weir_buf_t *out, const char *text, size_t len)
{
    weir_status_t result;
    if (len <= 31)
        result = buf_putc(out, (uint8_t)(0xa0 | len));
    else if (len <= 0xff)
        result = put_be(out, 0xd9, len, 1);
    else if (len <= 0xffff)
        result = put_be(out, 0xda, len, 2);
    else if (len <= 0xffffffffULL)
        result = put_be(out, 0xdb, len, 4);
    else
        return WEIR_ERR_TOO_BIG;
    return result == WEIR_OK ? buf_append(out, text, len) : result;
}

static weir_status_t put_header(weir_buf_t *out, size_t count, uint8_t fix, uint8_t tag16, uint8_t tag32)
{
    if (count <= 15)
        return buf_putc(out, (uint8_t)(fix | count));
    if (count <= 0xffff)
        return put_be(out, tag16, count, 2);
    if (count <= 0xffffffffULL)
        return put_be(out, tag32, count, 4);
    return WEIR_ERR_TOO_BIG;
}

weir_status_t tfp_msgpack_encode(const wv_t *value, weir_buf_t *out)
{
    if (!value)
        return buf_putc(out, 0xc0);
    weir_status_t result = WEIR_OK;
    switch (value->kind) {
    case WV_NULL:
        return buf_putc(out, 0xc0);
    case WV_UNKNOWN:
        return buf_append(out, "\xd4\x00\x00", 3);
    case WV_BOOL:
        return buf_putc(out, value->boolean ? 0xc3 : 0xc2);
    case WV_NUMBER: {
        int64_t integer;
        double real;
        if (wv_number_as_i64(value, &integer))
            return put_int(out, integer);
        if (wv_number_as_double(value, &real)) {
            wv_t *shortest = wv_number_double(real);
            bool exact = shortest && strcmp(shortest->text, value->text) == 0;
            wv_free(shortest);
            if (exact) {
                uint64_t bits;
                memcpy(&bits, &real, sizeof bits);
                return put_be(out, 0xcb, bits, 8);
            }
        }
        return put_str(out, value->text, value->text_len);
    }
    case WV_STRING:
        return put_str(out, value->text, value->text_len);
    case WV_LIST:
        result = put_header(out, value->count, 0x90, 0xdc, 0xdd);
        for (size_t i = 0; result == WEIR_OK && i < value->count; i++)
            result = tfp_msgpack_encode(value->items[i], out);
        return result;
    case WV_MAP:
        result = put_header(out, value->count, 0x80, 0xde, 0xdf);
        for (size_t i = 0; result == WEIR_OK && i < value->count; i++) {
            result = put_str(out, value->keys[i], strlen(value->keys[i]));
            if (result == WEIR_OK)
                result = tfp_msgpack_encode(value->items[i], out);
        }
        return result;
    }
    return WEIR_ERR_INTERNAL;
}
