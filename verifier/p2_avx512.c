/* Poseidon2-16 on 16 states at once with AVX-512: register i holds element i of
 * 16 different states (one state per lane), so every step of the permutation is
 * the scalar step done lane-wise, with the same reductions, and the result is
 * bit-identical to p2_permute. States are transposed in and out in registers. */
#include "verifier/p2.h"

#include <string.h>

#include "verifier/kb_simd.h"

#if defined(__x86_64__)

#define T  KB_TARGET_AVX512
#define TI KB_TARGET_AVX512 __attribute__((always_inline))

/* Odd 32-bit lanes copied down to the even ones, on the shuffle port. */
TI static inline __m512i odd16(__m512i x)
{
    return _mm512_castps_si512(_mm512_movehdup_ps(_mm512_castsi512_ps(x)));
}

/* The high halves of the 64-bit lanes of e in the even lanes and of o in the odd. */
TI static inline __m512i hi16(__m512i e, __m512i o)
{
    return _mm512_castps_si512(
        _mm512_mask_movehdup_ps(_mm512_castsi512_ps(o), 0x5555, _mm512_castsi512_ps(e)));
}

/* Signed Montgomery product: a and b are any int32 with |a b| < 2^31 p, a_o and b_o
 * their odd lanes (odd16), the result a b / 2^32 mod p in (-p, p), not reduced.
 * With t = a b, q = t p^-1 mod 2^32 taken as a signed int32, |q p| <= 2^31 p,
 * so (t - q p) / 2^32 lies in (-p, p), and since the low halves of t and q p are
 * equal it is just hi(t) - hi(q p): no 64-bit subtraction, shift or blend. */
TI static inline __m512i mont16(__m512i a, __m512i a_o, __m512i b, __m512i b_o)
{
    const __m512i p = _mm512_set1_epi32((int)KB_P);
    const __m512i mu = _mm512_set1_epi32((int)KB_MONT_MU);
    __m512i t_e = _mm512_mul_epi32(a, b);
    __m512i t_o = _mm512_mul_epi32(a_o, b_o);
    __m512i qp_e = _mm512_mul_epi32(_mm512_mul_epu32(t_e, mu), p);
    __m512i qp_o = _mm512_mul_epi32(_mm512_mul_epu32(t_o, mu), p);
    return _mm512_sub_epi32(hi16(t_e, t_o), hi16(qp_e, qp_o));
}

/* (x + rc)^3 reduced to [0, p), for x in [0, p) and rcm = rc - p: the sum is in
 * (-p, p) with no correction, its square stays below 2^31 p, and the square's
 * unreduced (-p, p) result times it does too, so only the cube is corrected. */
TI static inline __m512i sbox16(__m512i x, __m512i rcm)
{
    __m512i s = _mm512_add_epi32(x, rcm);
    __m512i s_o = odd16(s);
    __m512i x2 = mont16(s, s_o, s, s_o);
    __m512i x3 = mont16(x2, odd16(x2), s, s_o);
    return _mm512_min_epu32(x3, _mm512_add_epi32(x3, _mm512_set1_epi32((int)KB_P)));
}

TI static inline __m512i dbl16(__m512i x)
{
    return kb16_add(x, x);
}

/* The external layer. Each chunk of 4 gets circ(2, 3, 1, 1) in 11 additions (15
 * when each row is built from t on its own): with t = x0 + x1 + x2 + x3, u = t + x1 and w = t + x3,
 * y0 = u + (x0 + x1), y1 = u + 2 x2, y2 = w + (x2 + x3), y3 = w + 2 x0; then each
 * element gains the sum of its residue class mod 4. */
