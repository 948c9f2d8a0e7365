/* The FRI prover (docs/PROOF.md, "FRI"). Each layer is kept only as the matrix its
 * tree commits (row r = the values at r + k M/2^a', k < 2^a'); folding reads that
 * matrix row by row, so the prover folds exactly as the verifier does. */
#include "prover/fri_prove.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/par.h"
#include "prover/mtree.h"
#include "prover/ntt.h"

struct fri_prover {
    fri_params prm;                    /* the parameters */
    fri_schedule s;                    /* their schedule for log_degree */
    void *mats[FRI_MAX_LAYERS];        /* layer i's matrix when in host memory (owned) */
    mt_tree *trees[FRI_MAX_LAYERS];    /* layer i's tree over mats[i] */
    kb4 *final_poly;                   /* 2^final_log coefficients (owned) */
    uint32_t nonce;                    /* the proof-of-work nonce */
    uint32_t queries[FRI_MAX_QUERIES]; /* sampled query indices */
};

/* Below this many rows a layer is permuted or folded on the calling thread only. */
#define PAR_MIN_ROWS 1024

typedef struct permute_ctx {
    const kb4 *src; /* natural order, M values */
    kb4 *dst;       /* matrix: M/K rows of K */
    size_t rows;    /* M/K */
    unsigned a;     /* log K */
} permute_ctx;

static void permute_rows(void *vctx, size_t b, size_t e)
{
    const permute_ctx *c = vctx;
    size_t kall = (size_t)1 << c->a;
    for (size_t r = b; r < e; r++)
        for (size_t k = 0; k < kall; k++)
            c->dst[r * kall + k] = c->src[r + k * c->rows];
}

typedef struct fold_ctx {
    const kb4 *mat; /* the layer's matrix */
    kb4 *dst;       /* folded values, natural order, one per row */
    unsigned a;     /* log K */
    kb sinv;        /* 1 / s_i */
    kb winv;        /* 1 / w_{M_i} */
    kb4 beta;       /* the layer's challenge */
} fold_ctx;

static void fold_rows(void *vctx, size_t b, size_t e)
{
    const fold_ctx *c = vctx;
    size_t kall = (size_t)1 << c->a;
    /* x0 of row r is s w^r: its inverse advances by 1/w per row. */
    kb xinv = kb_mul(c->sinv, kb_pow(c->winv, b));
    for (size_t r = b; r < e; r++) {
        c->dst[r] = fri_fold_row(c->mat + r * kall, c->a, xinv, c->beta);
        xinv = kb_mul(xinv, c->winv);
    }
}

void fri_prover_free(fri_prover *fp)
{
    if (!fp)
        return;
    for (unsigned i = 0; i < FRI_MAX_LAYERS; i++) {
        mt_free(fp->trees[i]);
        free(fp->mats[i]);
    }
    free(fp->final_poly);
    free(fp);
}

/* Interpolates the last layer's values (natural order on shift * H_M) into
 * fp->final_poly and observes its coefficients. */
static int final_poly(fri_prover *fp, tr_state *t, const kb4 *vals, kb shift)
{
    unsigned flog = fp->s.log_size[fp->s.nlayers];
    size_t m = (size_t)1 << flog, nfin = (size_t)1 << fp->prm.final_log;
    kb4 *buf = malloc(m * sizeof *buf);
    ntt_plan *plan = NULL;
    fp->final_poly = calloc(nfin, sizeof *fp->final_poly);
    int rc = ZK_OK;
    if (!buf || !fp->final_poly) {
        rc = zk_err_set(ZK_ERR_NOMEM, "FRI prover: final polynomial of 2^%u values", flog);
        goto out;
    }
    memcpy(buf, vals, m * sizeof *buf);
    if ((rc = ntt_plan_new(&plan, flog)))
        goto out;
    /* Row-major with 4 columns: each base coefficient is interpolated on its own. */
    if ((rc = ntt_coset_inverse(plan, (kb *)buf, flog, KB4_DEGREE, NTT_ROW_MAJOR, shift,
                                NTT_NATURAL)))
        goto out;
    memcpy(fp->final_poly, buf, (nfin < m ? nfin : m) * sizeof *buf);
    for (size_t c = 0; c < nfin; c++)
        tr_observe_ext(t, fp->final_poly[c]);
out:
    ntt_plan_free(plan);
    free(buf);
    return rc;
}

