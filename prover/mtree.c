/* Merkle tree building over matrices of mixed heights (see mtree.h and
 * docs/PROTOCOL.md, "Merkle trees").
 *
 * Every hash of the tree is done BATCH states at a time through p2_permute_many:
 * the leaf sponge absorbs the same element positions for every row, so one cursor
 * over (matrix, column) feeds a whole batch, and an inner node's input
 * left || right is two adjacent digests of the level below, i.e. one contiguous
 * 16-element state. */
#include "prover/mtree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/par.h"

/* States per p2_permute_many call: a multiple of the 16 AVX-512 lanes. */
#define BATCH 32u

struct mt_tree {
    mt_matrix *mats;                         /* copies of the descriptors */
    mk_dims *dims;                           /* the shape's matrices */
    mk_shape shape;                          /* what the verifier needs */
    unsigned d;                              /* log height */
    size_t row_len;                          /* sum of widths */
    p2_digest *nodes;                        /* every level, one allocation */
    p2_digest *level[MK_MAX_LOG_HEIGHT + 1]; /* level[l]: 2^l nodes, cap_log <= l <= d */
    kb leaf_init[P2_WIDTH];                  /* the sponge's start state */
    mt_remote remote;                        /* data held elsewhere (mt_adopt) */
    zp_hostpool *pool;                       /* where nodes came from (mt_build_pooled) */
};

/* dst[j] += src[j] for a whole rate block. The pointers never overlap (dst is
 * a sponge state on the stack, src a row of a matrix): saying so lets the
 * compiler vectorize the fixed count without a run-time overlap check, which
 * its cheap cost model at -O2 refuses, leaving eight scalar additions. */
static inline void absorb_block(kb *restrict dst, const kb *restrict src)
{
    for (size_t j = 0; j < P2_RATE; j++)
        dst[j] = kb_add(dst[j], src[j]);
}

/* Leaf hashes of rows [r0, r0 + b) of the matrices of height 2^l, b <= BATCH. */
static void hash_rows(const mt_tree *t, unsigned l, size_t r0, size_t b, p2_digest *out)
{
    kb st[BATCH * P2_WIDTH];
    for (size_t s = 0; s < b; s++)
        memcpy(st + s * P2_WIDTH, t->leaf_init, sizeof t->leaf_init);
    size_t k = 0, col = 0, pos = 0;
    const size_t m = t->shape.nmats;
    /* The same rows of the next batch, fetched while this one is permuted. */
    const int pf = r0 + 2 * b <= ((size_t)1 << l);
    while (k < m && t->dims[k].log_height != l)
        k++;
    /* Absorb by adding into the rate and permuting each full block, then pad with
     * a single 1: exactly p2_sponge_absorb / p2_sponge_finish. Each step adds the
     * longest run of a row that stays in one matrix and one block of the rate, row
     * after row, so both sides are read in order. */
    while (k < m) {
        const mt_matrix *mx = &t->mats[k];
        size_t run = mx->width - col < P2_RATE - pos ? mx->width - col : P2_RATE - pos;
        const kb *base = mx->data + r0 * mx->width + col;
        for (size_t s = 0; s < b; s++) {
            kb *dst = st + s * P2_WIDTH + pos;
            const kb *src = base + s * mx->width;
            if (pf)
                __builtin_prefetch(src + b * mx->width);
            if (run == P2_RATE) {
                absorb_block(dst, src);
            } else {
                for (size_t j = 0; j < run; j++)
                    dst[j] = kb_add(dst[j], src[j]);
            }
        }
        col += run;
        pos += run;
        if (col == mx->width) {
            col = 0;
            do
                k++;
            while (k < m && t->dims[k].log_height != l);
        }
        if (pos == P2_RATE) {
            p2_permute_many(st, b);
            pos = 0;
        }
    }
    for (size_t s = 0; s < b; s++)
        st[s * P2_WIDTH + pos] = kb_add(st[s * P2_WIDTH + pos], KB_ONE);
    p2_permute_many(st, b);
    for (size_t s = 0; s < b; s++)
        memcpy(out[s].v, st + s * P2_WIDTH, sizeof out[s].v);
}

static int has_level(const mt_tree *t, unsigned l)
{
    for (size_t k = 0; k < t->shape.nmats; k++)
        if (t->dims[k].log_height == l)
            return 1;
    return 0;
}

