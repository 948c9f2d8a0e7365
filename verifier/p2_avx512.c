/* Poseidon2-16 on 16 states at once with AVX-512: register i holds element i of
 * 16 different states (one state per lane), so every step of the permutation is
 * the scalar step done lane-wise, with the same reductions, and the result is
 * bit-identical to p2_permute. States are transposed in and out in registers. */
/* GCC's first scheduling pass (off by default on x86) interleaves the
 * independent S-boxes and linear-layer chains, so the out-of-order window sees
 * ready work (about 1.5% here); sched-pressure keeps it from adding spills. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif

#include "verifier/p2.h"

#include <pthread.h>
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

/* The partial rounds' S-box, whose latency is the round's critical path: y is
 * the S-box input (x + rc, any int32 of magnitude below p). The second product's
 * q = x2 y mu comes from x2 (y mu mod 2^32), computed beside the squaring, so it
 * runs beside x2 y instead of after it. */
TI static inline __m512i sbox16_lat(__m512i y)
{
    const __m512i p = _mm512_set1_epi32((int)KB_P);
    __m512i y_o = odd16(y);
    __m512i ymu = _mm512_mullo_epi32(y, _mm512_set1_epi32((int)KB_MONT_MU));
    __m512i ymu_o = odd16(ymu);
    __m512i x2 = mont16(y, y_o, y, y_o);
    __m512i x2_o = odd16(x2);
    __m512i t_e = _mm512_mul_epi32(x2, y), t_o = _mm512_mul_epi32(x2_o, y_o);
    __m512i qp_e = _mm512_mul_epi32(_mm512_mul_epu32(x2, ymu), p);
    __m512i qp_o = _mm512_mul_epi32(_mm512_mul_epu32(x2_o, ymu_o), p);
    __m512i x3 = _mm512_sub_epi32(hi16(t_e, t_o), hi16(qp_e, qp_o));
    return _mm512_min_epu32(x3, _mm512_add_epi32(x3, p));
}

/* [0, 2p) to [0, p). */
TI static inline __m512i red16(__m512i x)
{
    return _mm512_min_epu32(x, _mm512_sub_epi32(x, _mm512_set1_epi32((int)KB_P)));
}

TI static inline __m512i dbl16(__m512i x)
{
    return kb16_add(x, x);
}

/* One chunk of 4 of the external layer: circ(2, 3, 1, 1) in 11 additions (15
 * when each row is built from t on its own): with t = x0 + x1 + x2 + x3, u = t + x1 and
 * w = t + x3, y0 = u + (x0 + x1), y1 = u + 2 x2, y2 = w + (x2 + x3), y3 = w + 2 x0. */
TI static inline void m4_chunk(__m512i *v)
{
    __m512i x0 = v[0], x1 = v[1], x2 = v[2], x3 = v[3];
    __m512i s01 = kb16_add(x0, x1), s23 = kb16_add(x2, x3);
    __m512i t = kb16_add(s01, s23);
    __m512i u = kb16_add(t, x1), w = kb16_add(t, x3);
    v[0] = kb16_add(u, s01);
    v[1] = kb16_add(u, dbl16(x2));
    v[2] = kb16_add(w, s23);
    v[3] = kb16_add(w, dbl16(x0));
}

/* The external layer: each chunk of 4 (m4_chunk), then each element gains the sum
 * of its residue class mod 4. */
