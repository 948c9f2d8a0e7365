/* The circuit builder: a statement written as a short C program over targets
 * (docs/PROOF.md gives the circuit shape, the gates and the permutation argument).
 *
 * A target is a cell of the trace (a wire of a gate's row) or a virtual value;
 * cb_connect makes two targets equal (a copy constraint when both are routed
 * wires). Each gate call places the gate in a row (arithmetic operations sharing
 * their two coefficients are packed 8 to a row) and registers the witness
 * generator that computes its outputs, so a prover only sets the circuit's inputs
 * (cb_witness_set) and everything else follows.
 *
 * Errors while building are sticky: a gate call on a failed builder does nothing
 * and returns CB_NONE; cb_build reports the first error (ZK_ERR_INVALID_ARG for a
 * bad target or argument, ZK_ERR_TOO_LARGE for a circuit that does not fit the
 * field's two-adic domain, ZK_ERR_NOMEM).
 */
#ifndef ZKGATE_PROVER_CIRCUIT_H
#define ZKGATE_PROVER_CIRCUIT_H

#include <stddef.h>
#include <stdint.h>

#include "verifier/fri.h"
#include "verifier/kb.h"
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

typedef uint32_t cb_target;
#define CB_NONE ((cb_target)UINT32_MAX)

/* Four targets holding an extension element's coefficients, low degree first. */
typedef struct cb_ext {
    cb_target c[4];
} cb_ext;

typedef struct cb_builder cb_builder;
typedef struct cb_circuit cb_circuit;
typedef struct cb_witness cb_witness;

/* Starts a circuit proven with FRI parameters fri, with zero knowledge when zk.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG or ZK_ERR_NOMEM. Out: *out. */
int cb_new(cb_builder **out, const fri_params *fri, int zk) __attribute__((warn_unused_result));
void cb_free(cb_builder *b);

/* Returns: the builder's first error (ZK_OK if none). */
int cb_error(const cb_builder *b);

/* Records code as the builder's error unless it already has one (for gadgets
 * that refuse an argument; set the detail with zk_err_set first).
 * Returns: the builder's first error. */
int cb_fail(cb_builder *b, int code);

/* A new target whose value a witness sets (or a generator computes). */
cb_target cb_virtual(cb_builder *b);
/* The target holding constant v (one per distinct value). Constants here and the
 * coefficients of the gates below are field elements in Montgomery form: one at or
 * above p fails the builder with ZK_ERR_RANGE. */
cb_target cb_constant(cb_builder *b, kb v);
cb_target cb_zero(cb_builder *b);
cb_target cb_one(cb_builder *b);
/* x == y. */
void cb_connect(cb_builder *b, cb_target x, cb_target y);
/* Appends x to the public inputs (in call order). */
void cb_public_input(cb_builder *b, cb_target x);

/* c0 * x * y + c1 * z (one slot of an ARITH row). */
cb_target cb_arith(cb_builder *b, kb c0, kb c1, cb_target x, cb_target y, cb_target z);
cb_target cb_add(cb_builder *b, cb_target x, cb_target y);
cb_target cb_sub(cb_builder *b, cb_target x, cb_target y);
cb_target cb_mul(cb_builder *b, cb_target x, cb_target y);
/* x * c + y * d with constants c, d (c * x * 1 + d * y). */
cb_target cb_lin(cb_builder *b, kb c, cb_target x, kb d, cb_target y);
/* x + c with a constant c. */
cb_target cb_add_const(cb_builder *b, cb_target x, kb c);
/* x / y: the witness computes the quotient, the circuit checks q * y == x (so y
 * must be non-zero, or proving fails with an unsatisfied constraint). */
cb_target cb_div(cb_builder *b, cb_target x, cb_target y);
/* Fails the circuit unless x == 0 / x == y (as constraints). */
void cb_assert_zero(cb_builder *b, cb_target x);

/* Extension arithmetic: c0 * x * y + c1 * z (one slot of an ARITH_EXT row). */
cb_ext cb_ext_arith(cb_builder *b, kb c0, kb c1, cb_ext x, cb_ext y, cb_ext z);
cb_ext cb_ext_virtual(cb_builder *b);
cb_ext cb_ext_constant(cb_builder *b, kb4 v);
cb_ext cb_ext_add(cb_builder *b, cb_ext x, cb_ext y);
cb_ext cb_ext_sub(cb_builder *b, cb_ext x, cb_ext y);
cb_ext cb_ext_mul(cb_builder *b, cb_ext x, cb_ext y);

/* The Poseidon2 permutation of in (one POSEIDON2 row, its swap bit tied to 0). */
void cb_poseidon2(cb_builder *b, const cb_target in[16], cb_target out[16]);
/* The permutation of (a, bb) when swap is 0 and of (bb, a) when it is 1, in one
 * POSEIDON2 row; the row itself constrains swap to be a bit (a Merkle level in
 * one row: a = the node, bb = its sibling, swap = the index bit). */