typedef struct level_ctx {
    const mt_tree *t;
    unsigned l;
    int inject;
} level_ctx;

/* Nodes [b*BATCH, e*BATCH) of level l. */
static void build_level(void *arg, size_t b, size_t e)
{
    const level_ctx *lc = arg;
    const mt_tree *t = lc->t;
    size_t nodes = (size_t)1 << lc->l;
    kb st[BATCH * P2_WIDTH];
    p2_digest inj[BATCH];
    for (size_t blk = b; blk < e; blk++) {
        size_t i0 = blk * BATCH, cnt = nodes - i0 < BATCH ? nodes - i0 : BATCH;
        p2_digest *dst = t->level[lc->l] + i0;
        if (lc->l == t->d) {
            hash_rows(t, lc->l, i0, cnt, dst);
            continue;
        }
        memcpy(st, t->level[lc->l + 1] + 2 * i0, cnt * 2 * sizeof(p2_digest));
        p2_permute_many(st, cnt);
        for (size_t s = 0; s < cnt; s++)
            memcpy(dst[s].v, st + s * P2_WIDTH, sizeof dst[s].v);
        if (!lc->inject)
            continue;
        hash_rows(t, lc->l, i0, cnt, inj);
        for (size_t s = 0; s < cnt; s++) {
            memcpy(st + s * P2_WIDTH, dst[s].v, sizeof dst[s].v);
            memcpy(st + s * P2_WIDTH + P2_DIGEST_LEN, inj[s].v, sizeof inj[s].v);
        }
        p2_permute_many(st, cnt);
        for (size_t s = 0; s < cnt; s++)
            memcpy(dst[s].v, st + s * P2_WIDTH, sizeof dst[s].v);
    }
}

void mt_free(mt_tree *tree)
{
    if (!tree)
        return;
    free(tree->mats);
    free(tree->dims);
    zp_hostpool_give(tree->pool, tree->nodes);
    free(tree);
}

/* The descriptors, shape and level pointers of a tree of mats, with room for its
 * nodes (allocated here when nodes is NULL, taken over otherwise). fn names the
 * caller in errors; data_ok allows NULL data (rows read elsewhere); cap_only: nodes
 * holds only the cap (the others are read elsewhere). */
static int tree_new(mt_tree **out, const char *fn, const mt_matrix *mats, size_t nmats,
                    unsigned cap_log, int data_ok, p2_digest *nodes, size_t nodes_len, int cap_only,
                    zp_hostpool *pool)
{
    *out = NULL;
    if (nmats == 0 || nmats > MK_MAX_MATRICES) {
        free(nodes);
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: %zu matrices, want 1..%u", fn, nmats,
                          (unsigned)MK_MAX_MATRICES);
    }
    mt_tree *t = calloc(1, sizeof *t);
    if (t) {
        t->nodes = nodes;
        t->pool = nodes ? NULL : pool; /* adopted nodes are plain allocations */
        t->mats = calloc(nmats, sizeof *t->mats);
        t->dims = calloc(nmats, sizeof *t->dims);
    }
    if (!t || !t->mats || !t->dims) {
        if (t)
            mt_free(t);
        else
            free(nodes);
        return zk_err_set(ZK_ERR_NOMEM, "%s: %zu matrices", fn, nmats);
    }
    for (size_t k = 0; k < nmats; k++) {
        const mt_matrix *m = &mats[k];
        if ((!m->data && !data_ok) || m->height == 0 || (m->height & (m->height - 1)) != 0) {
            mt_free(t);
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "%s: matrix %zu: height %zu is not a power of two or data is NULL",
                              fn, k, m->height);
        }
        t->mats[k] = *m;
        t->dims[k].log_height = (unsigned)__builtin_ctzll((unsigned long long)m->height);
        t->dims[k].width = m->width;
        t->row_len += m->width;
    }
    t->shape.mats = t->dims;
    t->shape.nmats = nmats;
    t->shape.cap_log = cap_log;
    int rc = mk_shape_check(&t->shape, &t->d);
    if (rc) {
        mt_free(t);
        return zk_err_wrap(rc, "%s: ", fn);
    }
    if ((size_t)t->d + 6 >= sizeof(size_t) * 8) {
        unsigned d = t->d;
        mt_free(t);
        return zk_err_set(ZK_ERR_TOO_LARGE, "%s: 2^%u rows do not fit in memory", fn, d);
    }
    size_t total = cap_only ? (size_t)1 << cap_log : ((size_t)2 << t->d) - ((size_t)1 << cap_log);
    if (t->nodes && nodes_len != total) {
        mt_free(t);
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: %zu digests given, the tree has %zu", fn,
                          nodes_len, total);
    }
    if (!t->nodes && !(t->nodes = zp_hostpool_take(t->pool, total * sizeof(p2_digest)))) {
        mt_free(t);
        return zk_err_set(ZK_ERR_NOMEM, "%s: %zu nodes", fn, total);
    }
    size_t off = 0;
    for (unsigned l = t->d + 1; l-- > cap_log;) {
        if (!cap_only || l == cap_log)
            t->level[l] = t->nodes + off;
        off += cap_only ? 0 : (size_t)1 << l;
    }
    *out = t;
    return ZK_OK;
}

