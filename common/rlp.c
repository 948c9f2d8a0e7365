/* RLP encoder and strict decoder (Ethereum Yellow Paper, appendix B). */
#include "common/rlp.h"

#include <string.h>

#include "common/error.h"

/* Writes the header of an item whose payload is len bytes; base is 0x80 for a
 * string and 0xc0 for a list. Returns the header length (1..9). */
static size_t make_header(uint8_t hdr[9], size_t len, uint8_t base)
{
    if (len <= 55) {
        hdr[0] = (uint8_t)(base + len);
        return 1;
    }
    uint8_t be[8];
    zk_store_be64(be, (uint64_t)len);
    size_t skip = 0;
    while (be[skip] == 0)
        skip++;
    size_t lenlen = 8 - skip;
    hdr[0] = (uint8_t)(base + 55 + lenlen);
    memcpy(hdr + 1, be + skip, lenlen);
    return 1 + lenlen;
}

int rlp_put_bytes(zk_buf *b, const uint8_t *p, size_t n)
{
    if (n == 1 && p[0] < 0x80)
        return zk_buf_push(b, p[0]);
    uint8_t hdr[9];
    size_t h = make_header(hdr, n, 0x80);
    if (n > SIZE_MAX - h)
        return zk_err_set(ZK_ERR_TOO_LARGE, "rlp: string of %zu bytes", n);
    /* reserve both parts first so that a refused append leaves b unchanged */
    int rc = zk_buf_reserve(b, h + n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, hdr, h);
    if (n)
        memcpy(b->data + b->len + h, p, n);
    b->len += h + n;
    b->data[b->len] = 0;
    return ZK_OK;
}

int rlp_put_uint(zk_buf *b, uint64_t v)
{
    uint8_t be[8];
    zk_store_be64(be, v);
    size_t skip = 0;
    while (skip < 8 && be[skip] == 0)
        skip++;
    return rlp_put_bytes(b, be + skip, 8 - skip);
}

int rlp_put_raw(zk_buf *b, const uint8_t *p, size_t n)
{
    return zk_buf_append(b, p, n);
}

int rlp_list_begin(zk_buf *b, size_t *mark)
{
    *mark = b->len;
    return ZK_OK;
}

int rlp_list_end(zk_buf *b, size_t mark)
{
    if (mark > b->len)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rlp: list mark %zu is past the buffer end %zu", mark,
                          b->len);
    size_t payload = b->len - mark;
    uint8_t hdr[9];
    size_t h = make_header(hdr, payload, 0xc0);
    int rc = zk_buf_reserve(b, h);
    if (rc)
        return rc;
    if (payload)
        memmove(b->data + mark + h, b->data + mark, payload);
    memcpy(b->data + mark, hdr, h);
    b->len += h;
    b->data[b->len] = 0;
    return ZK_OK;
}

/* Reads the header of the item at pos, which must end by end; outer_list is 1 when
 * end is the end of an enclosing list rather than of the input (for messages). */
static int read_header(const uint8_t *base, size_t pos, size_t end, int outer_list, rlp_item *it)
{
    const char *where = outer_list ? "its enclosing list" : "the input";
    if (pos >= end)
        return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: an item was expected but %s ends", pos,
                          where);
    uint8_t p = base[pos];
    it->base = base;
    it->hdr_off = pos;
    if (p < 0x80) {
        it->is_list = 0;
        it->off = pos;
        it->len = 1;
        return ZK_OK;
    }
    it->is_list = p >= 0xc0;
    uint8_t short_max = it->is_list ? 0xf7 : 0xb7;
    uint8_t base_byte = it->is_list ? 0xc0 : 0x80;
    size_t len, off;
    if (p <= short_max) {
        len = (size_t)(p - base_byte);
        off = pos + 1;
    } else {
        size_t lenlen = (size_t)(p - short_max);
        if (lenlen > end - pos - 1)
            return zk_err_set(ZK_ERR_PARSE,
                              "rlp: byte %zu: a %zu-byte length runs past the end of %s", pos,
                              lenlen, where);
        if (base[pos + 1] == 0)
            return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: length has a leading zero byte",
                              pos + 1);
        uint64_t l = 0;
        for (size_t i = 0; i < lenlen; i++)
            l = l << 8 | base[pos + 1 + i];
        if (l <= 55)
            return zk_err_set(ZK_ERR_PARSE,
                              "rlp: byte %zu: long form used for a length of %llu (<= 55)", pos,
                              (unsigned long long)l);
        off = pos + 1 + lenlen;
        if (l > (uint64_t)(end - off))
            return zk_err_set(ZK_ERR_PARSE,
                              "rlp: byte %zu: a payload of %llu bytes runs past the end of %s "
                              "(%zu bytes left)",
                              pos, (unsigned long long)l, where, end - off);
        len = (size_t)l;
    }
    if (len > end - off)
        return zk_err_set(ZK_ERR_PARSE,
                          "rlp: byte %zu: a payload of %zu bytes runs past the end of %s "
                          "(%zu bytes left)",
                          pos, len, where, end - off);
    if (!it->is_list && len == 1 && base[off] < 0x80)
        return zk_err_set(ZK_ERR_PARSE,
                          "rlp: byte %zu: the single byte 0x%02x must be encoded as itself, "
                          "not as 0x81%02x",
                          pos, base[off], base[off]);
    it->off = off;
    it->len = len;
    return ZK_OK;
}

