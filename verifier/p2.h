/* Poseidon2 over KoalaBear, width 16, S-box x^3, 8 full + 20 partial rounds: the
 * instance of ../shared/vectors/poseidon2-koalabear16.json.
 *
 * States and digests hold field elements in Montgomery form (kb). A digest is 8
 * elements. Hashing is domain-separated (see docs/PROTOCOL.md, "Hash domains"):
 *   - a sponge (rate 8, capacity 8) starts from a state whose capacity holds the
 *     domain tag, and pads its input with 1 then zeros to a multiple of 8, so
 *     inputs of different lengths never collide;
 *   - two-to-one compression (Merkle inner nodes) permutes left || right and keeps
 *     the first 8 elements; it is never a sponge with any tag, so a leaf can never
 *     be read as an inner node.
 */
#ifndef ZKGATE_VERIFIER_P2_H
#define ZKGATE_VERIFIER_P2_H

#include <stddef.h>

#include "verifier/kb.h"

#define P2_WIDTH      16
#define P2_RATE       8
#define P2_DIGEST_LEN 8

/* Domain tags: a use of the sponge names one. Values never change. */
enum p2_domain {
    P2_DOM_MERKLE_LEAF = 1,    /* a row of committed matrices (prover/verifier trees) */
    P2_DOM_TRANSCRIPT = 2,     /* the Fiat-Shamir transcript */
    P2_DOM_COMMITMENT = 3,     /* privacy/ salted commitments */
    P2_DOM_MESSAGE = 4,        /* a cross-chain message's exit-tree leaf */
    P2_DOM_ACCOUNT = 5,        /* an account-tree leaf */
    P2_DOM_INTEROP = 6,        /* an interop-tree leaf (one chain's record) */
    P2_DOM_VK = 7,             /* a verification-key digest */
    P2_DOM_PUBLIC_INPUTS = 8,  /* a hash of public inputs */
    P2_DOM_GENERIC = 9,        /* `zkgate hash poseidon2 --sponge` and tests */
    P2_DOM_STATE = 10,         /* a chain's state root over its trees' roots */
    P2_DOM_CHANNEL = 11,       /* a channel-tree leaf (next sequence per peer chain) */
    P2_DOM_LOCAL_BALANCE = 12, /* a local-balance-tree leaf (bridged asset held) */
};

typedef struct p2_digest {
    kb v[P2_DIGEST_LEN]; /* Montgomery form */
} p2_digest;

/* The permutation, in place (AVX-512 when the CPU has it: one state in one
 * register; the same result on every back end). */
void p2_permute(kb state[P2_WIDTH]);

/* p2_permute, recording the states between rounds when rec is not NULL: rec[0..64)
 * the state after each of the first 4 full rounds, rec[64..84) the S-box output of
 * each of the 20 partial rounds, rec[84..132) the state after each of the first 3
 * of the last 4 full rounds (the Poseidon2 gate's advice wires, in their order). */
#define P2_RECORD_LEN 132
void p2_permute_record(kb state[P2_WIDTH], kb *rec);

/* n independent permutations of states laid out one after another
 * (states[16*i .. 16*i+15]); uses AVX-512 / AVX2 when the CPU has them, and gives
 * exactly the same result as n calls of p2_permute. */
void p2_permute_many(kb *states, size_t n);

/* out = first 8 elements of permute(left || right). out may alias an input. */
void p2_compress(p2_digest *out, const p2_digest *left, const p2_digest *right);

/* Incremental sponge. */
typedef struct p2_sponge {
    kb state[P2_WIDTH]; /* rate is state[0..7], capacity state[8..15] */
    unsigned pos;       /* elements absorbed into the current rate block */
} p2_sponge;

void p2_sponge_init(p2_sponge *s, unsigned domain);
void p2_sponge_absorb(p2_sponge *s, const kb *x, size_t n);
/* Pads, permutes and writes the digest; s must be re-initialised before reuse. */
void p2_sponge_finish(p2_sponge *s, p2_digest *out);

/* One-shot: digest of x[0..n) under domain. */
void p2_hash(p2_digest *out, unsigned domain, const kb *x, size_t n);

/* Which implementation p2_permute_many uses on this CPU: "avx512", "avx2" or
 * "scalar". */
const char *p2_backend_name(void);

#endif