int mt_build(mt_tree **out, const mt_matrix *mats, size_t nmats, unsigned cap_log)
{
    return mt_build_pooled(out, mats, nmats, cap_log, NULL);
}

int mt_build_pooled(mt_tree **out, const mt_matrix *mats, size_t nmats, unsigned cap_log,
                    zp_hostpool *pool)
{
    if (!out || !mats)
        return zk_err_set(ZK_ERR_INVALID_ARG, "mt_build: NULL %s", out ? "matrices" : "out");
    mt_tree *t;
    int rc = tree_new(&t, "mt_build", mats, nmats, cap_log, 0, NULL, 0, 0, pool);
    if (rc)
        return rc;
    p2_sponge s;
    p2_sponge_init(&s, P2_DOM_MERKLE_LEAF);
    memcpy(t->leaf_init, s.state, sizeof t->leaf_init);
    for (unsigned l = t->d + 1; l-- > cap_log;) {
        level_ctx lc = {t, l, l < t->d && has_level(t, l)};
        size_t nblk = (((size_t)1 << l) + BATCH - 1) / BATCH;
        zk_par_for(nblk, 4, build_level, &lc);
    }
    *out = t;
    return ZK_OK;
}

int mt_adopt(mt_tree **out, const mt_matrix *mats, size_t nmats, unsigned cap_log, p2_digest *nodes,
             size_t nodes_len, const mt_remote *remote)
{
    if (!out || !mats || !nodes) {
        free(nodes);
        return zk_err_set(ZK_ERR_INVALID_ARG, "mt_adopt: NULL %s",
                          !out    ? "out"
                          : !mats ? "matrices"
                                  : "nodes");
    }
    mt_remote none = {0};
    if (!remote)
        remote = &none;
    int rc = tree_new(out, "mt_adopt", mats, nmats, cap_log, remote->rows != NULL, nodes, nodes_len,
                      remote->nodes != NULL, NULL);
    if (rc)
        return rc;
    (*out)->remote = *remote;
    return ZK_OK;
}

const p2_digest *mt_nodes(const mt_tree *tree, size_t *len)
{
    int held = tree->remote.nodes == NULL;
    if (len)
        *len = held ? ((size_t)2 << tree->d) - ((size_t)1 << tree->shape.cap_log) : 0;
    return held ? tree->nodes : NULL;
}

/* The position of node i of level l in mt_nodes' layout (level D first). */
static size_t node_pos(const mt_tree *t, unsigned l, size_t i)
{
    return ((size_t)2 << t->d) - ((size_t)2 << l) + i;
}

/* out[k] = the node at position pos[k], from host memory or the node reader. */
static int get_nodes(const mt_tree *t, const size_t *pos, size_t n, p2_digest *out)
{
    if (n == 0)
        return ZK_OK;
    if (t->remote.nodes) {
        int rc = t->remote.nodes(t->remote.nodes_ctx, pos, n, out);
        return rc ? zk_err_wrap(rc, "Merkle opening: %zu digests: ", n) : ZK_OK;
    }
    for (size_t k = 0; k < n; k++)
        out[k] = t->nodes[pos[k]];
    return ZK_OK;
}

const mk_shape *mt_shape(const mt_tree *tree)
{
    return &tree->shape;
}

const p2_digest *mt_cap(const mt_tree *tree, size_t *len)
{
    if (len)
        *len = (size_t)1 << tree->shape.cap_log;
    return tree->level[tree->shape.cap_log];
}

