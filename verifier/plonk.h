/* Verifying Plonkish proofs (docs/PROOF.md): the verification key, the proof
 * bytes and the verifier. The prover is prover/plonk_prove.h.
 *
 * A verifier is given the verification key (from the circuit it trusts), the
 * public inputs and the proof bytes; it recomputes every challenge and never
 * takes a length, an index or a parameter from the proof.
 */
#ifndef ZKGATE_VERIFIER_PLONK_H
#define ZKGATE_VERIFIER_PLONK_H

#include <stddef.h>
#include <stdint.h>

#include "verifier/fri.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/p2.h"

/* 2: the Poseidon2 gate's swap bit (a 33rd routed wire, 173 wires); a version-1
 * proof or key is refused, never misread. */
#define ZP_FORMAT_VERSION 2u
#define ZP_MAGIC          0x46504b5au /* "ZKPF" little-endian */

#define ZP_NUM_SELECTORS     7
#define ZP_NUM_SIGMAS        33 /* one per routed column */
#define ZP_NUM_PREPROCESSED  44 /* selectors, constants, sigmas */
#define ZP_PERM_CHUNK        3  /* routed columns per partial product */
#define ZP_PERM_CHUNKS       11 /* ceil(33 / 3) */
#define ZP_NUM_PERM_COLS     44 /* Z and 10 partial products, 4 columns each */
#define ZP_QUOTIENT_CHUNKS   3
#define ZP_NUM_QUOTIENT_COLS 12
#define ZP_NUM_OPENINGS      273 /* 44 + 173 + 44 + 12 */
#define ZP_SALT              4   /* salt columns per tree when zero knowledge is on */
#define ZP_MIN_LOG_ROWS      4
#define ZP_MAX_CAP           256
#define ZP_MAX_PUBLIC_INPUTS (1u << 16)

/* The verification key: everything the verifier must agree on. Its digest
 * (P2_DOM_VK) is what a proof file names and the transcript starts from. */
typedef struct zp_vk {
    unsigned log_n;               /* trace rows: 2^log_n */
    uint32_t num_public_inputs;   /* how many the circuit takes */
    int zk;                       /* 1: zero knowledge (salted trees) */
    fri_params fri;               /* FRI parameters */
    p2_digest t0_cap[ZP_MAX_CAP]; /* the preprocessed columns' commitment */
    size_t t0_cap_len;            /* digests in t0_cap */
    p2_digest digest;             /* zp_vk_finish computes it */
} zp_vk;

/* Computes vk->digest from the other fields (docs/PROOF.md, "Verification key").
 * Returns ZK_OK or ZK_ERR_INVALID_ARG (a field out of range). */
int zp_vk_finish(zp_vk *vk) __attribute__((warn_unused_result));

/* The public-input hash h (p2_hash under P2_DOM_PUBLIC_INPUTS). */
void zp_public_input_hash(p2_digest *out, const kb *pi, size_t n);

/* Sizes of a proof's parts under vk, for `zkgate verify --info`. */
typedef struct zp_proof_info {
    size_t total_bytes;  /* the whole proof */
    size_t commit_bytes; /* caps, openings, FRI caps, final polynomial, nonce */
    size_t query_bytes;  /* Merkle openings of the query phase */
    unsigned fri_layers; /* committed FRI layers */
} zp_proof_info;

/* Verifies proof[0..len) against vk and the public inputs pi[0..npi).
 * min_bits: the least conjectured security (fri_conjectured_bits) accepted; a key
 * whose parameters give less is refused before anything else.
 * Returns ZK_OK (valid), ZK_ERR_PROOF (invalid: the detail says which check
 * failed), ZK_ERR_PARSE / ZK_ERR_RANGE / ZK_ERR_TOO_LARGE (malformed bytes: the
 * detail names the item and byte), ZK_ERR_UNSUPPORTED (another format version),
 * ZK_ERR_INVALID_ARG (a bad key or public-input count), ZK_ERR_NOMEM.
 * Out: *info when not NULL (filled as far as decoding got). */
int zp_verify(const zp_vk *vk, const kb *pi, size_t npi, const uint8_t *proof, size_t len,
              double min_bits, zp_proof_info *info) __attribute__((warn_unused_result));

/* What the verifier derived from a valid proof: its challenges, the openings and
 * the decoded query openings; the witness of a circuit that verifies the proof
 * (prover/recursion.h). */
typedef struct zp_replay {
    fri_schedule sched;                /* the FRI schedule of the key */
    size_t cap_len;                    /* digests per cap of T0..T3 */
    p2_digest caps[3][ZP_MAX_CAP];     /* caps of T1, T2, T3 */
    kb4 open[ZP_NUM_OPENINGS + 4];     /* openings at zeta, then Z at w zeta */
    kb4 deep, zeta, zeta_next;         /* DEEP challenge, zeta, w zeta */
    fri_challenges ch;                 /* folding challenges, query indices */
    fri_proof fri;                     /* FRI caps, final polynomial, layer openings */
    size_t nrows;                      /* distinct LDE rows the queries open */
    size_t row_index[FRI_MAX_QUERIES]; /* those rows, increasing */
    kb *rows[4];                       /* per tree: nrows rows (with salt when zk) */
    p2_digest *sib[4];                 /* per tree: the batch opening's siblings */
    size_t nsib[4];                    /* their counts */
} zp_replay;

/* zp_verify, keeping what it derived.
 * Returns as zp_verify; on ZK_OK *out holds the replay (zp_replay_free), on an
 * error it holds nothing. */
int zp_verify_replay(const zp_vk *vk, const kb *pi, size_t npi, const uint8_t *proof, size_t len,
                     double min_bits, zp_replay *out) __attribute__((warn_unused_result));
void zp_replay_free(zp_replay *r);

#endif
