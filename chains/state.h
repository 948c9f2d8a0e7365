/* The chain's state-tree leaves and the account index, as docs/PROTOCOL.md
 * ("State trees") specifies them bit for bit, since the batch circuit recomputes
 * every one of these hashes.
 *
 * Field elements come from two rules, both injective for fixed-length inputs and
 * always below 2^24 < p:
 *   - byte strings (addresses, token ids, payload hashes) are cut into 3-byte
 *     chunks c = b[3i] + 256 b[3i+1] + 65536 b[3i+2] (missing bytes of the last
 *     chunk are 0), as in PROTOCOL.md's "Bytes as field elements";
 *   - integers the circuit does arithmetic or comparisons on (chain ids,
 *     sequences, nonces, counts, balances, amounts) are cut into 16-bit limbs,
 *     least significant first, so a sum of two limbs and a carry stays far below
 *     p and each limb's range check is one 16-bit decomposition.
 * Balances and amounts are u128 (8 limbs): a u256 value at or above 2^128 is
 * refused (ZK_ERR_RANGE), which no real asset supply reaches.
 */
#ifndef ZKGATE_CHAINS_STATE_H
#define ZKGATE_CHAINS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "chains/smt.h"
#include "chains/tx.h"
#include "common/db.h"
#include "privacy/commit.h"
#include "verifier/p2.h"

/* Tree ids of the trees a chain keeps in its database. Values never change. */
#define ST_TREE_ACCOUNTS      1u /* account tree: (address, asset) -> balance, nonce */
#define ST_TREE_EXIT          2u /* exit tree: append-only, one leaf per sent message */
#define ST_TREE_LOCAL_BALANCE 3u /* local balance tree of bridged assets */
#define ST_TREE_CHANNEL       4u /* channel tree: next sequence per (direction, peer chain) */

/* Channel directions. */
#define ST_CHANNEL_IN  0u /* from the peer: the next sequence this chain expects */
#define ST_CHANNEL_OUT 1u /* to the peer: the next sequence this chain assigns */

/* Element counts of each leaf's input to p2_hash. */
#define ST_ACCOUNT_ELEMS 34 /* address 7, asset 15, balance 8, nonce 4 */
#define ST_MESSAGE_ELEMS 69 /* 1 + 4 + 4 + 4 + 7 + 7 + 15 + 8 + 11 + 8 */
#define ST_INTEROP_ELEMS 28 /* 4 + 8 + 4 + 4 + 8 */
#define ST_CHANNEL_ELEMS 9  /* direction 1, peer chain 4, next sequence 4 */
#define ST_LOCAL_ELEMS   23 /* asset 15, amount 8 */
#define ST_STATE_ELEMS   36 /* four roots 4 x 8, exit count 4 */

/* The version a message leaf carries today. */
#define ST_MESSAGE_VERSION 1u

/* An asset: the chain where it originates and its token id there (the native coin
 * of chain c is (c, 32 zero bytes)). */
typedef struct st_asset {
    uint64_t origin_chain;
    uint8_t token[32];
} st_asset;

/* One account-tree leaf. */
typedef struct st_account {
    uint8_t address[20];
    st_asset asset;
    u256 balance;   /* below 2^128 */
    uint64_t nonce; /* the address's nonce in its native-coin leaf, 0 in others */
} st_account;

/* A cross-chain message, as its exit-tree leaf commits to it. */
typedef struct st_message {
    uint32_t version; /* ST_MESSAGE_VERSION; below 2^16 */
    uint64_t source_chain;
    uint64_t dest_chain;
    uint64_t sequence; /* channel (source, dest) sequence, from 0, gapless */
    uint8_t sender[20];
    uint8_t recipient[20];
    st_asset asset;
    u256 amount;              /* below 2^128 */
    uint8_t payload_hash[32]; /* Keccak-256 of the payload bytes */
    pc_salt salt;             /* secret on a private chain (pc_salt_random); zero on a public one */
} st_message;

/* One chain's record in the interop tree. */
typedef struct st_interop {
    uint64_t chain_id;
    p2_digest exit_root;
    uint64_t exit_count; /* messages in the exit tree, at most 2^32 */
    uint64_t last_batch;
    p2_digest state_commitment;
} st_interop;

