/* Internal to prover/: the quartic extension on AVX-512, 16 elements side by side
 * (one per 32-bit lane), each as four coefficient registers. The prover's
 * permutation argument and quotient run 16 rows at a time with these. Every routine
 * returns fully reduced lanes equal to kb4_* on each lane (tests/verifier/test_kb.c
 * compares them on edge values). Callers check kb_simd_level() >= 2 first. */
#ifndef ZKGATE_PROVER_KB4_X16_H
#define ZKGATE_PROVER_KB4_X16_H

#include "verifier/kb4.h"
#include "verifier/kb_simd.h"

#if defined(__x86_64__)
#define X16_INLINE KB_TARGET_AVX512 __attribute__((always_inline)) /* the lane helpers */
#define X16_LANES  16

typedef struct x16 {
    __m512i c[4];
} x16;

X16_INLINE static inline x16 x16_set1(kb4 a)
{
    x16 r;
    for (int k = 0; k < 4; k++)
        r.c[k] = _mm512_set1_epi32((int)a.c[k]);
    return r;
}

/* Four planes of 16 lanes: coefficient k of lane l at p[k * X16_LANES + l]. */
X16_INLINE static inline x16 x16_load(const kb (*p)[X16_LANES])
{
    x16 r;
    for (int k = 0; k < 4; k++)
        r.c[k] = _mm512_loadu_si512((const void *)p[k]);
    return r;
}

X16_INLINE static inline x16 x16_add(x16 a, x16 b)
{
    for (int k = 0; k < 4; k++)
        a.c[k] = kb16_add(a.c[k], b.c[k]);
    return a;
}

X16_INLINE static inline x16 x16_sub(x16 a, x16 b)
{
    for (int k = 0; k < 4; k++)
        a.c[k] = kb16_sub(a.c[k], b.c[k]);
    return a;
}

X16_INLINE static inline x16 x16_mul_base(x16 a, __m512i b)
{
    for (int k = 0; k < 4; k++)
        a.c[k] = kb16_mul(a.c[k], b);
    return a;
}

X16_INLINE static inline __m512i x16_w(__m512i a)
{
    return kb16_add(kb16_add(a, a), a);
}

/* One coefficient of a lazy product from its four products' 64-bit sums, te for the
 * even lanes and to for the odd ones: kb4_mul's bound (each sum < 2 p 2^32), then
 * kb16_mul's Montgomery step. */
X16_INLINE static inline __m512i x16_reduce(__m512i te, __m512i to)
{
    const __m512i p32 = _mm512_set1_epi64((long long)((uint64_t)KB_P << 32));
    te = _mm512_mask_sub_epi64(te, _mm512_cmpge_epu64_mask(te, p32), te, p32);
    to = _mm512_mask_sub_epi64(to, _mm512_cmpge_epu64_mask(to, p32), to, p32);
    return kb16_reduce(te, to);
}

X16_INLINE static inline __m512i x16_odd(__m512i a)
{
    return _mm512_castps_si512(_mm512_movehdup_ps(_mm512_castsi512_ps(a)));
}

/* sum of four products a[i] b[j] in 64-bit lanes (vpmuludq reads the even 32-bit
 * lanes: called once with the even lanes and once with the odd ones moved down). */
#define X16_SUM4(a, b, i0, j0, i1, j1, i2, j2, i3, j3)                                             \
    _mm512_add_epi64(                                                                              \
        _mm512_add_epi64(_mm512_mul_epu32(a[i0], b[j0]), _mm512_mul_epu32(a[i1], b[j1])),          \
        _mm512_add_epi64(_mm512_mul_epu32(a[i2], b[j2]), _mm512_mul_epu32(a[i3], b[j3])))

/* kb4_mul on 16 lanes, lazily reduced: b's W multiples first (b[4..6] = 3 b_1..3), so
 * each coefficient is four products summed in 64 bits and reduced once. */
X16_INLINE static inline x16 x16_mul(x16 a, x16 b)
{
    __m512i xe[4], xo[4], ye[7], yo[7];
    for (int i = 0; i < 4; i++) {
        xe[i] = a.c[i];
        xo[i] = x16_odd(a.c[i]);
        ye[i] = b.c[i];
    }
    for (int i = 1; i < 4; i++)
        ye[3 + i] = x16_w(b.c[i]);
    for (int i = 0; i < 7; i++)
        yo[i] = x16_odd(ye[i]);
    x16 r;
    r.c[0] = x16_reduce(X16_SUM4(xe, ye, 0, 0, 1, 6, 2, 5, 3, 4),
                        X16_SUM4(xo, yo, 0, 0, 1, 6, 2, 5, 3, 4));
    r.c[1] = x16_reduce(X16_SUM4(xe, ye, 0, 1, 1, 0, 2, 6, 3, 5),
                        X16_SUM4(xo, yo, 0, 1, 1, 0, 2, 6, 3, 5));
    r.c[2] = x16_reduce(X16_SUM4(xe, ye, 0, 2, 1, 1, 2, 0, 3, 6),
                        X16_SUM4(xo, yo, 0, 2, 1, 1, 2, 0, 3, 6));
    r.c[3] = x16_reduce(X16_SUM4(xe, ye, 0, 3, 1, 2, 2, 1, 3, 0),
                        X16_SUM4(xo, yo, 0, 3, 1, 2, 2, 1, 3, 0));
    return r;
}

#undef X16_SUM4
#endif

#endif
