/* The constraint identity at zeta as a circuit (prover/recursion_internal.h):
 * verifier/plonk.c's check_identity and verifier/plonk_gates.c's
 * zp_gate_eval_ext, step by step over extension targets.
 *
 * Every step is one ARITH_EXT slot (x y + z, two to a row) except where a base
 * constant only moves coefficient 0 (one ARITH slot). The alpha combination
 * is evaluated per gate by Horner's rule and scaled by the gate's selector and
 * alpha^(its first constraint), which is the same sum as the verifier's running
 * power of alpha with half the products. */
#include <string.h>

#include "prover/gadgets.h"
#include "prover/recursion_internal.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants and internal diagonal */
#include "verifier/p2.h"

typedef struct ectx {
    cb_builder *b;
    cb_ext one, zero, minus_one;
} ectx;

/* Every step below is an ARITH_EXT slot with the coefficients (1, 1), x y + z,
 * constants entering as the y operand, so that any two steps share a row. */
static cb_ext mul_add(const ectx *e, cb_ext x, cb_ext y, cb_ext z)
{
    return cb_ext_arith(e->b, KB_ONE, KB_ONE, x, y, z);
}

static cb_ext kconst(const ectx *e, kb k)
{
    return cb_ext_constant(e->b, kb4_from_base(k));
}

static cb_ext add(const ectx *e, cb_ext x, cb_ext y)
{
    return mul_add(e, x, e->one, y);
}

static cb_ext sub(const ectx *e, cb_ext x, cb_ext y)
{
    return mul_add(e, y, e->minus_one, x);
}

static cb_ext mul(const ectx *e, cb_ext x, cb_ext y)
{
    return mul_add(e, x, y, e->zero);
}

/* x + k y for a base constant k */
static cb_ext add_scaled(const ectx *e, cb_ext x, kb k, cb_ext y)
{
    return mul_add(e, y, kconst(e, k), x);
}

/* x + c for a base constant c: only coefficient 0 moves (one ARITH slot). */
static cb_ext add_base_const(const ectx *e, cb_ext x, kb c)
{
    x.c[0] = cb_add(e->b, x.c[0], cb_constant(e->b, c));
    return x;
}

static cb_ext cube(const ectx *e, cb_ext x)
{
    return mul(e, mul(e, x, x), x);
}

/* x^2 - x (coefficients (1, -1), shared by every such check) */
static cb_ext bool_check(const ectx *e, cb_ext x)
{
    return cb_ext_arith(e->b, KB_ONE, kb_neg(KB_ONE), x, x, x);
}

/* lo + b (hi - lo) */
static cb_ext sel(const ectx *e, cb_ext bit, cb_ext lo, cb_ext hi)
{
    return mul_add(e, bit, sub(e, hi, lo), lo);
}

/* x^k by squaring and multiplying. */
static cb_ext power(const ectx *e, cb_ext x, unsigned k)
{
    cb_ext r = e->one;
    int started = 0;
    for (int i = 31; i >= 0; i--) {
        if (started)
            r = mul(e, r, r);
        if ((k >> i) & 1) {
            r = started ? mul(e, r, x) : x;
            started = 1;
        }
    }
    return r;
}

/* sum_k X^k v_k for four extension values v_k (an extension-valued polynomial's
 * value from its four base columns' values, verifier/plonk.c's combine): X^k moves
 * coefficient j of v_k to j + k, times 3 (X^4 = 3) where it wraps, so coefficient
 * j of the result is a sum of four coefficients with constants 1 or 3. */
static cb_ext combine(const ectx *e, const cb_ext *v)
{
    cb_ext r;
    kb three = kb_from_u32(3);
    for (int j = 0; j < 4; j++) {
        cb_target acc = v[0].c[j];
        for (int k = 1; k < 4; k++) {
            int src = j - k;
            kb f = KB_ONE;
            if (src < 0) {
                src += 4;
                f = three;
            }
            acc = cb_lin(e->b, KB_ONE, acc, f, v[k].c[src]);
        }
        r.c[j] = acc;
    }
    return r;
}

/* ---- the gates at zeta (verifier/plonk_gates.c, extension version) ---- */

