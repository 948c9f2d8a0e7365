/* Poseidon2-16 on 8 states at once with AVX2: register i holds element i of 8
 * states (one per lane); each step is the scalar step lane-wise with the same full
 * reductions, so results are bit-identical to p2_permute. */
#include "verifier/p2.h"

#include <string.h>

#include "verifier/kb_simd.h"

#if defined(__x86_64__)

#define T KB_TARGET_AVX2

#define TI KB_TARGET_AVX2 __attribute__((always_inline))

TI static inline __m256i odd8(__m256i x)
{
    return _mm256_castps_si256(_mm256_movehdup_ps(_mm256_castsi256_ps(x)));
}

/* Signed Montgomery product, as mont16 in p2_avx512.c: a and b any int32 with
 * |a b| < 2^31 p, a_o and b_o their odd lanes, the result in (-p, p), not reduced.
 * The 32-bit differences of the high halves need no borrow because the low halves
 * of t and q p are equal. */
TI static inline __m256i mont8(__m256i a, __m256i a_o, __m256i b, __m256i b_o)
{
    const __m256i p = _mm256_set1_epi32((int)KB_P);
    const __m256i mu = _mm256_set1_epi32((int)KB_MONT_MU);
    __m256i t_e = _mm256_mul_epi32(a, b);
    __m256i t_o = _mm256_mul_epi32(a_o, b_o);
    __m256i d_e = _mm256_sub_epi32(t_e, _mm256_mul_epi32(_mm256_mul_epu32(t_e, mu), p));
    __m256i d_o = _mm256_sub_epi32(t_o, _mm256_mul_epi32(_mm256_mul_epu32(t_o, mu), p));
    return _mm256_blend_epi32(odd8(d_e), d_o, 0xaa);
}

/* (x + rc)^3 in [0, p) for x in [0, p) and rcm = rc - p; see sbox16. */
TI static inline __m256i sbox8(__m256i x, __m256i rcm)
{
    __m256i s = _mm256_add_epi32(x, rcm);
    __m256i s_o = odd8(s);
    __m256i x2 = mont8(s, s_o, s, s_o);
    __m256i x3 = mont8(x2, odd8(x2), s, s_o);
    return _mm256_min_epu32(x3, _mm256_add_epi32(x3, _mm256_set1_epi32((int)KB_P)));
}

TI static inline __m256i dbl8(__m256i x)
{
    return kb8_add(x, x);
}

/* The external layer, in the additions of ext16 (p2_avx512.c). */
TI static inline void ext8(__m256i v[P2_WIDTH])
{
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
        __m256i x0 = v[c], x1 = v[c + 1], x2 = v[c + 2], x3 = v[c + 3];
        __m256i s01 = kb8_add(x0, x1), s23 = kb8_add(x2, x3);
        __m256i t = kb8_add(s01, s23);
        __m256i u = kb8_add(t, x1), w = kb8_add(t, x3);
        v[c] = kb8_add(u, s01);
        v[c + 1] = kb8_add(u, dbl8(x2));
        v[c + 2] = kb8_add(w, s23);
        v[c + 3] = kb8_add(w, dbl8(x0));
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        __m256i sum = kb8_add(kb8_add(v[i], v[i + 4]), kb8_add(v[i + 8], v[i + 12]));
        v[i] = kb8_add(v[i], sum);
        v[i + 4] = kb8_add(v[i + 4], sum);
        v[i + 8] = kb8_add(v[i + 8], sum);
        v[i + 12] = kb8_add(v[i + 12], sum);
    }
}

TI static inline void full8(__m256i v[P2_WIDTH], const kb rcm[P2_WIDTH])
{
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = sbox8(v[i], _mm256_set1_epi32((int)rcm[i]));
    ext8(v);
}

/* x / 2: (x + p) / 2 when x is odd, which stays below p. */
T static inline __m256i half8(__m256i x)
{
    /* AVX2 has no mask registers: 0 - (x & 1) is all ones exactly for odd x. */
    __m256i odd =
        _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_and_si256(x, _mm256_set1_epi32(1)));
    return _mm256_add_epi32(_mm256_srli_epi32(x, 1),
                            _mm256_and_si256(odd, _mm256_set1_epi32((int)((KB_P + 1) / 2))));
}

/* x * 2^-k for 1 <= k <= 24: with x = hi 2^k + lo, x 2^-k = hi + lo 2^-k and
 * 2^-k = -127 * 2^(24-k) (p = 127 * 2^24 + 1), so the result is
 * hi - lo * 127 * 2^(24-k), where both terms are below p. */
