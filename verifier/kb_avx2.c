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

#endif
