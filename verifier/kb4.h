/* The degree-4 extension of KoalaBear, F[X]/(X^4 - 3): every verifier challenge is
 * drawn from it (about 124 bits).
 *
 * A kb4 is c[0] + c[1] X + c[2] X^2 + c[3] X^3 with coefficients in Montgomery form.
 * X^4 - 3 is irreducible: for p = 1 mod 4, X^4 - a is irreducible exactly when a
 * is not a square (-4 is then a square, so the a in -4F^4 case cannot arise), and 3
 * generates F*, so it is not one (the tests also check that the Frobenius has order
 * exactly 4).
 * On the wire an element is its four canonical coefficients, low degree first;
 * kb4_decode rejects a coefficient >= p.
 */
#ifndef ZKGATE_VERIFIER_KB4_H
#define ZKGATE_VERIFIER_KB4_H

#include <stddef.h>
#include <stdint.h>

#include "verifier/kb.h"

#define KB4_DEGREE 4
#define KB4_W      3u /* X^4 = W, canonical */

typedef struct kb4 {
    kb c[KB4_DEGREE]; /* coefficients of 1, X, X^2, X^3 (Montgomery form) */
} kb4;

static inline kb4 kb4_zero(void)
{
    return (kb4){{KB_ZERO, KB_ZERO, KB_ZERO, KB_ZERO}};
}
static inline kb4 kb4_one(void)
{
    return (kb4){{KB_ONE, KB_ZERO, KB_ZERO, KB_ZERO}};
}

/* The base-field element a as an extension element. */
static inline kb4 kb4_from_base(kb a)
{
    return (kb4){{a, KB_ZERO, KB_ZERO, KB_ZERO}};
}

/* Returns: 1 and sets *out when x lies in the base field (c[1..3] = 0), else 0. */
int kb4_to_base(kb *out, kb4 x);

/* The hot operations are inline (the prover's quotient and permutation loops call
 * them millions of times). Every one returns fully reduced coefficients, equal to
 * what coefficient-wise kb_add / kb_mul would give. gcc at -O2 keeps kb4_mul out of
 * line in files with many call sites (a call per product in the quotient's inner
 * loop), so the products are forced inline. */
#if defined(__GNUC__)
#define KB4_INLINE static inline __attribute__((always_inline))
#else
#define KB4_INLINE static inline
#endif

static inline kb4 kb4_add(kb4 a, kb4 b)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_add(a.c[i], b.c[i]);
    return a;
}

static inline kb4 kb4_sub(kb4 a, kb4 b)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_sub(a.c[i], b.c[i]);
    return a;
}

static inline kb4 kb4_neg(kb4 a)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_neg(a.c[i]);
    return a;
}

/* a * b with b in the base field. */
KB4_INLINE kb4 kb4_mul_base(kb4 a, kb b)
{
    for (int i = 0; i < 4; i++)
        a.c[i] = kb_mul(a.c[i], b);
    return a;
}

/* W x = 3x in the base field. */
static inline kb kb4_mul_w(kb x)
{
    return kb_add(kb_double(x), x);
}

/* The Montgomery reduction of a 64-bit sum of products t < 2 p 2^32 (about 2^63.99):
 * t / 2^32 mod p, in [0, p). kb_mont_reduce needs t < p 2^32; for t >= p 2^32,
 * subtracting p 2^32 (p times 2^32, so the result's value is unchanged) leaves
 * t - p 2^32 < p 2^32. One branch-free conditional subtraction. Any sum of four
 * products of values < p qualifies: 4 (p-1)^2 = (2^32 - 2^25)^2 < 2 p 2^32. */
static inline kb kb4_reduce_sum(uint64_t t)
{
    const uint64_t p32 = (uint64_t)KB_P << 32;
    t -= p32 & (0 - (uint64_t)(t >= p32));
    return kb_mont_reduce(t);
}

