/* Poseidon2-16 on 16 states at once with AVX-512: register i holds element i of
 * 16 different states (one state per lane), so every step of the permutation is
 * the scalar step done lane-wise, with the same reductions, and the result is
 * bit-identical to p2_permute. States are transposed in and out in registers. */
#include "verifier/p2.h"

#include <string.h>

#include "verifier/kb_simd.h"

#if defined(__x86_64__)

#define T KB_TARGET_AVX512

T static inline __m512i cube16(__m512i x)
{
    return kb16_mul(kb16_mul(x, x), x);
}

T static inline __m512i dbl16(__m512i x)
{
    return kb16_add(x, x);
}

T static inline void ext16(__m512i v[P2_WIDTH])
{
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
        __m512i x0 = v[c], x1 = v[c + 1], x2 = v[c + 2], x3 = v[c + 3];
        __m512i t = kb16_add(kb16_add(x0, x1), kb16_add(x2, x3));
        v[c] = kb16_add(kb16_add(t, x0), dbl16(x1));
        v[c + 1] = kb16_add(kb16_add(t, x1), dbl16(x2));
        v[c + 2] = kb16_add(kb16_add(t, x2), dbl16(x3));
        v[c + 3] = kb16_add(kb16_add(t, x3), dbl16(x0));
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        __m512i sum = kb16_add(kb16_add(v[i], v[i + 4]), kb16_add(v[i + 8], v[i + 12]));
        v[i] = kb16_add(v[i], sum);
        v[i + 4] = kb16_add(v[i + 4], sum);
        v[i + 8] = kb16_add(v[i + 8], sum);
        v[i + 12] = kb16_add(v[i + 12], sum);
    }
}

T static inline void full16(__m512i v[P2_WIDTH], const kb rc[P2_WIDTH])
{
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = cube16(kb16_add(v[i], _mm512_set1_epi32((int)rc[i])));
    ext16(v);
}

T static inline void partial16(__m512i v[P2_WIDTH], kb rc)
{
    v[0] = cube16(kb16_add(v[0], _mm512_set1_epi32((int)rc)));
    /* A balanced sum tree: shorter dependency chains than the scalar left fold,
     * same value because field addition is exact. */
    __m512i s[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        s[i] = kb16_add(v[i], v[i + 8]);
    __m512i total = kb16_add(kb16_add(kb16_add(s[0], s[1]), kb16_add(s[2], s[3])),
                             kb16_add(kb16_add(s[4], s[5]), kb16_add(s[6], s[7])));
    v[1] = kb16_add(total, v[1]); /* diag[1] = 1 */
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++) {
        if (i == 1)
            continue;
        v[i] = kb16_add(total, kb16_mul(v[i], _mm512_set1_epi32((int)p2_diag[i])));
    }
}

/* 16x16 transpose of 32-bit lanes: stage k swaps bit k of the row index with bit k
 * of the lane index (exchanging the off-diagonal blocks of size 2^k); the four
 * stages together swap all of them. */
T static inline void transpose16(__m512i r[16])
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        int s = 1 << k;
        __mmask16 hi = _mm512_test_epi32_mask(lane, _mm512_set1_epi32(s));
        /* Index >= 16 picks from the second source. */
        __m512i ia = _mm512_mask_add_epi32(lane, hi, lane, _mm512_set1_epi32(16 - s));
        __m512i ib = _mm512_mask_add_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(s)), hi, lane,
                                           _mm512_set1_epi32(16));
#pragma GCC unroll 16
        for (int a = 0; a < 16; a++) {
            if (a & s)
                continue;
            __m512i x = r[a], y = r[a + s];
            r[a] = _mm512_permutex2var_epi32(x, ia, y);
            r[a + s] = _mm512_permutex2var_epi32(x, ib, y);
        }
    }
}

T static void permute_block16(kb *states)
{
    __m512i v[P2_WIDTH];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        v[i] = _mm512_loadu_si512((const void *)(states + P2_WIDTH * i));
    transpose16(v);
    ext16(v);
    for (int r = 0; r < 4; r++)
        full16(v, p2_rc_ext_init[r]);
    for (int r = 0; r < 20; r++)
        partial16(v, p2_rc_int[r]);
    for (int r = 0; r < 4; r++)
        full16(v, p2_rc_ext_final[r]);
    transpose16(v);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        _mm512_storeu_si512((void *)(states + P2_WIDTH * i), v[i]);
}

T void p2_avx512_permute_many(kb *states, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        permute_block16(states + P2_WIDTH * i);
    if (i < n) {
        kb tmp[16 * P2_WIDTH];
        size_t rest = n - i;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, states + P2_WIDTH * i, rest * P2_WIDTH * sizeof(kb));
        permute_block16(tmp);
        memcpy(states + P2_WIDTH * i, tmp, rest * P2_WIDTH * sizeof(kb));
    }
}

#endif
