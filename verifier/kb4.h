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

kb4 kb4_add(kb4 a, kb4 b);
kb4 kb4_sub(kb4 a, kb4 b);
kb4 kb4_neg(kb4 a);
kb4 kb4_mul(kb4 a, kb4 b);
kb4 kb4_sqr(kb4 a);
/* a * b with b in the base field. */
kb4 kb4_mul_base(kb4 a, kb b);

/* a^e (e is public). */
kb4 kb4_pow(kb4 a, uint64_t e);

/* a^-1; the inverse of zero is zero. */
kb4 kb4_inv(kb4 a);

/* a^(p^k) for k in 0..3 (k is taken mod 4): the Frobenius applied k times. */
kb4 kb4_frobenius(kb4 a, unsigned k);

/* Returns: 1 when a == b, else 0 (constant time). */
int kb4_eq(kb4 a, kb4 b);
int kb4_is_zero(kb4 a);

/* Writes the four canonical coefficients, low degree first. */
void kb4_encode(uint32_t out[KB4_DEGREE], kb4 a);

/* Reads four canonical coefficients. Returns ZK_OK, or ZK_ERR_RANGE naming the
 * coefficient that is >= p (out is then untouched). */
int kb4_decode(kb4 *out, const uint32_t in[KB4_DEGREE]) __attribute__((warn_unused_result));

/* out[i] = a[i] * b[i] and out[i] = a[i] + b[i] over slices; out may alias. */
void kb4_vec_mul(kb4 *out, const kb4 *a, const kb4 *b, size_t n);
void kb4_vec_add(kb4 *out, const kb4 *a, const kb4 *b, size_t n);

#endif
