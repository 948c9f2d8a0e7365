/* Salted Poseidon2 commitments.
 *
 *   commit(value, salt) = p2_hash(P2_DOM_COMMITMENT, salt[0..8) || value[0..n))
 *
 * The salt comes first, so the sponge's first absorbed block is all secret, and the
 * sponge's padding makes values of different lengths distinct. A salt is 8 field
 * elements drawn from RAND_bytes by rejection sampling (31 random bits, kept when
 * below p), 8 * log2(p) = 247.9 bits. Low-entropy data (a balance, a state root of
 * a small state) is never committed without one.
 *
 * State commitment of a private chain = commit(state root digest (8 elements), salt).
 * Message leaves take their salt from pc_salt_random too.
 *
 * An opening is (value, salt). Verification recomputes the commitment and compares
 * the canonical encodings with CRYPTO_memcmp.
 *
 * Wire encoding of a digest or a salt: 8 elements, each canonical (< p) as 4 bytes
 * little-endian, 32 bytes in all.
 */
#ifndef ZKGATE_PRIVACY_COMMIT_H
#define ZKGATE_PRIVACY_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "verifier/kb.h"
#include "verifier/p2.h"

#define PC_SALT_LEN 8
/* The most value elements one commitment takes. */
#define PC_MAX_VALUE 4096

/* A secret salt: elements in Montgomery form, like every kb. Wipe with pc_salt_wipe. */
typedef struct pc_salt {
    kb v[PC_SALT_LEN];
} pc_salt;

/* Draws a fresh salt from the CSPRNG.
 * Returns: ZK_OK or ZK_ERR_CRYPTO (RAND_bytes failed). */
int pc_salt_random(pc_salt *salt) __attribute__((warn_unused_result));

/* Overwrites a salt. NULL is fine. */
void pc_salt_wipe(pc_salt *salt);

/* Commits to value[0..n) under salt.
 * Returns: ZK_OK, ZK_ERR_INVALID_ARG (NULL), ZK_ERR_TOO_LARGE (n > PC_MAX_VALUE).
 * Out: out. */
int pc_commit(p2_digest *out, const kb *value, size_t n, const pc_salt *salt)
    __attribute__((warn_unused_result));

/* A private chain's state commitment: commit(state root, salt). */
int pc_state_commit(p2_digest *out, const p2_digest *state_root, const pc_salt *salt)
    __attribute__((warn_unused_result));

/* Checks an opening in constant time (for a given n).
 * Returns: ZK_OK, ZK_ERR_PROOF (the opening does not match), or pc_commit's errors. */
int pc_verify(const p2_digest *commitment, const kb *value, size_t n, const pc_salt *salt)
    __attribute__((warn_unused_result));

/* Writes the 32-byte canonical encoding of 8 elements (a digest or a salt). */
void pc_encode8(uint8_t out[32], const kb v[8]);

/* Decodes 32 bytes into 8 elements. Returns: ZK_OK or ZK_ERR_PARSE naming the
 * element that is not below p. */
int pc_decode8(kb v[8], const uint8_t in[32]) __attribute__((warn_unused_result));

#endif
