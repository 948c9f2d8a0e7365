/* Gadgets over the circuit builder (prover/gadgets.h). Costs are written in
 * ARITH slots (8 to a row when their coefficients match), ARITH_EXT slots (2 to a
 * row) and whole rows; docs/PROOF.md, "Gadgets", sums them up. */
#include "prover/gadgets.h"

#include <stdarg.h>
#include <string.h>

#include "common/error.h"
#include "verifier/kb4.h"

#define LIMB_BITS 16
#define LIMB_MASK 0xffffu
/* p = 0x7f000001 = 0x7f00 * 2^16 + 1: a u32 is below p iff its high limb is below
 * 0x7f00, or equal to it with a zero low limb. */
#define P_HI 0x7f00u

static const cb_ext EXT_NONE = {{CB_NONE, CB_NONE, CB_NONE, CB_NONE}};

/* Fails the builder with ZK_ERR_INVALID_ARG and a detail naming the gadget;
 * later builder calls do nothing, so cb_build reports it. */
__attribute__((format(printf, 2, 3))) static void bad_arg(cb_builder *b, const char *fmt, ...)
{
    if (cb_error(b))
        return;
    va_list ap;
    va_start(ap, fmt);
    zk_err_setv(ZK_ERR_INVALID_ARG, fmt, ap);
    va_end(ap);
    cb_fail(b, ZK_ERR_INVALID_ARG);
}

static kb kc(uint32_t v)
{
    return kb_from_u32(v);
}

/* ---- booleans, selection, equality ---- */

void gd_assert_bool(cb_builder *b, cb_target x)
{
    cb_assert_zero(b, cb_arith(b, KB_ONE, kb_neg(KB_ONE), x, x, x));
}

/* x + bit (y - x), bit taken as given. */
static cb_target select_raw(cb_builder *b, cb_target bit, cb_target x, cb_target y)
{
    cb_target d = cb_sub(b, y, x);
    return cb_arith(b, KB_ONE, KB_ONE, bit, d, x);
}

cb_target gd_select(cb_builder *b, cb_target bit, cb_target x, cb_target y)
{
    gd_assert_bool(b, bit);
    return select_raw(b, bit, x, y);
}

cb_ext gd_select_ext(cb_builder *b, cb_target bit, cb_ext x, cb_ext y)
{
    gd_assert_bool(b, bit);
    cb_ext r;
    for (int k = 0; k < 4; k++)
        r.c[k] = select_raw(b, bit, x.c[k], y.c[k]);
    return cb_error(b) ? EXT_NONE : r;
}

static int gen_is_zero(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    out[0] = kb_inv(in[0]); /* 0 for 0 */
    out[1] = kb_is_zero(in[0]) ? KB_ONE : KB_ZERO;
    return ZK_OK;
}

cb_target gd_is_zero(cb_builder *b, cb_target x)
{
    cb_target io[2] = {cb_virtual(b), cb_virtual(b)}; /* inv, out */
    cb_generator(b, gen_is_zero, NULL, 0, &x, 1, io, 2);
    /* x != 0: x out == 0 forces out = 0. x == 0: x inv == 1 - out forces out = 1. */
    cb_connect(b, cb_arith(b, KB_ONE, KB_ONE, x, io[0], io[1]), cb_one(b));
    cb_assert_zero(b, cb_mul(b, x, io[1]));
    return cb_error(b) ? CB_NONE : io[1];
}

cb_target gd_is_equal(cb_builder *b, cb_target x, cb_target y)
{
    return gd_is_zero(b, cb_sub(b, x, y));
}

void gd_assert_equal(cb_builder *b, cb_target x, cb_target y)
{
    cb_connect(b, x, y);
}

/* ---- range checks and comparisons ---- */

void gd_range_check(cb_builder *b, cb_target x, unsigned n)
{
    if (n > ZP_BITS) {
        bad_arg(b, "gd_range_check: %u bits (at most %u)", n, ZP_BITS);
        return;
    }
    cb_range_check(b, x, n, NULL);
}