TI static inline void ext16(__m512i v[P2_WIDTH])
{
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
        m4_chunk(v + c);
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
 * hi - lo * 127 * 2^(24-k), where both terms are below p for x in [0, p), and
 * for any 32-bit x when k >= 2 (hi < 2^30 < p, lo * 127 * 2^(24-k) < p): the
 * difference lies in (-p, p) and one correction reduces it. m holds 127 * 2^(24-k)
 * read from memory (rcm_tab), so the compiler keeps the one vpmulld, on the
 * multiplier that the partial rounds leave idle, instead of turning it into two
 * shifts and a subtraction on the busy ALUs. */
TI static inline __m512i div2k16(__m512i x, int k, __m512i m)
{
    __m512i hi = _mm512_srli_epi32(x, (unsigned)k);
    __m512i lo = _mm512_and_si512(x, _mm512_set1_epi32((1 << k) - 1));
    return kb16_sub(hi, _mm512_mullo_epi32(lo, m));
}

/* x * 2^k for x in [0, p) and 1 <= k <= 6: with x = hi 2^(31-k) + lo,
 * x 2^k = lo 2^k + hi 2^31 and 2^31 = 2^24 - 1 mod p, so the result is
 * lo 2^k + hi (2^24 - 1) < 2^31 + 2^30 < 2p, reduced once; 7 instructions where
 * k doublings take 3k. Any 32-bit x works for k <= 4 (hi < 2^(k+1), so the sum
 * is below 2^31 + 2^29 < 2p). m holds 2^24 - 1, read from memory like div2k16's. */
TI static inline __m512i mul2k16(__m512i x, int k, __m512i m)
{
    __m512i lo = _mm512_and_si512(x, _mm512_set1_epi32((1 << (31 - k)) - 1));
    __m512i hi = _mm512_srli_epi32(x, (unsigned)(31 - k));
    __m512i r = _mm512_add_epi32(_mm512_slli_epi32(lo, (unsigned)k), _mm512_mullo_epi32(hi, m));
    return _mm512_min_epu32(r, _mm512_sub_epi32(r, _mm512_set1_epi32((int)KB_P)));
}

/* The partial rounds in sum/difference form. Six pairs of diagonal entries are
 * a and -a (slots i and j below): with P = x_i + x_j and M = x_i - x_j, a round
 * maps them to P' = 2T + a M and M' = a P, where T = sum of the whole state after
 * the S-box. Keeping D = M / a instead of M makes that P' = 2T + a^2 D and D' = P:
 * one multiplication by a^2 and one addition per pair instead of two of each, and
 * the next round's sum needs P' only, not both halves. The multipliers a^2
 * (1/4, 9, 16, 2^-16, 2^-6, 2^-48) are all shifts of the kinds below. */
enum { P2_PAIRS = 6 };
static const int pair_i[P2_PAIRS] = {3, 4, 5, 9, 10, 11};
static const int pair_j[P2_PAIRS] = {6, 7, 8, 12, 13, 15};

/* Multipliers read from memory (see div2k16): 127 * 2^(24-k) for k = 2, 16, 6,
 * 24, 4, and 2^24 - 1 for mul2k16. */
enum { M_K2, M_K16, M_K6, M_K24, M_K4, M_2P24M1, M_COUNT };

TI static inline __m512i mul_a2(int k, __m512i d, const __m512i m[M_COUNT])
{
    switch (k) {
    case 0: return div2k16(d, 2, m[M_K2]);
    case 1: return kb16_add(mul2k16(d, 3, m[M_2P24M1]), d);
    case 2: return mul2k16(d, 4, m[M_2P24M1]);
    case 3: return div2k16(d, 16, m[M_K16]);
    case 4: return div2k16(d, 6, m[M_K6]);
    default: return div2k16(div2k16(d, 24, m[M_K24]), 24, m[M_K24]);
    }
}

/* 15 x for x in [0, p): with x = hi 2^27 + lo (hi <= 15), 15 x = 15 lo + hi 15 2^27
 * and 15 2^27 = 2^31 - 2^27 = -(2^27 - 2^24 + 1) mod p (2^31 = 2^24 - 1), so the
 * result is 15 lo - hi (2^27 - 2^24 + 1), where 15 lo <= 15 (2^27 - 1) < p and
 * hi (2^27 - 2^24 + 1) <= 15 * 117440513 < p: one correction. */
TI static inline __m512i mul15_16(__m512i x)
{
    __m512i lo = _mm512_and_si512(x, _mm512_set1_epi32((1 << 27) - 1));
    __m512i hi = _mm512_srli_epi32(x, 27);
    return kb16_sub(_mm512_mullo_epi32(lo, _mm512_set1_epi32(15)),
                    _mm512_mullo_epi32(hi, _mm512_set1_epi32((1 << 27) - (1 << 24) + 1)));
}

/* One partial round on the three unpaired slots (x1, x2, x14: entries 1, 2,
 * -1/16) and the pairs. so holds the sum of slots 1..15 on entry, so the total
 * after the S-box is t = so + s and the new x0 = t - 2 s = so - s, carried as the
 * next S-box input y = a - s with a = so + rc_next computed a round ahead, in
 * (-p, p): one subtraction between two S-boxes.
 *
 * The new sum of slots 1..15 is 15 t + C, with C = x1 + 2 x2 - x14 / 16 +
 * sum_k a^2 D_k (the diagonal part, pairs included: d_i x_i + d_j x_j = a M =
 * a^2 D), which depends only on the state before the S-box: it is summed while
 * the S-box runs, and the chain from one S-box to the sum the next round needs is
 * t, 15 t and one addition instead of the twelve additions through every new
 * slot.
 *
 * pd holds the D of each pair on entry and the new P on exit; the old P is the
 * next round's D, so the caller alternates two arrays (pp, dd) with no copies.
 *
 * Bounds: y in (-p, p); so, a, t, u[] reduced to [0, p); the P are 2 t + a^2 D,
 * a sum of two reduced values, in [0, 2p) < 2^32 and not reduced (except pair 1,
 * whose multiplier 9 needs a reduced input): every multiplier of mul_a2 but 9
 * takes any 32-bit input (see div2k16 and mul2k16) and returns [0, p). Every
 * step is an exact field operation, so the permutation's result equals the
 * scalar code's bit for bit. */
TI static inline void partial16(__m512i *y, __m512i *a, __m512i u[3], __m512i pd[P2_PAIRS],
                                __m512i *so, __m512i rc_next2, const __m512i m[M_COUNT])
{
    __m512i s = sbox16_lat(*y);
    __m512i f[P2_PAIRS];
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++)
        f[k] = mul_a2(k, pd[k], m);
    __m512i e1 = dbl16(u[1]);
    __m512i g2 = div2k16(u[2], 4, m[M_K4]);
    __m512i c = kb16_sub(kb16_add(u[0], e1), g2);
    c = kb16_add(
        c, kb16_add(kb16_add(f[0], f[1]), kb16_add(kb16_add(f[2], f[3]), kb16_add(f[4], f[5]))));
    __m512i t = kb16_add(*so, s);
    *y = _mm512_sub_epi32(*a, s);
    *so = kb16_add(mul15_16(t), c);
    *a = kb16_add(*so, rc_next2);
    __m512i t2 = dbl16(t);
    u[0] = kb16_add(t, u[0]);
    u[1] = kb16_add(t, e1);
    u[2] = kb16_sub(t, g2);
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++)
        pd[k] = k == 1 ? kb16_add(t2, f[k]) : _mm512_add_epi32(t2, f[k]);
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

