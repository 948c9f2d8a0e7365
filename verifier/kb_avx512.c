/* kb_vec_* on AVX-512 (16 lanes). Compiled for any x86-64 with the instructions
 * enabled per function, and only called when the CPU has AVX-512 F/BW/DQ/VL. Tails are done by
 * the scalar code, which gives the same values. */
#include "verifier/kb_simd.h"

#if defined(__x86_64__)

#define LOAD(p)     _mm512_loadu_si512((const void *)(p))
#define STORE(p, v) _mm512_storeu_si512((void *)(p), (v))

KB_TARGET_AVX512 void kb_avx512_vec_add(kb *out, const kb *a, const kb *b, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        STORE(out + i, kb16_add(LOAD(a + i), LOAD(b + i)));
    kb_scalar_vec_add(out + i, a + i, b + i, n - i);
}

KB_TARGET_AVX512 void kb_avx512_vec_sub(kb *out, const kb *a, const kb *b, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        STORE(out + i, kb16_sub(LOAD(a + i), LOAD(b + i)));
    kb_scalar_vec_sub(out + i, a + i, b + i, n - i);
}

KB_TARGET_AVX512 void kb_avx512_vec_mul(kb *out, const kb *a, const kb *b, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        STORE(out + i, kb16_mul(LOAD(a + i), LOAD(b + i)));
    kb_scalar_vec_mul(out + i, a + i, b + i, n - i);
}

KB_TARGET_AVX512 void kb_avx512_vec_scale(kb *out, const kb *a, kb c, size_t n)
{
    __m512i cv = _mm512_set1_epi32((int)c);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        STORE(out + i, kb16_mul(LOAD(a + i), cv));
    kb_scalar_vec_scale(out + i, a + i, c, n - i);
}

KB_TARGET_AVX512 void kb_avx512_vec_axpy(kb *out, const kb *a, kb c, size_t n)
{
    __m512i cv = _mm512_set1_epi32((int)c);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        STORE(out + i, kb16_add(LOAD(out + i), kb16_mul(LOAD(a + i), cv)));
    kb_scalar_vec_axpy(out + i, a + i, c, n - i);
}

/* The odd lanes of a moved down to the even ones (vpmuludq reads only those). */
KB_TARGET_AVX512 static inline __m512i odd16(__m512i a)
{
    return _mm512_castps_si512(_mm512_movehdup_ps(_mm512_castsi512_ps(a)));
}

/* Adds the 64-bit partial sum s (< 2^64) of one plane: h += s >> 32, a += s. */
KB_TARGET_AVX512 static inline void acc16(__m512i *h, __m512i *a, __m512i s)
{
    *h = _mm512_add_epi64(*h, _mm512_srli_epi64(s, 32));
    *a = _mm512_add_epi64(*a, s);
}

/* Both products of 16 lanes of x (xe, xo = odd16) with 16 lanes of c: < 2 p^2. */
KB_TARGET_AVX512 static inline __m512i prod16(__m512i xe, __m512i xo, __m512i c)
{
    return _mm512_add_epi64(_mm512_mul_epu32(xe, c), _mm512_mul_epu32(xo, odd16(c)));
}

/* The sum of the eight 64-bit lanes mod 2^64 (vector adds: _mm512_reduce_add_epi64
 * adds in signed scalars, which may overflow). */
KB_TARGET_AVX512 static inline uint64_t hsum16(__m512i v)
{
    __m256i q = _mm256_add_epi64(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    return (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
}

/* One chunk (n <= KB_DOT_CHUNK): 32 terms per lane pair and plane per step, four
 * products per 64-bit lane (< 4 p^2 < 2^64) before the split; a last partial
 * block is loaded masked (zeros add nothing). */
KB_TARGET_AVX512 static void dot4_chunk(kb out[4], const kb *x, const kb *const c[4], size_t n)
{
    /* four planes written out: with arrays and a k loop gcc keeps the sums in memory */
    __m512i h0, h1, h2, h3, a0, a1, a2, a3;
    h0 = h1 = h2 = h3 = a0 = a1 = a2 = a3 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i x0 = LOAD(x + i), x1 = LOAD(x + i + 16);
        __m512i x0o = odd16(x0), x1o = odd16(x1);
#define STEP32(k)                                                                                  \
    acc16(&h##k, &a##k,                                                                            \
          _mm512_add_epi64(prod16(x0, x0o, LOAD(c[k] + i)), prod16(x1, x1o, LOAD(c[k] + i + 16))))
        STEP32(0);
        STEP32(1);
        STEP32(2);
        STEP32(3);
#undef STEP32
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512i x0 = _mm512_maskz_loadu_epi32(m, x + i);
        __m512i x0o = odd16(x0);
#define STEP16(k) acc16(&h##k, &a##k, prod16(x0, x0o, _mm512_maskz_loadu_epi32(m, c[k] + i)))
        STEP16(0);
        STEP16(1);
        STEP16(2);
        STEP16(3);
#undef STEP16
    }
    __m512i h[4] = {h0, h1, h2, h3}, a[4] = {a0, a1, a2, a3};
    for (int k = 0; k < 4; k++) {
        uint64_t hs = hsum16(h[k]), as = hsum16(a[k]);
        out[k] = kb_dot_fold(hs, as - (hs << 32));
    }
}

KB_TARGET_AVX512 void kb_avx512_vec_dot4(kb out[4], const kb *x, const kb *c0, const kb *c1,
                                         const kb *c2, const kb *c3, size_t n)
{
    kb_dot4_chunked(out, x, c0, c1, c2, c3, n, dot4_chunk);
}

#endif