TI static inline void ext16(__m512i v[P2_WIDTH])
{
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
        __m512i x0 = v[c], x1 = v[c + 1], x2 = v[c + 2], x3 = v[c + 3];
        __m512i s01 = kb16_add(x0, x1), s23 = kb16_add(x2, x3);
        __m512i t = kb16_add(s01, s23);
        __m512i u = kb16_add(t, x1), w = kb16_add(t, x3);
        v[c] = kb16_add(u, s01);
        v[c + 1] = kb16_add(u, dbl16(x2));
        v[c + 2] = kb16_add(w, s23);
        v[c + 3] = kb16_add(w, dbl16(x0));
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

TI static inline void full16(__m512i v[P2_WIDTH], const kb rcm[P2_WIDTH])
{
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = sbox16(v[i], _mm512_set1_epi32((int)rcm[i]));
    ext16(v);
}

/* x / 2: (x + p) / 2 when x is odd, which stays below p. */
TI static inline __m512i half16(__m512i x)
{
    __mmask16 odd = _mm512_test_epi32_mask(x, _mm512_set1_epi32(1));
    return _mm512_mask_add_epi32(_mm512_srli_epi32(x, 1), odd, _mm512_srli_epi32(x, 1),
                                 _mm512_set1_epi32((int)((KB_P + 1) / 2)));
}

/* x * 2^-k for 1 <= k <= 24: with x = hi 2^k + lo, x 2^-k = hi + lo 2^-k and
 * 2^-k = -127 * 2^(24-k) (p = 127 * 2^24 + 1), so the result is
 * hi - lo * 127 * 2^(24-k), where both terms are below p. m holds 127 * 2^(24-k)
 * read from memory (rcm_tab), so the compiler keeps the one vpmulld, on the
 * multiplier that the partial rounds leave idle, instead of turning it into two
 * shifts and a subtraction on the busy ALUs. */
TI static inline __m512i div2k16(__m512i x, int k, __m512i m)
{
    __m512i hi = _mm512_srli_epi32(x, (unsigned)k);
    __m512i lo = _mm512_and_si512(x, _mm512_set1_epi32((1 << k) - 1));
    return kb16_sub(hi, _mm512_mullo_epi32(lo, m));
}

/* v[1] + ... + v[15] as a balanced tree: short dependency chains, and the same
 * value as any order because field addition is exact. */
TI static inline __m512i sum15(const __m512i v[P2_WIDTH])
{
    __m512i a = kb16_add(kb16_add(v[1], v[2]), kb16_add(v[3], v[4]));
    __m512i b = kb16_add(kb16_add(v[5], v[6]), kb16_add(v[7], v[8]));
    __m512i c = kb16_add(kb16_add(v[9], v[10]), kb16_add(v[11], v[12]));
    __m512i d = kb16_add(kb16_add(v[13], v[14]), v[15]);
    return kb16_add(kb16_add(a, b), kb16_add(c, d));
}

/* One partial round. so holds the sum of v[1..15] on entry and on exit, so the
 * S-box output only has to meet it once: total = so + s, and the new v[0] is
 * total - 2 s = so - s. The internal diagonal [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4,
 * 1/2^8, 1/8, 1/2^24, -1/2^8, -1/8, -1/16, -1/2^24] is applied with additions and
 * shifts; every step is an exact field operation, so the result equals the
 * multiplications of the scalar code bit for bit. */
TI static inline void partial16(__m512i v[P2_WIDTH], __m512i *so, __m512i rcm, const __m512i m[4])
{
    __m512i s = sbox16(v[0], rcm);
    __m512i t = kb16_add(*so, s);
    v[0] = kb16_sub(*so, s);
    v[1] = kb16_add(t, v[1]);
    v[2] = kb16_add(t, dbl16(v[2]));
    v[3] = kb16_add(t, half16(v[3]));
    v[4] = kb16_add(t, kb16_add(dbl16(v[4]), v[4]));
    v[5] = kb16_add(t, dbl16(dbl16(v[5])));
    v[6] = kb16_sub(t, half16(v[6]));
    v[7] = kb16_sub(t, kb16_add(dbl16(v[7]), v[7]));
    v[8] = kb16_sub(t, dbl16(dbl16(v[8])));
    v[9] = kb16_add(t, div2k16(v[9], 8, m[0]));
    v[10] = kb16_add(t, div2k16(v[10], 3, m[1]));
    v[11] = kb16_add(t, div2k16(v[11], 24, m[2]));
    v[12] = kb16_sub(t, div2k16(v[12], 8, m[0]));
    v[13] = kb16_sub(t, div2k16(v[13], 3, m[1]));
    v[14] = kb16_sub(t, div2k16(v[14], 4, m[3]));
    v[15] = kb16_sub(t, div2k16(v[15], 24, m[2]));
    *so = sum15(v);
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

/* The round constants minus p, as int32 (see sbox16), and the multipliers
 * 127 * 2^(24-k) of div2k16 for k = 8, 3, 24, 4. */
typedef struct rcm_tab {
    kb init[4][P2_WIDTH], part[20], fin[4][P2_WIDTH];
    kb inv2k[4];
} rcm_tab;

T __attribute__((noinline)) static void permute_block16(kb *states, const rcm_tab *rc)
{
    __m512i v[P2_WIDTH];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        v[i] = _mm512_loadu_si512((const void *)(states + P2_WIDTH * i));
    transpose16(v);
    ext16(v);
    for (int r = 0; r < 4; r++)
        full16(v, rc->init[r]);
    __m512i so = sum15(v);
    __m512i m[4];
    for (int j = 0; j < 4; j++)
        m[j] = _mm512_set1_epi32((int)rc->inv2k[j]);
    for (int r = 0; r < 20; r++)
        partial16(v, &so, _mm512_set1_epi32((int)rc->part[r]), m);
    for (int r = 0; r < 4; r++)
        full16(v, rc->fin[r]);
    transpose16(v);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        _mm512_storeu_si512((void *)(states + P2_WIDTH * i), v[i]);
}

T void p2_avx512_permute_many(kb *states, size_t n)
{
    rcm_tab rc;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < P2_WIDTH; i++) {
            rc.init[r][i] = p2_rc_ext_init[r][i] - KB_P;
            rc.fin[r][i] = p2_rc_ext_final[r][i] - KB_P;
        }
    for (int r = 0; r < 20; r++)
        rc.part[r] = p2_rc_int[r] - KB_P;
    static const int ks[4] = {8, 3, 24, 4};
    for (int j = 0; j < 4; j++)
        rc.inv2k[j] = 127u << (24 - ks[j]);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        permute_block16(states + P2_WIDTH * i, &rc);
    if (i < n) {
        kb tmp[16 * P2_WIDTH];
        size_t rest = n - i;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, states + P2_WIDTH * i, rest * P2_WIDTH * sizeof(kb));
        permute_block16(tmp, &rc);
        memcpy(states + P2_WIDTH * i, tmp, rest * P2_WIDTH * sizeof(kb));
    }
}

#endif
