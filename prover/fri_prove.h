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

/* Fills proof: caps, final polynomial, nonce and the layer openings for the
 * sampled queries. proof is then the caller's (fri_proof_free), also on failure.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL) or ZK_ERR_NOMEM. */
int fri_prove_finish(fri_prover *fp, fri_proof *proof) __attribute__((warn_unused_result));

/* Frees the prover (layers and trees); NULL is fine. */
void fri_prover_free(fri_prover *fp);

#endif
