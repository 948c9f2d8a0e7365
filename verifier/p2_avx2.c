/* Poseidon2-16 on 8 states at once with AVX2: register i holds element i of 8
 * states (one per lane); each step is the scalar step lane-wise with the same full
 * reductions, so results are bit-identical to p2_permute. */
#include "verifier/p2.h"

#include <string.h>

#include "verifier/kb_simd.h"

#if defined(__x86_64__)

#define T KB_TARGET_AVX2

T static inline __m256i cube8(__m256i x)
{
    return kb8_mul(kb8_mul(x, x), x);
}

T static inline __m256i dbl8(__m256i x)
{
    return kb8_add(x, x);
}

T static inline void ext8(__m256i v[P2_WIDTH])
{
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
        __m256i x0 = v[c], x1 = v[c + 1], x2 = v[c + 2], x3 = v[c + 3];
        __m256i t = kb8_add(kb8_add(x0, x1), kb8_add(x2, x3));
        v[c] = kb8_add(kb8_add(t, x0), dbl8(x1));
        v[c + 1] = kb8_add(kb8_add(t, x1), dbl8(x2));
        v[c + 2] = kb8_add(kb8_add(t, x2), dbl8(x3));
        v[c + 3] = kb8_add(kb8_add(t, x3), dbl8(x0));
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

T static inline void full8(__m256i v[P2_WIDTH], const kb rc[P2_WIDTH])
{
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = cube8(kb8_add(v[i], _mm256_set1_epi32((int)rc[i])));
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

/* The internal layer: state[i] = total + diag[i] * state[i], with the diagonal
 * [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/8, 1/2^24, -1/2^8, -1/8, -1/16,
 * -1/2^24] applied by additions and shifts instead of multiplications. Every
 * step is an exact field operation on reduced values, so the result equals the
 * multiplications of the scalar code bit for bit. */
T static inline void partial8(__m256i v[P2_WIDTH], kb rc)
{
    v[0] = cube8(kb8_add(v[0], _mm256_set1_epi32((int)rc)));
    /* A balanced sum tree: shorter dependency chains than the scalar left fold,
     * same value because field addition is exact. */
    __m256i s[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        s[i] = kb8_add(v[i], v[i + 8]);
    __m256i t = kb8_add(kb8_add(kb8_add(s[0], s[1]), kb8_add(s[2], s[3])),
                        kb8_add(kb8_add(s[4], s[5]), kb8_add(s[6], s[7])));
    __m256i d4 = dbl8(v[4]);
    v[0] = kb8_sub(t, dbl8(v[0]));
    v[1] = kb8_add(t, v[1]);
    v[2] = kb8_add(t, dbl8(v[2]));
    v[3] = kb8_add(t, half8(v[3]));
    v[4] = kb8_add(t, kb8_add(d4, v[4]));
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
}

T static void permute_block8(kb *states)
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
        full8(v, p2_rc_ext_init[r]);
    for (int r = 0; r < 20; r++)
        partial8(v, p2_rc_int[r]);
    for (int r = 0; r < 4; r++)
        full8(v, p2_rc_ext_final[r]);
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        _mm256_storeu_si256((__m256i *)t[i], v[i]);
    for (int j = 0; j < 8; j++)
        for (int i = 0; i < P2_WIDTH; i++)
            states[P2_WIDTH * j + i] = t[i][j];
}

T void p2_avx2_permute_many(kb *states, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        permute_block8(states + P2_WIDTH * i);
    if (i < n) {
        kb tmp[8 * P2_WIDTH];
        size_t rest = n - i;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, states + P2_WIDTH * i, rest * P2_WIDTH * sizeof(kb));
        permute_block8(tmp);
        memcpy(states + P2_WIDTH * i, tmp, rest * P2_WIDTH * sizeof(kb));
    }
}

#endif
