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

/* x / 2: (x + p) / 2 when x is odd, which stays below p. */
T static inline __m512i half16(__m512i x)
{
    __mmask16 odd = _mm512_test_epi32_mask(x, _mm512_set1_epi32(1));
    return _mm512_mask_add_epi32(_mm512_srli_epi32(x, 1), odd, _mm512_srli_epi32(x, 1),
                                 _mm512_set1_epi32((int)((KB_P + 1) / 2)));
}

/* x * 2^-k for 1 <= k <= 24: with x = hi 2^k + lo, x 2^-k = hi + lo 2^-k and
 * 2^-k = -127 * 2^(24-k) (p = 127 * 2^24 + 1), so the result is
 * hi - lo * 127 * 2^(24-k), where both terms are below p. */
T static inline __m512i div2k16(__m512i x, int k)
{
    __m512i hi = _mm512_srli_epi32(x, (unsigned)k);
    __m512i lo = _mm512_and_si512(x, _mm512_set1_epi32((1 << k) - 1));
    __m512i l127 = _mm512_sub_epi32(_mm512_slli_epi32(lo, 7), lo);
    return kb16_sub(hi, _mm512_slli_epi32(l127, (unsigned)(24 - k)));
}

/* The internal layer: state[i] = total + diag[i] * state[i], with the diagonal
 * [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/8, 1/2^24, -1/2^8, -1/8, -1/16,
 * -1/2^24] applied by additions and shifts instead of multiplications. Every
 * step is an exact field operation on reduced values, so the result equals the
 * multiplications of the scalar code bit for bit. */
T static inline void partial16(__m512i v[P2_WIDTH], kb rc)
{
    v[0] = cube16(kb16_add(v[0], _mm512_set1_epi32((int)rc)));
    /* A balanced sum tree: shorter dependency chains than the scalar left fold,
     * same value because field addition is exact. */
    __m512i s[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        s[i] = kb16_add(v[i], v[i + 8]);
    __m512i t = kb16_add(kb16_add(kb16_add(s[0], s[1]), kb16_add(s[2], s[3])),
                         kb16_add(kb16_add(s[4], s[5]), kb16_add(s[6], s[7])));
    __m512i d4 = dbl16(v[4]);
    v[0] = kb16_sub(t, dbl16(v[0]));
    v[1] = kb16_add(t, v[1]);
    v[2] = kb16_add(t, dbl16(v[2]));
    v[3] = kb16_add(t, half16(v[3]));
    v[4] = kb16_add(t, kb16_add(d4, v[4]));
    v[5] = kb16_add(t, dbl16(dbl16(v[5])));
    v[6] = kb16_sub(t, half16(v[6]));
    v[7] = kb16_sub(t, kb16_add(dbl16(v[7]), v[7]));
    v[8] = kb16_sub(t, dbl16(dbl16(v[8])));
    v[9] = kb16_add(t, div2k16(v[9], 8));
    v[10] = kb16_add(t, div2k16(v[10], 3));
    v[11] = kb16_add(t, div2k16(v[11], 24));
    v[12] = kb16_sub(t, div2k16(v[12], 8));
    v[13] = kb16_sub(t, div2k16(v[13], 3));
    v[14] = kb16_sub(t, div2k16(v[14], 4));
    v[15] = kb16_sub(t, div2k16(v[15], 24));
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
