/* FRI over the degree-4 extension: parameters and their schedule, presets, security
 * bits, the FRI part of the proof bytes, and verification (docs/PROOF.md, "FRI",
 * "Transcript order" steps 7-9 and "Proof bytes" items 4 and 5; docs/SECURITY.md
 * derives the bits).
 *
 * The prover side is prover/fri_prove.h; it folds with fri_fold_row below, so the
 * two sides cannot disagree on the folding formula.
 *
 * Parameters belong to the verification key: nothing here reads a parameter, a
 * length or an index from a proof without checking it against what the parameters
 * and the transcript imply.
 */
#ifndef ZKGATE_VERIFIER_FRI_H
#define ZKGATE_VERIFIER_FRI_H

#include <stddef.h>
#include <stdint.h>

#include "verifier/codec.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/p2.h"
#include "verifier/transcript.h"

#define FRI_MAX_LAYERS    24
#define FRI_MAX_QUERIES   128
#define FRI_MAX_FINAL_LOG 10
#define FRI_MAX_CAP_LOG   8
#define FRI_DOMAIN_SHIFT  KB_GENERATOR /* canonical 3: the LDE coset shift g */

typedef struct fri_params {
    unsigned log_blowup;  /* b, 2..8 */
    unsigned arity_bits;  /* a, 1..4 */
    unsigned final_log;   /* final polynomial: 2^final_log coefficients, 0..FRI_MAX_FINAL_LOG */
    unsigned num_queries; /* 1..FRI_MAX_QUERIES */
    unsigned pow_bits;    /* 0..TR_MAX_POW_BITS */
    unsigned cap_log;     /* Merkle caps of 2^min(cap_log, log rows) digests, 0..FRI_MAX_CAP_LOG */
} fri_params;

typedef struct fri_schedule {
    unsigned log_degree;                   /* d: log2 of the degree bound (log_n) */
    unsigned log_lde;                      /* log N = d + b */
    unsigned nlayers;                      /* committed layers (0 when d <= final_log) */
    unsigned arity_bits[FRI_MAX_LAYERS];   /* a' of layer i */
    unsigned log_size[FRI_MAX_LAYERS + 1]; /* log M_i; log_size[nlayers] is the final domain */
    unsigned cap_log[FRI_MAX_LAYERS];      /* the cap actually used by layer i's tree */
    unsigned final_degree_log;             /* the final polynomial's coefficients at index
                                              >= 2^final_degree_log must be zero:
                                              min(d, final_log) */
} fri_schedule;

/* Checks parameters (the ranges above, and log_degree + log_blowup <=
 * KB_TWO_ADICITY) and works out the layers. final_log > log_degree is allowed:
 * there are then no layers.
 * Returns ZK_OK or ZK_ERR_INVALID_ARG naming the parameter.
 * Out: *s. */
int fri_schedule_make(fri_schedule *s, const fri_params *p, unsigned log_degree)
    __attribute__((warn_unused_result));

/* Returns: the conjectured security bits, min(num_queries * log_blowup + pow_bits,
 * 123) (123 = floor(log2 |F_p^4|); docs/SECURITY.md says why), or 0 for NULL. */
double fri_conjectured_bits(const fri_params *p);

/* Returns: the proven security bits of the FRI low-degree test for a degree bound
 * of 2^log_degree: -log2(eps_C + 2^-pow_bits * alpha^num_queries), eps_C and alpha
 * from BCIKS20 Lemma 8.2 / Theorem 8.3 (the Johnson bound), maximised over the
 * integer m in [3, 1024] (docs/SECURITY.md has the formula). 0 for invalid
 * parameters. */
double fri_proven_bits(const fri_params *p, unsigned log_degree);

/* Presets named by purpose: "test" (in-process tests only), "batch" (chain batch
 * proofs), "aggregate" (recursion), "settle" (proofs for L1).
 * Returns ZK_OK, or ZK_ERR_NOT_FOUND listing the names.
 * Out: *out. */
int fri_preset(const char *name, fri_params *out) __attribute__((warn_unused_result));

/* Returns: the name of preset i, or NULL past the end. */
const char *fri_preset_at(size_t i);

/* Returns: the number of presets. */
size_t fri_preset_count(void);

typedef struct fri_layer_opening {
    uint32_t nrows; /* distinct rows opened (= distinct (q_i mod rows) over the queries) */
    kb *rows;       /* nrows * 4 * 2^a' elements (Montgomery), rows in increasing index order */
    uint32_t nsib;  /* siblings */
    p2_digest *sib; /* the batch opening's siblings (verifier/merkle.h order) */
} fri_layer_opening;

