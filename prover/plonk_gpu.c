/* The prover's device path (prover/plonk_gpu.h); the passes it replaces are in
 * plonk_prove.c, the kernels in prover/cuda/. */
#include "prover/plonk_gpu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/circuit_internal.h"
#include "prover/gpu_internal.h"

#define NOT_BUILT                                                                                  \
    "zkgate was built without the CUDA backend (ZKGATE_CUDA=OFF or no nvcc at build time)"

/* Room left in the arena for the passes' own scratch (block partial sums, argument
 * blocks) beyond what zpg_bytes_needed counts column by column. */
#define SCRATCH_MARGIN ((size_t)64 << 20)

static size_t elems_needed(const cb_circuit *c)
{
    size_t n = (size_t)1 << c->log_n, N = n << c->fri.log_blowup;
    size_t on_h = n * (ZP_NUM_PREPROCESSED + ZP_WIRES + ZP_NUM_PERM_COLS);
    size_t on_lde = N * (ZP_NUM_PREPROCESSED + ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS);
    size_t salt = c->zk ? N * ZP_SALT : 0;
    size_t quot = 4 * n * 4, deep = N * 4, weights = n * 4;
    /* every tree's digests stay on the device (the host gets caps and the
     * siblings openings need): 3 trees of 2N, FRI's below 2N for arity 2 */
    size_t nodes = 4 * 2 * N * 8;
    size_t lde_scratch = n * ZP_WIRES; /* zkc_lde_dev's copy of its input */
    /* FRI: every layer's matrix and folded values, all held until the proof ends:
     * for arity 2 the matrices take 4N (1 + 1/2 + ...) < 8N and the folded values
     * 2N (1 + 1/2 + ...) < 4N; less for larger arities */
    size_t fri = 3 * N * 4;
    return on_h + on_lde + salt + quot + deep + weights + nodes + lde_scratch + fri;
}

size_t zpg_bytes_needed(const cb_circuit *c)
{
    return c ? elems_needed(c) * sizeof(uint32_t) + SCRATCH_MARGIN : 0;
}

#ifndef ZKGATE_HAVE_CUDA

