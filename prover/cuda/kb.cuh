/* KoalaBear (p = 2^31 - 2^24 + 1) and its degree-4 extension F[X]/(X^4 - 3) for the
 * CUDA backend, usable on the device and on the host.
 *
 * Representation: exactly verifier/kb.h's and verifier/kb4.h's. An element is a
 * uint32_t in Montgomery form (x * 2^32 mod p) reduced to [0, p); an extension
 * element is four such coefficients, low degree first, with the same size and
 * layout as kb4. Values therefore move between host and device with a plain
 * memcpy, and every function here returns the same bits as its verifier/
 * counterpart: each computes the unique reduced representative of the same field
 * value (the reductions are the same formulas, and a reduced result is unique).
 *
 * The header is C11 and CUDA C++ at once: ZKC_HD makes every function
 * __host__ __device__ under nvcc and a plain static inline function under a C
 * compiler, which is how tests/prover/test_cuda_host.c checks the device
 * arithmetic against the CPU's on machines without a GPU. Keep it that way: no C++
 * in the shared functions (C++-only helpers go behind __CUDACC__).
 */
#ifndef ZKGATE_PROVER_CUDA_KB_CUH
#define ZKGATE_PROVER_CUDA_KB_CUH

#include <stdint.h>

#ifdef __CUDACC__
#define ZKC_HD static __host__ __device__ __forceinline__
#else
#define ZKC_HD static inline
#endif

#define ZKC_P         0x7f000001u
#define ZKC_MONT_NINV 0x7effffffu /* -p^-1 mod 2^32 */
#define ZKC_MONT_MU   0x81000001u /* p^-1 mod 2^32 */
#define ZKC_MONT_R2   0x17f7efe4u /* 2^64 mod p */
#define ZKC_ONE       0x01fffffeu /* 2^32 mod p: Montgomery form of 1 */
#define ZKC_W         3u          /* X^4 = W in the extension (canonical) */
#define ZKC_TWO_ADIC  24
#define ZKC_ROOT_24   0x6ac49f88u /* canonical primitive 2^24-th root of unity */

typedef struct zkc_kb4 {
    uint32_t c[4]; /* coefficients of 1, X, X^2, X^3, Montgomery form */
} zkc_kb4;

/* t < p * 2^32 -> t / 2^32 mod p in [0, p); the formula of kb_mont_reduce. */
ZKC_HD uint32_t zkc_mont_reduce(uint64_t t)
{
    uint32_t m = (uint32_t)t * ZKC_MONT_NINV;
    uint64_t u = (t + (uint64_t)m * ZKC_P) >> 32;
    uint32_t r = (uint32_t)u - ZKC_P;
    return r + (ZKC_P & (0u - (r >> 31)));
}

ZKC_HD uint32_t zkc_add(uint32_t a, uint32_t b)
{
    uint32_t s = a + b - ZKC_P;
    return s + (ZKC_P & (0u - (s >> 31)));
}

ZKC_HD uint32_t zkc_sub(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d + (ZKC_P & (0u - (d >> 31)));
}

ZKC_HD uint32_t zkc_neg(uint32_t a)
{
    return zkc_sub(0u, a);
}

/* The high 32 bits of a * b (one IMAD.HI on the device). */
ZKC_HD uint32_t zkc_mulhi(uint32_t a, uint32_t b)
{
#ifdef __CUDA_ARCH__
    return __umulhi(a, b);
#else
    return (uint32_t)(((uint64_t)a * b) >> 32);
#endif
}

/* Montgomery product of a, b < p in four 32-bit multiplications (the form of
 * verifier/kb_simd.h): t = a b, q = lo(t) p^-1 mod 2^32, so q p = lo(t) mod 2^32 and
 * (t - q p) / 2^32 = hi(t) - hi(q p), which lies in (-p, p); add p when negative.
 * That is t / 2^32 mod p reduced, the value kb_mul returns. */
ZKC_HD uint32_t zkc_mul(uint32_t a, uint32_t b)
{
    uint32_t lo = a * b, hi = zkc_mulhi(a, b);
    uint32_t qh = zkc_mulhi(lo * ZKC_MONT_MU, ZKC_P);
    uint32_t r = hi - qh;
    return r + (ZKC_P & (0u - (uint32_t)(hi < qh)));
}