void gd_split_bits(cb_builder *b, cb_target x, unsigned n, cb_target *bits)
{
    if (n > ZP_BITS || (n && !bits)) {
        bad_arg(b, "gd_split_bits: %u bits (at most %u) or no output", n, ZP_BITS);
        return;
    }
    if (n == 0) {
        cb_assert_zero(b, x);
        return;
    }
    cb_range_check(b, x, n, bits);
}

cb_target gd_lt(cb_builder *b, cb_target x, cb_target y, unsigned n)
{
    if (n < 1 || n > ZP_BITS - 1) {
        bad_arg(b, "gd_lt: %u bits (1 to %u)", n, ZP_BITS - 1);
        return CB_NONE;
    }
    /* x, y < 2^n: y - x - 1 + 2^n lies in [0, 2^(n+1) - 2], and reaches 2^n
     * exactly when y - x - 1 >= 0. */
    cb_target d = cb_add_const(b, cb_sub(b, y, x), kc((1u << n) - 1));
    cb_target bits[ZP_BITS];
    cb_range_check(b, d, n + 1, bits);
    return cb_error(b) ? CB_NONE : bits[n];
}

void gd_assert_lt(cb_builder *b, cb_target x, cb_target y, unsigned n)
{
    if (n < 1 || n > ZP_BITS) {
        bad_arg(b, "gd_assert_lt: %u bits (1 to %u)", n, ZP_BITS);
        return;
    }
    /* y - x - 1: x >= y wraps it to at least p - 2^n > 2^30. */
    cb_target one = cb_one(b);
    cb_target d = cb_arith(b, KB_ONE, kb_neg(KB_ONE), y, one, cb_add_const(b, x, KB_ONE));
    cb_range_check(b, d, n, NULL);
}

/* ---- hashing and Merkle paths ---- */

void gd_compress(cb_builder *b, const cb_target left[8], const cb_target right[8], cb_target out[8])
{
    if (!left || !right || !out) {
        bad_arg(b, "gd_compress: NULL argument");
        return;
    }
    cb_target in[16], o[16];
    memcpy(in, left, 8 * sizeof *in);
    memcpy(in + 8, right, 8 * sizeof *in);
    cb_poseidon2(b, in, o);
    if (cb_error(b))
        return;
    memcpy(out, o, 8 * sizeof *out);
}

void gd_merkle_root(cb_builder *b, const cb_target leaf[8], const cb_target *index_bits, size_t n,
                    const cb_target (*siblings)[8], cb_target root[8])
{
    if (!leaf || !root || (n && (!index_bits || !siblings)) || n > GD_MAX_MERKLE_DEPTH) {
        bad_arg(b, "gd_merkle_root: %zu levels (at most %d) or a NULL argument", n,
                GD_MAX_MERKLE_DEPTH);
        return;
    }
    cb_target node[8], o[16];
    memcpy(node, leaf, sizeof node);
    /* the Poseidon2 row swaps (node, sibling) itself and constrains the bit */
    for (size_t i = 0; i < n && !cb_error(b); i++) {
        cb_poseidon2_swap(b, node, siblings[i], index_bits[i], o);
        memcpy(node, o, sizeof node);
    }
    if (cb_error(b))
        return;
    memcpy(root, node, sizeof node);
}

void gd_merkle_verify(cb_builder *b, const cb_target leaf[8], cb_target index, unsigned depth,
                      const cb_target (*siblings)[8], const cb_target root[8])
{
    if (depth > ZP_BITS || !root) {
        bad_arg(b, "gd_merkle_verify: depth %u (at most %u) or no root", depth, ZP_BITS);
        return;
    }
    cb_target bits[ZP_BITS], r[8];
    gd_split_bits(b, index, depth, bits);
    gd_merkle_root(b, leaf, bits, depth, siblings, r);
    for (int k = 0; k < 8 && !cb_error(b); k++)
        cb_connect(b, r[k], root[k]);
}

/* ---- limbs ---- */

/* Sum of limbs x[i] + y[i] + carry, 16-bit limb out and carry on. The limb sum
 * is below 2^17 (no wrap), and a 17-bit decomposition makes its top bit the
 * carry and the rest the limb. */
