/* The query phase of the PLONK verifier (verifier/plonk.c, docs/PROOF.md "FRI"
 * and "DEEP composition") as a circuit: the first measured piece of recursion.
 *
 * For every query it hashes the opened rows of T0..T3 into leaves, walks their
 * Merkle paths (one Poseidon2 row per level, the index bit as the row's swap bit)
 * and looks the top up in the caps, computes the DEEP function F at the query
 * point from the rows, then for each FRI layer hashes and walks the opened row,
 * checks that the carried value sits at its position, and folds the row; the last
 * value must equal the final polynomial at the last point. Once per proof it
 * computes the powers of the DEEP challenge and the sums at zeta.
 *
 * What it does not build (docs/PROOF.md, "Verifying a proof inside a circuit"):
 * the transcript (so the challenges, the caps and the openings are witness
 * inputs here, not derived), and the constraint identity at zeta.
 */
#ifndef ZKGATE_PROVER_RECURSION_H
#define ZKGATE_PROVER_RECURSION_H

#include <stddef.h>

#include "prover/circuit.h"
#include "verifier/plonk.h"

/* Gate rows the builder used, by part; per-query parts are summed over the
 * queries. Arithmetic rows are shared between parts by packing, so a part's
 * figure is the rows it opened, and only the total is exact to the row. */
typedef struct rv_rows {
    size_t once;       /* per proof: powers of the DEEP challenge, sums at zeta */
    size_t points;     /* index bits, the query point and each layer's point */
    size_t leaves;     /* leaf hashes of T0..T3 */
    size_t paths;      /* their Merkle levels */
    size_t caps;       /* their cap lookups */
    size_t deep;       /* F at the query point */
    size_t fri_leaves; /* leaf hashes of the FRI layers' rows */
    size_t fri_paths;  /* their Merkle levels */
    size_t fri_caps;   /* their cap lookups */
    size_t fri_folds;  /* position lookups and folds */
    size_t final;      /* the final polynomial at the last point */
    size_t total;      /* all of the above: cb_rows after minus before */
} rv_rows;

typedef struct rv_query_phase rv_query_phase;

/* Adds the query phase of verifying proofs of the circuit shape inner (log_n,
 * FRI parameters, zero knowledge; its caps are witness inputs) to b.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (a cap of more than 16 digests, or an
 * LDE domain above 2^30), ZK_ERR_NOMEM or the builder's error.
 * Out: *out (rv_free), *rows when not NULL. */
int rv_build(cb_builder *b, const zp_vk *inner, rv_query_phase **out, rv_rows *rows)
    __attribute__((warn_unused_result));
void rv_free(rv_query_phase *q);

/* Sets every input of the query phase from what the verifier derived from a
 * valid proof (zp_verify_replay) of a circuit whose key is inner (the one
 * rv_build was given).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (a replay of another shape), ZK_ERR_NOMEM
 * or cb_witness_set's errors. */
int rv_set_witness(cb_witness *w, const rv_query_phase *q, const zp_vk *inner, const zp_replay *r)
    __attribute__((warn_unused_result));

#endif