/* The round constants minus p, as int32 (see sbox16), the multipliers of
 * mul_a2 and the pair scalings: D = (x_i - x_j) * to_d[k] = M / a on entry to the
 * partial rounds, M = D * from_d[k] on exit (Montgomery form). */
typedef struct rcm_tab {
    kb init[4][P2_WIDTH], fin[4][P2_WIDTH];
    kb part0;    /* first partial round constant minus p */
    kb part1;    /* second partial round constant, canonical */
    kb part[20]; /* the constant two rounds on, canonical; 0 past the last */
    kb mul[M_COUNT];
    kb to_d[P2_PAIRS], from_d[P2_PAIRS];
} rcm_tab;

/* The state during the partial rounds (see partial16). */
typedef struct pstate {
    __m512i y, a, so, u[3], pp[P2_PAIRS], dd[P2_PAIRS];
} pstate;

TI static inline void enter_partial(pstate *st, const __m512i v[P2_WIDTH], const rcm_tab *rc)
{
    st->y = _mm512_add_epi32(v[0], _mm512_set1_epi32((int)rc->part0));
    st->u[0] = v[1];
    st->u[1] = v[2];
    st->u[2] = v[14];
    st->so = kb16_add(kb16_add(v[1], v[2]), v[14]);
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++) {
        __m512i a = v[pair_i[k]], b = v[pair_j[k]];
        st->pp[k] = kb16_add(a, b);
        st->dd[k] = kb16_mul(kb16_sub(a, b), _mm512_set1_epi32((int)rc->to_d[k]));
        st->so = kb16_add(st->so, st->pp[k]);
    }
    st->a = kb16_add(st->so, _mm512_set1_epi32((int)rc->part1));
}