int zpg_new(zpg **out, gpu_ctx *g, const cb_circuit *c)
{
    if (out)
        *out = NULL;
    (void)g, (void)c;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

void zpg_free(zpg *d)
{
    (void)d;
}

kb *zpg_host_trace(zpg *d)
{
    (void)d;
    return NULL;
}

size_t zpg_host_trace_zero(zpg *d)
{
    (void)d;
    return SIZE_MAX;
}

void zpg_host_trace_set_zero(zpg *d, size_t row)
{
    (void)d, (void)row;
}

int zpg_commit_wires(zpg *d, const kb *trace, const kb *salt, unsigned cap_log, mt_tree **tree)
{
    (void)d, (void)trace, (void)salt, (void)cap_log, (void)tree;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_permutation(zpg *d, kb4 beta, kb4 gamma, kb4 *z_final)
{
    (void)d, (void)beta, (void)gamma, (void)z_final;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_commit_perm(zpg *d, const kb *salt, unsigned cap_log, mt_tree **tree)
{
    (void)d, (void)salt, (void)cap_log, (void)tree;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_quotient(zpg *d, const kb4 *apow, kb4 beta, kb4 gamma, const kb *pi_hash, kb *out)
{
    (void)d, (void)apow, (void)beta, (void)gamma, (void)pi_hash, (void)out;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_commit_quotient(zpg *d, const kb *q_coeffs, const kb *salt, unsigned cap_log,
                        mt_tree **tree)
{
    (void)d, (void)q_coeffs, (void)salt, (void)cap_log, (void)tree;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_open(zpg *d, kb4 zeta, kb4 zeta_next, kb4 *open)
{
    (void)d, (void)zeta, (void)zeta_next, (void)open;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_deep(zpg *d, const kb4 *apow, kb4 s1, kb4 s2, kb4 zeta, kb4 zeta_next, kb4 *f)
{
    (void)d, (void)apow, (void)s1, (void)s2, (void)zeta, (void)zeta_next, (void)f;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int zpg_fri(zpg *d, tr_state *t, const fri_params *p, fri_prover **out, uint32_t *queries)
{
    (void)d, (void)t, (void)p, (void)out, (void)queries;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

#else /* ZKGATE_HAVE_CUDA */

#include "prover/cuda/zkc_open.h"
#include "prover/cuda/zkc_quot.h"

_Static_assert(ZKC_QUOT_TERMS == ZPG_QUOT_TERMS, "the quotient kernel's term count");

/* Where an adopted tree's data is on the device. */
typedef struct tree_src {
    struct zpg *d;
    const uint32_t *rows;  /* the committed matrix, row-major */
    size_t width;          /* its row length */
    const uint32_t *nodes; /* the tree's digests, in mt_nodes' layout */
} tree_src;

struct zpg {
    gpu_ctx *g;
    size_t mark; /* the arena's mark before this proof's buffers */
    unsigned log_n, log_lde, b;
    size_t n, nl;
    uint32_t shift;                     /* g */
    int zk;                             /* zero the witness's buffers when done */
    uint32_t *pre_h, *pre_lde;          /* the circuit's preprocessed columns */
    uint32_t *trace, *wires;            /* n x 173, N x 173 */
    uint32_t *perm_h, *perm;            /* n x 44, N x 44 */
    uint32_t *q;                        /* N x 12 */
    uint32_t *salt;                     /* N x ZP_SALT (zk) */
    uint32_t *qout;                     /* 4n x 4 */
    uint32_t *f;                        /* N x 4 */
    uint32_t *wt;                       /* n x 4 */
    tree_src trees[4];                  /* trees 1..3 */
    tree_src fri_trees[FRI_MAX_LAYERS]; /* the FRI layers' trees */
};

static int take(zpg *d, size_t elems, uint32_t **out)
{
    return zkc_arena_alloc(d->g->arena, elems * sizeof(uint32_t), (void **)out);
}

void zpg_free(zpg *d)
{
    if (!d)
        return;
    /* with zero knowledge the arena's next user must see nothing of this witness:
     * everything above the mark (trace, LDEs, quotient, F, the FRI layers) is
     * zeroed (a device failing here has nothing left to protect, and its detail
     * must not replace that of the error which ended the proof: kept and put back) */
    if (d->zk) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", zk_err_detail());
        if (zkc_arena_zero(d->g->arena, d->mark) != ZK_OK) {
            if (keep[0])
                (void)zk_err_set(ZK_ERR_DEVICE, "%s", keep);
            else
                zk_err_clear();
        }
    }
    zkc_arena_release(d->g->arena, d->mark);
    free(d);
}

/* The circuit's preprocessed columns: reused from the bottom of the arena when the
 * last proof was of the same circuit, else uploaded there (when the arena holds
 * nothing else) or, failing that, among this proof's buffers. Sets d->mark, where
 * zpg_free gives the arena back to: above the columns when they are kept. */
static int preprocessed(zpg *d, const cb_circuit *c)
{
    gpu_ctx *g = d->g;
    size_t n = d->n, N = d->nl, used = zkc_arena_used(g->arena);
    if (g->pre_end && used == g->pre_end &&
        memcmp(&g->pre_key, &c->vk.digest, sizeof g->pre_key) == 0) {
        d->pre_h = g->pre_h;
        d->pre_lde = g->pre_lde;
        d->mark = g->pre_end;
        return ZK_OK;
    }
    int cache = used == g->pre_end; /* nothing above the old cache: start the arena over */
    if (cache) {
        zkc_arena_release(g->arena, 0);
        g->pre_end = 0;
    }
    d->mark = zkc_arena_mark(g->arena);
    int rc = take(d, n * ZP_NUM_PREPROCESSED, &d->pre_h);
    if (!rc)
        rc = take(d, N * ZP_NUM_PREPROCESSED, &d->pre_lde);
    if (!rc)
        rc = zkc_to_device(d->pre_h, c->pre_h, n * ZP_NUM_PREPROCESSED * sizeof(kb));
    if (!rc)
        rc = zkc_to_device(d->pre_lde, c->pre_lde, N * ZP_NUM_PREPROCESSED * sizeof(kb));
    if (!rc && cache) {
        g->pre_key = c->vk.digest;
        g->pre_h = d->pre_h;
        g->pre_lde = d->pre_lde;
        g->pre_end = zkc_arena_used(g->arena);
        d->mark = g->pre_end;
    }
    return rc;
}

int zpg_new(zpg **out, gpu_ctx *g, const cb_circuit *c)
{
    if (!out || !g || !c)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zpg_new: NULL argument");
    *out = NULL;
    /* the CUDA runtime's current device is per host thread: this proof's calls
     * all come from this one */
    int rc = zkc_set_device(g->ordinal);
    if (rc)
        return rc;
    unsigned log_lde = c->log_n + c->fri.log_blowup;
    if (log_lde > zkc_ntt_plan_max_log(g->plan))
        return zk_err_set(ZK_ERR_RANGE,
                          "GPU prover: a 2^%u-row LDE, the device context was opened for 2^%u",
                          log_lde, zkc_ntt_plan_max_log(g->plan));
    /* free: everything but what other callers hold (the cached columns are this
     * proof's to reuse or to drop) */
    size_t used = zkc_arena_used(g->arena), held = used == g->pre_end ? 0 : used;
    size_t need = zpg_bytes_needed(c), avail = zkc_arena_size(g->arena) - held;
    if (need > avail)
        return zk_err_set(ZK_ERR_NOMEM,
                          "GPU prover: a 2^%u-row circuit with blowup %u needs %.1f MiB of device "
                          "memory, the arena has %.1f MiB free (reserve more with --gpu-memory, or "
                          "prove with --backend cpu)",
                          c->log_n, 1u << c->fri.log_blowup, (double)need / (1 << 20),
                          (double)avail / (1 << 20));
    zpg *d = calloc(1, sizeof *d);
    if (!d)
        return zk_err_set(ZK_ERR_NOMEM, "GPU prover");
    d->g = g;
    d->log_n = c->log_n;
    d->b = c->fri.log_blowup;
    d->log_lde = log_lde;
    d->n = (size_t)1 << c->log_n;
    d->nl = (size_t)1 << log_lde;
    d->shift = kb_from_canonical(KB_GENERATOR);
    d->zk = c->zk;
    rc = preprocessed(d, c);
    size_t n = d->n, N = d->nl;
    if (!rc)
        rc = take(d, n * ZP_WIRES, &d->trace);
    if (!rc)
        rc = take(d, N * ZP_WIRES, &d->wires);
    if (!rc)
        rc = take(d, n * ZP_NUM_PERM_COLS, &d->perm_h);
    if (!rc)
        rc = take(d, N * ZP_NUM_PERM_COLS, &d->perm);
    if (!rc)
        rc = take(d, N * ZP_NUM_QUOTIENT_COLS, &d->q);
    if (!rc && c->zk)
        rc = take(d, N * ZP_SALT, &d->salt);
    if (!rc)
        rc = take(d, 4 * n * 4, &d->qout);
    if (!rc)
        rc = take(d, N * 4, &d->f);
    if (!rc)
        rc = take(d, n * 4, &d->wt);
    size_t pinned = n * ZP_WIRES * sizeof(kb);
    if (!rc && g->pinned_bytes < pinned) { /* grown once, kept for the next proofs */
        zkc_host_free(g->pinned);
        g->pinned = NULL;
        g->pinned_bytes = 0;
        if ((rc = zkc_host_alloc(&g->pinned, pinned)) == ZK_OK) {
            g->pinned_bytes = pinned;
            g->pinned_zero = n; /* page-locked memory comes with no promise */
        }
    }
    if (rc) {
        zpg_free(d);
        return zk_err_wrap(rc, "GPU prover: ");
    }
    *out = d;
    return ZK_OK;
}

kb *zpg_host_trace(zpg *d)
{
    return d->g->pinned;
}

size_t zpg_host_trace_zero(zpg *d)
{
    return d->g->pinned_zero;
}

void zpg_host_trace_set_zero(zpg *d, size_t row)
{
    d->g->pinned_zero = row;
}

/* mt_row_reader for the committed matrices: one row copied back from the device. */
static int read_row(void *ctx, size_t mat, size_t row, kb *out, size_t width)
{
    const tree_src *s = ctx;
    if (mat != 0 || width != s->width)
        return zk_err_set(ZK_ERR_INTERNAL, "GPU prover: row of matrix %zu (width %zu) asked", mat,
                          width);
    return zkc_to_host(out, s->rows + row * s->width, width * sizeof(kb));
}

/* mt_node_reader: the digests an opening needs, gathered on the device. */
static int read_nodes(void *ctx, const size_t *pos, size_t n, p2_digest *out)
{
    const tree_src *s = ctx;
    uint64_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return zk_err_set(ZK_ERR_NOMEM, "GPU prover: %zu digests", n);
    for (size_t i = 0; i < n; i++)
        idx[i] = pos[i];
    int rc = zkc_gather32(s->d->g->arena, out, s->nodes, idx, n);
    free(idx);
    return rc;
}

/* The tree of zm (nm matrices, the first the resident one src reads rows from)
 * with a cap of 2^cap_log: digests computed into a buffer of their own that stays
 * on the device; the host tree holds the cap and reads rows and siblings through
 * src. */
static int adopt(zpg *d, tree_src *src, const zkc_matrix *zm, const mt_matrix *mm, size_t nm,
                 unsigned log_rows, unsigned cap_log, mt_tree **tree)
{
    size_t len = zkc_mt_nodes_len(log_rows, cap_log), ncap = (size_t)1 << cap_log;
    if (len == 0)
        return zk_err_set(ZK_ERR_INTERNAL, "GPU prover: cap of 2^%u on 2^%u rows", cap_log,
                          log_rows);
    uint32_t *nodes_dev;
    int rc = take(d, len * 8, &nodes_dev);
    if (!rc)
        rc = zkc_mt_digests_dev(d->g->arena, nodes_dev, len, zm, nm, cap_log);
    p2_digest *cap = NULL;
    if (!rc && !(cap = malloc(ncap * sizeof *cap)))
        rc = zk_err_set(ZK_ERR_NOMEM, "GPU prover: a cap of %zu digests", ncap);
    if (!rc) /* the cap ends the layout */
        rc = zkc_to_host(cap, nodes_dev + (len - ncap) * 8, ncap * sizeof *cap);
    if (rc) {
        free(cap);
        return rc;
    }
    *src = (tree_src){.d = d, .rows = zm[0].data, .width = zm[0].width, .nodes = nodes_dev};
    mt_remote rem = {.rows = read_row, .rows_ctx = src, .nodes = read_nodes, .nodes_ctx = src};
    return mt_adopt(tree, mm, nm, cap_log, cap, ncap, &rem);
}

/* Tree t (1..3) over the resident LDE (N x width) and, when zero knowledge is on,
 * the salt (its host copy serves the openings). */
static int commit(zpg *d, int t, const uint32_t *lde, size_t width, const kb *salt,
                  unsigned cap_log, mt_tree **tree)
{
    zkc_matrix zm[2] = {{.data = lde, .height = d->nl, .width = width}};
    mt_matrix mm[2] = {{.data = NULL, .height = d->nl, .width = width}};
    size_t nm = 1;
    if (salt) {
        if (!d->salt)
            return zk_err_set(ZK_ERR_INTERNAL, "GPU prover: salt without zero knowledge");
        int rc = zkc_to_device(d->salt, salt, d->nl * ZP_SALT * sizeof(kb));
        if (rc)
            return rc;
        zm[1] = (zkc_matrix){.data = d->salt, .height = d->nl, .width = ZP_SALT};
        mm[1] = (mt_matrix){.data = salt, .height = d->nl, .width = ZP_SALT};
        nm = 2;
    }
    return adopt(d, &d->trees[t], zm, mm, nm, d->log_lde, cap_log, tree);
}

int zpg_commit_wires(zpg *d, const kb *trace, const kb *salt, unsigned cap_log, mt_tree **tree)
{
    int rc = zkc_to_device(d->trace, trace, d->n * ZP_WIRES * sizeof(kb));
    if (!rc)
        rc = zkc_lde_dev(d->g->plan, d->g->arena, d->wires, d->trace, d->log_n, d->b, ZP_WIRES,
                         ZKC_ROW_MAJOR, d->shift);
    if (!rc)
        rc = commit(d, 1, d->wires, ZP_WIRES, salt, cap_log, tree);
    return rc ? zk_err_wrap(rc, "GPU prover (wires): ") : ZK_OK;
}

int zpg_permutation(zpg *d, kb4 beta, kb4 gamma, kb4 *z_final)
{
    int rc = zkc_perm_products_dev(d->g->arena, d->trace, d->pre_h, d->log_n, d->shift, beta.c,
                                   gamma.c, d->perm_h, z_final->c);
    return rc ? zk_err_wrap(rc, "GPU prover (permutation): ") : ZK_OK;
}

int zpg_commit_perm(zpg *d, const kb *salt, unsigned cap_log, mt_tree **tree)
{
    int rc = zkc_lde_dev(d->g->plan, d->g->arena, d->perm, d->perm_h, d->log_n, d->b,
                         ZP_NUM_PERM_COLS, ZKC_ROW_MAJOR, d->shift);
    if (!rc)
        rc = commit(d, 2, d->perm, ZP_NUM_PERM_COLS, salt, cap_log, tree);
    return rc ? zk_err_wrap(rc, "GPU prover (permutation commitment): ") : ZK_OK;
}

int zpg_quotient(zpg *d, const kb4 *apow, kb4 beta, kb4 gamma, const kb *pi_hash, kb *out)
{
    zkc_quot_args *a = calloc(1, sizeof *a); /* 5 KB: not on the stack */
    if (!a)
        return zk_err_set(ZK_ERR_NOMEM, "GPU prover (quotient)");
    a->wires = d->wires;
    a->pre = d->pre_lde;
    a->perm = d->perm;
    a->log_n = d->log_n;
    a->log_blowup = d->b;
    a->shift = d->shift;
    memcpy(a->pi_hash, pi_hash, sizeof a->pi_hash);
    memcpy(a->beta, beta.c, sizeof a->beta);
    memcpy(a->gamma, gamma.c, sizeof a->gamma);
    memcpy(a->alpha_pows, apow, sizeof a->alpha_pows);
    gpu_p2_consts(&a->p2);
    size_t nq = 4 * d->n;
    int rc = zkc_quotient_dev(d->g->arena, a, d->qout);
    free(a);
    if (!rc)
        rc = zkc_ntt_coset_dev(d->g->plan, d->g->arena, d->qout, d->log_n + 2, 4, ZKC_ROW_MAJOR,
                               d->shift, ZKC_NATURAL, 1);
    if (!rc)
        rc = zkc_to_host(out, d->qout, nq * 4 * sizeof(kb));
    return rc ? zk_err_wrap(rc, "GPU prover (quotient): ") : ZK_OK;
}

int zpg_commit_quotient(zpg *d, const kb *q_coeffs, const kb *salt, unsigned cap_log,
                        mt_tree **tree)
{
    size_t w = ZP_NUM_QUOTIENT_COLS, head = d->n * w;
    int rc = zkc_to_device(d->q, q_coeffs, head * sizeof(kb));
    if (!rc)
        rc = zkc_zero_dev(d->q + head, (d->nl - d->n) * w * sizeof(kb));
    if (!rc)
        rc = zkc_ntt_coset_dev(d->g->plan, d->g->arena, d->q, d->log_lde, w, ZKC_ROW_MAJOR,
                               d->shift, ZKC_NATURAL, 0);
    if (!rc)
        rc = commit(d, 3, d->q, w, salt, cap_log, tree);
    return rc ? zk_err_wrap(rc, "GPU prover (quotient commitment): ") : ZK_OK;
}

int zpg_open(zpg *d, kb4 zeta, kb4 zeta_next, kb4 *open)
{
    zkc_arena *a = d->g->arena;
    kb4 next[ZP_NUM_PERM_COLS];
    int rc = zkc_bary_weights_dev(d->wt, d->log_n, zeta.c);
    if (!rc)
        rc = zkc_col_sums_dev(a, open->c, d->pre_h, d->n, ZP_NUM_PREPROCESSED, d->wt);
    if (!rc)
        rc = zkc_col_sums_dev(a, open[ZP_NUM_PREPROCESSED].c, d->trace, d->n, ZP_WIRES, d->wt);
    if (!rc)
        rc = zkc_col_sums_dev(a, open[ZP_NUM_PREPROCESSED + ZP_WIRES].c, d->perm_h, d->n,
                              ZP_NUM_PERM_COLS, d->wt);
    /* Z's four columns (the first four of the permutation matrix) at w zeta */
    if (!rc)
        rc = zkc_bary_weights_dev(d->wt, d->log_n, zeta_next.c);
    if (!rc)
        rc = zkc_col_sums_dev(a, next[0].c, d->perm_h, d->n, ZP_NUM_PERM_COLS, d->wt);
    if (!rc)
        memcpy(&open[ZP_NUM_OPENINGS], next, 4 * sizeof next[0]);
    return rc ? zk_err_wrap(rc, "GPU prover (openings): ") : ZK_OK;
}

int zpg_deep(zpg *d, const kb4 *apow, kb4 s1, kb4 s2, kb4 zeta, kb4 zeta_next, kb4 *f)
{
    const uint32_t *const mats[4] = {d->pre_lde, d->wires, d->perm, d->q};
    const size_t widths[4] = {ZP_NUM_PREPROCESSED, ZP_WIRES, ZP_NUM_PERM_COLS,
                              ZP_NUM_QUOTIENT_COLS};
    int rc = zkc_deep_dev(d->g->arena, d->f, mats, widths, d->log_lde, d->shift, apow->c, s1.c,
                          s2.c, zeta.c, zeta_next.c);
    if (!rc && f)
        rc = zkc_to_host(f, d->f, d->nl * sizeof *f);
    return rc ? zk_err_wrap(rc, "GPU prover (DEEP): ") : ZK_OK;
}

/* ---- FRI ------------------------------------------------------------------------ */

/* The layers on the device: cur holds the values being folded (F first). */
typedef struct dev_layers {
    zpg *d;
    const uint32_t *cur; /* natural order, kb4 each */
    uint32_t *mat;       /* the last committed layer's matrix */
} dev_layers;

static int dev_commit(void *vctx, unsigned i, size_t rows, unsigned a, unsigned cap_log,
                      mt_tree **tree, void **owned)
{
    dev_layers *L = vctx;
    zpg *d = L->d;
    size_t width = (size_t)4 << a, m = rows << a;
    *owned = NULL;
    if (i >= FRI_MAX_LAYERS)
        return zk_err_set(ZK_ERR_INTERNAL, "GPU prover: FRI layer %u", i);
    int rc = take(d, m * 4, &L->mat);
    if (!rc)
        rc = zkc_fri_permute_dev(L->mat, L->cur, rows, a);
    if (rc)
        return rc;
    zkc_matrix zm = {.data = L->mat, .height = rows, .width = width};
    mt_matrix mm = {.data = NULL, .height = rows, .width = width};
    unsigned log_rows = (unsigned)__builtin_ctzll((unsigned long long)rows);
    return adopt(d, &d->fri_trees[i], &zm, &mm, 1, log_rows, cap_log, tree);
}

static int dev_fold(void *vctx, unsigned i, size_t rows, unsigned a, kb sinv, kb winv, kb4 beta)
{
    dev_layers *L = vctx;
    uint32_t *next;
    (void)i;
    int rc = take(L->d, rows * 4, &next);
    if (!rc)
        rc = zkc_fri_fold_dev(next, L->mat, rows, a, sinv, winv, beta.c);
    if (!rc)
        L->cur = next;
    return rc;
}

static int dev_values(void *vctx, kb4 *out, size_t m)
{
    dev_layers *L = vctx;
    return zkc_to_host(out, L->cur, m * sizeof *out);
}

static int dev_grind(void *vctx, tr_state *t, unsigned bits, uint32_t *nonce)
{
    dev_layers *L = vctx;
    return gpu_pow_search(L->d->g, t, bits, nonce);
}

int zpg_fri(zpg *d, tr_state *t, const fri_params *p, fri_prover **out, uint32_t *queries)
{
    static const fri_layer_ops ops = {dev_commit, dev_fold, dev_values, dev_grind};
    dev_layers L = {.d = d, .cur = d->f};
    int rc = fri_prove_commit_with(out, t, p, d->log_n, &ops, &L, queries);
    return rc ? zk_err_wrap(rc, "GPU prover (FRI): ") : ZK_OK;
}

#endif /* ZKGATE_HAVE_CUDA */
