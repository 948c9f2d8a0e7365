/* The verifier's query phase as a circuit (prover/recursion.h). Each step mirrors
 * verifier/plonk.c and verifier/fri.c (fri_verify_queries, fri_fold_row), so that
 * a valid proof's values satisfy it. */
#include "prover/recursion_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/gadgets.h"
#include "verifier/kb4.h"
#include "verifier/merkle.h"

#define MAX_DEPTH 32
#define MAX_CAP   16 /* one RANDOM_ACCESS row picks a cap digest element */

#define EXT_UNSET ((cb_ext){{CB_NONE, CB_NONE, CB_NONE, CB_NONE}})

static const size_t k_widths[4] = {ZP_NUM_PREPROCESSED, ZP_WIRES, ZP_NUM_PERM_COLS,
                                   ZP_NUM_QUOTIENT_COLS};

void rv_free(rv_query_phase *q)
{
    if (!q)
        return;
    free(q->q);
    for (int t = 0; t < 4; t++) {
        free(q->caps[t]);
        free(q->rows[t]);
        free(q->sib[t]);
    }
    for (unsigned i = 0; i < FRI_MAX_LAYERS; i++) {
        free(q->fcaps[i]);
        free(q->frows[i]);
        free(q->fsib[i]);
    }
    free(q->final_poly);
    free(q);
}

static cb_target *virtuals(cb_builder *b, size_t n, int *oom)
{
    cb_target *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = cb_virtual(b);
    return t;
}

/* sum 2^k bits[lo + k], k < n, by Horner from the top (one coefficient pair). */
static cb_target from_bits(cb_builder *b, const cb_target *bits, unsigned lo, unsigned n)
{
    cb_target acc = bits[lo + n - 1];
    for (unsigned k = n - 1; k-- > 0;)
        acc = cb_lin(b, kb_from_u32(2), acc, KB_ONE, bits[lo + k]);
    return acc;
}

/* node must be the cap digest that the top cap_log index bits pick. */
static void cap_lookup(cb_builder *b, const cb_target node[8], const cb_target *cap, size_t cap_len,
                       const cb_target *bits, unsigned lo, unsigned cap_log)
{
    if (cap_log == 0) {
        for (int k = 0; k < 8; k++)
            cb_connect(b, node[k], cap[k]);
        return;
    }
    cb_target idx = from_bits(b, bits, lo, cap_log), vals[MAX_CAP];
    for (int k = 0; k < 8; k++) {
        for (size_t e = 0; e < cap_len; e++)
            vals[e] = cap[8 * e + (size_t)k];
        cb_connect(b, cb_random_access(b, idx, vals, cap_len), node[k]);
    }
}

/* leaf = hash of the row, walked up depth levels with the index bits, then found
 * in the cap. */
static void open_row(cb_builder *b, const cb_target *row, size_t len, const cb_target *sib,
                     unsigned depth, const cb_target *cap, size_t cap_len, unsigned cap_log,
                     const cb_target *bits, size_t *r_leaf, size_t *r_path, size_t *r_cap)
{
    size_t r0 = cb_rows(b);
    cb_target leaf[8], node[8];
    cb_hash(b, P2_DOM_MERKLE_LEAF, row, len, leaf);
    size_t r1 = cb_rows(b);
    gd_merkle_root(b, leaf, bits, depth, (const cb_target(*)[8])sib, node);
    size_t r2 = cb_rows(b);
    cap_lookup(b, node, cap, cap_len, bits, depth, cap_log);
    *r_leaf += r1 - r0;
    *r_path += r2 - r1;
    *r_cap += cb_rows(b) - r2;
}

/* x^k by squaring and multiplying (k >= 1). */
static cb_ext ext_power(cb_builder *b, cb_ext x, unsigned k)
{
    int top = 31;
    while (top > 0 && !((k >> top) & 1))
        top--;
    cb_ext r = x;
    for (int i = top - 1; i >= 0; i--) {
        r = cb_ext_mul(b, r, r);
        if ((k >> i) & 1)
            r = cb_ext_mul(b, r, x);
    }
    return r;
}

