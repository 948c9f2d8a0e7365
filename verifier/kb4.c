/* The quartic extension F[X]/(X^4 - 3). */
#include "verifier/kb4.h"

#include "common/error.h"

/* X^p = X * 3^((p-1)/4), and 3^((p-1)/4) = 0x7e010002 (canonical) is a primitive
 * 4th root of unity z, so the Frobenius scales coefficient i by z^i. */
static const kb k_frob_z[4] = {
    KB_MONT_CONST(1),
    KB_MONT_CONST(0x7e010002u),
    KB_MONT_CONST(KB_P - 1),
    KB_MONT_CONST(KB_P - 0x7e010002u),
};

static inline kb mul_w(kb x)
{
    return kb_add(kb_double(x), x);
}

int kb4_to_base(kb *out, kb4 x)
{
    if (!kb_is_zero(x.c[1]) || !kb_is_zero(x.c[2]) || !kb_is_zero(x.c[3]))
        return 0;
    *out = x.c[0];
    return 1;
}

kb4 kb4_add(kb4 a, kb4 b)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_add(a.c[i], b.c[i]);
    return a;
}

kb4 kb4_sub(kb4 a, kb4 b)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_sub(a.c[i], b.c[i]);
    return a;
}

kb4 kb4_neg(kb4 a)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_neg(a.c[i]);
    return a;
}

kb4 kb4_mul(kb4 a, kb4 b)
{
    const kb *x = a.c, *y = b.c;
    kb4 r;
    /* Terms of degree k + 4 wrap to degree k times W. */
    kb h0 = kb_add(kb_add(kb_mul(x[1], y[3]), kb_mul(x[2], y[2])), kb_mul(x[3], y[1]));
    kb h1 = kb_add(kb_mul(x[2], y[3]), kb_mul(x[3], y[2]));
    kb h2 = kb_mul(x[3], y[3]);
    r.c[0] = kb_add(kb_mul(x[0], y[0]), mul_w(h0));
    r.c[1] = kb_add(kb_add(kb_mul(x[0], y[1]), kb_mul(x[1], y[0])), mul_w(h1));
    r.c[2] = kb_add(kb_add(kb_add(kb_mul(x[0], y[2]), kb_mul(x[1], y[1])), kb_mul(x[2], y[0])),
                    mul_w(h2));
    r.c[3] = kb_add(kb_add(kb_mul(x[0], y[3]), kb_mul(x[1], y[2])),
                    kb_add(kb_mul(x[2], y[1]), kb_mul(x[3], y[0])));
    return r;
}

kb4 kb4_sqr(kb4 a)
{
    const kb *x = a.c;
    kb4 r;
    kb x0d = kb_double(x[0]), x1d = kb_double(x[1]);
    r.c[0] = kb_add(kb_sqr(x[0]), mul_w(kb_add(kb_mul(x1d, x[3]), kb_sqr(x[2]))));
    r.c[1] = kb_add(kb_mul(x0d, x[1]), mul_w(kb_mul(kb_double(x[2]), x[3])));
    r.c[2] = kb_add(kb_add(kb_mul(x0d, x[2]), kb_sqr(x[1])), mul_w(kb_sqr(x[3])));
    r.c[3] = kb_add(kb_mul(x0d, x[3]), kb_mul(x1d, x[2]));
    return r;
}

kb4 kb4_mul_base(kb4 a, kb b)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_mul(a.c[i], b);
    return a;
}

kb4 kb4_pow(kb4 a, uint64_t e)
{
    kb4 r = kb4_one();
    while (e) {
        if (e & 1)
            r = kb4_mul(r, a);
        a = kb4_sqr(a);
        e >>= 1;
    }
    return r;
}

/* With a' = a(-X), a * a' = b0 + b2 X^2 lies in the subfield F[X^2], and
 * (b0 + b2 X^2)(b0 - b2 X^2) = b0^2 - W b2^2 lies in F; so
 * a^-1 = a' (b0 - b2 X^2) / (b0^2 - W b2^2). Zero gives zero through kb_inv(0). */
kb4 kb4_inv(kb4 a)
{
    kb4 conj = {{a.c[0], kb_neg(a.c[1]), a.c[2], kb_neg(a.c[3])}};
    kb4 b = kb4_mul(a, conj);
    kb norm = kb_sub(kb_sqr(b.c[0]), mul_w(kb_sqr(b.c[2])));
    kb4 bc = {{b.c[0], KB_ZERO, kb_neg(b.c[2]), KB_ZERO}};
    return kb4_mul_base(kb4_mul(conj, bc), kb_inv(norm));
}

kb4 kb4_frobenius(kb4 a, unsigned k)
{
    k &= 3;
    for (unsigned i = 1; i < 4; i++)
        a.c[i] = kb_mul(a.c[i], k_frob_z[(i * k) & 3]);
    return a;
}

int kb4_eq(kb4 a, kb4 b)
{
    uint32_t d = 0;
    for (int i = 0; i < 4; i++)
        d |= a.c[i] ^ b.c[i];
    return d == 0;
}

int kb4_is_zero(kb4 a)
{
    return kb4_eq(a, kb4_zero());
}

void kb4_encode(uint32_t out[KB4_DEGREE], kb4 a)
{
    for (int i = 0; i < 4; i++)
        out[i] = kb_to_canonical(a.c[i]);
}

int kb4_decode(kb4 *out, const uint32_t in[KB4_DEGREE])
{
    kb4 r;
    for (int i = 0; i < 4; i++)
        if (kb_decode(&r.c[i], in[i]))
            return zk_err_set(ZK_ERR_RANGE, "extension element: coefficient %d is %u, not < p = %u",
                              i, in[i], KB_P);
    *out = r;
    return ZK_OK;
}

void kb4_vec_mul(kb4 *out, const kb4 *a, const kb4 *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb4_mul(a[i], b[i]);
}

void kb4_vec_add(kb4 *out, const kb4 *a, const kb4 *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = kb4_add(a[i], b[i]);
}
