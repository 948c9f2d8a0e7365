/* Gadgets: the small sub-circuits that statements are written with (booleans
 * and selection, range checks and comparisons, zero tests, 32- and 64-bit
 * integer arithmetic in 16-bit limbs, Poseidon2 compression and Merkle paths,
 * extension-field helpers and a FRI folding step). Each one is a few calls of
 * the circuit builder (prover/circuit.h); docs/PROOF.md, "Gadgets", lists what
 * each constrains and its cost in rows.
 *
 * Conventions: errors are the builder's (sticky; a gadget on a failed builder does
 * nothing and returns CB_NONE targets; a bad argument fails the builder with
 * ZK_ERR_INVALID_ARG and a detail naming the gadget). Every output a gadget
 * returns is fully constrained by its inputs: a prover that sets an output to any
 * other value makes proving fail. "bit" means a target whose value is 0 or 1;
 * where a gadget takes values as given ("precondition"), the caller constrains
 * them.
 */
#ifndef ZKGATE_PROVER_GADGETS_H
#define ZKGATE_PROVER_GADGETS_H

#include <stddef.h>
#include <stdint.h>

#include "prover/circuit.h"

#define GD_MAX_MERKLE_DEPTH 64 /* levels gd_merkle_root accepts */

/* An unsigned 32-bit integer as two 16-bit limbs: value = lo + 2^16 hi. */
typedef struct gd_u32 {
    cb_target lo; /* bits 0..15 */
    cb_target hi; /* bits 16..31 */
} gd_u32;

/* An unsigned 64-bit integer as four 16-bit limbs: value = sum 2^(16 i) l[i]. */
typedef struct gd_u64 {
    cb_target l[4]; /* least significant first */
} gd_u64;

/* ---- booleans, selection, equality ---- */

/* Constrains x * x - x == 0 (x is 0 or 1). One ARITH slot. */
void gd_assert_bool(cb_builder *b, cb_target x);

/* Returns: bit ? y : x, i.e. x + bit (y - x); also constrains bit boolean.
 * Three ARITH slots. */
cb_target gd_select(cb_builder *b, cb_target bit, cb_target x, cb_target y);
/* The same for extension elements, coefficient by coefficient (nine slots). */
cb_ext gd_select_ext(cb_builder *b, cb_target bit, cb_ext x, cb_ext y);

/* Returns: a bit that is 1 iff x == 0. The witness supplies inv = x^-1 (0 for
 * x == 0); the constraints x inv == 1 - out and x out == 0 leave exactly one
 * value of out. Two ARITH slots. */
cb_target gd_is_zero(cb_builder *b, cb_target x);
/* Returns: a bit that is 1 iff x == y (gd_is_zero of x - y). */
cb_target gd_is_equal(cb_builder *b, cb_target x, cb_target y);
/* Constrains x == y (a copy constraint, no row). */
void gd_assert_equal(cb_builder *b, cb_target x, cb_target y);

/* ---- range checks and comparisons ---- */

/* Constrains 0 <= x < 2^n, n <= 30 (one BITS row). */
void gd_range_check(cb_builder *b, cb_target x, unsigned n);
/* Constrains 0 <= x < 2^n (n <= 30) and writes its n bits, least significant
 * first, each constrained boolean (one BITS row). Out: bits[0..n). */
void gd_split_bits(cb_builder *b, cb_target x, unsigned n, cb_target *bits);

/* Returns: a bit that is 1 iff x < y, for 1 <= n <= 29.
 * Precondition: x, y < 2^n (the caller range-checks them). Bit n of
 * y - x - 1 + 2^n, which lies in [0, 2^(n+1)), is the answer. One BITS row and
 * two ARITH slots. */
cb_target gd_lt(cb_builder *b, cb_target x, cb_target y, unsigned n);
/* Constrains x < y for 1 <= n <= 30 by range-checking y - x - 1 to n bits.
 * Precondition: x, y < 2^n. One BITS row and two ARITH slots. */
void gd_assert_lt(cb_builder *b, cb_target x, cb_target y, unsigned n);

/* ---- hashing and Merkle paths ---- */

/* out = the first 8 elements of Poseidon2(left || right): p2_compress. One
 * POSEIDON2 row. */
void gd_compress(cb_builder *b, const cb_target left[8], const cb_target right[8],
                 cb_target out[8]);

/* The root of a binary Merkle tree built with p2_compress (verifier/merkle.h):
 * starting from node = leaf, at level i (i = 0 at the leaf) node becomes
 * compress(node, siblings[i]) when index_bits[i] is 0 and compress(siblings[i],
 * node) when it is 1. Each bit is constrained boolean. n <= GD_MAX_MERKLE_DEPTH;
 * n = 0 gives the leaf. Per level: one POSEIDON2 row, whose swap bit is the
 * index bit. Out: root[8]. */
void gd_merkle_root(cb_builder *b, const cb_target leaf[8], const cb_target *index_bits, size_t n,
                    const cb_target (*siblings)[8], cb_target root[8]);
/* Constrains that leaf sits at position index (0 <= index < 2^depth, depth <= 30,
 * checked with one BITS row) of the tree whose root is root, through siblings
 * (depth of them, leaf level first). Deeper trees (32 levels) decompose the index
 * themselves and call gd_merkle_root. */
void gd_merkle_verify(cb_builder *b, const cb_target leaf[8], cb_target index, unsigned depth,
                      const cb_target (*siblings)[8], const cb_target root[8]);

