/* Poseidon2-16 on 8 states at once with AVX2: register i holds element i of 8
 * states (one per lane); each step is the scalar step lane-wise with the same full
 * reductions, so results are bit-identical to p2_permute. */
#include "verifier/p2.h"

#include <pthread.h>
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

/* x * 2^k for x in [0, p) and 1 <= k <= 6, as mul2k16 in p2_avx512.c: with
 * x = hi 2^(31-k) + lo, x 2^k = lo 2^k + hi (2^24 - 1) < 2p, reduced once. */
T static inline __m256i mul2k8(__m256i x, int k)
{
    __m256i lo = _mm256_and_si256(x, _mm256_set1_epi32((1 << (31 - k)) - 1));
    __m256i hi = _mm256_srli_epi32(x, 31 - k);
    __m256i r =
        _mm256_add_epi32(_mm256_slli_epi32(lo, k), _mm256_sub_epi32(_mm256_slli_epi32(hi, 24), hi));
    return _mm256_min_epu32(r, _mm256_sub_epi32(r, _mm256_set1_epi32((int)KB_P)));
}

/* The partial rounds' S-box, as sbox16_lat in p2_avx512.c: y is the S-box input
 * (any int32 of magnitude below p), and the second product's q comes from
 * x2 (y mu mod 2^32), computed beside the squaring, so it is off the chain. */
TI static inline __m256i sbox8_lat(__m256i y)
{
    const __m256i p = _mm256_set1_epi32((int)KB_P);
    __m256i y_o = odd8(y);
    __m256i ymu = _mm256_mullo_epi32(y, _mm256_set1_epi32((int)KB_MONT_MU));
    __m256i x2 = mont8(y, y_o, y, y_o);
    __m256i x2_o = odd8(x2);
    __m256i d_e =
        _mm256_sub_epi32(_mm256_mul_epi32(x2, y), _mm256_mul_epi32(_mm256_mul_epu32(x2, ymu), p));
    __m256i d_o = _mm256_sub_epi32(_mm256_mul_epi32(x2_o, y_o),
                                   _mm256_mul_epi32(_mm256_mul_epu32(x2_o, odd8(ymu)), p));
    __m256i x3 = _mm256_blend_epi32(odd8(d_e), d_o, 0xaa);
    return _mm256_min_epu32(x3, _mm256_add_epi32(x3, p));
}

/* The partial rounds in the pair form of partial16 (p2_avx512.c): six pairs of
 * diagonal entries a and -a (slots i and j) kept as P = x_i + x_j and
 * D = (x_i - x_j) / a, so a round is P' = 2T + a^2 D, D' = P, with a^2 = 1/4, 9,
 * 16, 2^-16, 2^-6, 2^-48, all shifts. */
enum { P2_PAIRS = 6 };
static const int pair_i[P2_PAIRS] = {3, 4, 5, 9, 10, 11};
static const int pair_j[P2_PAIRS] = {6, 7, 8, 12, 13, 15};

TI static inline __m256i mul_a2_8(int k, __m256i d)
{
    switch (k) {
    case 0: return div2k8(d, 2);
    case 1: return kb8_add(mul2k8(d, 3), d);
    case 2: return mul2k8(d, 4);
    case 3: return div2k8(d, 16);
    case 4: return div2k8(d, 6);
    default: return div2k8(div2k8(d, 24), 24);
    }
}

/* The state during the partial rounds: y the next S-box input (x0 + rc, in
 * (-p, p)), so the sum of slots 1..15, u the unpaired slots 1, 2 and 14 (entries
 * 1, 2, -1/16), and the pairs. */
typedef struct pstate8 {
    __m256i y, so, u[3], pp[P2_PAIRS], dd[P2_PAIRS];
} pstate8;

/* One partial round: T = so + s, the new x0 = T - 2s = so - s is carried as the
 * next S-box input (so + rc_next) - s, and so is rebuilt from the new slots.
 * Every step is an exact field operation, so the result equals the scalar code. */
TI static inline void partial8(pstate8 *st, __m256i rc_next)
{
    __m256i a = kb8_add(st->so, rc_next);
    __m256i s = sbox8_lat(st->y);
    __m256i t = kb8_add(st->so, s);
    st->y = _mm256_sub_epi32(a, s);
    __m256i t2 = dbl8(t);
    st->u[0] = kb8_add(t, st->u[0]);
    st->u[1] = kb8_add(kb8_add(t, st->u[1]), st->u[1]);
    st->u[2] = kb8_sub(t, div2k8(st->u[2], 4));
    __m256i acc[3] = {st->u[0], st->u[1], st->u[2]};
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++) {
        __m256i np = kb8_add(t2, mul_a2_8(k, st->dd[k]));
        st->dd[k] = st->pp[k];
        st->pp[k] = np;
        acc[k % 3] = kb8_add(acc[k % 3], np);
    }
    st->so = kb8_add(kb8_add(acc[0], acc[1]), acc[2]);
}

