/* Gate row filling: each filler computes, from a gate's inputs, the values its
 * constraints (verifier/plonk_gates.c) then check. */
#include "prover/gate_fill.h"

#include <string.h>

#include "common/error.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants and internal diagonal */
#include "verifier/p2.h"

int zp_fill_arith_op(kb *w, const kb *c, unsigned op)
{
    if (op >= ZP_ARITH_OPS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "arith gate: operation %u out of range (< %d)", op,
                          ZP_ARITH_OPS);
    kb *o = w + 4 * op;
    o[3] = kb_add(kb_mul(kb_mul(c[0], o[0]), o[1]), kb_mul(c[1], o[2]));
    return ZK_OK;
}

static kb4 load4(const kb *w)
{
    return (kb4){{w[0], w[1], w[2], w[3]}};
}

int zp_fill_arith_ext_op(kb *w, const kb *c, unsigned op)
{
    if (op >= ZP_ARITH_EXT_OPS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "arith_ext gate: operation %u out of range (< %d)",
                          op, ZP_ARITH_EXT_OPS);
    kb *o = w + 16 * op;
    kb4 r = kb4_add(kb4_mul_base(kb4_mul(load4(o), load4(o + 4)), c[0]),
                    kb4_mul_base(load4(o + 8), c[1]));
    memcpy(o + 12, r.c, sizeof r.c);
    return ZK_OK;
}

_Static_assert(ZP_P2_PARTIAL == ZP_P2_FULL1 + 64 && ZP_P2_FULL2 == ZP_P2_PARTIAL + 20 &&
                   ZP_P2_FULL2 + 48 == ZP_P2_FULL1 + P2_RECORD_LEN,
               "the Poseidon2 gate's advice wires are p2_permute_record's record");

void zp_fill_poseidon2(kb *w)
{
    kb s[P2_WIDTH];
    const kb *a = w + ZP_P2_IN, *b = a + P2_WIDTH / 2;
    for (int i = 0; i < P2_WIDTH / 2; i++) {
        kb d = kb_mul(w[ZP_P2_SWAP], kb_sub(b[i], a[i]));
        w[ZP_P2_DELTA + i] = d;
        s[i] = kb_add(a[i], d);
        s[P2_WIDTH / 2 + i] = kb_sub(b[i], d);
    }
    p2_permute_record(s, w + ZP_P2_FULL1);
    memcpy(w + ZP_P2_OUT, s, sizeof s);
}

/* The field element 0 or 1 for bit (x >> i) & 1, without a branch on x. */
static inline kb bit_of(uint32_t x, unsigned i)
{
    return KB_ONE & (kb)(-(int32_t)((x >> i) & 1u));
}

int zp_fill_bits(kb *w)
{
    uint32_t x = kb_to_canonical(w[ZP_BITS_VALUE]);
    if (x >= (1u << ZP_BITS))
        return zk_err_set(ZK_ERR_RANGE, "bits gate: value %u does not fit in %d bits", x, ZP_BITS);
    for (unsigned i = 0; i < ZP_BITS; i++)
        w[ZP_BITS_FIRST + i] = bit_of(x, i);
    return ZK_OK;
}

/* hi if b = 1, lo if b = 0, computed as the constraint states it. */
static inline kb sel(kb b, kb lo, kb hi)
{
    return kb_add(lo, kb_mul(b, kb_sub(hi, lo)));
}

int zp_fill_random_access(kb *w)
{
    uint32_t idx = kb_to_canonical(w[ZP_RA_INDEX]);
    if (idx >= (1u << ZP_RA_BITS))
        return zk_err_set(ZK_ERR_RANGE, "random_access gate: index %u out of range (< %u)", idx,
                          1u << ZP_RA_BITS);
    kb *b = w + ZP_RA_BIT_WIRE, *v = w + ZP_RA_VALUES;
    kb *l1 = w + ZP_RA_LEVEL1, *l2 = w + ZP_RA_LEVEL2, *l3 = w + ZP_RA_LEVEL3;
    for (unsigned i = 0; i < ZP_RA_BITS; i++)
        b[i] = bit_of(idx, i);
    for (int k = 0; k < 8; k++)
        l1[k] = sel(b[0], v[2 * k], v[2 * k + 1]);
    for (int k = 0; k < 4; k++)
        l2[k] = sel(b[1], l1[2 * k], l1[2 * k + 1]);
    for (int k = 0; k < 2; k++)
        l3[k] = sel(b[2], l2[2 * k], l2[2 * k + 1]);
    w[ZP_RA_OUT] = sel(b[3], l3[0], l3[1]);
    return ZK_OK;
}

void zp_fill_constant(kb *w, const kb *c)
{
    memcpy(w, c, ZP_CONSTS * sizeof(kb));
}

void zp_fill_public_input(kb *w, const kb *pi_hash)
{
    memcpy(w, pi_hash, ZP_PI_HASH_LEN * sizeof(kb));
}
