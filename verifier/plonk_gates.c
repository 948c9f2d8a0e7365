/* Gate constraints (docs/PROOF.md, "Gates"), over the base field for the prover's
 * quotient and over the extension for the verifier's check at zeta.
 *
 * The two evaluators are written out separately rather than generated from one
 * template: the base one is the prover's inner loop and stays branch-free and
 * allocation-free with the Poseidon2 linear layers done by additions, while the
 * extension one is read by auditors and runs once per proof. The tests check that
 * they agree. */
#include "verifier/plonk_gates.h"

#include <string.h>

#include "verifier/kb_simd.h" /* the Poseidon2 round constants and internal diagonal */
#include "verifier/p2.h"

#define N_ARITH     ZP_ARITH_OPS
#define N_ARITH_EXT (KB4_DEGREE * ZP_ARITH_EXT_OPS)
#define N_P2_SWAP   (1 + P2_WIDTH / 2)
#define N_P2        (N_P2_SWAP + 4 * P2_WIDTH + 20 + 4 * P2_WIDTH)
#define N_CONST     ZP_CONSTS
#define N_PI        ZP_PI_HASH_LEN
#define N_BITS      (1 + ZP_BITS)
#define N_RA        (ZP_RA_BITS + 1 + 8 + 4 + 2 + 1)

_Static_assert(N_P2 == ZP_MAX_GATE_CONSTRAINTS, "Poseidon2 is the largest gate");
_Static_assert(ZP_P2_FULL2 + 3 * P2_WIDTH == ZP_WIRES, "Poseidon2 advice fills the row");
_Static_assert(ZP_P2_SWAP < ZP_ROUTED && ZP_P2_DELTA == ZP_ROUTED, "only the swap bit is routed");
_Static_assert(ZP_P2_FULL1 == ZP_P2_DELTA + P2_WIDTH / 2, "Poseidon2 advice is contiguous");
_Static_assert(ZP_P2_PARTIAL == ZP_P2_FULL1 + 4 * P2_WIDTH, "Poseidon2 advice is contiguous");
_Static_assert(ZP_P2_FULL2 == ZP_P2_PARTIAL + 20, "Poseidon2 advice is contiguous");
_Static_assert(ZP_RA_BIT_WIRE >= ZP_ROUTED && ZP_RA_LEVEL3 + 2 <= ZP_WIRES,
               "random access advice is unrouted and fits the row");

static const unsigned k_num_constraints[ZP_NGATES] = {
    [ZP_GATE_ARITH] = N_ARITH,      [ZP_GATE_ARITH_EXT] = N_ARITH_EXT, [ZP_GATE_POSEIDON2] = N_P2,
    [ZP_GATE_CONSTANT] = N_CONST,   [ZP_GATE_PUBLIC_INPUT] = N_PI,     [ZP_GATE_BITS] = N_BITS,
    [ZP_GATE_RANDOM_ACCESS] = N_RA,
};

static const char *const k_names[ZP_NGATES + 1] = {
    [ZP_GATE_ARITH] = "arith",
    [ZP_GATE_ARITH_EXT] = "arith_ext",
    [ZP_GATE_POSEIDON2] = "poseidon2",
    [ZP_GATE_CONSTANT] = "constant",
    [ZP_GATE_PUBLIC_INPUT] = "public_input",
    [ZP_GATE_BITS] = "bits",
    [ZP_GATE_RANDOM_ACCESS] = "random_access",
    [ZP_GATE_NOOP] = "noop",
};

unsigned zp_gate_num_constraints(unsigned type)
{
    return type < ZP_NGATES ? k_num_constraints[type] : 0;
}

unsigned zp_gate_total_constraints(void)
{
    unsigned t = 0;
    for (unsigned k = 0; k < ZP_NGATES; k++)
        t += k_num_constraints[k];
    return t;
}

const char *zp_gate_name(unsigned type)
{
    return type <= ZP_GATE_NOOP ? k_names[type] : "unknown";
}