/* The round constants minus p, as int32 (see sbox8), and the pair scalings:
 * D = (x_i - x_j) * to_d[k] on entry to the partial rounds, x_i - x_j =
 * D * from_d[k] on exit (Montgomery form). */
typedef struct rcm_tab8 {
    kb init[4][P2_WIDTH], fin[4][P2_WIDTH];
    kb part0;    /* first partial round constant minus p */
    kb part[20]; /* the next round's constant, canonical; 0 after the last */
    kb to_d[P2_PAIRS], from_d[P2_PAIRS];
} rcm_tab8;

TI static inline void enter_partial8(pstate8 *st, const __m256i v[P2_WIDTH], const rcm_tab8 *rc)
{
    st->y = _mm256_add_epi32(v[0], _mm256_set1_epi32((int)rc->part0));
    st->u[0] = v[1];
    st->u[1] = v[2];
    st->u[2] = v[14];
    st->so = kb8_add(kb8_add(v[1], v[2]), v[14]);
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++) {
        __m256i a = v[pair_i[k]], b = v[pair_j[k]];
        st->pp[k] = kb8_add(a, b);
        st->dd[k] = kb8_mul(kb8_sub(a, b), _mm256_set1_epi32((int)rc->to_d[k]));
        st->so = kb8_add(st->so, st->pp[k]);
    }
}

TI static inline void leave_partial8(__m256i v[P2_WIDTH], const pstate8 *st, const rcm_tab8 *rc)
{
    /* After the last round y = so - s in (-p, p). */
    v[0] = _mm256_min_epu32(st->y, _mm256_add_epi32(st->y, _mm256_set1_epi32((int)KB_P)));
    v[1] = st->u[0];
    v[2] = st->u[1];
    v[14] = st->u[2];
    /* x_i = (P + M) / 2, x_j = (P - M) / 2 */
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++) {
        __m256i mm = kb8_mul(st->dd[k], _mm256_set1_epi32((int)rc->from_d[k]));
        v[pair_i[k]] = half8(kb8_add(st->pp[k], mm));
        v[pair_j[k]] = half8(kb8_sub(st->pp[k], mm));
    }
}

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
    pstate8 st;
    enter_partial8(&st, v, rc);
    for (int r = 0; r < 20; r++)
        partial8(&st, _mm256_set1_epi32((int)rc->part[r]));
    leave_partial8(v, &st, rc);
    for (int r = 0; r < 4; r++)
        full8(v, rc->fin[r]);
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        _mm256_storeu_si256((__m256i *)t[i], v[i]);
    for (int j = 0; j < 8; j++)
        for (int i = 0; i < P2_WIDTH; i++)
            states[P2_WIDTH * j + i] = t[i][j];
}

/* The constants, computed once: building them takes 12 field inversions, as long
 * as the permutations of a small call (Merkle trees hash 32 states per call). */
static rcm_tab8 g_rc;
static pthread_once_t g_rc_once = PTHREAD_ONCE_INIT;

static void rc_init(void)
{
    rcm_tab8 rc;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < P2_WIDTH; i++) {
            rc.init[r][i] = p2_rc_ext_init[r][i] - KB_P;
            rc.fin[r][i] = p2_rc_ext_final[r][i] - KB_P;
        }
    rc.part0 = p2_rc_int[0] - KB_P;
    for (int r = 0; r < 20; r++)
        rc.part[r] = r + 1 < 20 ? p2_rc_int[r + 1] : 0;
    /* a = 1/2, 3, 4, 2^-8, 2^-3, 2^-24 for the pairs, canonical powers 2^e (e < 0
     * for the inverses) or 3. */
    static const int a_pow2[P2_PAIRS] = {-1, 0, 2, -8, -3, -24};
    for (int k = 0; k < P2_PAIRS; k++) {
        kb a = a_pow2[k] == 0 ? kb_from_u32(3)
                              : (a_pow2[k] > 0 ? kb_from_u32(1u << a_pow2[k])
                                               : kb_inv(kb_from_u32(1u << -a_pow2[k])));
        rc.from_d[k] = a;
        rc.to_d[k] = kb_inv(a);
    }
    g_rc = rc;
}

T void p2_avx2_permute_many(kb *states, size_t n)
{
    pthread_once(&g_rc_once, rc_init);
    const rcm_tab8 *rc = &g_rc;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        permute_block8(states + P2_WIDTH * i, rc);
    if (i < n) {
        kb tmp[8 * P2_WIDTH];
        size_t rest = n - i;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, states + P2_WIDTH * i, rest * P2_WIDTH * sizeof(kb));
        permute_block8(tmp, rc);
        memcpy(states + P2_WIDTH * i, tmp, rest * P2_WIDTH * sizeof(kb));
    }
}

#endif
