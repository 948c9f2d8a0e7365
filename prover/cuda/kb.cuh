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