/* ---- base field ---------------------------------------------------------------- */

static inline kb cube(kb x)
{
    return kb_mul(kb_sqr(x), x);
}

/* Writes stored - round(s) for one full round and continues from the stored state,
 * which is what makes every constraint degree 3 instead of a tower of cubes. */
static inline void full_round_check(kb s[P2_WIDTH], const kb rc[P2_WIDTH], const kb *stored,
                                    kb *out)
{
    for (int i = 0; i < P2_WIDTH; i++)
        s[i] = cube(kb_add(s[i], rc[i]));
    p2_external_layer(s);
    for (int i = 0; i < P2_WIDTH; i++)
        out[i] = kb_sub(stored[i], s[i]);
    memcpy(s, stored, P2_WIDTH * sizeof(kb));
}

/* The swap constraints, and the permutation's input (a + delta, b - delta): with
 * delta = s (b - a) stored as advice, the input stays linear in the wires, so the
 * first round's S-box keeps the constraints at degree 3. */
static void p2_swap_base(const kb *w, kb s[P2_WIDTH], kb *out)
{
    const kb *a = w + ZP_P2_IN, *b = a + P2_WIDTH / 2, *d = w + ZP_P2_DELTA;
    kb sw = w[ZP_P2_SWAP];
    out[0] = kb_sub(kb_sqr(sw), sw);
    for (int i = 0; i < P2_WIDTH / 2; i++) {
        out[1 + i] = kb_sub(d[i], kb_mul(sw, kb_sub(b[i], a[i])));
        s[i] = kb_add(a[i], d[i]);
        s[P2_WIDTH / 2 + i] = kb_sub(b[i], d[i]);
    }
}

static void p2_base(const kb *w, kb *out)
{
    kb s[P2_WIDTH];
    p2_swap_base(w, s, out);
    out += N_P2_SWAP;
    p2_external_layer(s);
    for (int r = 0; r < 4; r++, out += P2_WIDTH)
        full_round_check(s, p2_rc_ext_init[r], w + ZP_P2_FULL1 + P2_WIDTH * r, out);
    for (int j = 0; j < 20; j++) {
        kb x = w[ZP_P2_PARTIAL + j];
        *out++ = kb_sub(x, cube(kb_add(s[0], p2_rc_int[j])));
        /* The rest of the round is linear once the S-box output is the stored x. */
        s[0] = x;
        kb total = s[0];
        for (int i = 1; i < P2_WIDTH; i++)
            total = kb_add(total, s[i]);
        for (int i = 0; i < P2_WIDTH; i++)
            s[i] = kb_add(total, kb_mul(p2_diag[i], s[i]));
    }
    for (int r = 0; r < 4; r++, out += P2_WIDTH) {
        const kb *stored = r < 3 ? w + ZP_P2_FULL2 + P2_WIDTH * r : w + ZP_P2_OUT;
        full_round_check(s, p2_rc_ext_final[r], stored, out);
    }
}

static void arith_base(const kb *w, const kb *c, kb *out)
{
    for (int i = 0; i < ZP_ARITH_OPS; i++) {
        const kb *o = w + 4 * i;
        kb prod = kb_mul(kb_mul(c[0], o[0]), o[1]);
        out[i] = kb_sub(o[3], kb_add(prod, kb_mul(c[1], o[2])));
    }
}

static kb4 load4(const kb *w)
{
    return (kb4){{w[0], w[1], w[2], w[3]}};
}

static void arith_ext_base(const kb *w, const kb *c, kb *out)
{
    for (int i = 0; i < ZP_ARITH_EXT_OPS; i++) {
        const kb *o = w + 16 * i;
        kb4 a = load4(o), b = load4(o + 4), cc = load4(o + 8), res = load4(o + 12);
        kb4 rhs = kb4_add(kb4_mul_base(kb4_mul(a, b), c[0]), kb4_mul_base(cc, c[1]));
        kb4 d = kb4_sub(res, rhs);
        memcpy(out + 4 * i, d.c, sizeof d.c);
    }
}