TI static inline void leave_partial(__m512i v[P2_WIDTH], const pstate *st, const rcm_tab *rc)
{
    /* After the last round y = so - s in (-p, p). */
    v[0] = _mm512_min_epu32(st->y, _mm512_add_epi32(st->y, _mm512_set1_epi32((int)KB_P)));
    v[1] = st->u[0];
    v[2] = st->u[1];
    v[14] = st->u[2];
    /* x_i = (P + M) / 2, x_j = (P - M) / 2 */
#pragma GCC unroll 6
    for (int k = 0; k < P2_PAIRS; k++) {
        /* pp and dd in [0, 2p) (see partial16): reduced here. */
        __m512i pk = red16(st->pp[k]), dk = red16(st->dd[k]);
        __m512i mm = kb16_mul(dk, _mm512_set1_epi32((int)rc->from_d[k]));
        v[pair_i[k]] = half16(kb16_add(pk, mm));
        v[pair_j[k]] = half16(kb16_sub(pk, mm));
    }
}

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
    pstate st;
    enter_partial(&st, v, rc);
    __m512i m[M_COUNT];
    for (int j = 0; j < M_COUNT; j++)
        m[j] = _mm512_set1_epi32((int)rc->mul[j]);
    for (int r = 0; r < 20; r += 2) {
        partial16(&st.y, &st.a, st.u, st.dd, &st.so, _mm512_set1_epi32((int)rc->part[r]), m);
        partial16(&st.y, &st.a, st.u, st.pp, &st.so, _mm512_set1_epi32((int)rc->part[r + 1]), m);
    }
    leave_partial(v, &st, rc);
    for (int r = 0; r < 4; r++)
        full16(v, rc->fin[r]);
    transpose16(v);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        _mm512_storeu_si512((void *)(states + P2_WIDTH * i), v[i]);
}

/* Blocks of 32 states. A full round is 16 S-boxes, which are bound by the
 * multipliers (12 products and 11 other instructions each), then the external
 * layer, which is bound by the adders (about 216 additions, subtractions and
 * minima, no products): one block's round runs one kind of work after the
 * other, and its external layer cannot start before its last S-box. Two blocks
 * one half-round apart give each step a partner of the other kind: the S-boxes
 * of one block run beside the external layer of the other (sb_ext), so the
 * multipliers and the adders work at once. The states live in memory between
 * steps (restrict: the two blocks never alias), the block whose external layer
 * runs is loaded into registers, the S-boxes read and write memory. */

/* x = sbox(x + rc) for x = X[i]. */
TI static inline void sb_one(__m512i *restrict x, int i, const kb rcm[P2_WIDTH])
{
    x[i] = sbox16(x[i], _mm512_set1_epi32((int)rcm[i]));
}

/* The S-boxes of X (with the round constants minus p in rcm) and the external
 * layer of Y, interleaved in the source so that both kinds are in flight. */
