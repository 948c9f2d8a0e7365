/* Sparse Merkle trees of fixed depth 32 over Poseidon2 digests, stored in SQLite.
 * The construction is specified in docs/PROTOCOL.md, "State trees"; in short:
 *
 *   - level 32 holds the 2^32 leaves, level 0 the root; node (l, i) for l < 32 is
 *     p2_compress(node (l+1, 2i), node (l+1, 2i+1));
 *   - an empty leaf is the all-zero digest, and an empty node of level l is
 *     empty(l) = p2_compress(empty(l+1), empty(l+1)), so a tree with no leaves has
 *     the root empty(0);
 *   - the path of leaf i is its 32 siblings, from level 32 (the leaf's own sibling)
 *     up to level 1.
 *
 * One database holds several trees (account tree, exit tree, local balance tree),
 * each named by a tree id. Nodes are stored in pages of 4 levels (30 nodes), one
 * row per page that holds a non-empty node, so that a batch writes one row per
 * page it touches rather than one per node (layout: docs/PROTOCOL.md). An
 * in-memory cache of pages keeps the upper levels, which every update reads.
 *
 * Transactions: an update that finds no transaction open on the connection runs
 * in its own (all of a batch or none of it). One that finds the caller's
 * transaction open writes into it, so the caller can commit tree and ledger
 * changes together; a caller that then rolls back must call smt_reload, which
 * forgets what the handle remembered of the rolled-back writes.
 *
 * A handle is used by one thread at a time, like the zk_db it borrows.
 */
#ifndef ZKGATE_CHAINS_SMT_H
#define ZKGATE_CHAINS_SMT_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"
#include "verifier/p2.h"

#define SMT_DEPTH 32
/* The most leaves one smt_update call takes. */
#define SMT_MAX_BATCH (1u << 20)
/* Default and largest number of nodes the in-memory cache holds (in pages of 30,
 * trimmed to half between page levels of an update when over). */
#define SMT_CACHE_DEFAULT (1u << 20)
#define SMT_CACHE_MAX     (1u << 26)

typedef struct smt smt;

/* Creates the tables trees live in, when they do not exist (idempotent; runs in
 * whatever transaction is open). smt_new calls it; a module that keeps trees in
 * its own migrated database may call it from its migration step.
 * Returns: ZK_OK or ZK_ERR_DB. */
int smt_schema(zk_db *db) __attribute__((warn_unused_result));

/* Opens tree tree_id in db (which the handle borrows; it must outlive it),
 * creating its record on first use, and reads its root.
 * Args: cache_nodes: most nodes kept in memory (0: SMT_CACHE_DEFAULT; at most
 *       SMT_CACHE_MAX).
 * Returns: ZK_OK and *out; ZK_ERR_INVALID_ARG; ZK_ERR_NOMEM; ZK_ERR_DB (including
 * a stored node that is not a valid digest). */
int smt_new(smt **out, zk_db *db, uint32_t tree_id, size_t cache_nodes)
    __attribute__((warn_unused_result));

/* NULL is fine. */
void smt_free(smt *t);

/* Returns: the tree id the handle was opened with. */
uint32_t smt_tree_id(const smt *t);

/* Out: the current root. */
void smt_root(const smt *t, p2_digest *root);

/* Returns: the next index smt_append or smt_alloc_index hands out (for an
 * append-only tree, the number of leaves appended so far), 0..2^32. */
uint64_t smt_count(const smt *t);

/* Out: the empty node of level (0 = root .. SMT_DEPTH = leaf); level > SMT_DEPTH
 * gives the empty leaf. */
void smt_empty(unsigned level, p2_digest *out);

/* Reads leaf index.
 * Returns: ZK_OK and *leaf (the zero digest for an empty leaf), or ZK_ERR_DB. */
int smt_get(smt *t, uint32_t index, p2_digest *leaf) __attribute__((warn_unused_result));

/* Sets n leaves (idx[k] to leaves[k]; when an index repeats, the last one wins)
 * and updates the root. Setting the zero digest empties a leaf. One transaction
 * (its own, or the caller's: see above).
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (NULL with n > 0, or an element not below p);
 * ZK_ERR_TOO_LARGE (n > SMT_MAX_BATCH); ZK_ERR_NOMEM; ZK_ERR_DB. On error the
 * tree is unchanged (the caller's transaction must be rolled back). */
int smt_update(smt *t, const uint32_t *idx, const p2_digest *leaves, size_t n)
    __attribute__((warn_unused_result));

/* smt_update of one leaf. */
int smt_set(smt *t, uint32_t index, const p2_digest *leaf) __attribute__((warn_unused_result));

/* Hands out the next index (smt_count) and advances it, stored durably with the
 * caller's transaction or its own.
 * Returns: ZK_OK and *index; ZK_ERR_TOO_LARGE (all 2^32 handed out); ZK_ERR_DB. */
int smt_alloc_index(smt *t, uint32_t *index) __attribute__((warn_unused_result));

/* Appends leaf at the next index (an append-only tree such as the exit tree), in
 * one transaction with the advance of the count.
 * Returns: ZK_OK and *index; ZK_ERR_INVALID_ARG (the zero digest, which would
 * read as no leaf); ZK_ERR_TOO_LARGE (tree full); ZK_ERR_DB. */
int smt_append(smt *t, const p2_digest *leaf, uint32_t *index) __attribute__((warn_unused_result));

/* The Merkle path of leaf index: path[0] is its sibling at level 32, path[31] the
 * child of the root that is not above it.
 * Returns: ZK_OK or ZK_ERR_DB. */
int smt_path(smt *t, uint32_t index, p2_digest path[SMT_DEPTH]) __attribute__((warn_unused_result));

/* Forgets cached nodes and re-reads the root and count from the database; call it
 * after rolling back a transaction that smt_update, smt_append or
 * smt_alloc_index wrote into.
 * Returns: ZK_OK or ZK_ERR_DB. */
int smt_reload(smt *t) __attribute__((warn_unused_result));

/* Checks that leaf sits at index under root.
 * Args: path: path_len digests as smt_path gives them.
 * Returns: ZK_OK, or ZK_ERR_PROOF with a detail when path_len != SMT_DEPTH,
 * index >= 2^32, the leaf or the root is the zero digest (an empty leaf is never
 * proven), an element is not below p, or the path does not lead to root. */
int smt_verify_path(const p2_digest *leaf, uint64_t index, const p2_digest *path, size_t path_len,
                    const p2_digest *root) __attribute__((warn_unused_result));

#endif
