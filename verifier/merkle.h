/* Merkle path checks for trees over matrices (the verifier side of
 * prover/mtree.h). The construction is specified in docs/PROTOCOL.md, "Merkle
 * trees"; in short:
 *
 *   - matrices M_0..M_{m-1} of heights 2^h_k and widths W_k are committed in one
 *     tree of height D = max h_k;
 *   - leaf i (level D) is the sponge hash (P2_DOM_MERKLE_LEAF) of row i of every
 *     matrix with h_k = D, concatenated in matrix order;
 *   - a node of level l < D is p2_compress(left, right) of its children; when some
 *     matrices have h_k = l, it is then replaced by p2_compress(node, leaf hash of
 *     their row i, concatenated in matrix order);
 *   - the commitment is the cap: the 2^c nodes of level c (c = 0 gives a root).
 *
 * An opening of leaf index i (0 <= i < 2^D) gives, for each matrix k, its row
 * i >> (D - h_k), and the siblings of i's nodes from level D up to level c + 1.
 *
 * The shape (heights, widths, cap size) is the verifier's to know; a shape that
 * breaks the rules is ZK_ERR_INVALID_ARG. Anything wrong with the opening (a
 * length, an index, an unreduced element, a value that does not hash to the cap)
 * is ZK_ERR_PROOF with a detail that says what and where.
 */
#ifndef ZKGATE_VERIFIER_MERKLE_H
#define ZKGATE_VERIFIER_MERKLE_H

#include <stddef.h>

#include "verifier/kb.h"
#include "verifier/p2.h"

#define MK_MAX_LOG_HEIGHT 32         /* tallest matrix: 2^32 rows */
#define MK_MAX_MATRICES   256        /* matrices in one tree */
#define MK_MAX_WIDTH      (1u << 20) /* elements in one row of one matrix */
#define MK_MAX_QUERIES    (1u << 16) /* indices in one batch opening */

/* One committed matrix, as the verifier knows it. */
typedef struct mk_dims {
    unsigned log_height; /* the matrix has 2^log_height rows */
    size_t width;        /* elements per row, 1..MK_MAX_WIDTH */
} mk_dims;

/* A tree's shape. Rules: 1 <= nmats <= MK_MAX_MATRICES, every log_height in
 * [cap_log, MK_MAX_LOG_HEIGHT], every width in [1, MK_MAX_WIDTH]. */
typedef struct mk_shape {
    const mk_dims *mats; /* in commitment order */
    size_t nmats;        /* number of matrices */
    unsigned cap_log;    /* the cap holds 2^cap_log digests */
} mk_shape;

/* One opened row: v[0..len) in Montgomery form, each < p. */
typedef struct mk_row {
    const kb *v;
    size_t len;
} mk_row;

/* Checks a shape against the rules above.
 * Returns ZK_OK or ZK_ERR_INVALID_ARG naming the rule broken.
 * Out: *log_height, when not NULL: D, the height of the tree. */
int mk_shape_check(const mk_shape *shape, unsigned *log_height) __attribute__((warn_unused_result));

/* The leaf hash of rows (concatenated in order) under P2_DOM_MERKLE_LEAF. */
void mk_hash_rows(p2_digest *out, const mk_row *rows, size_t nrows);

/* Verifies a single opening.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL or a bad shape) or ZK_ERR_PROOF.
 * Args: cap/cap_len: the commitment (cap_len must be 2^cap_log); index: the leaf
 * index; rows/nrows: one row per matrix, in shape order; path/path_len: the
 * siblings from the leaf level up (path_len must be D - cap_log). */
int mk_verify(const mk_shape *shape, const p2_digest *cap, size_t cap_len, size_t index,
              const mk_row *rows, size_t nrows, const p2_digest *path, size_t path_len)
    __attribute__((warn_unused_result));

/* The number of siblings a batch opening of indices carries: at each level, one
 * for every known node whose sibling is not known too.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (bad shape, NULL) or ZK_ERR_PROOF (no
 * indices, too many, not strictly increasing or out of range).
 * Out: *count. */
int mk_batch_sibling_count(const mk_shape *shape, const size_t *indices, size_t n, size_t *count)
    __attribute__((warn_unused_result));

/* Verifies a batch opening of strictly increasing leaf indices.
 * Siblings are listed level by level from the leaf level up and, within a level,
 * in increasing position; a sibling that the opening itself determines is never
 * listed. Two indices that share a row of a shorter matrix must open the same
 * values for it.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL or a bad shape), ZK_ERR_NOMEM or
 * ZK_ERR_PROOF.
 * Args: rows/nrows: n * nmats rows, all of index 0's matrices first, then index
 * 1's, ...; sib/nsib: the siblings (nsib must equal mk_batch_sibling_count). */
int mk_verify_batch(const mk_shape *shape, const p2_digest *cap, size_t cap_len,
                    const size_t *indices, size_t n, const mk_row *rows, size_t nrows,
                    const p2_digest *sib, size_t nsib) __attribute__((warn_unused_result));

#endif
