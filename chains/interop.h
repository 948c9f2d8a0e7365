/* The interop tree and its records as JSON: what the gateway builds each round
 * (DESIGN.md "Trees, messages and finality": a Merkle tree over the chains'
 * records) and what an import names (chain_importMessages' "interop",
 * "interopIndex", "interopPath", "interopRoot").
 *
 * The tree is the depth-32 Poseidon2 tree of chains/smt.h (same empty nodes,
 * same compression, same paths), with record i's leaf (st_interop_leaf) at
 * index i; it is built in memory, without a store. Until the gateway service
 * exists, `zkgate chain interop-root` uses this to make roots for tests and
 * devnets (docs/CHAIN.md, "Messages and imports").
 */
#ifndef ZKGATE_CHAINS_INTEROP_H
#define ZKGATE_CHAINS_INTEROP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chains/smt.h"
#include "chains/state.h"
#include "verifier/p2.h"

/* The most records one tree takes here (paths cost 1 KiB each). */
#define INTEROP_MAX_RECORDS 65536u

/* Builds the tree of recs[0..n), record i at index i.
 * Out: *root; paths[i] (when paths is not NULL): record i's path as smt_path
 * gives it, which smt_verify_path accepts under *root.
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL, n == 0, or a record st_interop_leaf
 * refuses, the detail names its index); ZK_ERR_TOO_LARGE (n >
 * INTEROP_MAX_RECORDS); ZK_ERR_NOMEM. */
int interop_build(const st_interop *recs, size_t n, p2_digest *root, p2_digest (*paths)[SMT_DEPTH])
    __attribute__((warn_unused_result));

/* Reads a record given as {"chainId", "exitRoot", "exitCount", "lastBatch",
 * "stateCommitment"} (integers as JSON numbers or 0x quantities, digests as 0x
 * and 64 hex digits of 8 canonical elements).
 * Returns: ZK_OK; ZK_ERR_PARSE with why naming the key and what was expected.
 */
int interop_from_json(const json_t *o, st_interop *r, char *why, size_t wl)
    __attribute__((warn_unused_result));

/* JSON readers of the forms above, for the import methods too: o[key] as a u64
 * (a JSON integer >= 0 or a 0x quantity below 2^64) or as a digest (0x and 64
 * hex digits, 8 canonical elements).
 * Returns: ZK_OK; ZK_ERR_PARSE with why naming key and what was expected. */
int interop_json_u64(const json_t *o, const char *key, uint64_t *out, char *why, size_t wl)
    __attribute__((warn_unused_result));
int interop_json_digest(const json_t *o, const char *key, p2_digest *d, char *why, size_t wl)
    __attribute__((warn_unused_result));

/* Returns: a new JSON object of r in the form interop_from_json reads (NULL
 * when out of memory). */
json_t *interop_to_json(const st_interop *r);

/* JSON forms of a digest (0x and 64 hex digits) and of a path (an array of
 * SMT_DEPTH of them). Returns: a new reference, NULL when out of memory. */
json_t *interop_digest_json(const p2_digest *d);
json_t *interop_path_json(const p2_digest path[SMT_DEPTH]);

#endif
