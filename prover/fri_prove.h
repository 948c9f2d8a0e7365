/* The FRI prover: commit phase, proof of work, query sampling and the layer
 * openings (docs/PROOF.md, "FRI" and "Transcript order" steps 7-9). The verifier
 * side, the parameters and the proof structure are in verifier/fri.h.
 *
 * Layers are folded on zk_par_for's threads with fri_fold_row, the function the
 * verifier uses; the result does not depend on the thread count.
 */
#ifndef ZKGATE_PROVER_FRI_PROVE_H
#define ZKGATE_PROVER_FRI_PROVE_H

#include <stdint.h>

#include "prover/mtree.h"
#include "verifier/fri.h"
#include "verifier/kb4.h"
#include "verifier/transcript.h"

typedef struct fri_prover fri_prover;

/* Commit phase, proof of work and query sampling (transcript steps 7-9): commits
 * each layer and observes its cap, samples its beta and folds; interpolates the
 * last layer into the final polynomial and observes it; grinds; samples
 * p->num_queries indices. The prover does not check that F has low degree: the
 * proof of an F that has not is rejected by the verifier.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL, or parameters fri_schedule_make
 * refuses) or ZK_ERR_NOMEM; on failure *out is NULL and t is unusable.
 * Args: t: the transcript after step 6; evals: F's 2^(log_degree + b) values on
 * g H_N in natural order, only read (copied into layer 0's matrix, so the caller
 * may free it once this returns).
 * Out: *out, to free with fri_prover_free; queries[0..p->num_queries) as sampled. */
int fri_prove_commit(fri_prover **out, tr_state *t, const fri_params *p, unsigned log_degree,
                     const kb4 *evals, uint32_t *queries) __attribute__((warn_unused_result));

/* Where the layers are kept: the commit phase's work on the layers' values,
 * supplied by a backend (the CUDA one keeps them on the device,
 * prover/plonk_gpu.h). fri_prove_commit uses the CPU's. Layer i has `rows` rows
 * of 2^a extension values; the values being folded start as F. */
typedef struct fri_layer_ops {
    /* Lays the current values (natural order, rows 2^a of them) out as layer i's
     * matrix (row r = the values at r + k rows, k < 2^a) and builds its tree with a
     * cap of 2^cap_log; *tree is freed by fri_prover_free, and must stay openable
     * until then; *owned (host memory from malloc, or NULL) likewise. */
    int (*commit)(void *ctx, unsigned i, size_t rows, unsigned a, unsigned cap_log, mt_tree **tree,
                  void **owned);
    /* Folds layer i's matrix with beta (fri_fold_row on every row; row r's x0 has
     * inverse sinv winv^r) into the next values. */
    int (*fold)(void *ctx, unsigned i, size_t rows, unsigned a, kb sinv, kb winv, kb4 beta);
    /* Copies the current values (m of them, natural order) to out. */
    int (*values)(void *ctx, kb4 *out, size_t m);
    /* The proof of work: tr_grind's nonce (the smallest), t advanced as it does. */
    int (*grind)(void *ctx, tr_state *t, unsigned bits, uint32_t *nonce);
} fri_layer_ops;

/* fri_prove_commit with the layers kept by ops (ctx is passed to them); the
 * values start as F wherever ops keeps it. Gives exactly fri_prove_commit's
 * transcript, trees and final polynomial. */
int fri_prove_commit_with(fri_prover **out, tr_state *t, const fri_params *p, unsigned log_degree,
                          const fri_layer_ops *ops, void *ctx, uint32_t *queries)
    __attribute__((warn_unused_result));

/* Fills proof: caps, final polynomial, nonce and the layer openings for the
 * sampled queries. proof is then the caller's (fri_proof_free), also on failure.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL) or ZK_ERR_NOMEM. */
int fri_prove_finish(fri_prover *fp, fri_proof *proof) __attribute__((warn_unused_result));

/* Frees the prover (layers and trees); NULL is fine. */
void fri_prover_free(fri_prover *fp);

#endif