ZKC_HD uint32_t zkc_sqr(uint32_t a)
{
    return zkc_mul(a, a);
}

ZKC_HD uint32_t zkc_double(uint32_t a)
{
    return zkc_add(a, a);
}

/* x < p (canonical) -> Montgomery form. */
ZKC_HD uint32_t zkc_from_canonical(uint32_t x)
{
    return zkc_mul(x, ZKC_MONT_R2);
}

ZKC_HD uint32_t zkc_to_canonical(uint32_t a)
{
    return zkc_mont_reduce(a);
}

/* a^e by square and multiply (e is public, as in kb_pow). */
ZKC_HD uint32_t zkc_pow(uint32_t a, uint64_t e)
{
    uint32_t r = ZKC_ONE;
    while (e) {
        if (e & 1)
            r = zkc_mul(r, a);
        a = zkc_sqr(a);
        e >>= 1;
    }
    return r;
}

/* a^(p-2); zero maps to zero, as kb_inv. */
ZKC_HD uint32_t zkc_inv(uint32_t a)
{
    return zkc_pow(a, ZKC_P - 2);
}

/* The primitive 2^log_n-th root of unity (Montgomery form), log_n <= 24: the
 * root kb_root_of_unity and the CPU NTT use. */
ZKC_HD uint32_t zkc_root_of_unity(unsigned log_n)
{
    uint32_t r = zkc_from_canonical(ZKC_ROOT_24);
    for (unsigned i = log_n; i < ZKC_TWO_ADIC; i++)
        r = zkc_sqr(r);
    return r;
}

/* bitrev of the low `bits` bits of i (bits <= 32). */
ZKC_HD uint32_t zkc_bitrev(uint32_t i, unsigned bits)
{
#ifdef __CUDA_ARCH__
    return bits ? __brev(i) >> (32 - bits) : 0;
#else
    uint32_t x = i;
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    x = (x >> 16) | (x << 16);
    return bits ? x >> (32 - bits) : 0;
#endif
}

/* ---- the extension ---------------------------------------------------------- */

/* x * W for W = 3: x + 2x, additions only. */
ZKC_HD uint32_t zkc_mul_w(uint32_t x)
{
    return zkc_add(zkc_double(x), x);
}

ZKC_HD zkc_kb4 zkc4_add(zkc_kb4 a, zkc_kb4 b)
{
    zkc_kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = zkc_add(a.c[i], b.c[i]);
    return r;
}

ZKC_HD zkc_kb4 zkc4_sub(zkc_kb4 a, zkc_kb4 b)
{
    zkc_kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = zkc_sub(a.c[i], b.c[i]);
    return r;
}

ZKC_HD zkc_kb4 zkc4_neg(zkc_kb4 a)
{
    zkc_kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = zkc_neg(a.c[i]);
    return r;
}

/* ---- lazily reduced sums --------------------------------------------------------
 *
 * A sum of products is reduced once instead of once per product. Values are < p <
 * 2^31, so a product of two is at most (p-1)^2 < 2^62, and a 64-bit sum holds a few.
 * In Montgomery form x = X 2^32 and y = Y 2^32 (mod p), so sum x y = (sum X Y) 2^64;
 * reducing that sum mod p and making one Montgomery reduction (t -> t / 2^32 mod p,
 * zkc_reduce64) gives (sum X Y) 2^32: the Montgomery form of the sum, the reduced
 * value that adding up zkc_mul(x, y) gives (a reduced result is unique, so the same
 * bits).
 *
 * zkc_fold makes room in a sum without changing it mod p: t = h 2^32 + l is
 * congruent to h ZKC_ONE + l (ZKC_ONE = 2^32 mod p = 2^25 - 2), which is at most
 * (2^32 - 1)(2^25 - 2) + 2^32 - 1 < 2^57 for every 64-bit t: one wide multiply-add.
 * After a fold four more products fit: with 2 (p-1) = 2^32 - 2^25,
 * 2^57 + 4 (p-1)^2 = 2^57 + 2^64 - 2^58 + 2^50 < 2^64. */