static void arith(const ectx *e, const cb_ext *w, const cb_ext *c, cb_ext *out)
{
    for (int i = 0; i < ZP_ARITH_OPS; i++) {
        const cb_ext *o = w + 4 * i;
        cb_ext rhs = mul_add(e, mul(e, c[0], o[0]), o[1], mul(e, c[1], o[2]));
        out[i] = sub(e, o[3], rhs);
    }
}

/* The product in F[X]/(X^4 - 3) of two elements whose coefficients are extension
 * values: lo_k + 3 hi_k. */
static void poly_mul(const ectx *e, cb_ext r[4], const cb_ext *x, const cb_ext *y)
{
    cb_ext lo[4], hi[3];
    int has_lo[4] = {0}, has_hi[3] = {0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            cb_ext *acc = i + j < 4 ? &lo[i + j] : &hi[i + j - 4];
            int *has = i + j < 4 ? &has_lo[i + j] : &has_hi[i + j - 4];
            *acc = *has ? mul_add(e, x[i], y[j], *acc) : mul(e, x[i], y[j]);
            *has = 1;
        }
    for (int k = 0; k < 4; k++)
        r[k] = k < 3 ? add_scaled(e, lo[k], kb_from_u32(3), hi[k]) : lo[k];
}

static void arith_ext(const ectx *e, const cb_ext *w, const cb_ext *c, cb_ext *out)
{
    for (int i = 0; i < ZP_ARITH_EXT_OPS; i++) {
        const cb_ext *o = w + 16 * i;
        cb_ext ab[4];
        poly_mul(e, ab, o, o + 4);
        for (int k = 0; k < 4; k++) {
            cb_ext rhs = mul_add(e, c[1], o[8 + k], mul(e, c[0], ab[k]));
            out[4 * i + k] = sub(e, o[12 + k], rhs);
        }
    }
}

/* Poseidon2's external layer: M4 on each block of four, then each column's sum
 * added to its four entries (p2_external_layer). */
static void ext_layer(const ectx *e, cb_ext s[P2_WIDTH])
{
    kb two = kb_from_u32(2);
    for (int c = 0; c < P2_WIDTH; c += 4) {
        cb_ext x0 = s[c], x1 = s[c + 1], x2 = s[c + 2], x3 = s[c + 3];
        cb_ext t = add(e, add(e, x0, x1), add(e, x2, x3));
        s[c] = add_scaled(e, add(e, t, x0), two, x1);
        s[c + 1] = add_scaled(e, add(e, t, x1), two, x2);
        s[c + 2] = add_scaled(e, add(e, t, x2), two, x3);
        s[c + 3] = add_scaled(e, add(e, t, x3), two, x0);
    }
    for (int i = 0; i < 4; i++) {
        cb_ext sum = add(e, add(e, s[i], s[i + 4]), add(e, s[i + 8], s[i + 12]));
        for (int k = 0; k < 16; k += 4)
            s[i + k] = add(e, s[i + k], sum);
    }
}

static void full_round(const ectx *e, cb_ext s[P2_WIDTH], const kb rc[P2_WIDTH],
                       const cb_ext *stored, cb_ext *out)
{
    for (int i = 0; i < P2_WIDTH; i++)
        s[i] = cube(e, add_base_const(e, s[i], rc[i]));
    ext_layer(e, s);
    for (int i = 0; i < P2_WIDTH; i++) {
        out[i] = sub(e, stored[i], s[i]);
        s[i] = stored[i];
    }
}

