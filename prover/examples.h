/* Built-in example circuits, for tests, benchmarks and users who want to try
 * the proof system (`zkgate prove --circuit NAME --size N`):
 *
 *   hashchain  N Poseidon2 permutations in a chain: state_0 = (s, 0), state_{i+1}
 *              = Poseidon2(state_i); public inputs: s (8) and the first 8
 *              elements of state_N.
 *   merkle     N leaves proven to be members of one Poseidon2 Merkle tree of depth
 *              EX_MERKLE_DEPTH (verifier/merkle.h's leaf hash and compression);
 *              public inputs: the root (8) and a hash of the leaves' indices (8).
 *
 * The witness of each is fixed by the name and size (a deterministic start state,
 * tree and leaf choice), so a proof can be reproduced and checked by anyone.
 */
#ifndef ZKGATE_PROVER_EXAMPLES_H
#define ZKGATE_PROVER_EXAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "prover/circuit.h"
#include "prover/plonk_prove.h"

#define EX_MERKLE_DEPTH 16
#define EX_MAX_SIZE     (1u << 20)

typedef struct ex_instance ex_instance;

/* Builds example `name` of `size` with FRI parameters fri.
 * Returns ZK_OK, ZK_ERR_NOT_FOUND (no such example; the detail lists them),
 * ZK_ERR_RANGE (size 0 or above EX_MAX_SIZE, or above the example's own limit) or
 * the errors of cb_build. Out: *out (ex_free). */
int ex_build(ex_instance **out, const char *name, uint32_t size, const fri_params *fri, int zk)
    __attribute__((warn_unused_result));
void ex_free(ex_instance *e);

/* Returns: the built circuit. */
const cb_circuit *ex_circuit(const ex_instance *e);

/* Proves the example with its fixed witness. Returns as zp_prove.
 * Out: proof (appended), public_inputs (ex_num_public_inputs values). */
int ex_prove(ex_instance *e, const zp_prove_opts *opts, zk_buf *proof, kb *public_inputs)
    __attribute__((warn_unused_result));

/* Solves the example's fixed witness alone (what a proof starts with):
 * trace: 2^cb_circuit_log_rows rows of ZP_WIRES, public_inputs:
 * ex_num_public_inputs values. Returns as cb_witness_solve. */
int ex_solve(ex_instance *e, kb *trace, kb *public_inputs) __attribute__((warn_unused_result));

/* ex_solve into a trace whose rows from zero_from on hold zeros
 * (cb_witness_solve_rows). */
int ex_solve_rows(ex_instance *e, kb *trace, kb *public_inputs, size_t zero_from)
    __attribute__((warn_unused_result));

/* Returns: the number of public inputs (16 for both examples). */
size_t ex_num_public_inputs(const ex_instance *e);

/* Returns: the i-th example's name, NULL past the end. */
const char *ex_name_at(size_t i);

#endif