/* ---- 32-bit integers ---- */

/* Returns: a u32 whose limbs are new targets for the witness to set, each
 * range-checked to 16 bits (two BITS rows). */
gd_u32 gd_u32_input(cb_builder *b);
/* Returns: the constant v (constant targets, no check needed). */
gd_u32 gd_u32_constant(cb_builder *b, uint32_t v);
/* Returns: the field element lo + 2^16 hi, constraining that this integer is
 * below p (hi <= 0x7f00, and lo == 0 when hi == 0x7f00), so that it equals the
 * u32 as an integer and distinct u32s give distinct elements.
 * Precondition: a's limbs are 16-bit. One BITS row and five ARITH slots. */
cb_target gd_u32_to_target(cb_builder *b, gd_u32 a);
/* Returns: the u32 equal (as an integer) to the canonical value of x. The
 * witness splits x; the limbs are range-checked to 16 bits and
 * gd_u32_to_target(limbs) == x, so the split is unique (a field element is
 * always below p < 2^32). Three BITS rows and five ARITH slots. */
gd_u32 gd_u32_from_target(cb_builder *b, cb_target x);

/* sum = x + y mod 2^32 and carry = 1 iff x + y >= 2^32. Preconditions: 16-bit
 * limbs. The outputs' limbs are 16-bit. Two BITS rows, five ARITH slots. */
void gd_u32_add(cb_builder *b, gd_u32 x, gd_u32 y, gd_u32 *sum, cb_target *carry);
/* diff = x - y mod 2^32 and borrow = 1 iff x < y. Same preconditions; two BITS
 * rows, eight ARITH slots. */
void gd_u32_sub(cb_builder *b, gd_u32 x, gd_u32 y, gd_u32 *diff, cb_target *borrow);
/* Returns: a bit, 1 iff x < y (the borrow of x - y; gd_u32_sub's cost). */
cb_target gd_u32_lt(cb_builder *b, gd_u32 x, gd_u32 y);
/* Returns: a bit, 1 iff x == y (limb by limb; 16-bit limbs). Seven slots. */
cb_target gd_u32_eq(cb_builder *b, gd_u32 x, gd_u32 y);

/* Sets a u32 input's limbs in a witness. Returns the errors of cb_witness_set. */
int gd_u32_set(cb_witness *w, gd_u32 x, uint32_t v) __attribute__((warn_unused_result));
/* Reads a solved u32. Returns ZK_OK, ZK_ERR_NOT_FOUND, or ZK_ERR_RANGE when a
 * limb is not below 2^16. Out: *v. */
int gd_u32_get(const cb_witness *w, gd_u32 x, uint32_t *v) __attribute__((warn_unused_result));

/* ---- 64-bit integers (balances) ---- */

/* Returns: four new limbs, each range-checked to 16 bits (four BITS rows). */
gd_u64 gd_u64_input(cb_builder *b);
gd_u64 gd_u64_constant(cb_builder *b, uint64_t v);
/* sum = x + y mod 2^64 and carry = 1 iff the sum overflows. Preconditions:
 * 16-bit limbs. Four BITS rows, eleven ARITH slots. */
void gd_u64_add(cb_builder *b, gd_u64 x, gd_u64 y, gd_u64 *sum, cb_target *carry);
/* diff = x - y mod 2^64 and borrow = 1 iff x < y (a negative result). Four BITS
 * rows, sixteen slots. */
void gd_u64_sub(cb_builder *b, gd_u64 x, gd_u64 y, gd_u64 *diff, cb_target *borrow);
/* Returns: a bit, 1 iff x < y. */
cb_target gd_u64_lt(cb_builder *b, gd_u64 x, gd_u64 y);
/* Returns: a bit, 1 iff x == y. Fifteen slots. */
cb_target gd_u64_eq(cb_builder *b, gd_u64 x, gd_u64 y);

int gd_u64_set(cb_witness *w, gd_u64 x, uint64_t v) __attribute__((warn_unused_result));
int gd_u64_get(const cb_witness *w, gd_u64 x, uint64_t *v) __attribute__((warn_unused_result));

/* ---- extension field ---- */

/* Returns: (x, 0, 0, 0), the base element x as an extension element. */
cb_ext gd_ext_from_base(cb_builder *b, cb_target x);
/* Returns: x^-1. The witness supplies it and x * out == 1 is constrained, so
 * x must be non-zero (proving fails otherwise). One ARITH_EXT slot. */
cb_ext gd_ext_inverse(cb_builder *b, cb_ext x);
/* Returns: x^2 (one slot) and x^(2^k) (k slots). */
cb_ext gd_ext_square(cb_builder *b, cb_ext x);
cb_ext gd_ext_pow2(cb_builder *b, cb_ext x, unsigned k);
/* Returns: x * y + z (one slot). */
cb_ext gd_ext_mul_add(cb_builder *b, cb_ext x, cb_ext y, cb_ext z);

/* One binary FRI folding step (docs/PROOF.md, "FRI"): returns
 *   (v0 + v1) / 2 + beta (v0 - v1) / (2 x)
 * where v0, v1 are the values at x and -x. x is a base target and must be
 * non-zero: the witness supplies 1/(2x) and 2x * (1/(2x)) == 1 is constrained.
 * Four ARITH_EXT slots and one ARITH slot. */
cb_ext gd_fri_fold_pair(cb_builder *b, cb_ext v0, cb_ext v1, cb_ext beta, cb_target x);

#endif
