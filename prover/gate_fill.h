/* Filling a gate's output and advice wires from its inputs, so that the row
 * satisfies the gate's constraints (verifier/plonk_gates.h, docs/PROOF.md "Gates").
 * The witness generators of the circuit builder call these.
 *
 * w is one row of ZP_WIRES values, c the row's ZP_CONSTS constants; all values are
 * field elements in Montgomery form. A filler writes only the wires its gate owns
 * (outputs and advice) and, when it fails, writes nothing.
 */
#ifndef ZKGATE_PROVER_GATE_FILL_H
#define ZKGATE_PROVER_GATE_FILL_H

#include "verifier/kb.h"
#include "verifier/plonk_gates.h"

/* ARITH operation op: w[4op+3] = c0 * w[4op] * w[4op+1] + c1 * w[4op+2].
 * Returns: ZK_OK, or ZK_ERR_INVALID_ARG when op >= ZP_ARITH_OPS. */
int zp_fill_arith_op(kb *w, const kb *c, unsigned op) __attribute__((warn_unused_result));

/* ARITH_EXT operation op: out = c0 * a * b + c1 * cc in the extension, with a, b,
 * cc, out the four-wire groups at 16op, 16op+4, 16op+8, 16op+12.
 * Returns: ZK_OK, or ZK_ERR_INVALID_ARG when op >= ZP_ARITH_EXT_OPS. */
int zp_fill_arith_ext_op(kb *w, const kb *c, unsigned op) __attribute__((warn_unused_result));

/* POSEIDON2: from the input halves a = w[0..8), b = w[8..16) and the swap value
 * s = w[ZP_P2_SWAP] fills the deltas s (b - a), the output w[16..32) (the
 * permutation, as p2_permute computes it, of (a, b) when s = 0 and of (b, a) when
 * s = 1) and every advice wire. Any s gives a row that satisfies every constraint
 * but s^2 - s = 0; the witness solver refuses an s that is not a bit before it
 * gets here. */
void zp_fill_poseidon2(kb *w);

/* BITS: from the value w[0] fills the 30 bit wires w[1..31), least significant
 * first.
 * Returns: ZK_OK, or ZK_ERR_RANGE with a detail naming the value when w[0]
 * (canonical) >= 2^30. */
int zp_fill_bits(kb *w) __attribute__((warn_unused_result));

/* RANDOM_ACCESS: from the index w[0] and the values w[2..18) fills the output w[1]
 * (= the value at the index) and the advice wires (index bits, folding levels).
 * Returns: ZK_OK, or ZK_ERR_RANGE when the index (canonical) >= 16. */
int zp_fill_random_access(kb *w) __attribute__((warn_unused_result));

/* CONSTANT: w[j] = c[j] for j < ZP_CONSTS. */
void zp_fill_constant(kb *w, const kb *c);

/* PUBLIC_INPUT: w[j] = pi_hash[j] for j < ZP_PI_HASH_LEN. */
void zp_fill_public_input(kb *w, const kb *pi_hash);

#endif