T __attribute__((noinline)) static void sb_ext(__m512i *restrict x, const kb *rcm,
                                               __m512i *restrict y)
{
    __m512i v[P2_WIDTH];
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = y[i];
#pragma GCC unroll 4
    for (int c = 0; c < 16; c += 4) {
        sb_one(x, (c / 4) * 3, rcm);
        sb_one(x, (c / 4) * 3 + 1, rcm);
        sb_one(x, (c / 4) * 3 + 2, rcm);
        m4_chunk(v + c);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        sb_one(x, 12 + i, rcm);
        __m512i sum = kb16_add(kb16_add(v[i], v[i + 4]), kb16_add(v[i + 8], v[i + 12]));
        y[i] = kb16_add(v[i], sum);
        y[i + 4] = kb16_add(v[i + 4], sum);
        y[i + 8] = kb16_add(v[i + 8], sum);
        y[i + 12] = kb16_add(v[i + 12], sum);
    }
}

/* The S-boxes of X alone (the first step of a pipelined pair). */
T __attribute__((noinline)) static void sb_only(__m512i *restrict x, const kb *rcm)
{
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        sb_one(x, i, rcm);
}

/* The external layer of Y alone (the last step of a pipelined pair). */
T __attribute__((noinline)) static void ext_only(__m512i *restrict y)
{
    __m512i v[P2_WIDTH];
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        v[i] = y[i];
    ext16(v);
#pragma GCC unroll 16
    for (int i = 0; i < P2_WIDTH; i++)
        y[i] = v[i];
}

/* Four full rounds (constants rcm[0..3]) of blocks a and b, b half a round
 * behind a. With pre_b, b has yet to get the initial external layer, which then
 * runs beside a's first S-boxes. */
T static void full4_pair(__m512i *restrict a, __m512i *restrict b, const kb rcm[4][P2_WIDTH],
                         int pre_b)
{
    if (pre_b)
        sb_ext(a, rcm[0], b);
    else
        sb_only(a, rcm[0]);
    for (int r = 0; r < 4; r++) {
        sb_ext(b, rcm[r], a);
        if (r + 1 < 4)
            sb_ext(a, rcm[r + 1], b);
    }
    ext_only(b);
}

/* Load and transpose 16 states into buf; with ext, apply the initial external
 * layer too. */
T __attribute__((noinline)) static void load_block(const kb *states, __m512i buf[P2_WIDTH], int ext)
{
    __m512i v[P2_WIDTH];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        v[i] = _mm512_loadu_si512((const void *)(states + P2_WIDTH * i));
    transpose16(v);
    if (ext)
        ext16(v);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        buf[i] = v[i];
}

T __attribute__((noinline)) static void store_block(kb *states, const __m512i buf[P2_WIDTH])
{
    __m512i v[P2_WIDTH];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        v[i] = buf[i];
    transpose16(v);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        _mm512_storeu_si512((void *)(states + P2_WIDTH * i), v[i]);
}

/* The partial rounds of two blocks side by side: one block's round is a chain
 * of about 35 cycles (S-box, then one subtraction to the next S-box input) and
 * about 150 instructions, so on its own the round waits on both; two independent
 * chains fill each other's gaps. The 36 state registers of two blocks do not
 * fit, so the pair values (pp, dd: read once and written once per round) live in
 * memory, where they are loaded as operands: the empty asm tells the compiler
 * that it must keep them there, instead of spilling whatever it chooses. */
T __attribute__((noinline)) static void partial_pair(__m512i va[P2_WIDTH], __m512i vb[P2_WIDTH],
                                                     const rcm_tab *rc)
{
    pstate sa, sb;
    enter_partial(&sa, va, rc);
    enter_partial(&sb, vb, rc);
    __m512i m[M_COUNT];
    for (int j = 0; j < M_COUNT; j++)
        m[j] = _mm512_set1_epi32((int)rc->mul[j]);
    for (int r = 0; r < 20; r += 2) {
        partial16(&sa.y, &sa.a, sa.u, sa.dd, &sa.so, _mm512_set1_epi32((int)rc->part[r]), m);
        partial16(&sb.y, &sb.a, sb.u, sb.dd, &sb.so, _mm512_set1_epi32((int)rc->part[r]), m);
        __asm__ volatile("" : : "m"(sa), "m"(sb) : "memory");
        partial16(&sa.y, &sa.a, sa.u, sa.pp, &sa.so, _mm512_set1_epi32((int)rc->part[r + 1]), m);
        partial16(&sb.y, &sb.a, sb.u, sb.pp, &sb.so, _mm512_set1_epi32((int)rc->part[r + 1]), m);
        __asm__ volatile("" : : "m"(sa), "m"(sb) : "memory");
    }
    leave_partial(va, &sa, rc);
    leave_partial(vb, &sb, rc);
}