/* The CPU's layers: matrices in host memory, owned by the prover. */
typedef struct cpu_layers {
    const kb4 *cur; /* the values being folded (F, then owned) */
    kb4 *owned;     /* cur when it is ours (a folded layer) */
    const kb4 *mat; /* the last committed layer's matrix (the prover owns it) */
} cpu_layers;

static int cpu_commit(void *vctx, unsigned i, size_t rows, unsigned a, unsigned cap_log,
                      mt_tree **tree, void **owned)
{
    cpu_layers *c = vctx;
    size_t m = rows << a;
    kb4 *mat = malloc(m * sizeof *mat);
    if (!mat)
        return zk_err_set(ZK_ERR_NOMEM, "FRI prover: layer %u of %zu values", i, m);
    *owned = mat;
    c->mat = mat;
    permute_ctx pc = {.src = c->cur, .dst = mat, .rows = rows, .a = a};
    zk_par_for(rows, PAR_MIN_ROWS, permute_rows, &pc);
    mt_matrix mm = {.data = (const kb *)mat, .height = rows, .width = (size_t)KB4_DEGREE << a};
    return mt_build(tree, &mm, 1, cap_log);
}

static int cpu_fold(void *vctx, unsigned i, size_t rows, unsigned a, kb sinv, kb winv, kb4 beta)
{
    cpu_layers *c = vctx;
    kb4 *next = malloc(rows * sizeof *next);
    if (!next)
        return zk_err_set(ZK_ERR_NOMEM, "FRI prover: layer %u folded, %zu values", i, rows);
    fold_ctx fc = {.mat = c->mat, .dst = next, .a = a, .sinv = sinv, .winv = winv, .beta = beta};
    zk_par_for(rows, PAR_MIN_ROWS, fold_rows, &fc);
    free(c->owned);
    c->owned = next;
    c->cur = next;
    return ZK_OK;
}

static int cpu_values(void *vctx, kb4 *out, size_t m)
{
    cpu_layers *c = vctx;
    memcpy(out, c->cur, m * sizeof *out);
    return ZK_OK;
}

static int cpu_grind(void *vctx, tr_state *t, unsigned bits, uint32_t *nonce)
{
    (void)vctx;
    return tr_grind(t, bits, nonce);
}

int fri_prove_commit(fri_prover **out, tr_state *t, const fri_params *p, unsigned log_degree,
                     const kb4 *evals, uint32_t *queries)
{
    if (!evals)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_prove_commit: NULL argument");
    static const fri_layer_ops ops = {cpu_commit, cpu_fold, cpu_values, cpu_grind};
    cpu_layers c = {.cur = evals};
    int rc = fri_prove_commit_with(out, t, p, log_degree, &ops, &c, queries);
    free(c.owned);
    return rc;
}

int fri_prove_commit_with(fri_prover **out, tr_state *t, const fri_params *p, unsigned log_degree,
                          const fri_layer_ops *ops, void *ctx, uint32_t *queries)
{
    if (!out || !t || !p || !ops || !queries)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_prove_commit: NULL argument");
    *out = NULL;
    fri_schedule s;
    int rc = fri_schedule_make(&s, p, log_degree);
    if (rc)
        return rc;
    fri_prover *fp = calloc(1, sizeof *fp);
    if (!fp)
        return zk_err_set(ZK_ERR_NOMEM, "FRI prover");
    fp->prm = *p;
    fp->s = s;

    kb shift = kb_from_canonical(FRI_DOMAIN_SHIFT);
    kb4 *last = NULL;
    for (unsigned i = 0; i < s.nlayers; i++) {
        unsigned a = s.arity_bits[i], rows_log = s.log_size[i] - a;
        size_t rows = (size_t)1 << rows_log;
        if ((rc = ops->commit(ctx, i, rows, a, s.cap_log[i], &fp->trees[i], &fp->mats[i]))) {
            zk_err_wrap(rc, "FRI layer %u: ", i);
            goto fail;
        }
        size_t ncap = 0;
        const p2_digest *cap = mt_cap(fp->trees[i], &ncap);
        for (size_t c = 0; c < ncap; c++)
            tr_observe_digest(t, &cap[c]);
        kb4 beta = tr_sample_ext(t);
        if ((rc = ops->fold(ctx, i, rows, a, kb_inv(shift), kb_inv(kb_root_of_unity(s.log_size[i])),
                            beta))) {
            zk_err_wrap(rc, "FRI layer %u: ", i);
            goto fail;
        }
        shift = kb_pow(shift, (uint64_t)1 << a);
    }
    size_t m = (size_t)1 << s.log_size[s.nlayers];
    if (!(last = malloc(m * sizeof *last))) {
        rc = zk_err_set(ZK_ERR_NOMEM, "FRI prover: last layer of %zu values", m);
        goto fail;
    }
    if ((rc = ops->values(ctx, last, m)) || (rc = final_poly(fp, t, last, shift)))
        goto fail;
    free(last);
    last = NULL;
    if ((rc = ops->grind(ctx, t, p->pow_bits, &fp->nonce)))
        goto fail;
    for (unsigned k = 0; k < p->num_queries; k++) {
        if ((rc = tr_sample_bits(t, s.log_lde, &fp->queries[k])))
            goto fail;
        queries[k] = fp->queries[k];
    }
    *out = fp;
    return ZK_OK;
fail:
    free(last);
    fri_prover_free(fp);
    return rc;
}