/* The elements an account leaf hashes (what the circuit witnesses).
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL); ZK_ERR_RANGE (balance >= 2^128). */
int st_account_elems(kb out[ST_ACCOUNT_ELEMS], const st_account *a)
    __attribute__((warn_unused_result));

/* Account leaf = p2_hash(P2_DOM_ACCOUNT, st_account_elems). Errors as above. */
int st_account_leaf(p2_digest *out, const st_account *a) __attribute__((warn_unused_result));

/* The most leaves one st_account_leaves call hashes. */
#define ST_LEAVES_MAX 64u

/* out[i] = st_account_leaf(a[i]) for n <= ST_LEAVES_MAX accounts, the n sponges run
 * side by side so that each permutation step is one p2_permute_many call (the
 * vector units then hash several leaves at once).
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL, n too large); ZK_ERR_RANGE naming the
 * first balance at or above 2^128 (out is then undefined). */
int st_account_leaves(p2_digest *out, const st_account *a, size_t n)
    __attribute__((warn_unused_result));

/* The elements a message leaf hashes (the salt's elements are secret on a private
 * chain: wipe out[] after use).
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL, or a salt element not below p);
 * ZK_ERR_RANGE (version >= 2^16, amount >= 2^128). */
int st_message_elems(kb out[ST_MESSAGE_ELEMS], const st_message *m)
    __attribute__((warn_unused_result));

/* Message leaf = p2_hash(P2_DOM_MESSAGE, st_message_elems). Errors as above. */
int st_message_leaf(p2_digest *out, const st_message *m) __attribute__((warn_unused_result));

/* The elements an interop leaf hashes.
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL, or a digest element not below p);
 * ZK_ERR_RANGE (exit_count > 2^32). */
int st_interop_elems(kb out[ST_INTEROP_ELEMS], const st_interop *r)
    __attribute__((warn_unused_result));

/* Interop leaf = p2_hash(P2_DOM_INTEROP, st_interop_elems). Errors as above. */
int st_interop_leaf(p2_digest *out, const st_interop *r) __attribute__((warn_unused_result));

/* The roots a chain's state root covers. */
typedef struct st_state {
    p2_digest account_root;
    p2_digest local_root;   /* local balance tree */
    p2_digest channel_root; /* channel tree */
    p2_digest exit_root;
    uint64_t exit_count; /* at most 2^32 */
} st_state;

/* Channel leaf = p2_hash(P2_DOM_CHANNEL, direction (1) || peer chain (4) || next
 * sequence (4)).
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL, direction not ST_CHANNEL_IN/OUT). */
int st_channel_leaf(p2_digest *out, unsigned dir, uint64_t peer, uint64_t next)
    __attribute__((warn_unused_result));

/* Local balance leaf = p2_hash(P2_DOM_LOCAL_BALANCE, asset (15) || amount (8)):
 * how much of a bridged asset the chain holds, so may send out.
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL); ZK_ERR_RANGE (amount >= 2^128). */
int st_local_leaf(p2_digest *out, const st_asset *asset, const u256 *amount)
    __attribute__((warn_unused_result));

/* State root = p2_hash(P2_DOM_STATE, account root || local balance root || channel
 * root || exit root || exit count (4)).
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL, a root element not below p);
 * ZK_ERR_RANGE (exit count > 2^32). */
int st_state_root(p2_digest *out, const st_state *s) __attribute__((warn_unused_result));

/* Creates the account-index table when it does not exist (idempotent).
 * Returns: ZK_OK or ZK_ERR_DB. */
int st_schema(zk_db *db) __attribute__((warn_unused_result));

/* The leaf index of (address, asset) in tree. Indices are handed out in order of
 * first appearance (smt_alloc_index of tree); with create, an unknown pair gets
 * the next one, stored in the caller's transaction or in one of its own.
 * Returns: ZK_OK and *index; ZK_ERR_NOT_FOUND (unknown and !create);
 * ZK_ERR_TOO_LARGE (tree full); ZK_ERR_DB; ZK_ERR_INVALID_ARG. */
int st_account_index(zk_db *db, smt *tree, const uint8_t address[20], const st_asset *asset,
                     int create, uint32_t *index) __attribute__((warn_unused_result));

#endif