T __attribute__((noinline)) static void permute_block32(kb *states, const rcm_tab *rc)
{
    __m512i a[P2_WIDTH], b[P2_WIDTH];
    load_block(states, a, 1);
    load_block(states + 256, b, 0);
    full4_pair(a, b, rc->init, 1);
    partial_pair(a, b, rc);
    full4_pair(a, b, rc->fin, 0);
    store_block(states, a);
    store_block(states + 256, b);
}

/* The constants, computed once: building them takes 12 field inversions
 * (several microseconds), as long as the permutations of a 32-state call
 * (Merkle trees hash 32 states per call). */
static rcm_tab g_rc;
static pthread_once_t g_rc_once = PTHREAD_ONCE_INIT;

static void rc_init(void)
{
    rcm_tab rc;
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < P2_WIDTH; i++) {
            rc.init[r][i] = p2_rc_ext_init[r][i] - KB_P;
            rc.fin[r][i] = p2_rc_ext_final[r][i] - KB_P;
        }
    rc.part0 = p2_rc_int[0] - KB_P;
    for (int r = 0; r < 20; r++)
        rc.part[r] = r + 2 < 20 ? p2_rc_int[r + 2] : 0;
    rc.part1 = p2_rc_int[1];
    static const int ks[M_2P24M1] = {2, 16, 6, 24, 4};
    for (int j = 0; j < M_2P24M1; j++)
        rc.mul[j] = 127u << (24 - ks[j]);
    rc.mul[M_2P24M1] = (1u << 24) - 1;
    /* a = 1/2, 3, 4, 2^-8, 2^-3, 2^-24 for the pairs, in canonical form as the
     * powers 2^e (e < 0 for the inverses) or 3. */
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

T void p2_avx512_permute_many(kb *states, size_t n)
{
    pthread_once(&g_rc_once, rc_init);
    const rcm_tab *rc = &g_rc;
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        permute_block32(states + P2_WIDTH * i, rc);
    for (; i + 16 <= n; i += 16)
        permute_block16(states + P2_WIDTH * i, rc);
    if (i < n) {
        kb tmp[16 * P2_WIDTH];
        size_t rest = n - i;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, states + P2_WIDTH * i, rest * P2_WIDTH * sizeof(kb));
        permute_block16(tmp, rc);
        memcpy(states + P2_WIDTH * i, tmp, rest * P2_WIDTH * sizeof(kb));
    }
}

/* ---- One state in one register (lane i = element i): the permutation's latency,
 * for callers with one state at a time (a chain of hashes, a transcript) ---- */

/* Within each chunk of 4 lanes: lane j takes lane j + 1, resp. j + 2 (mod 4). */
#define ROT1 0x39
#define ROT2 0x4e
/* 128-bit blocks (1, 0, 3, 2) and (2, 3, 0, 1). */
#define SWAP1 0xb1
#define SWAP2 0x4e

/* Every lane gets the sum of the lanes at its place in all four 128-bit blocks (its
 * residue class mod 4; applied to chunk sums, the sum of all 16 lanes). */
TI static inline __m512i class_sum(__m512i y)
{
    __m512i b = kb16_add(y, _mm512_shuffle_i32x4(y, y, SWAP1));
    return kb16_add(b, _mm512_shuffle_i32x4(b, b, SWAP2));
}

/* The external layer: y_j = t + x_j + 2 x_(j+1) in each chunk (t its sum), then
 * each lane gains its residue class's sum. */
