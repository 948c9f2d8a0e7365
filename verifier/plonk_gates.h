/* The gates of zkgate's Plonkish circuits: wire layout, constraint count and
 * evaluation, exactly as docs/PROOF.md ("Gates") specifies them.
 *
 * Prover and verifier both combine every gate's constraints with powers of one
 * challenge in the order this module produces them, so the order and the count are
 * part of the protocol: changing either changes every proof.
 *
 * Every value is a field element in Montgomery form. A row holds ZP_WIRES wires and
 * ZP_CONSTS constants; the selector of the gate is NOT applied here (the caller
 * multiplies each constraint by it).
 */
#ifndef ZKGATE_VERIFIER_PLONK_GATES_H
#define ZKGATE_VERIFIER_PLONK_GATES_H

#include "verifier/kb.h"
#include "verifier/kb4.h"

#define ZP_WIRES       173 /* wire columns */
#define ZP_ROUTED      33  /* the first 33 wire columns take part in copy constraints */
#define ZP_CONSTS      4   /* constant columns */
#define ZP_PI_HASH_LEN 8   /* elements of the public-input hash */

enum zp_gate_type {
    ZP_GATE_ARITH = 0,
    ZP_GATE_ARITH_EXT = 1,
    ZP_GATE_POSEIDON2 = 2,
    ZP_GATE_CONSTANT = 3,
    ZP_GATE_PUBLIC_INPUT = 4,
    ZP_GATE_BITS = 5,
    ZP_GATE_RANDOM_ACCESS = 6,
    ZP_NGATES = 7
};

#define ZP_GATE_NOOP            ZP_NGATES /* a row with no gate: no selector, no constraints */
#define ZP_MAX_GATE_CONSTRAINTS 157       /* the most constraints one gate has (Poseidon2) */
#define ZP_ARITH_OPS            8
#define ZP_ARITH_EXT_OPS        2
#define ZP_BITS                 30
#define ZP_RA_BITS              4 /* random access selects one of 16 */

/* Wire layout of the gates (docs/PROOF.md, "Gates"); the gate fillers and the
 * circuit builder place values by these. */
#define ZP_P2_IN       0   /* Poseidon2: the two halves a, b of the input, 8 wires each */
#define ZP_P2_OUT      16  /* output state, 16 wires */
#define ZP_P2_SWAP     32  /* the swap bit s (routed): the permutation reads (b, a) when s = 1 */
#define ZP_P2_DELTA    33  /* delta_i = s (b_i - a_i), 8 wires */
#define ZP_P2_FULL1    41  /* state after each of the first 4 full rounds, 4 x 16 */
#define ZP_P2_PARTIAL  105 /* S-box output of each of the 20 partial rounds */
#define ZP_P2_FULL2    125 /* state after each of the first 3 of the last 4 full rounds, 3 x 16 */
#define ZP_BITS_VALUE  0   /* BITS: the value */
#define ZP_BITS_FIRST  1   /* bit i is wire ZP_BITS_FIRST + i, least significant first */
#define ZP_RA_INDEX    0   /* RANDOM_ACCESS: the index */
#define ZP_RA_OUT      1   /* the selected value */
#define ZP_RA_VALUES   2   /* the 16 values */
#define ZP_RA_BIT_WIRE 33  /* bit i of the index is wire ZP_RA_BIT_WIRE + i */
#define ZP_RA_LEVEL1   37  /* 8 values after folding with bit 0 */
#define ZP_RA_LEVEL2   45  /* 4 values after folding with bit 1 */
#define ZP_RA_LEVEL3   49  /* 2 values after folding with bit 2 */

/* Returns: how many constraints gate `type` has (0 for ZP_GATE_NOOP or an unknown
 * type). */
unsigned zp_gate_num_constraints(unsigned type);

/* Returns: the sum over the 7 gate types (236). */
unsigned zp_gate_total_constraints(void);

/* Returns: a stable lower-case name ("arith", "arith_ext", "poseidon2", "constant",
 * "public_input", "bits", "random_access", "noop"); "unknown" otherwise. Never NULL. */
const char *zp_gate_name(unsigned type);

/* Evaluates gate `type`'s constraints at one point, in the order of docs/PROOF.md,
 * without the selector. An unknown type or ZP_GATE_NOOP writes nothing.
 * Out: out: zp_gate_num_constraints(type) values.
 * In:  w: ZP_WIRES values; c: ZP_CONSTS values; pi_hash: ZP_PI_HASH_LEN base values
 *      (only PUBLIC_INPUT reads it).
 * The base version allocates nothing and never branches on the values; the
 * extension version gives, on base values embedded in the extension, the
 * embedding of the base version's result. */
void zp_gate_eval_base(unsigned type, const kb *w, const kb *c, const kb *pi_hash, kb *out);
void zp_gate_eval_ext(unsigned type, const kb4 *w, const kb4 *c, const kb *pi_hash, kb4 *out);

#endif