void cb_poseidon2_swap(cb_builder *b, const cb_target a[8], const cb_target bb[8], cb_target swap,
                       cb_target out[16]);
/* The sponge hash of x[0..n) under domain (p2_hash's construction). */
void cb_hash(cb_builder *b, unsigned domain, const cb_target *x, size_t n, cb_target out[8]);

/* Checks 0 <= x < 2^nbits (nbits <= 30) and, when bits is not NULL, writes the
 * bits, least significant first (one BITS row). */
void cb_range_check(cb_builder *b, cb_target x, unsigned nbits, cb_target *bits);

/* vals[index] for 0 <= index < n, n <= 16 (one RANDOM_ACCESS row; the index is
 * checked to be below n). */
cb_target cb_random_access(cb_builder *b, cb_target index, const cb_target *vals, size_t n);

/* A custom witness generator: once every input has a value, fn computes the
 * outputs (field elements in Montgomery form: one at or above p fails the solve
 * with ZK_ERR_RANGE; fn returns ZK_OK or an error with a detail). ctx (ctx_len bytes, at
 * most 32) is copied. The circuit must constrain what fn computes. */
typedef int (*cb_gen_fn)(const void *ctx, const kb *in, kb *out);
void cb_generator(cb_builder *b, cb_gen_fn fn, const void *ctx, size_t ctx_len, const cb_target *in,
                  size_t nin, const cb_target *out, size_t nout);

/* Returns: the rows used so far (gates, before padding). */
size_t cb_rows(const cb_builder *b);

/* Finishes the circuit: hashes the public inputs into a PUBLIC_INPUT row, adds
 * the zero-knowledge rows, pads to a power of two, computes the copy-constraint
 * permutation and commits the preprocessed columns. The builder is freed whatever
 * happens.
 * Returns ZK_OK, the builder's first error, ZK_ERR_TOO_LARGE (naming the rows and
 * the limit) or ZK_ERR_NOMEM. Out: *out (cb_circuit_free). */
int cb_build(cb_builder *b, cb_circuit **out) __attribute__((warn_unused_result));
void cb_circuit_free(cb_circuit *c);

/* Returns: the circuit's verification key (valid while the circuit lives). */
const zp_vk *cb_circuit_vk(const cb_circuit *c);
/* Returns: log2 of the trace rows, and the rows that hold gates. */
unsigned cb_circuit_log_rows(const cb_circuit *c);
size_t cb_circuit_gate_rows(const cb_circuit *c);
/* Returns: the number of public inputs. */
size_t cb_circuit_num_public_inputs(const cb_circuit *c);

/* A partial witness: the values a prover knows. */
int cb_witness_new(cb_witness **out, const cb_circuit *c) __attribute__((warn_unused_result));
void cb_witness_free(cb_witness *w);
/* Sets target t to v. Returns ZK_OK, ZK_ERR_INVALID_ARG (no such target),
 * ZK_ERR_RANGE (v is not a field element: Montgomery form at or above p) or
 * ZK_ERR_PROOF (t, or a target connected to it, already holds another value). */
int cb_witness_set(cb_witness *w, cb_target t, kb v) __attribute__((warn_unused_result));
int cb_witness_set_ext(cb_witness *w, cb_ext t, kb4 v) __attribute__((warn_unused_result));

/* Runs every generator and checks every constraint.
 * Returns ZK_OK; ZK_ERR_NOT_FOUND naming a missing value (target, row, column,
 * gate); ZK_ERR_PROOF naming a conflict (two values for connected targets) or an
 * unsatisfied constraint (gate, row, constraint index); or a generator's error.
 * Out: trace (2^log_rows rows of ZP_WIRES, row-major, Montgomery form; the
 * zero-knowledge rows are left zero for the prover to fill), public inputs
 * (cb_circuit_num_public_inputs values). The witness keeps its values: reading
 * a target afterwards is cb_witness_get. */
int cb_witness_solve(cb_witness *w, kb *trace, kb *public_inputs)
    __attribute__((warn_unused_result));

/* cb_witness_solve into a trace buffer kept between proofs whose rows from
 * zero_from on are known to hold zeros (the device path's staging buffer): the
 * padding rows past the gates are written only below zero_from (zero_from >=
 * 2^log_rows: every row, as cb_witness_solve). Half of a hash chain's trace is
 * padding, 45 MB at 2^16 steps. Rows the solver writes, and the zero-knowledge
 * rows the prover fills after it, end below cb_circuit_written_rows. */
int cb_witness_solve_rows(cb_witness *w, kb *trace, kb *public_inputs, size_t zero_from)
    __attribute__((warn_unused_result));

/* Returns: the rows of a trace that a proof of c writes (gate rows and
 * zero-knowledge rows); the rows from here to 2^log_rows are zero. */
size_t cb_circuit_written_rows(const cb_circuit *c);
/* The value of t after solving. Returns ZK_OK or ZK_ERR_NOT_FOUND. */
int cb_witness_get(const cb_witness *w, cb_target t, kb *v) __attribute__((warn_unused_result));

#endif
