/* Building Merkle trees over matrices, and opening them. The construction (mixed
 * heights, leaf hashing, caps) is the one verifier/merkle.h checks and
 * docs/PROTOCOL.md, "Merkle trees", specifies.
 *
 * Leaves are hashed many at a time with p2_permute_many and the levels are built
 * with zk_par_for; the result does not depend on the thread count or the vector
 * back end.
 */
#ifndef ZKGATE_PROVER_MTREE_H
#define ZKGATE_PROVER_MTREE_H

#include <stddef.h>

#include "prover/hostpool.h"
#include "verifier/kb.h"
#include "verifier/merkle.h"
#include "verifier/p2.h"

/* A matrix to commit: row i is data[i*width .. i*width + width) (row-major, the
 * layout ntt_lde writes with NTT_ROW_MAJOR). height is a power of two. */
typedef struct mt_matrix {
    const kb *data; /* borrowed: must stay unchanged while the tree lives */
    size_t height;  /* rows */
    size_t width;   /* elements per row */
} mt_matrix;

typedef struct mt_tree mt_tree;

/* Builds the tree of mats (in commitment order) with a cap of 2^cap_log digests.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (a shape mk_shape_check refuses, a height that
 * is not a power of two, NULL data) or ZK_ERR_NOMEM.
 * Out: *out, to free with mt_free. */
int mt_build(mt_tree **out, const mt_matrix *mats, size_t nmats, unsigned cap_log)
    __attribute__((warn_unused_result));

/* mt_build with the nodes taken from pool (prover/hostpool.h) and given back to
 * it by mt_free: a prover that builds trees proof after proof reuses their memory.
 * pool NULL: as mt_build. */
int mt_build_pooled(mt_tree **out, const mt_matrix *mats, size_t nmats, unsigned cap_log,
                    zp_hostpool *pool) __attribute__((warn_unused_result));

/* Reads row `row` (width elements) of matrix `mat` of a tree whose matrix data is
 * held elsewhere (the GPU backend keeps its LDEs in device memory).
 * Returns ZK_OK or an error (its detail says what failed). */
typedef int (*mt_row_reader)(void *ctx, size_t mat, size_t row, kb *out, size_t width);

/* Reads n digests of a tree whose nodes are held elsewhere: out[i] = the digest at
 * position pos[i] of mt_nodes' layout. Returns ZK_OK or an error. */
typedef int (*mt_node_reader)(void *ctx, const size_t *pos, size_t n, p2_digest *out);

/* Where an adopted tree's data is held when not in host memory. */
typedef struct mt_remote {
    mt_row_reader rows;   /* rows of the matrices whose data is NULL */
    void *rows_ctx;       /* passed to rows */
    mt_node_reader nodes; /* NULL: every digest is given to mt_adopt; else only the cap */
    void *nodes_ctx;      /* passed to nodes */
} mt_remote;

/* Makes a tree from digests computed elsewhere (the GPU backend's
 * gpu_mt_build_digests / zkc_mt_digests_dev), in the layout mt_nodes describes.
 * The shapes are checked as mt_build checks them; the digests are trusted to be
 * the tree of the matrices (the GPU tests check that they are).
 * Args: mats: the matrices' shapes; a matrix whose data is NULL has its rows read
 *       by remote->rows when opened;
 *       nodes: nodes_len digests, taken over (freed by mt_free, or here on
 *       failure): every node (nodes_len = 2^(D+1) - 2^cap_log), or, when
 *       remote->nodes is set, only the cap (2^cap_log), the siblings an opening
 *       needs then being read through remote->nodes;
 *       remote: may be NULL when every data is set and every node given.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (a shape mt_build refuses, nodes_len is not
 * the count above, a NULL data without a row reader) or ZK_ERR_NOMEM.
 * Out: *out, to free with mt_free. */
int mt_adopt(mt_tree **out, const mt_matrix *mats, size_t nmats, unsigned cap_log, p2_digest *nodes,
             size_t nodes_len, const mt_remote *remote) __attribute__((warn_unused_result));

/* Returns: every digest of the tree, *len of them: level D (the 2^D leaf digests),
 * then level D-1, ..., down to the cap (level cap_log); 2^(D+1) - 2^cap_log. A
 * tree adopted with a node reader holds only its cap: NULL and *len = 0. */
const p2_digest *mt_nodes(const mt_tree *tree, size_t *len);

/* Frees a tree (not the matrices); NULL is fine. */
void mt_free(mt_tree *tree);

/* Returns: the shape the verifier needs (valid while the tree lives). */
const mk_shape *mt_shape(const mt_tree *tree);

/* Returns: the cap (2^cap_log digests); *len, when not NULL, gets its length. */
const p2_digest *mt_cap(const mt_tree *tree, size_t *len);

/* Returns: D, the tree's log height (leaf indices are < 2^D). */
unsigned mt_log_height(const mt_tree *tree);

/* Returns: the sum of the widths: the elements one opening's rows take. */
size_t mt_row_len(const mt_tree *tree);

/* Returns: D - cap_log, the siblings in one opening's path. */
size_t mt_path_len(const mt_tree *tree);

/* Opens leaf index.
 * Returns ZK_OK, ZK_ERR_RANGE (index >= 2^D), ZK_ERR_INVALID_ARG (a buffer is
 * NULL or has the wrong length) or the reader's error (an adopted tree).
 * Out: rows[0..mt_row_len): matrix 0's row, then matrix 1's, ...;
 * path[0..mt_path_len): siblings from the leaf level up. */
int mt_open(const mt_tree *tree, size_t index, kb *rows, size_t rows_len, p2_digest *path,
            size_t path_len) __attribute__((warn_unused_result));

/* Opens strictly increasing leaf indices in one batch (see mk_verify_batch for the
 * order of the siblings).
 * Returns ZK_OK, ZK_ERR_PROOF (indices not strictly increasing or out of range:
 * the errors of mk_batch_sibling_count), ZK_ERR_INVALID_ARG (NULL, rows_len is not
 * n * mt_row_len), ZK_ERR_TOO_LARGE (sib_cap is below the count) or the reader's
 * error (an adopted tree).
 * Out: rows: n * mt_row_len elements, index by index; sib[0..*nsib). */
int mt_open_batch(const mt_tree *tree, const size_t *indices, size_t n, kb *rows, size_t rows_len,
                  p2_digest *sib, size_t sib_cap, size_t *nsib) __attribute__((warn_unused_result));

#endif