/* Checks every item inside list; recursion is bounded by RLP_MAX_DEPTH. */
static int check_list(const rlp_item *list)
{
    size_t end = list->off + list->len;
    size_t pos = list->off;
    while (pos < end) {
        rlp_item child;
        int rc = read_header(list->base, pos, end, 1, &child);
        if (rc)
            return rc;
        child.depth = list->depth + 1;
        if (child.is_list) {
            if (child.depth > RLP_MAX_DEPTH)
                return zk_err_set(ZK_ERR_TOO_LARGE,
                                  "rlp: byte %zu: lists nested deeper than %d levels", pos,
                                  RLP_MAX_DEPTH);
            rc = check_list(&child);
            if (rc)
                return rc;
        }
        pos = child.off + child.len;
    }
    return ZK_OK;
}

int rlp_decode(const uint8_t *buf, size_t len, rlp_item *out)
{
    rlp_item top = {0};
    if (!buf && len)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rlp: NULL buffer of %zu bytes", len);
    int rc = read_header(buf, 0, len, 0, &top);
    if (rc)
        return rc;
    top.depth = 0;
    size_t end = top.off + top.len;
    if (end != len)
        return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: %zu trailing bytes after the item", end,
                          len - end);
    if (top.is_list) {
        rc = check_list(&top);
        if (rc)
            return rc;
    }
    *out = top;
    return ZK_OK;
}

int rlp_iter_init(rlp_iter *it, const rlp_item *list)
{
    if (!list->is_list)
        return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: expected a list, found a string",
                          list->hdr_off);
    it->base = list->base;
    it->pos = list->off;
    it->end = list->off + list->len;
    it->depth = list->depth + 1;
    return ZK_OK;
}

int rlp_iter_next(rlp_iter *it, rlp_item *item)
{
    if (it->pos >= it->end)
        return 0;
    if (read_header(it->base, it->pos, it->end, 1, item) != ZK_OK) {
        it->pos = it->end; /* cannot happen after rlp_decode; stop rather than loop */
        return 0;
    }
    item->depth = it->depth;
    it->pos = item->off + item->len;
    return 1;
}

size_t rlp_list_count(const rlp_item *list)
{
    rlp_iter it;
    rlp_item item = {0};
    size_t n = 0;
    if (!list->is_list || rlp_iter_init(&it, list) != ZK_OK)
        return 0;
    while (rlp_iter_next(&it, &item))
        n++;
    return n;
}

int rlp_get_bytes(const rlp_item *item, const uint8_t **p, size_t *n)
{
    if (item->is_list)
        return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: expected a byte string, found a list",
                          item->hdr_off);
    *p = item->base + item->off;
    *n = item->len;
    return ZK_OK;
}

int rlp_get_uint(const rlp_item *item, uint64_t *v)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = rlp_get_bytes(item, &p, &n);
    if (rc)
        return rc;
    if (n > 8)
        return zk_err_set(ZK_ERR_RANGE, "rlp: byte %zu: integer of %zu bytes exceeds 64 bits",
                          item->hdr_off, n);
    if (n > 0 && p[0] == 0)
        return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: integer has a leading zero byte",
                          item->off);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | p[i];
    *v = x;
    return ZK_OK;
}

int rlp_get_fixed(const rlp_item *item, uint8_t *out, size_t n)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    int rc = rlp_get_bytes(item, &p, &len);
    if (rc)
        return rc;
    if (len != n)
        return zk_err_set(ZK_ERR_PARSE, "rlp: byte %zu: expected %zu bytes, found %zu",
                          item->hdr_off, n, len);
    memcpy(out, p, n);
    return ZK_OK;
}
