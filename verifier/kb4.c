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

int kb4_to_base(kb *out, kb4 x)
{
    if (!kb_is_zero(x.c[1]) || !kb_is_zero(x.c[2]) || !kb_is_zero(x.c[3]))
        return 0;
    *out = x.c[0];
    return 1;
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
    kb norm = kb_sub(kb_sqr(b.c[0]), kb4_mul_w(kb_sqr(b.c[2])));
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
