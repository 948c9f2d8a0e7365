/* What the parts of prover/recursion.h share: the query phase's targets, and the
 * circuit forms of the transcript and of the constraint identity at zeta. Not a
 * public header: only prover/recursion*.c include it. */
#ifndef ZKGATE_PROVER_RECURSION_INTERNAL_H
#define ZKGATE_PROVER_RECURSION_INTERNAL_H

#include "prover/recursion.h"

#define RV_NDEEP (ZP_NUM_OPENINGS + 4) /* DEEP terms: every column at zeta, Z at w zeta */

struct rv_query_phase {
    unsigned nq, log_lde, nlayers, zk_salt;
    size_t cap_len;
    unsigned tree_depth;   /* Merkle levels below the cap of T0..T3 */
    size_t row_len[4];     /* opened row of T0..T3, salt included */
    cb_target *q;          /* nq query indices */
    cb_target *caps[4];    /* cap_len x 8 each */
    cb_target *rows[4];    /* nq x row_len[t] */
    cb_target *sib[4];     /* nq x tree_depth x 8 */
    cb_ext open[RV_NDEEP]; /* openings at zeta, then Z at w zeta */
    cb_ext deep, zeta, zeta_next;
    cb_ext betas[FRI_MAX_LAYERS];
    cb_ext *final_poly;               /* 2^final_log coefficients */
    unsigned fdepth[FRI_MAX_LAYERS];  /* Merkle levels below the cap of layer i */
    size_t fcap_len[FRI_MAX_LAYERS];  /* its cap */
    size_t fwidth[FRI_MAX_LAYERS];    /* 4 2^a' */
    cb_target *fcaps[FRI_MAX_LAYERS]; /* fcap_len x 8 */
    cb_target *frows[FRI_MAX_LAYERS]; /* nq x fwidth */
    cb_target *fsib[FRI_MAX_LAYERS];  /* nq x fdepth x 8 */
};

/* Sets the query phase's inputs from a replay: the proof's values (caps of T1..T3,
 * openings, rows and paths, FRI caps, rows and paths, final polynomial) and, when
 * challenges is set, also T0's cap, the challenges and the query indices (which
 * the whole verifier derives in the circuit instead). */
int rv_set_query_witness(cb_witness *w, const rv_query_phase *q, const zp_vk *inner,
                         const zp_replay *r, int challenges) __attribute__((warn_unused_result));

/* The transcript of verifier/transcript.c as a circuit: the same duplex sponge
 * over the same elements, so each sample is the target of the element the native
 * transcript gives. Which step happens when depends only on how many elements were
 * observed, never on their values, so the circuit is fixed. */
typedef struct rv_tr {
    cb_target state[16];
    cb_target in[8];
    unsigned n_in;
    cb_target out[8];
    unsigned n_out;
} rv_tr;

void rv_tr_init(cb_builder *b, rv_tr *t);
void rv_tr_observe(cb_builder *b, rv_tr *t, cb_target x);
void rv_tr_observe_many(cb_builder *b, rv_tr *t, const cb_target *x, size_t n);
void rv_tr_observe_ext(cb_builder *b, rv_tr *t, cb_ext x);
cb_target rv_tr_sample(cb_builder *b, rv_tr *t);
cb_ext rv_tr_sample_ext(cb_builder *b, rv_tr *t);

/* Constrains verifier/plonk.c's check_identity: the gates' constraints, the
 * permutation argument and the first-row term at zeta, combined with powers of
 * alpha, equal Z_H(zeta) times the quotient's value; also that Z_H(zeta) != 0.
 * open: the RV_NDEEP openings; pi_hash: the inner public-input hash (8 base
 * targets). */
void rv_identity(cb_builder *b, const zp_vk *inner, const cb_ext *open, const cb_target *pi_hash,
                 cb_ext alpha, cb_ext beta, cb_ext gamma, cb_ext zeta);

#endif