/* t reduced mod p into [0, 2^57), congruent to t mod p; any 64-bit t. On the
 * device the halves are taken as the register pair's two words: written with a
 * shift, nvcc multiplies the high half as a 64-bit value (mul.lo.s64, several
 * instructions; the quotient kernel was 14% longer) instead of one IMAD.WIDE.U32. */
ZKC_HD uint64_t zkc_fold(uint64_t t)
{
#ifdef __CUDA_ARCH__
    uint32_t lo, hi;
    asm("mov.b64 {%0, %1}, %2;" : "=r"(lo), "=r"(hi) : "l"(t));
    return (uint64_t)hi * ZKC_ONE + lo;
#else
    return (uint64_t)(uint32_t)(t >> 32) * ZKC_ONE + (uint32_t)t;
#endif
}

/* t / 2^32 mod p in [0, p) for any 64-bit t: the fold (below 2^57 < p 2^32), then
 * zkc_mul's Montgomery reduction (its high word is then < p). */
ZKC_HD uint32_t zkc_reduce64(uint64_t t)
{
    t = zkc_fold(t);
    uint32_t hi = (uint32_t)(t >> 32);
    uint32_t qh = zkc_mulhi((uint32_t)t * ZKC_MONT_MU, ZKC_P);
    uint32_t r = hi - qh;
    return r + (ZKC_P & (0u - (uint32_t)(hi < qh)));
}

/* a b + c (Montgomery form) with one reduction: zkc_add(c, zkc_mul(a, b))'s bits.
 * c 2^32 is c in the t / 2^32 scale; a b + c 2^32 < 2^62 + 2^63 fits in 64 bits. */
ZKC_HD uint32_t zkc_mul_add(uint32_t a, uint32_t b, uint32_t c)
{
    return zkc_reduce64((uint64_t)a * b + ((uint64_t)c << 32));
}

/* Four lazily reduced coefficient sums: coefficient c stands for
 * zkc_reduce64(c[c]). Any 64-bit values are valid; the operations below fold
 * before they add. */
typedef struct zkc_acc4 {
    uint64_t c[4]; /* unreduced sums of products (t, standing for t / 2^32 mod p) */
} zkc_acc4;

ZKC_HD zkc_acc4 zkc4_acc_zero(void)
{
    zkc_acc4 r = {{0u, 0u, 0u, 0u}};
    return r;
}

/* acc += a b, the extension product unreduced. Coefficient k of a b is
 * sum_{i+j=k} a_i b_j + W sum_{i+j=k+4} a_i b_j; with b's W multiples taken first
 * in the base field (3 b_j mod p < p), each coefficient gains exactly four products
 * of values < p, after a fold of what it held: < 2^64 (the bound above). As
 * verifier/kb4.h's kb4_mul, whose sums are the same. */
ZKC_HD void zkc4_acc_mul(zkc_acc4 *acc, zkc_kb4 a, zkc_kb4 b)
{
    uint64_t x0 = a.c[0], x1 = a.c[1], x2 = a.c[2], x3 = a.c[3];
    uint64_t y0 = b.c[0], y1 = b.c[1], y2 = b.c[2], y3 = b.c[3];
    uint64_t w1 = zkc_mul_w(b.c[1]), w2 = zkc_mul_w(b.c[2]), w3 = zkc_mul_w(b.c[3]);
    acc->c[0] = zkc_fold(acc->c[0]) + x0 * y0 + x1 * w3 + x2 * w2 + x3 * w1;
    acc->c[1] = zkc_fold(acc->c[1]) + x0 * y1 + x1 * y0 + x2 * w3 + x3 * w2;
    acc->c[2] = zkc_fold(acc->c[2]) + x0 * y2 + x1 * y1 + x2 * y0 + x3 * w3;
    acc->c[3] = zkc_fold(acc->c[3]) + x0 * y3 + x1 * y2 + x2 * y1 + x3 * y0;
}