typedef struct fri_proof {
    unsigned nlayers;                         /* committed layers */
    p2_digest *caps;                          /* layer 0's cap, then layer 1's, ... */
    kb4 *final_poly;                          /* 2^final_log coefficients, low degree first */
    uint32_t pow_nonce;                       /* proof-of-work nonce */
    fri_layer_opening layers[FRI_MAX_LAYERS]; /* openings for the sampled queries */
} fri_proof;

/* Frees what p owns and zeroes it; NULL is fine. */
void fri_proof_free(fri_proof *p);

/* Proof bytes item 4: every layer's cap, the final polynomial, the PoW nonce. A
 * proof whose shape does not match the schedule puts ZK_ERR_INVALID_ARG into w. */
void fri_proof_encode_commit(cd_writer *w, const fri_proof *p, const fri_schedule *s,
                             const fri_params *prm);

/* Reads what fri_proof_encode_commit writes; counts come from s and prm, never
 * from the bytes. p is zeroed first; on failure it may hold part of the proof,
 * which fri_proof_free releases.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (s does not come from prm), ZK_ERR_PARSE,
 * ZK_ERR_RANGE or ZK_ERR_NOMEM, the detail naming the item and byte offset. */
int fri_proof_decode_commit(cd_reader *r, fri_proof *p, const fri_schedule *s,
                            const fri_params *prm) __attribute__((warn_unused_result));

/* The FRI-layer part of proof bytes item 5: per layer u32 nrows, the rows, u32
 * nsib, the siblings. */
void fri_proof_encode_queries(cd_writer *w, const fri_proof *p, const fri_schedule *s);

/* Reads the layer openings for the given query indices (as sampled: the verifier
 * replays the transcript first). Every count must equal the one the queries
 * imply, checked before allocating. Earlier layer openings in p are freed first;
 * on failure p may hold part of them (fri_proof_free releases them).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (a query >= N, nq out of range), ZK_ERR_PROOF
 * (a count differs from the expected one), ZK_ERR_PARSE, ZK_ERR_RANGE or
 * ZK_ERR_NOMEM, the detail naming layer, item and byte offset. */
int fri_proof_decode_queries(cd_reader *r, fri_proof *p, const fri_schedule *s,
                             const uint32_t *queries, size_t nq)
    __attribute__((warn_unused_result));

typedef struct fri_challenges {
    kb4 betas[FRI_MAX_LAYERS];         /* folding challenge of each layer */
    uint32_t queries[FRI_MAX_QUERIES]; /* in sampling order (may repeat) */
} fri_challenges;

/* Transcript steps 7-9 for the verifier: observes each layer's cap and samples its
 * beta, observes the final polynomial, checks the proof of work and samples
 * num_queries indices (tr_sample_bits(log N)).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (s does not come from p) or ZK_ERR_PROOF (the
 * proof's shape is wrong, or the PoW nonce is not valid).
 * Out: *out. */
int fri_verify_commit(tr_state *t, const fri_params *p, const fri_schedule *s,
                      const fri_proof *proof, fri_challenges *out)
    __attribute__((warn_unused_result));

/* Checks every layer's Merkle batch opening, that each opened row holds the value
 * carried from the layer before (F's value at layer 0), the folding, and the final
 * polynomial (its value at the last carried point, and that its coefficients at
 * index >= 2^final_degree_log are zero).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (s does not come from p), ZK_ERR_NOMEM or
 * ZK_ERR_PROOF with a detail (which query, which layer).
 * Args: f_at_q[k]: F at LDE row ch->queries[k], k < num_queries. */
int fri_verify_queries(const fri_params *p, const fri_schedule *s, const fri_proof *proof,
                       const fri_challenges *ch, const kb4 *f_at_q)
    __attribute__((warn_unused_result));

/* One row of a layer folded by 2^arity_bits in binary steps with beta, beta^2,
 * beta^4, ... (docs/PROOF.md, "FRI"): the row holds the values at the points
 * x0 * w^k, k < 2^arity_bits, w = kb_root_of_unity(arity_bits), and the result is
 * the folded function's value at x0^(2^arity_bits).
 * Returns: the folded value.
 * Args: row: 2^arity_bits values (arity_bits 1..4), not modified; x0_inv: 1/x0. */
kb4 fri_fold_row(const kb4 *row, unsigned arity_bits, kb x0_inv, kb4 beta);

#endif