int rv_build(cb_builder *b, const zp_vk *inner, rv_query_phase **out, rv_rows *rows)
{
    if (!b || !inner || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rv_build: NULL argument");
    *out = NULL;
    fri_schedule s;
    int rc = fri_schedule_make(&s, &inner->fri, inner->log_n);
    if (rc)
        return rc;
    unsigned cap_log = inner->fri.cap_log < s.log_lde ? inner->fri.cap_log : s.log_lde;
    if (((size_t)1 << cap_log) > MAX_CAP || s.log_lde > ZP_BITS)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rv_build: a cap of 2^%u digests (at most %d) or an LDE of 2^%u rows "
                          "(at most 2^%d)",
                          cap_log, MAX_CAP, s.log_lde, ZP_BITS);
    rv_query_phase *q = calloc(1, sizeof *q);
    if (!q)
        return zk_err_set(ZK_ERR_NOMEM, "rv_build: out of memory");
    rv_rows rr;
    memset(&rr, 0, sizeof rr);
    size_t start = cb_rows(b);
    int oom = 0;
    q->nq = inner->fri.num_queries;
    q->log_lde = s.log_lde;
    q->nlayers = s.nlayers;
    q->zk_salt = inner->zk ? ZP_SALT : 0;
    q->cap_len = (size_t)1 << cap_log;
    q->tree_depth = s.log_lde - cap_log;
    for (int t = 0; t < 4; t++) {
        q->row_len[t] = k_widths[t] + (t ? q->zk_salt : 0);
        q->caps[t] = virtuals(b, q->cap_len * 8, &oom);
        q->rows[t] = virtuals(b, q->nq * q->row_len[t], &oom);
        q->sib[t] = virtuals(b, (size_t)q->nq * q->tree_depth * 8, &oom);
    }
    for (unsigned i = 0; i < RV_NDEEP; i++)
        q->open[i] = cb_ext_virtual(b);
    q->deep = cb_ext_virtual(b);
    q->zeta = cb_ext_virtual(b);
    q->zeta_next = cb_ext_virtual(b);
    unsigned asum[FRI_MAX_LAYERS + 1]; /* arity bits folded before layer i */
    asum[0] = 0;
    for (unsigned i = 0; i < s.nlayers; i++) {
        unsigned h = s.log_size[i] - s.arity_bits[i];
        q->betas[i] = cb_ext_virtual(b);
        q->fdepth[i] = h - s.cap_log[i];
        q->fcap_len[i] = (size_t)1 << s.cap_log[i];
        q->fwidth[i] = (size_t)4 << s.arity_bits[i];
        q->fcaps[i] = virtuals(b, q->fcap_len[i] * 8, &oom);
        q->frows[i] = virtuals(b, q->nq * q->fwidth[i], &oom);
        q->fsib[i] = virtuals(b, (size_t)q->nq * q->fdepth[i] * 8, &oom);
        asum[i + 1] = asum[i] + s.arity_bits[i];
    }
    size_t nfin = (size_t)1 << inner->fri.final_log;
    q->final_poly = malloc(nfin * sizeof *q->final_poly);
    q->q = virtuals(b, q->nq, &oom);
    if (oom || !q->final_poly) {
        rv_free(q);
        return cb_fail(b, zk_err_set(ZK_ERR_NOMEM, "rv_build: out of memory"));
    }
    for (size_t c = 0; c < nfin; c++)
        q->final_poly[c] = cb_ext_virtual(b);

    /* once: the sums at zeta by Horner's rule in the DEEP challenge a,
     * s1 = sum_{t<273} a^t f_t(zeta) and s2 = sum_k a^k z_k(w zeta), and a^273, by
     * which the second sum and its counterpart at the query point are scaled */
    cb_ext zero = cb_ext_constant(b, kb4_zero());
    cb_ext half_e = cb_ext_constant(b, kb4_from_base(kb_inv(kb_from_u32(2))));
    cb_ext s1 = q->open[ZP_NUM_OPENINGS - 1], s2 = q->open[RV_NDEEP - 1];
    for (unsigned i = ZP_NUM_OPENINGS - 1; i-- > 0;)
        s1 = cb_ext_arith(b, KB_ONE, KB_ONE, s1, q->deep, q->open[i]);
    for (unsigned i = RV_NDEEP - 1; i-- > ZP_NUM_OPENINGS;)
        s2 = cb_ext_arith(b, KB_ONE, KB_ONE, s2, q->deep, q->open[i]);
    cb_ext a273 = ext_power(b, q->deep, ZP_NUM_OPENINGS);
    rr.once = cb_rows(b) - start;

    cb_target onet = cb_one(b), half = cb_constant(b, kb_inv(kb_from_u32(2)));
    kb g = kb_from_canonical(KB_GENERATOR), wN = kb_root_of_unity(s.log_lde);
    for (unsigned k = 0; k < q->nq && !cb_error(b); k++) {
        /* bits of the index, and P_j = g w_N^(q mod 2^j) for j <= log N: the query
         * point is P_logN, and layer i's first point is P_(its row bits) raised to
         * 2^(arity bits folded before it) */
        size_t r0 = cb_rows(b);
        cb_target bits[ZP_BITS], P[ZP_BITS + 1];
        cb_range_check(b, q->q[k], s.log_lde, bits);
        P[0] = cb_constant(b, g);
        kb wj = wN;
        for (unsigned j = 0; j < s.log_lde; j++, wj = kb_sqr(wj)) {
            cb_target f =
                cb_arith(b, KB_ONE, KB_ONE, bits[j], cb_constant(b, kb_sub(wj, KB_ONE)), onet);
            P[j + 1] = cb_mul(b, P[j], f);
        }
        rr.points += cb_rows(b) - r0;

        for (int t = 0; t < 4; t++)
            open_row(b, q->rows[t] + k * q->row_len[t], q->row_len[t],
                     q->sib[t] + (size_t)k * q->tree_depth * 8, q->tree_depth, q->caps[t],
                     q->cap_len, cap_log, bits, &rr.leaves, &rr.paths, &rr.caps);

        /* F(x) = (a1 - s1) / (x - zeta) + (a2 - s2) / (x - w zeta) */
        r0 = cb_rows(b);
        const cb_target *zrow = q->rows[2] + k * q->row_len[2];
        cb_ext a1 = EXT_UNSET, a2 = gd_ext_from_base(b, zrow[3]);
        for (int t = 3; t >= 0; t--)
            for (size_t i = k_widths[t]; i-- > 0;) {
                cb_ext v = gd_ext_from_base(b, q->rows[t][k * q->row_len[t] + i]);
                a1 = a1.c[0] == CB_NONE ? v : cb_ext_arith(b, KB_ONE, KB_ONE, a1, q->deep, v);
            }
        for (unsigned z = 3; z-- > 0;)
            a2 = cb_ext_arith(b, KB_ONE, KB_ONE, a2, q->deep, gd_ext_from_base(b, zrow[z]));
        cb_ext x = gd_ext_from_base(b, P[s.log_lde]);
        cb_ext i1 = gd_ext_inverse(b, cb_ext_sub(b, x, q->zeta));
        cb_ext i2 = gd_ext_inverse(b, cb_ext_sub(b, x, q->zeta_next));
        cb_ext carried = cb_ext_add(b, cb_ext_mul(b, cb_ext_sub(b, a1, s1), i1),
                                    cb_ext_mul(b, cb_ext_mul(b, cb_ext_sub(b, a2, s2), a273), i2));
        rr.deep += cb_rows(b) - r0;

        for (unsigned i = 0; i < s.nlayers && !cb_error(b); i++) {
            unsigned a = s.arity_bits[i], h = s.log_size[i] - a;
            size_t kall = (size_t)1 << a;
            const cb_target *row = q->frows[i] + k * q->fwidth[i];
            open_row(b, row, q->fwidth[i], q->fsib[i] + (size_t)k * q->fdepth[i] * 8, q->fdepth[i],
                     q->fcaps[i], q->fcap_len[i], s.cap_log[i], bits, &rr.fri_leaves, &rr.fri_paths,
                     &rr.fri_caps);
            r0 = cb_rows(b);
            /* the carried value at position (q mod M_i) >> h of the row */
            cb_target pos = from_bits(b, bits, h, a), vals[16];
            cb_ext v[16];
            for (unsigned c = 0; c < 4; c++) {
                for (size_t e = 0; e < kall; e++)
                    vals[e] = row[4 * e + c];
                cb_connect(b, cb_random_access(b, pos, vals, kall), carried.c[c]);
            }
            for (size_t e = 0; e < kall; e++)
                for (unsigned c = 0; c < 4; c++)
                    v[e].c[c] = row[4 * e + c];
            /* x0 = P_h^(2^asum), folded as fri_fold_row does */
            cb_target x0 = P[h];
            for (unsigned j = 0; j < asum[i]; j++)
                x0 = cb_mul(b, x0, x0);
            cb_target xinv = cb_div(b, onet, x0);
            kb winv = kb_inv(kb_root_of_unity(a));
            cb_ext beta = q->betas[i];
            /* fri_fold_row's binary step, (v0 + v1) / 2 + beta (v0 - v1) t with
             * t = w^-e / (2x), as v1 + (v0 - v1) u, u = (beta / (2x)) w^-e + 1/2 */
            for (size_t hh = kall / 2; hh >= 1; hh /= 2) {
                cb_target tt = cb_mul(b, xinv, half);
                cb_ext bt = cb_ext_mul(b, beta, gd_ext_from_base(b, tt));
                kb wk = KB_ONE;
                for (size_t e = 0; e < hh; e++) {
                    cb_ext u = cb_ext_arith(b, KB_ONE, KB_ONE, bt,
                                            cb_ext_constant(b, kb4_from_base(wk)), half_e);
                    cb_ext d = cb_ext_sub(b, v[e], v[e + hh]);
                    v[e] = cb_ext_arith(b, KB_ONE, KB_ONE, d, u, v[e + hh]);
                    wk = kb_mul(wk, winv);
                }
                if (hh > 1) {
                    xinv = cb_mul(b, xinv, xinv);
                    beta = cb_ext_mul(b, beta, beta);
                }
                winv = kb_sqr(winv);
            }
            carried = v[0];
            rr.fri_folds += cb_rows(b) - r0;
        }

        /* the final polynomial at shift w^(q mod M_last), with the coefficients at
         * and above 2^final_degree_log zero */
        r0 = cb_rows(b);
        unsigned flog = s.log_size[s.nlayers];
        cb_target xf = P[flog];
        for (unsigned j = 0; j < asum[s.nlayers]; j++)
            xf = cb_mul(b, xf, xf);
        cb_ext xe = gd_ext_from_base(b, xf), acc = q->final_poly[nfin - 1];
        for (size_t c = nfin - 1; c-- > 0;)
            acc = cb_ext_arith(b, KB_ONE, KB_ONE, acc, xe, q->final_poly[c]);
        for (unsigned c = 0; c < 4; c++)
            cb_connect(b, acc.c[c], carried.c[c]);
        if (k == 0)
            for (size_t c = (size_t)1 << s.final_degree_log; c < nfin; c++)
                for (unsigned e = 0; e < 4; e++)
                    cb_connect(b, q->final_poly[c].c[e], zero.c[e]);
        rr.final += cb_rows(b) - r0;
    }
    rr.total = cb_rows(b) - start;
    if ((rc = cb_error(b))) {
        rv_free(q);
        return rc;
    }
    if (rows)
        *rows = rr;
    *out = q;
    return ZK_OK;
}