static void limbs_add(cb_builder *b, const cb_target *x, const cb_target *y, size_t k,
                      cb_target *out, cb_target *carry)
{
    cb_target c = CB_NONE, bits[ZP_BITS];
    for (size_t i = 0; i < k; i++)
        out[i] = CB_NONE;
    *carry = CB_NONE;
    kb neg_base = kb_neg(kc(1u << LIMB_BITS));
    for (size_t i = 0; i < k; i++) {
        cb_target s = cb_add(b, x[i], y[i]);
        if (i)
            s = cb_add(b, s, c);
        cb_range_check(b, s, LIMB_BITS + 1, bits);
        if (cb_error(b))
            return;
        c = bits[LIMB_BITS];
        out[i] = cb_lin(b, KB_ONE, s, neg_base, c);
    }
    *carry = c;
}

/* x - y limb by limb. With nb = 1 - borrow in, s = x[i] - y[i] - borrow + 2^16
 * lies in [0, 2^17): its top bit is 1 - borrow out and the rest the limb. The
 * first limb has no borrow in, so s = x - y + 2^16 there. */
static void limbs_sub(cb_builder *b, const cb_target *x, const cb_target *y, size_t k,
                      cb_target *out, cb_target *borrow)
{
    cb_target nb = CB_NONE, bits[ZP_BITS];
    for (size_t i = 0; i < k; i++)
        out[i] = CB_NONE;
    *borrow = CB_NONE;
    kb neg_base = kb_neg(kc(1u << LIMB_BITS));
    for (size_t i = 0; i < k; i++) {
        cb_target s = cb_sub(b, x[i], y[i]);
        if (i)
            s = cb_add_const(b, cb_add(b, s, nb), kc((1u << LIMB_BITS) - 1));
        else
            s = cb_add_const(b, s, kc(1u << LIMB_BITS));
        cb_range_check(b, s, LIMB_BITS + 1, bits);
        if (cb_error(b))
            return;
        nb = bits[LIMB_BITS];
        out[i] = cb_lin(b, KB_ONE, s, neg_base, nb);
    }
    cb_target one = cb_one(b);
    *borrow = cb_arith(b, kb_neg(KB_ONE), KB_ONE, nb, one, one);
}

/* 1 iff every x[i] == y[i]. Limbs are compared one by one: a weighted sum of
 * 16-bit differences could be a multiple of p without being zero. */
static cb_target limbs_eq(cb_builder *b, const cb_target *x, const cb_target *y, size_t k)
{
    cb_target e = gd_is_equal(b, x[0], y[0]);
    for (size_t i = 1; i < k; i++)
        e = cb_mul(b, e, gd_is_equal(b, x[i], y[i]));
    return cb_error(b) ? CB_NONE : e;
}

static void limbs_input(cb_builder *b, cb_target *l, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        l[i] = cb_virtual(b);
        cb_range_check(b, l[i], LIMB_BITS, NULL);
    }
}

static int limbs_set(cb_witness *w, const cb_target *l, size_t k, uint64_t v)
{
    for (size_t i = 0; i < k; i++) {
        int rc = cb_witness_set(w, l[i], kc((uint32_t)(v >> (LIMB_BITS * i)) & LIMB_MASK));
        if (rc)
            return zk_err_wrap(rc, "limb %zu: ", i);
    }
    return ZK_OK;
}

static int limbs_get(const cb_witness *w, const cb_target *l, size_t k, uint64_t *v)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < k; i++) {
        kb x;
        int rc = cb_witness_get(w, l[i], &x);
        if (rc)
            return zk_err_wrap(rc, "limb %zu: ", i);
        uint32_t c = kb_to_canonical(x);
        if (c > LIMB_MASK)
            return zk_err_set(ZK_ERR_RANGE, "limb %zu holds %u, not a 16-bit value", i, c);
        acc |= (uint64_t)c << (LIMB_BITS * i);
    }
    *v = acc;
    return ZK_OK;
}

/* ---- 32-bit integers ---- */

gd_u32 gd_u32_input(cb_builder *b)
{
    cb_target l[2];
    limbs_input(b, l, 2);
    return (gd_u32){l[0], l[1]};
}

gd_u32 gd_u32_constant(cb_builder *b, uint32_t v)
{
    return (gd_u32){cb_constant(b, kc(v & LIMB_MASK)), cb_constant(b, kc(v >> LIMB_BITS))};
}

