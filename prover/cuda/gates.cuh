/* The gate constraints of docs/PROOF.md ("Gates") over the base field, for the
 * quotient on the device: verifier/plonk_gates.c's zp_gate_eval_base, ZKC_HD like
 * kb.cuh (C11 and CUDA C++ at once), same constraints, same order, same count, same
 * field operations (so the same bits; tests/prover/test_cuda_quot.c compares them
 * on random rows).
 *
 * A gate hands each constraint to a zkc_gate_sink as soon as it is computed,
 * instead of filling an array of up to 157 values: the quotient multiplies each one
 * by its power of alpha and adds it up (no array in local memory on the device),
 * while the test asks for the values themselves. Both modes run the same code.
 *
 * The layout constants mirror verifier/plonk_gates.h and verifier/plonk.h (the
 * header stays free of verifier/ includes, like kb.cuh and p2.cuh); the test checks
 * that every one of them equals its ZP_ twin.
 */
#ifndef ZKGATE_PROVER_CUDA_GATES_CUH
#define ZKGATE_PROVER_CUDA_GATES_CUH

#include "prover/cuda/kb.cuh"
#include "prover/cuda/p2.cuh"

#define ZKC_WIRES           173 /* ZP_WIRES */
#define ZKC_ROUTED          33  /* ZP_ROUTED */
#define ZKC_CONSTS          4   /* ZP_CONSTS */
#define ZKC_PI_HASH_LEN     8   /* ZP_PI_HASH_LEN */
#define ZKC_NGATES          7   /* ZP_NGATES */
#define ZKC_MAX_CONSTRAINTS 157 /* ZP_MAX_GATE_CONSTRAINTS (Poseidon2) */
#define ZKC_GATE_TERMS      236 /* zp_gate_total_constraints() */

/* Gate types, the values of enum zp_gate_type. */
#define ZKC_GATE_ARITH         0
#define ZKC_GATE_ARITH_EXT     1
#define ZKC_GATE_POSEIDON2     2
#define ZKC_GATE_CONSTANT      3
#define ZKC_GATE_PUBLIC_INPUT  4
#define ZKC_GATE_BITS          5
#define ZKC_GATE_RANDOM_ACCESS 6

#define ZKC_ARITH_OPS     8  /* ZP_ARITH_OPS */
#define ZKC_ARITH_EXT_OPS 2  /* ZP_ARITH_EXT_OPS */
#define ZKC_BITS          30 /* ZP_BITS */
#define ZKC_RA_BITS       4  /* ZP_RA_BITS */

/* Wire offsets (ZP_P2_*, ZP_BITS_*, ZP_RA_*). */
#define ZKC_P2_IN      0
#define ZKC_P2_OUT     16
#define ZKC_P2_SWAP    32
#define ZKC_P2_DELTA   33
#define ZKC_P2_FULL1   41
#define ZKC_P2_PARTIAL 105
#define ZKC_P2_FULL2   125
#define ZKC_BITS_VALUE 0
#define ZKC_BITS_FIRST 1
#define ZKC_RA_INDEX   0
#define ZKC_RA_OUT     1
#define ZKC_RA_VALUES  2
#define ZKC_RA_BIT     33
#define ZKC_RA_LEVEL1  37
#define ZKC_RA_LEVEL2  45
#define ZKC_RA_LEVEL3  49

/* Where a gate's constraints go. With out set, constraint i is stored at out[i];
 * otherwise acc gains alpha^(t0 + i) * constraint_i, with apow[4 i .. 4 i + 4) the
 * power alpha^(t0 + i) (an extension element). i counts the constraints emitted.
 *
 * The sums are lazily reduced (kb.cuh, zkc_acc4): a constraint adds one product of
 * two values < p, below 2^62, to each coefficient's 64-bit sum, and the sums are
 * folded (below 2^57, the same value mod p) after every fourth constraint, so a
 * sum holds at most 2^57 + 4 (p-1)^2 < 2^64 (kb.cuh's bound; a test of i & 3 is
 * also cheaper than i % 3 where a gate's loop is not unrolled). The caller reduces
 * once per gate (zkc4_acc_reduce). */