/* ---- witness ---- */

/* Each index's own path (siblings from the leaf level up) out of a batch opening
 * of sorted distinct indices, recomputing the nodes as mk_verify_batch does. */
static int batch_paths(p2_digest *paths, const p2_digest *leaves, const size_t *idx, size_t n,
                       unsigned d, unsigned cap_log, const p2_digest *sib, size_t nsib)
{
    unsigned depth = d - cap_log;
    size_t *pos = malloc(n * sizeof *pos), *first = malloc((n + 1) * sizeof *first);
    p2_digest *val = malloc(n * sizeof *val);
    int rc = ZK_OK;
    if (!pos || !first || !val) {
        rc = zk_err_set(ZK_ERR_NOMEM, "rv_set_witness: out of memory");
        goto out;
    }
    for (size_t j = 0; j < n; j++) {
        pos[j] = idx[j];
        first[j] = j;
        val[j] = leaves[j];
    }
    size_t cnt = n, used = 0;
    for (unsigned lv = 0; lv < depth && !rc; lv++) {
        first[cnt] = n;
        size_t outn = 0;
        for (size_t j = 0; j < cnt;) {
            size_t p = pos[j], f = first[j];
            p2_digest parent;
            if ((p & 1) == 0 && j + 1 < cnt && pos[j + 1] == (p | 1)) {
                for (size_t e = f; e < first[j + 1]; e++)
                    paths[e * depth + lv] = val[j + 1];
                for (size_t e = first[j + 1]; e < first[j + 2]; e++)
                    paths[e * depth + lv] = val[j];
                p2_compress(&parent, &val[j], &val[j + 1]);
                j += 2;
            } else {
                if (used == nsib) {
                    rc = zk_err_set(ZK_ERR_INVALID_ARG, "rv_set_witness: too few siblings");
                    break;
                }
                for (size_t e = f; e < first[j + 1]; e++)
                    paths[e * depth + lv] = sib[used];
                if (p & 1)
                    p2_compress(&parent, &sib[used], &val[j]);
                else
                    p2_compress(&parent, &val[j], &sib[used]);
                used++;
                j++;
            }
            pos[outn] = p >> 1;
            first[outn] = f;
            val[outn] = parent;
            outn++;
        }
        cnt = outn;
    }
out:
    free(pos);
    free(first);
    free(val);
    return rc;
}