/* acc += a b for b in the base field: one product per coefficient. */
ZKC_HD void zkc4_acc_mul_base(zkc_acc4 *acc, zkc_kb4 a, uint32_t b)
{
    for (int i = 0; i < 4; i++)
        acc->c[i] = zkc_fold(acc->c[i]) + (uint64_t)a.c[i] * b;
}

/* The element the sums stand for, reduced. */
ZKC_HD zkc_kb4 zkc4_acc_reduce(const zkc_acc4 *acc)
{
    zkc_kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = zkc_reduce64(acc->c[i]);
    return r;
}

/* a * b with four reductions instead of sixteen (zkc4_acc_mul on zero sums): the
 * bits of zkc4_mul. Its 64-bit sums hold more registers than zkc4_mul's reduced
 * terms, so the kernels choose: the quotient uses it, the others (open.cuh) keep
 * zkc4_mul until their register counts are measured with it. */
ZKC_HD zkc_kb4 zkc4_mul_lazy(zkc_kb4 a, zkc_kb4 b)
{
    zkc_acc4 t = zkc4_acc_zero();
    zkc4_acc_mul(&t, a, b);
    return zkc4_acc_reduce(&t);
}

/* Schoolbook product; the terms of degree k + 4 wrap to degree k times W. */
ZKC_HD zkc_kb4 zkc4_mul(zkc_kb4 a, zkc_kb4 b)
{
    const uint32_t *x = a.c, *y = b.c;
    zkc_kb4 r;
    uint32_t h0 = zkc_add(zkc_add(zkc_mul(x[1], y[3]), zkc_mul(x[2], y[2])), zkc_mul(x[3], y[1]));
    uint32_t h1 = zkc_add(zkc_mul(x[2], y[3]), zkc_mul(x[3], y[2]));
    uint32_t h2 = zkc_mul(x[3], y[3]);
    r.c[0] = zkc_add(zkc_mul(x[0], y[0]), zkc_mul_w(h0));
    r.c[1] = zkc_add(zkc_add(zkc_mul(x[0], y[1]), zkc_mul(x[1], y[0])), zkc_mul_w(h1));
    r.c[2] =
        zkc_add(zkc_add(zkc_add(zkc_mul(x[0], y[2]), zkc_mul(x[1], y[1])), zkc_mul(x[2], y[0])),
                zkc_mul_w(h2));
    r.c[3] = zkc_add(zkc_add(zkc_mul(x[0], y[3]), zkc_mul(x[1], y[2])),
                     zkc_add(zkc_mul(x[2], y[1]), zkc_mul(x[3], y[0])));
    return r;
}

ZKC_HD zkc_kb4 zkc4_sqr(zkc_kb4 a)
{
    return zkc4_mul(a, a);
}

ZKC_HD zkc_kb4 zkc4_mul_base(zkc_kb4 a, uint32_t b)
{
    zkc_kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = zkc_mul(a.c[i], b);
    return r;
}

ZKC_HD zkc_kb4 zkc4_pow(zkc_kb4 a, uint64_t e)
{
    zkc_kb4 r = {{ZKC_ONE, 0u, 0u, 0u}};
    while (e) {
        if (e & 1)
            r = zkc4_mul(r, a);
        a = zkc4_sqr(a);
        e >>= 1;
    }
    return r;
}

/* With a' = a(-X), a * a' = b0 + b2 X^2 lies in F[X^2], and
 * (b0 + b2 X^2)(b0 - b2 X^2) = b0^2 - W b2^2 lies in F, so
 * a^-1 = a' (b0 - b2 X^2) / (b0^2 - W b2^2). Zero maps to zero. */
ZKC_HD zkc_kb4 zkc4_inv(zkc_kb4 a)
{
    zkc_kb4 conj = {{a.c[0], zkc_neg(a.c[1]), a.c[2], zkc_neg(a.c[3])}};
    zkc_kb4 b = zkc4_mul(a, conj);
    uint32_t norm = zkc_sub(zkc_sqr(b.c[0]), zkc_mul_w(zkc_sqr(b.c[2])));
    zkc_kb4 bc = {{b.c[0], 0u, zkc_neg(b.c[2]), 0u}};
    return zkc4_mul_base(zkc4_mul(conj, bc), zkc_inv(norm));
}

#endif
