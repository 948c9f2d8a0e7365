/* The Fiat-Shamir transcript: a duplex sponge over Poseidon2-16 started under
 * P2_DOM_TRANSCRIPT (docs/PROTOCOL.md, "Transcript", says it precisely enough to
 * re-implement).
 *
 * Prover and verifier feed the same public values in the same order (observe) and
 * draw the same challenges (sample). A tr_state is a plain value: copy it to fork a
 * transcript. Nothing here allocates.
 */
#ifndef ZKGATE_VERIFIER_TRANSCRIPT_H
#define ZKGATE_VERIFIER_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/p2.h"

/* The most bits tr_sample_bits gives from one element (p = 1 + 127 * 2^24, so the
 * low 24 bits of a uniform element are uniform up to 1/p). */
#define TR_MAX_SAMPLE_BITS 24
/* The most proof-of-work bits tr_grind accepts (canonical values have 31 bits). */
#define TR_MAX_POW_BITS 30

typedef struct tr_state {
    kb state[P2_WIDTH]; /* the sponge; state[8..15] is the capacity */
    kb in[P2_RATE];     /* observed, not yet absorbed (n_in < 8 between calls) */
    unsigned n_in;      /* elements in in[] */
    kb out[P2_RATE];    /* squeezed outputs; the next one is out[P2_RATE - n_out] */
    unsigned n_out;     /* outputs not yet sampled */
} tr_state;

/* Starts an empty transcript. */
void tr_init(tr_state *t);

/* Observe public values. */
void tr_observe(tr_state *t, kb x);
void tr_observe_many(tr_state *t, const kb *x, size_t n);
void tr_observe_ext(tr_state *t, kb4 x);
void tr_observe_digest(tr_state *t, const p2_digest *d);

/* Returns: a challenge in the base field / in the extension (4 base samples,
 * coefficients in order). */
kb tr_sample(tr_state *t);
kb4 tr_sample_ext(tr_state *t);

/* Samples one element and returns its low `bits` bits (for query indices).
 * Returns ZK_OK, or ZK_ERR_INVALID_ARG when bits > TR_MAX_SAMPLE_BITS.
 * Bias: x is uniform on [0, p) and p - 1 = 127 * 2^24, so every residue mod 2^bits
 * has 127 * 2^(24-bits) preimages in [0, p-1) and p - 1 itself adds one to residue
 * 0: the statistical distance from uniform is below 1/p < 2^-30. */
int tr_sample_bits(tr_state *t, unsigned bits, uint32_t *out) __attribute__((warn_unused_result));

/* Proof of work. A nonce is valid for `bits` when, on a copy of t, observing the
 * nonce (as a base element, nonce < p) and sampling one element x gives a canonical
 * x with `bits` leading zero bits as a 31-bit number (x < 2^(31-bits)).
 *
 * tr_grind finds the SMALLEST valid nonce (so every backend and thread count
 * gives the same proof), writes it to *nonce and advances t exactly as
 * tr_check_pow does. Returns ZK_OK, ZK_ERR_INVALID_ARG (bits > TR_MAX_POW_BITS) or
 * ZK_ERR_NOT_FOUND (no nonce below p; not expected for bits <= 30). Uses every
 * core through zk_par_for. */
int tr_grind(tr_state *t, unsigned bits, uint32_t *nonce) __attribute__((warn_unused_result));

/* Observes nonce and checks the sample as above; t advances the same way whether
 * or not the nonce is valid. Returns ZK_OK, ZK_ERR_INVALID_ARG (bits too large) or
 * ZK_ERR_PROOF (nonce >= p, or not enough leading zeros). */
int tr_check_pow(tr_state *t, unsigned bits, uint32_t nonce) __attribute__((warn_unused_result));

#endif