TI static inline __m512i ext_one(__m512i x)
{
    __m512i a = kb16_add(x, _mm512_shuffle_epi32(x, ROT2));
    __m512i t = kb16_add(a, _mm512_shuffle_epi32(a, ROT1));
    __m512i y = kb16_add(kb16_add(t, x), dbl16(_mm512_shuffle_epi32(x, ROT1)));
    return kb16_add(y, class_sum(y));
}

TI static inline __m512i full_one(__m512i x, const kb rc[P2_WIDTH])
{
    const __m512i p = _mm512_set1_epi32((int)KB_P);
    __m512i rcm = _mm512_sub_epi32(_mm512_loadu_si512((const void *)rc), p);
    return ext_one(sbox16(x, rcm));
}

/* The sum of lanes 1..15, in every lane. */
TI static inline __m512i rest_sum(__m512i x)
{
    __m512i xz = _mm512_maskz_mov_epi32(0xfffe, x);
    __m512i a = kb16_add(xz, _mm512_shuffle_epi32(xz, ROT2));
    return class_sum(kb16_add(a, _mm512_shuffle_epi32(a, ROT1)));
}

/* The 20 partial rounds (sb[r] gets round r's S-box output). With R the sum of
 * lanes 1..15 and c the S-box output, a round makes lane 0 R + c - 2c = R - c and
 * lane i R + c + d_i x_i, so the next S-box input is (R + rc') - c: one
 * subtraction after the S-box, whose input and output sit in every lane. The next
 * R, 15 (R + c) + sum of d_i x_i (i >= 1), needs one product after the S-box; the
 * diagonal products and their sum, and R + rc', do not wait for it. */
TI static inline void partial_all(__m512i *state, __m512i d, __m512i d_o, kb *sb)
{
    const __m512i p = _mm512_set1_epi32((int)KB_P);
    const __m512i k15 = _mm512_set1_epi32((int)KB_MONT_CONST(15)), k15_o = odd16(k15);
    __m512i x = *state, rest = rest_sum(x);
    __m512i y = _mm512_add_epi32(_mm512_broadcastd_epi32(_mm512_castsi512_si128(x)),
                                 _mm512_set1_epi32((int)(p2_rc_int[0] - KB_P)));
    for (int r = 0; r < 20; r++) {
        __m512i c = sbox16_lat(y); /* the same value in every lane */
        sb[r] = (kb)_mm_cvtsi128_si32(_mm512_castsi512_si128(c));
        __m512i dx = mont16(x, odd16(x), d, d_o);
        dx = _mm512_min_epu32(dx, _mm512_add_epi32(dx, p));
        __m512i total = kb16_add(rest, c);
        x = _mm512_mask_mov_epi32(kb16_add(total, dx), 1, kb16_sub(rest, c));
        if (r + 1 < 20) {
            __m512i rest_rc = kb16_add(rest, _mm512_set1_epi32((int)p2_rc_int[r + 1]));
            y = _mm512_sub_epi32(rest_rc, c);
            __m512i t15 = mont16(total, odd16(total), k15, k15_o);
            t15 = _mm512_min_epu32(t15, _mm512_add_epi32(t15, p));
            rest = kb16_add(t15, rest_sum(dx));
        }
    }
    *state = x;
}

T void p2_avx512_permute_record(kb s[P2_WIDTH], kb *rec)
{
    kb sink[20];
    kb *sb = rec ? rec + 64 : sink;
    __m512i d = _mm512_loadu_si512((const void *)p2_diag), d_o = odd16(d);
    __m512i x = ext_one(_mm512_loadu_si512((const void *)s));
    for (int r = 0; r < 4; r++) {
        x = full_one(x, p2_rc_ext_init[r]);
        if (rec)
            _mm512_storeu_si512((void *)(rec + 16 * r), x);
    }
    partial_all(&x, d, d_o, sb);
    for (int r = 0; r < 4; r++) {
        x = full_one(x, p2_rc_ext_final[r]);
        if (rec && r < 3)
            _mm512_storeu_si512((void *)(rec + 84 + 16 * r), x);
    }
    _mm512_storeu_si512((void *)s, x);
}

#endif
