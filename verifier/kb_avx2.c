/* kb_vec_* on AVX2 (8 lanes). Compiled for any x86-64 with the instructions
 * enabled per function, and only called when the CPU has AVX2. Tails are done by
 * the scalar code, which gives the same values. */
#include "verifier/kb_simd.h"

#if defined(__x86_64__)

#define LOAD(p)     _mm256_loadu_si256((const __m256i *)(p))
#define STORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))

KB_TARGET_AVX2 void kb_avx2_vec_add(kb *out, const kb *a, const kb *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        STORE(out + i, kb8_add(LOAD(a + i), LOAD(b + i)));
    kb_scalar_vec_add(out + i, a + i, b + i, n - i);
}

KB_TARGET_AVX2 void kb_avx2_vec_sub(kb *out, const kb *a, const kb *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        STORE(out + i, kb8_sub(LOAD(a + i), LOAD(b + i)));
    kb_scalar_vec_sub(out + i, a + i, b + i, n - i);
}

KB_TARGET_AVX2 void kb_avx2_vec_mul(kb *out, const kb *a, const kb *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        STORE(out + i, kb8_mul(LOAD(a + i), LOAD(b + i)));
    kb_scalar_vec_mul(out + i, a + i, b + i, n - i);
}

KB_TARGET_AVX2 void kb_avx2_vec_scale(kb *out, const kb *a, kb c, size_t n)
{
    __m256i cv = _mm256_set1_epi32((int)c);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        STORE(out + i, kb8_mul(LOAD(a + i), cv));
    kb_scalar_vec_scale(out + i, a + i, c, n - i);
}

KB_TARGET_AVX2 void kb_avx2_vec_axpy(kb *out, const kb *a, kb c, size_t n)
{
    __m256i cv = _mm256_set1_epi32((int)c);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        STORE(out + i, kb8_add(LOAD(out + i), kb8_mul(LOAD(a + i), cv)));
    kb_scalar_vec_axpy(out + i, a + i, c, n - i);
}

/* The odd lanes of a moved down to the even ones (vpmuludq reads only those). */
KB_TARGET_AVX2 static inline __m256i odd8(__m256i a)
{
    return _mm256_castps_si256(_mm256_movehdup_ps(_mm256_castsi256_ps(a)));
}

/* Adds the 64-bit partial sum s (< 2^64) of one plane: h += s >> 32, a += s. */
KB_TARGET_AVX2 static inline void acc8(__m256i *h, __m256i *a, __m256i s)
{
    *h = _mm256_add_epi64(*h, _mm256_srli_epi64(s, 32));
    *a = _mm256_add_epi64(*a, s);
}

/* Both products of 8 lanes of x (xe, xo = odd8) with 8 lanes of c: < 2 p^2. */
KB_TARGET_AVX2 static inline __m256i prod8(__m256i xe, __m256i xo, __m256i c)
{
    return _mm256_add_epi64(_mm256_mul_epu32(xe, c), _mm256_mul_epu32(xo, odd8(c)));
}

KB_TARGET_AVX2 static inline uint64_t hsum8(__m256i v)
{
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
}

/* One chunk (n <= KB_DOT_CHUNK): 16 terms per plane per step, four products per
 * 64-bit lane (< 4 p^2 < 2^64) before the split; a last partial block is loaded
 * masked (zeros add nothing). */
KB_TARGET_AVX2 static void dot4_chunk(kb out[4], const kb *x, const kb *const c[4], size_t n)
{
    /* four planes written out: with arrays and a k loop gcc keeps the sums in memory */
    __m256i h0, h1, h2, h3, a0, a1, a2, a3;
    h0 = h1 = h2 = h3 = a0 = a1 = a2 = a3 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i x0 = LOAD(x + i), x1 = LOAD(x + i + 8);
        __m256i x0o = odd8(x0), x1o = odd8(x1);
#define STEP16(k)                                                                                  \
    acc8(&h##k, &a##k,                                                                             \
         _mm256_add_epi64(prod8(x0, x0o, LOAD(c[k] + i)), prod8(x1, x1o, LOAD(c[k] + i + 8))))
        STEP16(0);
        STEP16(1);
        STEP16(2);
        STEP16(3);
#undef STEP16
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (; i < n; i += 8) {
        size_t r = n - i < 8 ? n - i : 8;
        __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), lane);
        __m256i x0 = _mm256_maskload_epi32((const int *)(x + i), m);
        __m256i x0o = odd8(x0);
#define STEP8(k)                                                                                   \
    acc8(&h##k, &a##k, prod8(x0, x0o, _mm256_maskload_epi32((const int *)(c[k] + i), m)))
        STEP8(0);
        STEP8(1);
        STEP8(2);
        STEP8(3);
#undef STEP8
    }
    __m256i h[4] = {h0, h1, h2, h3}, a[4] = {a0, a1, a2, a3};
    for (int k = 0; k < 4; k++) {
        uint64_t hs = hsum8(h[k]), as = hsum8(a[k]);
        out[k] = kb_dot_fold(hs, as - (hs << 32));
    }
}

KB_TARGET_AVX2 void kb_avx2_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1,
                                     const kb *c2, const kb *c3, size_t n)
{
    kb_dot4_chunked(out, x, c0, c1, c2, c3, n, dot4_chunk);
}

#endif