typedef struct zkc_gate_sink {
    uint32_t *out;        /* NULL: accumulate instead of storing */
    const uint32_t *apow; /* the gate's first power of alpha (accumulating) */
    unsigned i;           /* constraints emitted so far */
    zkc_acc4 acc;         /* sum of apow_i * constraint_i, unreduced (accumulating) */
} zkc_gate_sink;

ZKC_HD void zkc_gate_emit(zkc_gate_sink *k, uint32_t v)
{
    if (k->out) {
        k->out[k->i] = v;
    } else {
        const uint32_t *a = k->apow + 4 * k->i;
        for (int c = 0; c < 4; c++)
            k->acc.c[c] += (uint64_t)a[c] * v;
        if ((k->i & 3) == 3)
            for (int c = 0; c < 4; c++)
                k->acc.c[c] = zkc_fold(k->acc.c[c]);
    }
    k->i++;
}

/* Returns: how many constraints gate `type` has (zp_gate_num_constraints); 0 for
 * ZP_GATE_NOOP or an unknown type. */
ZKC_HD unsigned zkc_gate_num_constraints(unsigned type)
{
    switch (type) {
    case ZKC_GATE_ARITH: return ZKC_ARITH_OPS;
    case ZKC_GATE_ARITH_EXT: return 4 * ZKC_ARITH_EXT_OPS;
    case ZKC_GATE_POSEIDON2: return ZKC_MAX_CONSTRAINTS;
    case ZKC_GATE_CONSTANT: return ZKC_CONSTS;
    case ZKC_GATE_PUBLIC_INPUT: return ZKC_PI_HASH_LEN;
    case ZKC_GATE_BITS: return 1 + ZKC_BITS;
    case ZKC_GATE_RANDOM_ACCESS: return ZKC_RA_BITS + 1 + 8 + 4 + 2 + 1;
    default: return 0;
    }
}

/* Returns: the index of gate `type`'s first constraint among all gates' (the sum
 * of zkc_gate_num_constraints over the types before it), type < ZKC_NGATES. */
ZKC_HD unsigned zkc_gate_first_term(unsigned type)
{
    unsigned t = 0;
    for (unsigned g = 0; g < type; g++)
        t += zkc_gate_num_constraints(g);
    return t;
}

/* 0. ARITH: out - (c_0 a b + c_1 c) for each of the 8 operations. */
ZKC_HD void zkc_gate_arith(const uint32_t *w, const uint32_t *c, zkc_gate_sink *k)
{
    for (int i = 0; i < ZKC_ARITH_OPS; i++) {
        const uint32_t *o = w + 4 * i;
        uint32_t prod = zkc_mul(zkc_mul(c[0], o[0]), o[1]);
        zkc_gate_emit(k, zkc_sub(o[3], zkc_add(prod, zkc_mul(c[1], o[2]))));
    }
}

ZKC_HD zkc_kb4 zkc_load4(const uint32_t *w)
{
    zkc_kb4 r = {{w[0], w[1], w[2], w[3]}};
    return r;
}

/* 1. ARITH_EXT: the 4 coefficients of out - (c_0 a b + c_1 c) in the extension,
 * for each of the 2 operations. */
ZKC_HD void zkc_gate_arith_ext(const uint32_t *w, const uint32_t *c, zkc_gate_sink *k)
{
    for (int i = 0; i < ZKC_ARITH_EXT_OPS; i++) {
        const uint32_t *o = w + 16 * i;
        zkc_kb4 a = zkc_load4(o), b = zkc_load4(o + 4), cc = zkc_load4(o + 8);
        zkc_kb4 res = zkc_load4(o + 12);
        /* c_0 a b + c_1 c as one lazily reduced sum: (c_0 a) b, then c_1 c */
        zkc_acc4 rhs = zkc4_acc_zero();
        zkc4_acc_mul(&rhs, zkc4_mul_base(a, c[0]), b);
        zkc4_acc_mul_base(&rhs, cc, c[1]);
        zkc_kb4 d = zkc4_sub(res, zkc4_acc_reduce(&rhs));
        for (int q = 0; q < 4; q++)
            zkc_gate_emit(k, d.c[q]);
    }
}