T static inline __m256i div2k8(__m256i x, int k)
{
    __m256i hi = _mm256_srli_epi32(x, k);
    __m256i lo = _mm256_and_si256(x, _mm256_set1_epi32((1 << k) - 1));
    __m256i l127 = _mm256_sub_epi32(_mm256_slli_epi32(lo, 7), lo);
    return kb8_sub(hi, _mm256_slli_epi32(l127, 24 - k));
}

/* v[1] + ... + v[15], balanced (field addition is exact, so any order agrees). */
TI static inline __m256i sum15_8(const __m256i v[P2_WIDTH])
{
    __m256i a = kb8_add(kb8_add(v[1], v[2]), kb8_add(v[3], v[4]));
    __m256i b = kb8_add(kb8_add(v[5], v[6]), kb8_add(v[7], v[8]));
    __m256i c = kb8_add(kb8_add(v[9], v[10]), kb8_add(v[11], v[12]));
    __m256i d = kb8_add(kb8_add(v[13], v[14]), v[15]);
    return kb8_add(kb8_add(a, b), kb8_add(c, d));
}

/* One partial round, as partial16 in p2_avx512.c: so is the sum of v[1..15] on
 * entry and exit, the internal diagonal [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8,
 * 1/8, 1/2^24, -1/2^8, -1/8, -1/16, -1/2^24] goes by additions and shifts, and
 * every step is exact, so the result equals the scalar code bit for bit. */
TI static inline void partial8(__m256i v[P2_WIDTH], __m256i *so, __m256i rcm)
{
    __m256i s = sbox8(v[0], rcm);
    __m256i t = kb8_add(*so, s);
    v[0] = kb8_sub(*so, s);
    v[1] = kb8_add(t, v[1]);
    v[2] = kb8_add(t, dbl8(v[2]));
    v[3] = kb8_add(t, half8(v[3]));
    v[4] = kb8_add(t, kb8_add(dbl8(v[4]), v[4]));
    v[5] = kb8_add(t, dbl8(dbl8(v[5])));
    v[6] = kb8_sub(t, half8(v[6]));
    v[7] = kb8_sub(t, kb8_add(dbl8(v[7]), v[7]));
    v[8] = kb8_sub(t, dbl8(dbl8(v[8])));
    v[9] = kb8_add(t, div2k8(v[9], 8));
    v[10] = kb8_add(t, div2k8(v[10], 3));
    v[11] = kb8_add(t, div2k8(v[11], 24));
    v[12] = kb8_sub(t, div2k8(v[12], 8));
    v[13] = kb8_sub(t, div2k8(v[13], 3));
    v[14] = kb8_sub(t, div2k8(v[14], 4));
    v[15] = kb8_sub(t, div2k8(v[15], 24));
    *so = sum15_8(v);
}

/* The round constants minus p, as int32 (see sbox8). */
typedef struct rcm_tab8 {
    kb init[4][P2_WIDTH], part[20], fin[4][P2_WIDTH];
} rcm_tab8;

T static void permute_block8(kb *states, const rcm_tab8 *rc)
{
    /* AVX2 has no two-source 32-bit permute, so the transpose goes through a
     * small buffer. */
    kb t[P2_WIDTH][8];
    __m256i v[P2_WIDTH];
    for (int j = 0; j < 8; j++)
        for (int i = 0; i < P2_WIDTH; i++)
            t[i][j] = states[P2_WIDTH * j + i];
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = _mm256_loadu_si256((const __m256i *)t[i]);
    ext8(v);
    for (int r = 0; r < 4; r++)
        full8(v, rc->init[r]);
    __m256i so = sum15_8(v);
    for (int r = 0; r < 20; r++)
        partial8(v, &so, _mm256_set1_epi32((int)rc->part[r]));
    for (int r = 0; r < 4; r++)
        full8(v, rc->fin[r]);
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        _mm256_storeu_si256((__m256i *)t[i], v[i]);
    for (int j = 0; j < 8; j++)
        for (int i = 0; i < P2_WIDTH; i++)
            states[P2_WIDTH * j + i] = t[i][j];
}

T void p2_avx2_permute_many(kb *states, size_t n)
{
    rcm_tab8 rc;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < P2_WIDTH; i++) {
            rc.init[r][i] = p2_rc_ext_init[r][i] - KB_P;
            rc.fin[r][i] = p2_rc_ext_final[r][i] - KB_P;
        }
    for (int r = 0; r < 20; r++)
        rc.part[r] = p2_rc_int[r] - KB_P;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        permute_block8(states + P2_WIDTH * i, &rc);
    if (i < n) {
        kb tmp[8 * P2_WIDTH];
        size_t rest = n - i;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, states + P2_WIDTH * i, rest * P2_WIDTH * sizeof(kb));
        permute_block8(tmp, &rc);
        memcpy(states + P2_WIDTH * i, tmp, rest * P2_WIDTH * sizeof(kb));
    }
}

#endif