/* Lazy product: coefficient k of a * b is sum_{i+j=k} a_i b_j + W sum_{i+j=k+4} a_i b_j.
 * With b's W multiples taken first in the base field (3 b_j mod p, so still < p),
 * each coefficient is a sum of exactly four products of values < p, each at most
 * (p-1)^2, so the sum is at most 4 (p-1)^2 = (2^32 - 2^25)^2 < 2 p 2^32 < 2^64: it
 * is formed in 64 bits without overflow and reduced once (kb4_reduce_sum). Four Montgomery
 * reductions instead of sixteen. */
KB4_INLINE kb4 kb4_mul(kb4 a, kb4 b)
{
    const kb *x = a.c, *y = b.c;
    uint64_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    uint64_t y0 = y[0], y1 = y[1], y2 = y[2], y3 = y[3];
    uint64_t w1 = kb4_mul_w(y[1]), w2 = kb4_mul_w(y[2]), w3 = kb4_mul_w(y[3]);
    kb4 r;
    r.c[0] = kb4_reduce_sum(x0 * y0 + x1 * w3 + x2 * w2 + x3 * w1);
    r.c[1] = kb4_reduce_sum(x0 * y1 + x1 * y0 + x2 * w3 + x3 * w2);
    r.c[2] = kb4_reduce_sum(x0 * y2 + x1 * y1 + x2 * y0 + x3 * w3);
    r.c[3] = kb4_reduce_sum(x0 * y3 + x1 * y2 + x2 * y1 + x3 * y0);
    return r;
}

/* Lazy square: as kb4_mul, with the doubled cross terms taken as one product of a
 * doubled factor (2 x_i mod p < p). At most three products per coefficient. */
KB4_INLINE kb4 kb4_sqr(kb4 a)
{
    const kb *x = a.c;
    uint64_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    uint64_t d0 = kb_double(x[0]), d1 = kb_double(x[1]);
    uint64_t w2 = kb4_mul_w(x[2]), w3 = kb4_mul_w(x[3]), w3d = kb_double(kb4_mul_w(x[3]));
    kb4 r;
    r.c[0] = kb4_reduce_sum(x0 * x0 + d1 * w3 + x2 * w2);
    r.c[1] = kb4_reduce_sum(d0 * x1 + x2 * w3d);
    r.c[2] = kb4_reduce_sum(d0 * x2 + x1 * x1 + x3 * w3);
    r.c[3] = kb4_reduce_sum(d0 * x3 + d1 * x2);
    return r;
}

/* Returns: 1 when a == b, else 0 (constant time). */
static inline int kb4_eq(kb4 a, kb4 b)
{
    uint32_t d = 0;
    for (int i = 0; i < 4; i++)
        d |= a.c[i] ^ b.c[i];
    return d == 0;
}

static inline int kb4_is_zero(kb4 a)
{
    return kb4_eq(a, kb4_zero());
}

/* a^e (e is public). */
kb4 kb4_pow(kb4 a, uint64_t e);

/* a^-1; the inverse of zero is zero. */
kb4 kb4_inv(kb4 a);

/* a^(p^k) for k in 0..3 (k is taken mod 4): the Frobenius applied k times. */
kb4 kb4_frobenius(kb4 a, unsigned k);

/* Writes the four canonical coefficients, low degree first. */
void kb4_encode(uint32_t out[KB4_DEGREE], kb4 a);

/* Reads four canonical coefficients. Returns ZK_OK, or ZK_ERR_RANGE naming the
 * coefficient that is >= p (out is then untouched). */
int kb4_decode(kb4 *out, const uint32_t in[KB4_DEGREE]) __attribute__((warn_unused_result));

/* out[i] = a[i] * b[i] and out[i] = a[i] + b[i] over slices; out may alias. */
void kb4_vec_mul(kb4 *out, const kb4 *a, const kb4 *b, size_t n);
void kb4_vec_add(kb4 *out, const kb4 *a, const kb4 *b, size_t n);

#endif