int fri_prove_finish(fri_prover *fp, fri_proof *proof)
{
    if (!fp || !proof)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_prove_finish: NULL argument");
    memset(proof, 0, sizeof *proof);
    const fri_schedule *s = &fp->s;
    size_t ncaps = 0, nfin = (size_t)1 << fp->prm.final_log;
    for (unsigned i = 0; i < s->nlayers; i++)
        ncaps += (size_t)1 << s->cap_log[i];
    proof->nlayers = s->nlayers;
    proof->pow_nonce = fp->nonce;
    proof->final_poly = malloc(nfin * sizeof *proof->final_poly);
    proof->caps = ncaps ? malloc(ncaps * sizeof *proof->caps) : NULL;
    if (!proof->final_poly || (ncaps && !proof->caps))
        goto nomem;
    memcpy(proof->final_poly, fp->final_poly, nfin * sizeof *proof->final_poly);
    size_t off = 0, idx[FRI_MAX_QUERIES];
    for (unsigned i = 0; i < s->nlayers; i++) {
        size_t ncap = 0;
        const p2_digest *cap = mt_cap(fp->trees[i], &ncap);
        memcpy(proof->caps + off, cap, ncap * sizeof *cap);
        off += ncap;

        /* The distinct rows q mod 2^rows_log, in increasing order. */
        uint32_t mask = (uint32_t)((1u << (s->log_size[i] - s->arity_bits[i])) - 1);
        size_t n = 0;
        for (unsigned k = 0; k < fp->prm.num_queries; k++) {
            size_t r = fp->queries[k] & mask, j = n;
            while (j > 0 && idx[j - 1] > r)
                j--;
            if (j > 0 && idx[j - 1] == r)
                continue;
            memmove(idx + j + 1, idx + j, (n - j) * sizeof idx[0]);
            idx[j] = r;
            n++;
        }
        size_t nsib = 0, width = mt_row_len(fp->trees[i]);
        int rc = mk_batch_sibling_count(mt_shape(fp->trees[i]), idx, n, &nsib);
        if (rc) {
            fri_proof_free(proof);
            return zk_err_wrap(rc, "FRI layer %u: ", i);
        }
        fri_layer_opening *o = &proof->layers[i];
        o->rows = malloc(n * width * sizeof *o->rows);
        o->sib = malloc((nsib ? nsib : 1) * sizeof *o->sib);
        if (!o->rows || !o->sib)
            goto nomem;
        o->nrows = (uint32_t)n;
        size_t got = 0;
        rc = mt_open_batch(fp->trees[i], idx, n, o->rows, n * width, o->sib, nsib, &got);
        if (rc) {
            fri_proof_free(proof);
            return zk_err_wrap(rc, "FRI layer %u: ", i);
        }
        o->nsib = (uint32_t)got;
    }
    return ZK_OK;
nomem:
    fri_proof_free(proof);
    return zk_err_set(ZK_ERR_NOMEM, "FRI prover: proof");
}