static void poseidon2(const ectx *e, const cb_ext *w, cb_ext *out)
{
    cb_ext s[P2_WIDTH];
    const cb_ext *a = w + ZP_P2_IN, *bb = a + P2_WIDTH / 2, *d = w + ZP_P2_DELTA;
    cb_ext sw = w[ZP_P2_SWAP];
    *out++ = bool_check(e, sw);
    for (int i = 0; i < P2_WIDTH / 2; i++) {
        /* d - sw (b - a) */
        *out++ = mul_add(e, sw, sub(e, a[i], bb[i]), d[i]); /* d - sw (b - a) */
        s[i] = add(e, a[i], d[i]);
        s[P2_WIDTH / 2 + i] = sub(e, bb[i], d[i]);
    }
    ext_layer(e, s);
    for (int r = 0; r < 4; r++, out += P2_WIDTH)
        full_round(e, s, p2_rc_ext_init[r], w + ZP_P2_FULL1 + P2_WIDTH * r, out);
    for (int j = 0; j < 20; j++) {
        cb_ext x = w[ZP_P2_PARTIAL + j];
        *out++ = sub(e, x, cube(e, add_base_const(e, s[0], p2_rc_int[j])));
        s[0] = x;
        cb_ext total = s[0];
        for (int i = 1; i < P2_WIDTH; i++)
            total = add(e, total, s[i]);
        for (int i = 0; i < P2_WIDTH; i++)
            s[i] = add_scaled(e, total, p2_diag[i], s[i]);
    }
    for (int r = 0; r < 4; r++, out += P2_WIDTH) {
        const cb_ext *stored = r < 3 ? w + ZP_P2_FULL2 + P2_WIDTH * r : w + ZP_P2_OUT;
        full_round(e, s, p2_rc_ext_final[r], stored, out);
    }
}

static void bits(const ectx *e, const cb_ext *w, cb_ext *out)
{
    const cb_ext *bit = w + ZP_BITS_FIRST;
    cb_ext acc = bit[ZP_BITS - 1];
    for (int i = ZP_BITS - 1; i-- > 0;)
        acc = add_scaled(e, bit[i], kb_from_u32(2), acc);
    out[0] = sub(e, w[ZP_BITS_VALUE], acc);
    for (int i = 0; i < ZP_BITS; i++)
        out[1 + i] = bool_check(e, bit[i]);
}

static void random_access(const ectx *e, const cb_ext *w, cb_ext *out)
{
    const cb_ext *bit = w + ZP_RA_BIT_WIRE, *v = w + ZP_RA_VALUES;
    const cb_ext *l1 = w + ZP_RA_LEVEL1, *l2 = w + ZP_RA_LEVEL2, *l3 = w + ZP_RA_LEVEL3;
    for (int i = 0; i < ZP_RA_BITS; i++)
        out[i] = bool_check(e, bit[i]);
    cb_ext idx = bit[ZP_RA_BITS - 1];
    for (int i = ZP_RA_BITS - 1; i-- > 0;)
        idx = add_scaled(e, bit[i], kb_from_u32(2), idx);
    out[4] = sub(e, w[ZP_RA_INDEX], idx);
    for (int k = 0; k < 8; k++)
        out[5 + k] = sub(e, l1[k], sel(e, bit[0], v[2 * k], v[2 * k + 1]));
    for (int k = 0; k < 4; k++)
        out[13 + k] = sub(e, l2[k], sel(e, bit[1], l1[2 * k], l1[2 * k + 1]));
    for (int k = 0; k < 2; k++)
        out[17 + k] = sub(e, l3[k], sel(e, bit[2], l2[2 * k], l2[2 * k + 1]));
    out[19] = sub(e, w[ZP_RA_OUT], sel(e, bit[3], l3[0], l3[1]));
}

static void gate(const ectx *e, unsigned type, const cb_ext *w, const cb_ext *c,
                 const cb_target *pi_hash, cb_ext *out)
{
    switch (type) {
    case ZP_GATE_ARITH: arith(e, w, c, out); break;
    case ZP_GATE_ARITH_EXT: arith_ext(e, w, c, out); break;
    case ZP_GATE_POSEIDON2: poseidon2(e, w, out); break;
    case ZP_GATE_CONSTANT:
        for (int j = 0; j < ZP_CONSTS; j++)
            out[j] = sub(e, w[j], c[j]);
        break;
    case ZP_GATE_PUBLIC_INPUT:
        for (int j = 0; j < ZP_PI_HASH_LEN; j++) {
            out[j] = w[j];
            out[j].c[0] = cb_sub(e->b, w[j].c[0], pi_hash[j]);
        }
        break;
    case ZP_GATE_BITS: bits(e, w, out); break;
    case ZP_GATE_RANDOM_ACCESS: random_access(e, w, out); break;
    default: break;
    }
}