static void bits_base(const kb *w, kb *out)
{
    const kb *bit = w + ZP_BITS_FIRST;
    kb acc = KB_ZERO;
    for (int i = ZP_BITS - 1; i >= 0; i--)
        acc = kb_add(kb_double(acc), bit[i]);
    out[0] = kb_sub(w[ZP_BITS_VALUE], acc);
    for (int i = 0; i < ZP_BITS; i++)
        out[1 + i] = kb_sub(kb_sqr(bit[i]), bit[i]);
}

/* hi if b = 1, lo if b = 0: lo + b (hi - lo). */
static inline kb sel(kb b, kb lo, kb hi)
{
    return kb_add(lo, kb_mul(b, kb_sub(hi, lo)));
}

static void ra_base(const kb *w, kb *out)
{
    const kb *b = w + ZP_RA_BIT_WIRE, *v = w + ZP_RA_VALUES;
    const kb *l1 = w + ZP_RA_LEVEL1, *l2 = w + ZP_RA_LEVEL2, *l3 = w + ZP_RA_LEVEL3;
    kb idx = KB_ZERO;
    for (int i = 0; i < ZP_RA_BITS; i++)
        out[i] = kb_sub(kb_sqr(b[i]), b[i]);
    for (int i = ZP_RA_BITS - 1; i >= 0; i--)
        idx = kb_add(kb_double(idx), b[i]);
    out[4] = kb_sub(w[ZP_RA_INDEX], idx);
    for (int k = 0; k < 8; k++)
        out[5 + k] = kb_sub(l1[k], sel(b[0], v[2 * k], v[2 * k + 1]));
    for (int k = 0; k < 4; k++)
        out[13 + k] = kb_sub(l2[k], sel(b[1], l1[2 * k], l1[2 * k + 1]));
    for (int k = 0; k < 2; k++)
        out[17 + k] = kb_sub(l3[k], sel(b[2], l2[2 * k], l2[2 * k + 1]));
    out[19] = kb_sub(w[ZP_RA_OUT], sel(b[3], l3[0], l3[1]));
}

void zp_gate_eval_base(unsigned type, const kb *w, const kb *c, const kb *pi_hash, kb *out)
{
    switch (type) {
    case ZP_GATE_ARITH: arith_base(w, c, out); break;
    case ZP_GATE_ARITH_EXT: arith_ext_base(w, c, out); break;
    case ZP_GATE_POSEIDON2: p2_base(w, out); break;
    case ZP_GATE_CONSTANT:
        for (int j = 0; j < ZP_CONSTS; j++)
            out[j] = kb_sub(w[j], c[j]);
        break;
    case ZP_GATE_PUBLIC_INPUT:
        for (int j = 0; j < ZP_PI_HASH_LEN; j++)
            out[j] = kb_sub(w[j], pi_hash[j]);
        break;
    case ZP_GATE_BITS: bits_base(w, out); break;
    case ZP_GATE_RANDOM_ACCESS: ra_base(w, out); break;
    default: break;
    }
}

/* ---- extension field ------------------------------------------------------------
 * Each wire's value at zeta is an extension element; the gates' formulas are the
 * same polynomials with base-field coefficients. */

static kb4 cube4(kb4 x)
{
    return kb4_mul(kb4_sqr(x), x);
}

static kb4 double4(kb4 x)
{
    return kb4_add(x, x);
}