/* One full round checked against its stored state: emits stored - round(s), then
 * continues from the stored state (which keeps every constraint at degree 3). */
ZKC_HD void zkc_gate_p2_full(uint32_t s[16], const uint32_t rc[16], const uint32_t *stored,
                             zkc_gate_sink *k)
{
    zkc_p2_full_round(s, rc);
    for (int i = 0; i < 16; i++) {
        zkc_gate_emit(k, zkc_sub(stored[i], s[i]));
        s[i] = stored[i];
    }
}

/* The sum of 16 elements (< p each) added in 64 bits and reduced once: t < 16 p,
 * q = floor(t / 2^31) <= t / p, so r = t - q p >= 0, and r = (t - q 2^31) + q (2^31 -
 * p) < 2^31 + 15 (2^24 - 1) < 2 p: one conditional subtraction. zkc_add's chain's
 * bits (a reduced result is unique). */
ZKC_HD uint32_t zkc_gate_sum16(const uint32_t s[16])
{
    uint64_t t = 0;
    for (int i = 0; i < 16; i++)
        t += s[i];
    uint32_t r = (uint32_t)t - (uint32_t)(t >> 31) * ZKC_P; /* exact: r < 2^32 */
    uint32_t u = r - ZKC_P;
    return u + (ZKC_P & (0u - (u >> 31)));
}

/* 2. POSEIDON2 with the conditional swap: s^2 - s, d_i - s (b_i - a_i), the 4
 * first full rounds, the 20 partial rounds' S-box outputs, the 4 last full rounds
 * (the last against the output wires). 157 constraints. */
ZKC_HD void zkc_gate_p2(const uint32_t *w, const zkc_p2_consts *p2, zkc_gate_sink *k)
{
    uint32_t s[16];
    const uint32_t *a = w + ZKC_P2_IN, *b = a + 8, *d = w + ZKC_P2_DELTA;
    uint32_t sw = w[ZKC_P2_SWAP];
    zkc_gate_emit(k, zkc_sub(zkc_sqr(sw), sw));
    for (int i = 0; i < 8; i++) {
        zkc_gate_emit(k, zkc_sub(d[i], zkc_mul(sw, zkc_sub(b[i], a[i]))));
        s[i] = zkc_add(a[i], d[i]);
        s[8 + i] = zkc_sub(b[i], d[i]);
    }
    zkc_p2_external(s);
    for (int r = 0; r < 4; r++)
        zkc_gate_p2_full(s, p2->ext_init[r], w + ZKC_P2_FULL1 + 16 * r, k);
    for (int j = 0; j < 20; j++) {
        uint32_t x = w[ZKC_P2_PARTIAL + j];
        zkc_gate_emit(k, zkc_sub(x, zkc_p2_cube(zkc_add(s[0], p2->internal[j]))));
        /* the rest of the round is linear once the S-box output is the stored x */
        s[0] = x;
        zkc_p2_internal_diag(s, zkc_gate_sum16(s));
    }
    for (int r = 0; r < 4; r++) {
        const uint32_t *stored = r < 3 ? w + ZKC_P2_FULL2 + 16 * r : w + ZKC_P2_OUT;
        zkc_gate_p2_full(s, p2->ext_final[r], stored, k);
    }
}

/* 5. BITS: value - sum 2^i bit_i, then bit^2 - bit for each bit. */
ZKC_HD void zkc_gate_bits(const uint32_t *w, zkc_gate_sink *k)
{
    const uint32_t *bit = w + ZKC_BITS_FIRST;
    uint32_t acc = 0;
    for (int i = ZKC_BITS - 1; i >= 0; i--)
        acc = zkc_add(zkc_double(acc), bit[i]);
    zkc_gate_emit(k, zkc_sub(w[ZKC_BITS_VALUE], acc));
    for (int i = 0; i < ZKC_BITS; i++)
        zkc_gate_emit(k, zkc_sub(zkc_sqr(bit[i]), bit[i]));
}

