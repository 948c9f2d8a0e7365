/* The KoalaBear prime field, p = 2^31 - 2^24 + 1 = 0x7f000001.
 *
 * A kb holds an element in Montgomery form (x * 2^32 mod p), always reduced to
 * [0, p). Convert at the edges only: kb_from_canonical / kb_to_canonical, and
 * kb_decode, which rejects a wire value >= p. Everything here is constant time
 * (no branch or index depends on a value) except kb_pow's exponent, which is
 * public wherever it is used.
 *
 * p - 1 = 2^24 * 127, so the two-adicity is 24. The multiplicative generator is 3;
 * the primitive 2^24-th root of unity is 3^127 = 0x6ac49f88 (canonical).
 */
#ifndef ZKGATE_VERIFIER_KB_H
#define ZKGATE_VERIFIER_KB_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t kb; /* Montgomery form, in [0, p) */

#define KB_P             0x7f000001u
#define KB_TWO_ADICITY   24
#define KB_GENERATOR     3u          /* canonical */
#define KB_TWO_ADIC_ROOT 0x6ac49f88u /* canonical; primitive 2^24-th root */
#define KB_MONT_NINV     0x7effffffu /* -p^-1 mod 2^32 */
#define KB_MONT_R2       0x17f7efe4u /* 2^64 mod p */

/* The Montgomery form of a canonical constant x < p, as a constant expression, so
 * tables can be written in canonical form. */
#define KB_MONT_CONST(x) ((kb)((((uint64_t)(x)) << 32) % KB_P))

#define KB_ZERO ((kb)0)
#define KB_ONE  ((kb)0x01fffffeu) /* 2^32 mod p */

/* Montgomery reduction of t < p * 2^32: returns t / 2^32 mod p in [0, p). */
static inline kb kb_mont_reduce(uint64_t t)
{
    uint32_t m = (uint32_t)t * KB_MONT_NINV;
    uint64_t u = (t + (uint64_t)m * KB_P) >> 32;
    uint32_t r = (uint32_t)u - KB_P;
    /* r wrapped (top bit set) iff u < p */
    return r + (KB_P & (uint32_t) - (int32_t)(r >> 31));
}

static inline kb kb_add(kb a, kb b)
{
    uint32_t s = a + b - KB_P;
    return s + (KB_P & (uint32_t) - (int32_t)(s >> 31));
}

static inline kb kb_sub(kb a, kb b)
{
    uint32_t d = a - b;
    return d + (KB_P & (uint32_t) - (int32_t)(d >> 31));
}

static inline kb kb_neg(kb a)
{
    return kb_sub(KB_ZERO, a);
}

static inline kb kb_mul(kb a, kb b)
{
    return kb_mont_reduce((uint64_t)a * b);
}

static inline kb kb_sqr(kb a)
{
    return kb_mul(a, a);
}

static inline kb kb_double(kb a)
{
    return kb_add(a, a);
}

/* x must be < p. */
static inline kb kb_from_canonical(uint32_t x)
{
    return kb_mul(x, KB_MONT_R2);
}

static inline uint32_t kb_to_canonical(kb a)
{
    return kb_mont_reduce(a);
}

/* Any 32-bit value, reduced mod p first. */
static inline kb kb_from_u32(uint32_t x)
{
    return kb_from_canonical(x % KB_P);
}

/* Any 64-bit value, reduced mod p first. */
static inline kb kb_from_u64(uint64_t x)
{
    return kb_from_canonical((uint32_t)(x % KB_P));
}

static inline int kb_eq(kb a, kb b)
{
    return a == b;
}
static inline int kb_is_zero(kb a)
{
    return a == 0;
}

/* Decodes a canonical wire value. Returns 0 and sets *out, or -1 when x >= p. */
static inline int kb_decode(kb *out, uint32_t x)
{
    if (x >= KB_P)
        return -1;
    *out = kb_from_canonical(x);
    return 0;
}

/* a^e (square and multiply; e is public). */
kb kb_pow(kb a, uint64_t e);

/* a^-1; the inverse of zero is zero (callers that care check first). */
kb kb_inv(kb a);

/* out[i] = in[i]^-1 for all i with one inversion (Montgomery's trick). Zeros map
 * to zero. out may equal in. scratch must hold n elements. */
void kb_batch_inv(kb *out, const kb *in, size_t n, kb *scratch);

/* The primitive 2^log_n-th root of unity used by the NTT: KB_TWO_ADIC_ROOT^(2^(24-log_n)).
 * log_n <= 24. */
kb kb_root_of_unity(unsigned log_n);

/* Vector routines over slices (dispatched to AVX-512 / AVX2 / scalar at run time,
 * all bit-identical). out may alias an input. */
void kb_vec_add(kb *out, const kb *a, const kb *b, size_t n);
void kb_vec_sub(kb *out, const kb *a, const kb *b, size_t n);
void kb_vec_mul(kb *out, const kb *a, const kb *b, size_t n);
void kb_vec_scale(kb *out, const kb *a, kb c, size_t n);
/* out[i] += a[i] * c */
void kb_vec_axpy(kb *out, const kb *a, kb c, size_t n);

/* Four dot products sharing one vector: out[k] = sum_{i<n} x[i] * ck[i] for k = 0..3.
 * Made for an extension-field vector times a base-field one, with the extension
 * coefficients stored as four planes c0..c3 so that each loads contiguously. The
 * sums are reduced lazily (64-bit lanes, one reduction per output) and come out
 * canonical, equal to the sum of kb_mul terms with kb_add. n may be 0 (zeros). */
void kb_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1, const kb *c2, const kb *c3,
                 size_t n);

#endif