static void ext_layer4(kb4 s[P2_WIDTH])
{
    for (int c = 0; c < P2_WIDTH; c += 4) {
        kb4 x0 = s[c], x1 = s[c + 1], x2 = s[c + 2], x3 = s[c + 3];
        kb4 t = kb4_add(kb4_add(x0, x1), kb4_add(x2, x3));
        s[c] = kb4_add(kb4_add(t, x0), double4(x1));
        s[c + 1] = kb4_add(kb4_add(t, x1), double4(x2));
        s[c + 2] = kb4_add(kb4_add(t, x2), double4(x3));
        s[c + 3] = kb4_add(kb4_add(t, x3), double4(x0));
    }
    for (int i = 0; i < 4; i++) {
        kb4 sum = kb4_add(kb4_add(s[i], s[i + 4]), kb4_add(s[i + 8], s[i + 12]));
        for (int k = 0; k < 16; k += 4)
            s[i + k] = kb4_add(s[i + k], sum);
    }
}

static void full_round_check4(kb4 s[P2_WIDTH], const kb rc[P2_WIDTH], const kb4 *stored, kb4 *out)
{
    for (int i = 0; i < P2_WIDTH; i++)
        s[i] = cube4(kb4_add(s[i], kb4_from_base(rc[i])));
    ext_layer4(s);
    for (int i = 0; i < P2_WIDTH; i++) {
        out[i] = kb4_sub(stored[i], s[i]);
        s[i] = stored[i];
    }
}

static void p2_ext(const kb4 *w, kb4 *out)
{
    kb4 s[P2_WIDTH];
    const kb4 *a = w + ZP_P2_IN, *b = a + P2_WIDTH / 2, *d = w + ZP_P2_DELTA;
    kb4 sw = w[ZP_P2_SWAP];
    *out++ = kb4_sub(kb4_sqr(sw), sw);
    for (int i = 0; i < P2_WIDTH / 2; i++) {
        *out++ = kb4_sub(d[i], kb4_mul(sw, kb4_sub(b[i], a[i])));
        s[i] = kb4_add(a[i], d[i]);
        s[P2_WIDTH / 2 + i] = kb4_sub(b[i], d[i]);
    }
    ext_layer4(s);
    for (int r = 0; r < 4; r++, out += P2_WIDTH)
        full_round_check4(s, p2_rc_ext_init[r], w + ZP_P2_FULL1 + P2_WIDTH * r, out);
    for (int j = 0; j < 20; j++) {
        kb4 x = w[ZP_P2_PARTIAL + j];
        *out++ = kb4_sub(x, cube4(kb4_add(s[0], kb4_from_base(p2_rc_int[j]))));
        s[0] = x;
        kb4 total = s[0];
        for (int i = 1; i < P2_WIDTH; i++)
            total = kb4_add(total, s[i]);
        for (int i = 0; i < P2_WIDTH; i++)
            s[i] = kb4_add(total, kb4_mul_base(s[i], p2_diag[i]));
    }
    for (int r = 0; r < 4; r++, out += P2_WIDTH) {
        const kb4 *stored = r < 3 ? w + ZP_P2_FULL2 + P2_WIDTH * r : w + ZP_P2_OUT;
        full_round_check4(s, p2_rc_ext_final[r], stored, out);
    }
}

static void arith_ext4(const kb4 *w, const kb4 *c, kb4 *out)
{
    for (int i = 0; i < ZP_ARITH_OPS; i++) {
        const kb4 *o = w + 4 * i;
        kb4 prod = kb4_mul(kb4_mul(c[0], o[0]), o[1]);
        out[i] = kb4_sub(o[3], kb4_add(prod, kb4_mul(c[1], o[2])));
    }
}

/* The product in F[X]/(X^4 - 3) of two elements whose four coefficients are
 * themselves extension values (each wire's opening at zeta): the same schoolbook
 * product as kb4_mul, with coefficients in the extension instead of the base. */
static void ext_poly_mul(kb4 r[4], const kb4 x[4], const kb4 y[4])
{
    kb4 lo[4], hi[3];
    for (int k = 0; k < 4; k++)
        lo[k] = kb4_zero();
    for (int k = 0; k < 3; k++)
        hi[k] = kb4_zero();
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            kb4 t = kb4_mul(x[i], y[j]);
            if (i + j < 4)
                lo[i + j] = kb4_add(lo[i + j], t);
            else
                hi[i + j - 4] = kb4_add(hi[i + j - 4], t);
        }
    for (int k = 0; k < 4; k++)
        r[k] = k < 3 ? kb4_add(lo[k], kb4_add(hi[k], double4(hi[k]))) : lo[k];
}

