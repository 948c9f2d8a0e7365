/* Proof-byte readers and writers (verifier/codec.h). */
#include "verifier/codec.h"

#include "common/error.h"

void cd_writer_init(cd_writer *w, zk_buf *out)
{
    w->out = out;
    w->err = ZK_OK;
}

void cd_put_u32(cd_writer *w, uint32_t x)
{
    if (w->err)
        return;
    uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    w->err = zk_buf_append(w->out, b, sizeof b);
}

void cd_put_kb(cd_writer *w, kb x)
{
    cd_put_u32(w, kb_to_canonical(x));
}

void cd_put_kbs(cd_writer *w, const kb *x, size_t n)
{
    for (size_t i = 0; i < n && !w->err; i++)
        cd_put_kb(w, x[i]);
}

void cd_put_kb4(cd_writer *w, kb4 x)
{
    cd_put_kbs(w, x.c, KB4_DEGREE);
}

void cd_put_kb4s(cd_writer *w, const kb4 *x, size_t n)
{
    for (size_t i = 0; i < n && !w->err; i++)
        cd_put_kb4(w, x[i]);
}

void cd_put_digest(cd_writer *w, const p2_digest *d)
{
    cd_put_kbs(w, d->v, P2_DIGEST_LEN);
}

void cd_put_digests(cd_writer *w, const p2_digest *d, size_t n)
{
    for (size_t i = 0; i < n && !w->err; i++)
        cd_put_digest(w, &d[i]);
}

void cd_reader_init(cd_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->err = ZK_OK;
}

static int take_u32(cd_reader *r, uint32_t *out, const char *what)
{
    if (r->err)
        return r->err;
    if (r->len - r->pos < 4)
        return r->err = zk_err_set(ZK_ERR_PARSE, "%s: input ends at byte %zu (4 more bytes needed)",
                                   what, r->len);
    const uint8_t *b = r->p + r->pos;
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    r->pos += 4;
    return ZK_OK;
}

int cd_get_u32(cd_reader *r, uint32_t *out, const char *what)
{
    return take_u32(r, out, what);
}

int cd_get_kb(cd_reader *r, kb *out, const char *what)
{
    uint32_t x = 0;
    int rc = take_u32(r, &x, what);
    if (rc)
        return rc;
    if (kb_decode(out, x) != 0)
        return r->err = zk_err_set(ZK_ERR_RANGE,
                                   "%s: field element 0x%08x at byte %zu is not below p", what,
                                   x, r->pos - 4);
    return ZK_OK;
}

int cd_get_kbs(cd_reader *r, kb *out, size_t n, const char *what)
{
    if (r->err)
        return r->err;
    if (n > (r->len - r->pos) / 4)
        return r->err = zk_err_set(ZK_ERR_PARSE,
                                   "%s: %zu elements need %zu bytes, %zu left at byte %zu", what, n,
                                   n * 4, r->len - r->pos, r->pos);
    for (size_t i = 0; i < n; i++) {
        int rc = cd_get_kb(r, &out[i], what);
        if (rc)
            return rc;
    }
    return ZK_OK;
}

int cd_get_kb4(cd_reader *r, kb4 *out, const char *what)
{
    kb c[KB4_DEGREE];
    int rc = cd_get_kbs(r, c, KB4_DEGREE, what);
    if (rc)
        return rc;
    for (int i = 0; i < KB4_DEGREE; i++)
        out->c[i] = c[i];
    return ZK_OK;
}

int cd_get_kb4s(cd_reader *r, kb4 *out, size_t n, const char *what)
{
    if (r->err)
        return r->err;
    if (n > (r->len - r->pos) / 16)
        return r->err = zk_err_set(ZK_ERR_PARSE,
                                   "%s: %zu extension elements need %zu bytes, %zu left at byte %zu",
                                   what, n, n * 16, r->len - r->pos, r->pos);
    for (size_t i = 0; i < n; i++) {
        int rc = cd_get_kb4(r, &out[i], what);
        if (rc)
            return rc;
    }
    return ZK_OK;
}

int cd_get_digest(cd_reader *r, p2_digest *out, const char *what)
{
    return cd_get_kbs(r, out->v, P2_DIGEST_LEN, what);
}

int cd_get_digests(cd_reader *r, p2_digest *out, size_t n, const char *what)
{
    if (r->err)
        return r->err;
    if (n > (r->len - r->pos) / 32)
        return r->err = zk_err_set(ZK_ERR_PARSE,
                                   "%s: %zu digests need %zu bytes, %zu left at byte %zu", what, n,
                                   n * 32, r->len - r->pos, r->pos);
    for (size_t i = 0; i < n; i++) {
        int rc = cd_get_digest(r, &out[i], what);
        if (rc)
            return rc;
    }
    return ZK_OK;
}

int cd_get_count(cd_reader *r, uint32_t *out, uint32_t max, const char *what)
{
    uint32_t x = 0;
    int rc = take_u32(r, &x, what);
    if (rc)
        return rc;
    if (x > max)
        return r->err = zk_err_set(ZK_ERR_TOO_LARGE, "%s: count %u at byte %zu exceeds the limit %u",
                                   what, x, r->pos - 4, max);
    *out = x;
    return ZK_OK;
}

int cd_reader_finish(cd_reader *r)
{
    if (r->err)
        return r->err;
    if (r->pos != r->len)
        return r->err = zk_err_set(ZK_ERR_PARSE, "%zu trailing bytes after byte %zu",
                                   r->len - r->pos, r->pos);
    return ZK_OK;
}

size_t cd_remaining(const cd_reader *r)
{
    return r->len - r->pos;
}