cb_target gd_u32_to_target(cb_builder *b, gd_u32 a)
{
    cb_target v = cb_lin(b, KB_ONE, a.lo, kc(1u << LIMB_BITS), a.hi);
    /* P_HI - hi is 16-bit iff hi <= P_HI (hi is 16-bit, so hi > P_HI wraps) */
    cb_target one = cb_one(b);
    cb_target d = cb_arith(b, kb_neg(KB_ONE), kc(P_HI), a.hi, one, one);
    cb_range_check(b, d, LIMB_BITS, NULL);
    cb_assert_zero(b, cb_mul(b, gd_is_zero(b, d), a.lo));
    return cb_error(b) ? CB_NONE : v;
}

static int gen_u32_split(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    uint32_t v = kb_to_canonical(in[0]);
    out[0] = kc(v & LIMB_MASK);
    out[1] = kc(v >> LIMB_BITS);
    return ZK_OK;
}

gd_u32 gd_u32_from_target(cb_builder *b, cb_target x)
{
    gd_u32 a = gd_u32_input(b);
    cb_target l[2] = {a.lo, a.hi};
    cb_generator(b, gen_u32_split, NULL, 0, &x, 1, l, 2);
    cb_connect(b, gd_u32_to_target(b, a), x);
    return cb_error(b) ? (gd_u32){CB_NONE, CB_NONE} : a;
}

void gd_u32_add(cb_builder *b, gd_u32 x, gd_u32 y, gd_u32 *sum, cb_target *carry)
{
    if (!sum || !carry) {
        bad_arg(b, "gd_u32_add: NULL output");
        return;
    }
    cb_target xs[2] = {x.lo, x.hi}, ys[2] = {y.lo, y.hi}, o[2] = {CB_NONE, CB_NONE};
    limbs_add(b, xs, ys, 2, o, carry);
    *sum = (gd_u32){o[0], o[1]};
}

void gd_u32_sub(cb_builder *b, gd_u32 x, gd_u32 y, gd_u32 *diff, cb_target *borrow)
{
    if (!diff || !borrow) {
        bad_arg(b, "gd_u32_sub: NULL output");
        return;
    }
    cb_target xs[2] = {x.lo, x.hi}, ys[2] = {y.lo, y.hi}, o[2] = {CB_NONE, CB_NONE};
    limbs_sub(b, xs, ys, 2, o, borrow);
    *diff = (gd_u32){o[0], o[1]};
}

cb_target gd_u32_lt(cb_builder *b, gd_u32 x, gd_u32 y)
{
    gd_u32 d;
    cb_target borrow = CB_NONE;
    gd_u32_sub(b, x, y, &d, &borrow);
    return cb_error(b) ? CB_NONE : borrow;
}

cb_target gd_u32_eq(cb_builder *b, gd_u32 x, gd_u32 y)
{
    cb_target xs[2] = {x.lo, x.hi}, ys[2] = {y.lo, y.hi};
    return limbs_eq(b, xs, ys, 2);
}

int gd_u32_set(cb_witness *w, gd_u32 x, uint32_t v)
{
    cb_target l[2] = {x.lo, x.hi};
    return limbs_set(w, l, 2, v);
}

int gd_u32_get(const cb_witness *w, gd_u32 x, uint32_t *v)
{
    if (!v)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gd_u32_get: NULL output");
    cb_target l[2] = {x.lo, x.hi};
    uint64_t r = 0;
    int rc = limbs_get(w, l, 2, &r);
    if (!rc)
        *v = (uint32_t)r;
    return rc;
}

/* ---- 64-bit integers ---- */

gd_u64 gd_u64_input(cb_builder *b)
{
    gd_u64 a;
    limbs_input(b, a.l, 4);
    return a;
}

gd_u64 gd_u64_constant(cb_builder *b, uint64_t v)
{
    gd_u64 a;
    for (int i = 0; i < 4; i++)
        a.l[i] = cb_constant(b, kc((uint32_t)(v >> (LIMB_BITS * i)) & LIMB_MASK));
    return a;
}

void gd_u64_add(cb_builder *b, gd_u64 x, gd_u64 y, gd_u64 *sum, cb_target *carry)
{
    if (!sum || !carry) {
        bad_arg(b, "gd_u64_add: NULL output");
        return;
    }
    limbs_add(b, x.l, y.l, 4, sum->l, carry);
}