static void arith_ext_ext(const kb4 *w, const kb4 *c, kb4 *out)
{
    for (int i = 0; i < ZP_ARITH_EXT_OPS; i++) {
        const kb4 *o = w + 16 * i;
        kb4 ab[4];
        ext_poly_mul(ab, o, o + 4);
        for (int k = 0; k < 4; k++) {
            kb4 rhs = kb4_add(kb4_mul(c[0], ab[k]), kb4_mul(c[1], o[8 + k]));
            out[4 * i + k] = kb4_sub(o[12 + k], rhs);
        }
    }
}

static void bits_ext(const kb4 *w, kb4 *out)
{
    const kb4 *bit = w + ZP_BITS_FIRST;
    kb4 acc = kb4_zero();
    for (int i = ZP_BITS - 1; i >= 0; i--)
        acc = kb4_add(double4(acc), bit[i]);
    out[0] = kb4_sub(w[ZP_BITS_VALUE], acc);
    for (int i = 0; i < ZP_BITS; i++)
        out[1 + i] = kb4_sub(kb4_sqr(bit[i]), bit[i]);
}

static kb4 sel4(kb4 b, kb4 lo, kb4 hi)
{
    return kb4_add(lo, kb4_mul(b, kb4_sub(hi, lo)));
}

static void ra_ext(const kb4 *w, kb4 *out)
{
    const kb4 *b = w + ZP_RA_BIT_WIRE, *v = w + ZP_RA_VALUES;
    const kb4 *l1 = w + ZP_RA_LEVEL1, *l2 = w + ZP_RA_LEVEL2, *l3 = w + ZP_RA_LEVEL3;
    kb4 idx = kb4_zero();
    for (int i = 0; i < ZP_RA_BITS; i++)
        out[i] = kb4_sub(kb4_sqr(b[i]), b[i]);
    for (int i = ZP_RA_BITS - 1; i >= 0; i--)
        idx = kb4_add(double4(idx), b[i]);
    out[4] = kb4_sub(w[ZP_RA_INDEX], idx);
    for (int k = 0; k < 8; k++)
        out[5 + k] = kb4_sub(l1[k], sel4(b[0], v[2 * k], v[2 * k + 1]));
    for (int k = 0; k < 4; k++)
        out[13 + k] = kb4_sub(l2[k], sel4(b[1], l1[2 * k], l1[2 * k + 1]));
    for (int k = 0; k < 2; k++)
        out[17 + k] = kb4_sub(l3[k], sel4(b[2], l2[2 * k], l2[2 * k + 1]));
    out[19] = kb4_sub(w[ZP_RA_OUT], sel4(b[3], l3[0], l3[1]));
}

void zp_gate_eval_ext(unsigned type, const kb4 *w, const kb4 *c, const kb *pi_hash, kb4 *out)
{
    switch (type) {
    case ZP_GATE_ARITH: arith_ext4(w, c, out); break;
    case ZP_GATE_ARITH_EXT: arith_ext_ext(w, c, out); break;
    case ZP_GATE_POSEIDON2: p2_ext(w, out); break;
    case ZP_GATE_CONSTANT:
        for (int j = 0; j < ZP_CONSTS; j++)
            out[j] = kb4_sub(w[j], c[j]);
        break;
    case ZP_GATE_PUBLIC_INPUT:
        for (int j = 0; j < ZP_PI_HASH_LEN; j++)
            out[j] = kb4_sub(w[j], kb4_from_base(pi_hash[j]));
        break;
    case ZP_GATE_BITS: bits_ext(w, out); break;
    case ZP_GATE_RANDOM_ACCESS: ra_ext(w, out); break;
    default: break;
    }
}
