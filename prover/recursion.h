/* The PLONK verifier (verifier/plonk.c) as a circuit: recursion.
 *
 * rv_build_verifier adds the whole verifier of proofs under one inner key: the
 * transcript (every challenge and query index derived in the circuit from the
 * proof's values), the proof of work, the constraint identity at zeta, and the
 * query phase. The inner proof's public inputs are targets of the outer circuit;
 * the inner key (its digest, its preprocessed cap and its shape) is built in as
 * constants. A witness from a proof that the native verifier accepts satisfies
 * it; an outer proof of it therefore shows that an accepted inner proof exists.
 *
 * rv_build adds the query phase alone (docs/PROOF.md "FRI" and "DEEP
 * composition"), its challenges and caps taken as witness inputs.
 *
 * For every query it hashes the opened rows of T0..T3 into leaves, walks their
 * Merkle paths (one Poseidon2 row per level, the index bit as the row's swap bit)
 * and looks the top up in the caps, computes the DEEP function F at the query
 * point from the rows, then for each FRI layer hashes and walks the opened row,
 * checks that the carried value sits at its position, and folds the row; the last
 * value must equal the final polynomial at the last point. Once per proof it
 * computes the powers of the DEEP challenge and the sums at zeta.
 *
 * Rows by part are in docs/PROOF.md, "Verifying a proof inside a circuit".
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
    size_t transcript; /* rv_build_verifier: the sponge, the challenges, the proof of work */
    size_t indices;    /* rv_build_verifier: query indices from the sampled elements */
    size_t identity;   /* rv_build_verifier: the constraint identity at zeta */
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

/* ---- the whole verifier ---- */

typedef struct rv_verifier rv_verifier;

/* Adds to b the verifier of proofs under inner (a finished key: zp_vk_finish).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (a shape the circuit does not take: an LDE
 * outside 2^2..2^24 rows, a cap above 16 digests, too many proof-of-work bits),
 * ZK_ERR_NOMEM or the builder's error. Out: *out (rv_verifier_free), *rows when
 * not NULL. */
int rv_build_verifier(cb_builder *b, const zp_vk *inner, rv_verifier **out, rv_rows *rows)
    __attribute__((warn_unused_result));
void rv_verifier_free(rv_verifier *v);

/* Returns: the targets of the inner proof's public inputs (*n of them), for the
 * caller to expose (cb_public_input) or to use. */
const cb_target *rv_verifier_public_inputs(const rv_verifier *v, size_t *n);

/* Sets the circuit's inputs from an inner proof that zp_verify_replay accepted
 * with public inputs pi[0..npi): the proof's values and the public inputs; the
 * circuit derives the rest.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL, another number of public inputs, a
 * replay of another shape), ZK_ERR_NOMEM or cb_witness_set's errors. */
int rv_verifier_set_witness(cb_witness *w, const rv_verifier *v, const zp_vk *inner, const kb *pi,
                            size_t npi, const zp_replay *r) __attribute__((warn_unused_result));

#endif
