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

#endif