/* hi if b = 1, lo if b = 0: lo + b (hi - lo). */
ZKC_HD uint32_t zkc_gate_sel(uint32_t b, uint32_t lo, uint32_t hi)
{
    return zkc_add(lo, zkc_mul(b, zkc_sub(hi, lo)));
}

/* 6. RANDOM_ACCESS: the index bits are bits, they make the index, and the three
 * folding levels and the output select by them. 20 constraints. */
ZKC_HD void zkc_gate_ra(const uint32_t *w, zkc_gate_sink *k)
{
    const uint32_t *b = w + ZKC_RA_BIT, *v = w + ZKC_RA_VALUES;
    const uint32_t *l1 = w + ZKC_RA_LEVEL1, *l2 = w + ZKC_RA_LEVEL2, *l3 = w + ZKC_RA_LEVEL3;
    uint32_t idx = 0;
    for (int i = 0; i < ZKC_RA_BITS; i++)
        zkc_gate_emit(k, zkc_sub(zkc_sqr(b[i]), b[i]));
    for (int i = ZKC_RA_BITS - 1; i >= 0; i--)
        idx = zkc_add(zkc_double(idx), b[i]);
    zkc_gate_emit(k, zkc_sub(w[ZKC_RA_INDEX], idx));
    for (int q = 0; q < 8; q++)
        zkc_gate_emit(k, zkc_sub(l1[q], zkc_gate_sel(b[0], v[2 * q], v[2 * q + 1])));
    for (int q = 0; q < 4; q++)
        zkc_gate_emit(k, zkc_sub(l2[q], zkc_gate_sel(b[1], l1[2 * q], l1[2 * q + 1])));
    for (int q = 0; q < 2; q++)
        zkc_gate_emit(k, zkc_sub(l3[q], zkc_gate_sel(b[2], l2[2 * q], l2[2 * q + 1])));
    zkc_gate_emit(k, zkc_sub(w[ZKC_RA_OUT], zkc_gate_sel(b[3], l3[0], l3[1])));
}

/* Gate `type`'s constraints at one point, without its selector, into k, in the
 * order of docs/PROOF.md (zp_gate_eval_base). w: ZKC_WIRES values, c: ZKC_CONSTS,
 * pi_hash: 8 (PUBLIC_INPUT only), p2: the round constants (POSEIDON2 only). An
 * unknown type or NOOP emits nothing. */
ZKC_HD void zkc_gate_eval(unsigned type, const uint32_t *w, const uint32_t *c,
                          const uint32_t *pi_hash, const zkc_p2_consts *p2, zkc_gate_sink *k)
{
    switch (type) {
    case ZKC_GATE_ARITH: zkc_gate_arith(w, c, k); break;
    case ZKC_GATE_ARITH_EXT: zkc_gate_arith_ext(w, c, k); break;
    case ZKC_GATE_POSEIDON2: zkc_gate_p2(w, p2, k); break;
    case ZKC_GATE_CONSTANT:
        for (int j = 0; j < ZKC_CONSTS; j++)
            zkc_gate_emit(k, zkc_sub(w[j], c[j]));
        break;
    case ZKC_GATE_PUBLIC_INPUT:
        for (int j = 0; j < ZKC_PI_HASH_LEN; j++)
            zkc_gate_emit(k, zkc_sub(w[j], pi_hash[j]));
        break;
    case ZKC_GATE_BITS: zkc_gate_bits(w, k); break;
    case ZKC_GATE_RANDOM_ACCESS: zkc_gate_ra(w, k); break;
    default: break;
    }
}

/* zp_gate_eval_base's form: the constraints into out[0 .. zkc_gate_num_constraints).
 * Returns: how many were written. */
ZKC_HD unsigned zkc_gate_eval_base(unsigned type, const uint32_t *w, const uint32_t *c,
                                   const uint32_t *pi_hash, const zkc_p2_consts *p2, uint32_t *out)
{
    zkc_gate_sink k;
    k.out = out;
    k.apow = 0;
    k.i = 0;
    k.acc = zkc4_acc_zero();
    zkc_gate_eval(type, w, c, pi_hash, p2, &k);
    return k.i;
}

#endif