void rv_identity(cb_builder *b, const zp_vk *inner, const cb_ext *open, const cb_target *pi_hash,
                 cb_ext alpha, cb_ext beta, cb_ext gamma, cb_ext zeta)
{
    if (cb_error(b))
        return;
    ectx e = {.b = b,
              .one = cb_ext_constant(b, kb4_one()),
              .zero = cb_ext_constant(b, kb4_zero()),
              .minus_one = cb_ext_constant(b, kb4_from_base(kb_neg(KB_ONE)))};
    const cb_ext *pre = open, *w = open + ZP_NUM_PREPROCESSED;
    const cb_ext *perm = w + ZP_WIRES, *q = perm + ZP_NUM_PERM_COLS;
    const cb_ext *znext = open + ZP_NUM_OPENINGS;

    /* sum over the gates of selector * alpha^(first) * sum_i alpha^i cons_i */
    cb_ext cons[ZP_MAX_GATE_CONSTRAINTS], acc = e.zero;
    unsigned first = 0;
    for (unsigned g = 0; g < ZP_NGATES; g++) {
        unsigned m = zp_gate_num_constraints(g);
        gate(&e, g, w, pre + ZP_NUM_SELECTORS, pi_hash, cons);
        cb_ext h = cons[m - 1];
        for (unsigned i = m - 1; i-- > 0;)
            h = mul_add(&e, h, alpha, cons[i]);
        cb_ext weight = first ? mul(&e, pre[g], power(&e, alpha, first)) : pre[g];
        acc = mul_add(&e, weight, h, acc);
        first += m;
    }

    /* Z_H(zeta) = zeta^n - 1, non-zero; L_0(zeta) = Z_H(zeta) / (n (zeta - 1)) */
    cb_ext zn = gd_ext_pow2(b, zeta, inner->log_n);
    cb_ext zh = add_base_const(&e, zn, kb_neg(KB_ONE));
    (void)gd_ext_inverse(b, zh);
    kb nn = kb_from_u64((uint64_t)1 << inner->log_n);
    cb_ext den = cb_ext_arith(b, nn, kb_neg(nn), zeta, e.one, e.one);
    cb_ext l0 = mul(&e, zh, gd_ext_inverse(b, den));
    cb_ext apow = power(&e, alpha, first);
    cb_ext z = combine(&e, perm);
    acc = mul_add(&e, apow, mul(&e, l0, add_base_const(&e, z, kb_neg(KB_ONE))), acc);
    apow = mul(&e, apow, alpha);

    /* the permutation argument's chunks: k runs over g^i for routed column i */
    kb g = kb_from_canonical(KB_GENERATOR), k = KB_ONE;
    const cb_ext *sig = pre + ZP_NUM_SELECTORS + ZP_CONSTS;
    cb_ext bz = mul(&e, beta, zeta);
    for (unsigned ch = 0; ch < ZP_PERM_CHUNKS; ch++) {
        cb_ext nu = e.one, de = e.one;
        int started = 0;
        for (unsigned i = ZP_PERM_CHUNK * ch; i < ZP_PERM_CHUNK * (ch + 1) && i < ZP_ROUTED; i++) {
            cb_ext base = add(&e, gamma, w[i]);
            cb_ext tn = add_scaled(&e, base, k, bz);
            cb_ext td = mul_add(&e, beta, sig[i], base);
            nu = started ? mul(&e, nu, tn) : tn;
            de = started ? mul(&e, de, td) : td;
            started = 1;
            k = kb_mul(k, g);
        }
        cb_ext cur = combine(&e, perm + 4 * ch);
        cb_ext nxt =
            ch + 1 < ZP_PERM_CHUNKS ? combine(&e, perm + 4 * (ch + 1)) : combine(&e, znext);
        cb_ext diff = sub(&e, mul(&e, nxt, de), mul(&e, cur, nu));
        acc = mul_add(&e, apow, diff, acc);
        if (ch + 1 < ZP_PERM_CHUNKS)
            apow = mul(&e, apow, alpha);
    }

    /* the quotient's value: q0 + zeta^n q1 + zeta^2n q2 */
    cb_ext qz = mul_add(&e, combine(&e, q + 8), zn, combine(&e, q + 4));
    qz = mul_add(&e, qz, zn, combine(&e, q));
    cb_ext rhs = mul(&e, zh, qz);
    for (int c = 0; c < 4; c++)
        cb_connect(b, acc.c[c], rhs.c[c]);
}