void gd_u64_sub(cb_builder *b, gd_u64 x, gd_u64 y, gd_u64 *diff, cb_target *borrow)
{
    if (!diff || !borrow) {
        bad_arg(b, "gd_u64_sub: NULL output");
        return;
    }
    limbs_sub(b, x.l, y.l, 4, diff->l, borrow);
}

cb_target gd_u64_lt(cb_builder *b, gd_u64 x, gd_u64 y)
{
    gd_u64 d;
    cb_target borrow = CB_NONE;
    gd_u64_sub(b, x, y, &d, &borrow);
    return cb_error(b) ? CB_NONE : borrow;
}

cb_target gd_u64_eq(cb_builder *b, gd_u64 x, gd_u64 y)
{
    return limbs_eq(b, x.l, y.l, 4);
}

int gd_u64_set(cb_witness *w, gd_u64 x, uint64_t v)
{
    return limbs_set(w, x.l, 4, v);
}

int gd_u64_get(const cb_witness *w, gd_u64 x, uint64_t *v)
{
    if (!v)
        return zk_err_set(ZK_ERR_INVALID_ARG, "gd_u64_get: NULL output");
    return limbs_get(w, x.l, 4, v);
}

/* ---- extension field ---- */

cb_ext gd_ext_from_base(cb_builder *b, cb_target x)
{
    cb_target z = cb_zero(b);
    return (cb_ext){{x, z, z, z}};
}

static int gen_ext_inv(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    kb4 x = {{in[0], in[1], in[2], in[3]}};
    if (kb4_is_zero(x))
        return zk_err_set(ZK_ERR_PROOF, "gd_ext_inverse: zero has no inverse");
    kb4 y = kb4_inv(x);
    memcpy(out, y.c, sizeof y.c);
    return ZK_OK;
}

cb_ext gd_ext_inverse(cb_builder *b, cb_ext x)
{
    cb_ext y = cb_ext_virtual(b);
    cb_generator(b, gen_ext_inv, NULL, 0, x.c, 4, y.c, 4);
    cb_ext one = cb_ext_constant(b, kb4_one()), p = cb_ext_mul(b, x, y);
    for (int k = 0; k < 4; k++)
        cb_connect(b, p.c[k], one.c[k]);
    return cb_error(b) ? EXT_NONE : y;
}

cb_ext gd_ext_square(cb_builder *b, cb_ext x)
{
    return cb_ext_mul(b, x, x);
}

cb_ext gd_ext_pow2(cb_builder *b, cb_ext x, unsigned k)
{
    for (unsigned i = 0; i < k && !cb_error(b); i++)
        x = cb_ext_mul(b, x, x);
    return cb_error(b) ? EXT_NONE : x;
}

cb_ext gd_ext_mul_add(cb_builder *b, cb_ext x, cb_ext y, cb_ext z)
{
    return cb_ext_arith(b, KB_ONE, KB_ONE, x, y, z);
}

static int gen_inv_double(const void *ctx, const kb *in, kb *out)
{
    (void)ctx;
    if (kb_is_zero(in[0]))
        return zk_err_set(ZK_ERR_PROOF, "gd_fri_fold_pair: the point x is zero");
    out[0] = kb_inv(kb_double(in[0]));
    return ZK_OK;
}

cb_ext gd_fri_fold_pair(cb_builder *b, cb_ext v0, cb_ext v1, cb_ext beta, cb_target x)
{
    cb_target inv = cb_virtual(b);
    cb_generator(b, gen_inv_double, NULL, 0, &x, 1, &inv, 1);
    cb_connect(b, cb_arith(b, kc(2), KB_ZERO, x, inv, cb_zero(b)), cb_one(b));
    cb_ext s = cb_ext_add(b, v0, v1);
    cb_ext d = cb_ext_mul(b, cb_ext_sub(b, v0, v1), gd_ext_from_base(b, inv));
    /* beta d + s / 2 in one slot */
    cb_ext r = cb_ext_arith(b, KB_ONE, kb_inv(kc(2)), beta, d, s);
    return cb_error(b) ? EXT_NONE : r;
}