static int set_targets(cb_witness *w, const cb_target *t, const kb *v, size_t n)
{
    int rc = ZK_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = cb_witness_set(w, t[i], v[i]);
    return rc;
}

static int set_digests(cb_witness *w, const cb_target *t, const p2_digest *d, size_t n)
{
    int rc = ZK_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = set_targets(w, t + 8 * i, d[i].v, 8);
    return rc;
}

static size_t find(const size_t *sorted, size_t n, size_t x)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (sorted[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Sets rows and per-query paths of one tree of single-height matrices. */
static int set_tree(cb_witness *w, const cb_target *trows, const cb_target *tsib, size_t row_len,
                    unsigned depth, unsigned log_height, unsigned cap_log, const kb *rows,
                    const size_t *idx, size_t n, const p2_digest *sib, size_t nsib,
                    const uint32_t *queries, unsigned nq, uint32_t qmask)
{
    p2_digest *leaves = malloc(n * sizeof *leaves);
    p2_digest *paths = malloc((n * depth + 1) * sizeof *paths);
    int rc = ZK_OK;
    if (!leaves || !paths)
        rc = zk_err_set(ZK_ERR_NOMEM, "rv_set_witness: out of memory");
    for (size_t j = 0; j < n && !rc; j++) {
        mk_row r = {.v = rows + j * row_len, .len = row_len};
        mk_hash_rows(&leaves[j], &r, 1);
    }
    if (!rc)
        rc = batch_paths(paths, leaves, idx, n, log_height, cap_log, sib, nsib);
    for (unsigned k = 0; k < nq && !rc; k++) {
        size_t j = find(idx, n, queries[k] & qmask);
        rc = set_targets(w, trows + k * row_len, rows + j * row_len, row_len);
        if (!rc)
            rc = set_digests(w, tsib + (size_t)k * depth * 8, paths + j * depth, depth);
    }
    free(leaves);
    free(paths);
    return rc;
}

int rv_set_witness(cb_witness *w, const rv_query_phase *q, const zp_vk *inner, const zp_replay *r)
{
    return rv_set_query_witness(w, q, inner, r, 1);
}

int rv_set_query_witness(cb_witness *w, const rv_query_phase *q, const zp_vk *inner,
                         const zp_replay *r, int challenges)
{
    if (!w || !q || !inner || !r)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rv_set_witness: NULL argument");
    const fri_schedule *s = &r->sched;
    if (inner->fri.num_queries != q->nq || s->log_lde != q->log_lde || s->nlayers != q->nlayers ||
        r->cap_len != q->cap_len || inner->t0_cap_len != q->cap_len)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rv_set_witness: the replay has another shape");
    int rc = ZK_OK;
    for (unsigned k = 0; k < q->nq && challenges && !rc; k++)
        rc = cb_witness_set(w, q->q[k], kb_from_u32(r->ch.queries[k]));
    unsigned cap_log = q->log_lde - q->tree_depth;
    for (int t = 0; t < 4 && !rc; t++) {
        if (t || challenges)
            rc = set_digests(w, q->caps[t], t ? r->caps[t - 1] : inner->t0_cap, q->cap_len);
        if (!rc)
            rc = set_tree(w, q->rows[t], q->sib[t], q->row_len[t], q->tree_depth, q->log_lde,
                          cap_log, r->rows[t], r->row_index, r->nrows, r->sib[t], r->nsib[t],
                          r->ch.queries, q->nq, UINT32_MAX);
    }
    for (unsigned i = 0; i < RV_NDEEP && !rc; i++)
        rc = cb_witness_set_ext(w, q->open[i], r->open[i]);
    if (!rc && challenges)
        rc = cb_witness_set_ext(w, q->deep, r->deep);
    if (!rc && challenges)
        rc = cb_witness_set_ext(w, q->zeta, r->zeta);
    if (!rc && challenges)
        rc = cb_witness_set_ext(w, q->zeta_next, r->zeta_next);
    size_t cap_off = 0;
    for (unsigned i = 0; i < q->nlayers && !rc; i++) {
        unsigned h = s->log_size[i] - s->arity_bits[i];
        const fri_layer_opening *o = &r->fri.layers[i];
        size_t idx[FRI_MAX_QUERIES], n = 0;
        uint32_t mask = (uint32_t)((1u << h) - 1);
        for (unsigned k = 0; k < q->nq; k++)
            idx[n++] = r->ch.queries[k] & mask;
        /* the layer opens its distinct rows in increasing order */
        for (size_t a = 1; a < n; a++)
            for (size_t c = a; c > 0 && idx[c - 1] > idx[c]; c--) {
                size_t tmp = idx[c];
                idx[c] = idx[c - 1];
                idx[c - 1] = tmp;
            }
        size_t u = 0;
        for (size_t a = 0; a < n; a++)
            if (u == 0 || idx[u - 1] != idx[a])
                idx[u++] = idx[a];
        if (u != o->nrows)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "rv_set_witness: FRI layer %u opens %u rows, "
                              "the queries give %zu",
                              i, o->nrows, u);
        if (challenges)
            rc = cb_witness_set_ext(w, q->betas[i], r->ch.betas[i]);
        if (!rc)
            rc = set_digests(w, q->fcaps[i], r->fri.caps + cap_off, q->fcap_len[i]);
        if (!rc)
            rc = set_tree(w, q->frows[i], q->fsib[i], q->fwidth[i], q->fdepth[i], h, s->cap_log[i],
                          o->rows, idx, u, o->sib, o->nsib, r->ch.queries, q->nq, mask);
        cap_off += q->fcap_len[i];
    }
    size_t nfin = (size_t)1 << inner->fri.final_log;
    for (size_t c = 0; c < nfin && !rc; c++)
        rc = cb_witness_set_ext(w, q->final_poly[c], r->fri.final_poly[c]);
    return rc;
}