unsigned mt_log_height(const mt_tree *tree)
{
    return tree->d;
}

size_t mt_row_len(const mt_tree *tree)
{
    return tree->row_len;
}

size_t mt_path_len(const mt_tree *tree)
{
    return tree->d - tree->shape.cap_log;
}

/* Copies leaf index's rows of every matrix, in order. */
static int copy_rows(const mt_tree *t, size_t index, kb *rows)
{
    for (size_t k = 0; k < t->shape.nmats; k++) {
        const mt_matrix *m = &t->mats[k];
        size_t r = index >> (t->d - t->dims[k].log_height);
        if (m->data) {
            memcpy(rows, m->data + r * m->width, m->width * sizeof(kb));
        } else {
            int rc = t->remote.rows(t->remote.rows_ctx, k, r, rows, m->width);
            if (rc)
                return zk_err_wrap(rc, "Merkle opening: row %zu of matrix %zu: ", r, k);
        }
        rows += m->width;
    }
    return ZK_OK;
}

int mt_open(const mt_tree *tree, size_t index, kb *rows, size_t rows_len, p2_digest *path,
            size_t path_len)
{
    if (!tree || !rows || (!path && path_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "mt_open: NULL argument");
    if ((uint64_t)index >> tree->d != 0)
        return zk_err_set(ZK_ERR_RANGE, "mt_open: index %zu, the tree has 2^%u leaves", index,
                          tree->d);
    if (rows_len != tree->row_len || path_len != mt_path_len(tree))
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "mt_open: buffers of %zu elements and %zu siblings, want %zu and %zu",
                          rows_len, path_len, tree->row_len, mt_path_len(tree));
    int rc = copy_rows(tree, index, rows);
    if (rc)
        return rc;
    size_t pos[MK_MAX_LOG_HEIGHT], at = index;
    for (unsigned l = tree->d; l > tree->shape.cap_log; l--) {
        pos[tree->d - l] = node_pos(tree, l, at ^ 1);
        at >>= 1;
    }
    return get_nodes(tree, pos, path_len, path);
}

int mt_open_batch(const mt_tree *tree, const size_t *indices, size_t n, kb *rows, size_t rows_len,
                  p2_digest *sib, size_t sib_cap, size_t *nsib)
{
    if (!tree || !rows || !nsib)
        return zk_err_set(ZK_ERR_INVALID_ARG, "mt_open_batch: NULL argument");
    size_t want;
    int rc = mk_batch_sibling_count(&tree->shape, indices, n, &want);
    if (rc)
        return rc;
    if (rows_len != n * tree->row_len)
        return zk_err_set(ZK_ERR_INVALID_ARG, "mt_open_batch: rows buffer of %zu, want %zu",
                          rows_len, n * tree->row_len);
    if (want > sib_cap || (want && !sib))
        return zk_err_set(ZK_ERR_TOO_LARGE, "mt_open_batch: %zu siblings, room for %zu", want,
                          sib ? sib_cap : 0);
    for (size_t q = 0; q < n && rc == ZK_OK; q++)
        rc = copy_rows(tree, indices[q], rows + q * tree->row_len);
    if (rc)
        return rc;
    /* The same walk as mk_batch_sibling_count: groups of equal positions, a group
     * with its sibling group next to it needs no sibling. */
    size_t *pos = want ? malloc(want * sizeof *pos) : NULL;
    if (want && !pos)
        return zk_err_set(ZK_ERR_NOMEM, "mt_open_batch: %zu siblings", want);
    size_t used = 0, d = tree->d;
    for (unsigned l = tree->d; l > tree->shape.cap_log; l--) {
        for (size_t j = 0; j < n;) {
            size_t p = indices[j] >> (d - l), next = j + 1;
            while (next < n && (indices[next] >> (d - l)) == p)
                next++;
            if (next < n && (p & 1) == 0 && (indices[next] >> (d - l)) == (p | 1)) {
                while (next < n && (indices[next] >> (d - l)) == (p | 1))
                    next++;
            } else if (used < want) {
                pos[used++] = node_pos(tree, l, p ^ 1);
            }
            j = next;
        }
    }
    rc = get_nodes(tree, pos, used, sib);
    free(pos);
    if (rc)
        return rc;
    *nsib = used;
    return ZK_OK;
}
