#include "common/bytes.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/error.h"

void zk_buf_init(zk_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void zk_buf_free(zk_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

void zk_buf_free_secret(zk_buf *b)
{
    if (!b)
        return;
    if (b->data)
        OPENSSL_cleanse(b->data, b->alloc);
    zk_buf_free(b);
}

int zk_buf_reserve(zk_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra || extra >= SIZE_MAX - b->len)
        return zk_err_set(ZK_ERR_TOO_LARGE, "buffer would exceed its cap of %zu bytes", b->cap);
    size_t need = b->len + extra + 1; /* room for a trailing NUL */
    if (need <= b->alloc)
        return ZK_OK;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (b->cap < SIZE_MAX && n > b->cap + 1)
        n = b->cap + 1; /* never more than the cap allows (+1 for the NUL) */
    uint8_t *p = realloc(b->data, n);
    if (!p)
        return zk_err_set(ZK_ERR_NOMEM, "buffer of %zu bytes", n);
    b->data = p;
    b->alloc = n;
    return ZK_OK;
}

int zk_buf_append(zk_buf *b, const void *p, size_t n)
{
    int rc = zk_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return ZK_OK;
}

int zk_buf_push(zk_buf *b, uint8_t c)
{
    return zk_buf_append(b, &c, 1);
}

int zk_buf_puts(zk_buf *b, const char *s)
{
    return zk_buf_append(b, s, strlen(s));
}

int zk_buf_printf(zk_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return zk_err_set(ZK_ERR_INVALID_ARG, "bad format string");
    }
    int rc = zk_buf_reserve(b, (size_t)n);
    if (rc) {
        va_end(ap2);
        return rc;
    }
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return ZK_OK;
}

void zk_buf_reset(zk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void zk_hex_encode(char *out, const uint8_t *p, size_t n, int prefix)
{
    static const char digits[] = "0123456789abcdef";
    if (prefix) {
        *out++ = '0';
        *out++ = 'x';
    }
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[p[i] >> 4];
        *out++ = digits[p[i] & 15];
    }
    *out = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Strips the prefix and checks the digits; on success digits and ndigits hold them. */
static int hex_scan(const char *text, size_t len, const char **digits, size_t *ndigits)
{
    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
        len -= 2;
    }
    if (len % 2)
        return zk_err_set(ZK_ERR_PARSE, "hex has an odd number of digits (%zu)", len);
    for (size_t i = 0; i < len; i++)
        if (hexval(text[i]) < 0)
            return zk_err_set(ZK_ERR_PARSE, "not a hex digit at position %zu", i);
    *digits = text;
    *ndigits = len;
    return ZK_OK;
}

int zk_hex_decode_exact(uint8_t *out, size_t out_len, const char *text, size_t text_len)
{
    const char *d;
    size_t nd;
    int rc = hex_scan(text, text_len, &d, &nd);
    if (rc)
        return rc;
    if (nd != out_len * 2)
        return zk_err_set(ZK_ERR_PARSE, "expected %zu hex bytes, got %zu", out_len, nd / 2);
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)(hexval(d[2 * i]) << 4 | hexval(d[2 * i + 1]));
    return ZK_OK;
}

int zk_hex_decode_buf(zk_buf *b, const char *text, size_t text_len)
{
    const char *d;
    size_t nd;
    int rc = hex_scan(text, text_len, &d, &nd);
    if (rc)
        return rc;
    rc = zk_buf_reserve(b, nd / 2);
    if (rc)
        return rc;
    for (size_t i = 0; i < nd / 2; i++)
        b->data[b->len++] = (uint8_t)(hexval(d[2 * i]) << 4 | hexval(d[2 * i + 1]));
    b->data[b->len] = 0;
    return ZK_OK;
}

int zk_read_file(zk_buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return zk_err_set(ZK_ERR_IO, "%s: %s", path, strerror(errno));
    uint8_t chunk[8192];
    int rc = ZK_OK;
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n) {
            rc = zk_buf_append(b, chunk, n);
            if (rc) {
                rc = zk_err_wrap(rc, "%s: ", path);
                break;
            }
        }
        if (n < sizeof chunk) {
            if (ferror(f))
                rc = zk_err_set(ZK_ERR_IO, "%s: read failed", path);
            break;
        }
    }
    fclose(f);
    return rc;
}
