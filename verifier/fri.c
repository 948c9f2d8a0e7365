/* FRI verification, parameters, presets, security bits and proof bytes
 * (docs/PROOF.md, "FRI"; docs/SECURITY.md). */
#include "verifier/fri.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "verifier/merkle.h"

/* floor(log2 |F_p^4|) = floor(4 * 30.98868...) = 123: a challenge space of 2^123.96
 * elements is claimed as 123 bits, never rounded up. */
#define FRI_FIELD_BITS 123.0

int fri_schedule_make(fri_schedule *s, const fri_params *p, unsigned log_degree)
{
    if (!s || !p)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_schedule_make: NULL argument");
    if (p->log_blowup < 2 || p->log_blowup > 8)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI log_blowup %u: must be 2..8", p->log_blowup);
    if (p->arity_bits < 1 || p->arity_bits > 4)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI arity_bits %u: must be 1..4", p->arity_bits);
    if (p->final_log > FRI_MAX_FINAL_LOG)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI final_log %u: must be 0..%u", p->final_log,
                          FRI_MAX_FINAL_LOG);
    if (p->num_queries < 1 || p->num_queries > FRI_MAX_QUERIES)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI num_queries %u: must be 1..%u", p->num_queries,
                          FRI_MAX_QUERIES);
    if (p->pow_bits > TR_MAX_POW_BITS)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI pow_bits %u: must be 0..%u", p->pow_bits,
                          TR_MAX_POW_BITS);
    if (p->cap_log > FRI_MAX_CAP_LOG)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI cap_log %u: must be 0..%u", p->cap_log,
                          FRI_MAX_CAP_LOG);
    if (log_degree > KB_TWO_ADICITY || log_degree + p->log_blowup > KB_TWO_ADICITY)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "FRI log_degree %u + log_blowup %u: the LDE domain exceeds 2^%u",
                          log_degree, p->log_blowup, KB_TWO_ADICITY);
    memset(s, 0, sizeof *s);
    s->log_degree = log_degree;
    s->log_lde = log_degree + p->log_blowup;
    s->log_size[0] = s->log_lde;
    unsigned d = log_degree, i = 0;
    while (d > p->final_log) {
        unsigned a = d - p->final_log < p->arity_bits ? d - p->final_log : p->arity_bits;
        /* b >= 2 and a >= 1 keep i below 22 <= FRI_MAX_LAYERS */
        unsigned rows_log = s->log_size[i] - a;
        s->arity_bits[i] = a;
        s->cap_log[i] = p->cap_log < rows_log ? p->cap_log : rows_log;
        s->log_size[i + 1] = rows_log;
        d -= a;
        i++;
    }
    s->nlayers = i;
    s->final_degree_log = d;
    return ZK_OK;
}

/* Returns ZK_OK when s is exactly the schedule p gives for s->log_degree. */
static int schedule_check(const fri_params *p, const fri_schedule *s)
{
    fri_schedule want;
    if (!p || !s)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI: NULL parameters or schedule");
    int rc = fri_schedule_make(&want, p, s->log_degree);
    if (rc)
        return rc;
    if (memcmp(&want, s, sizeof want) != 0)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "FRI: the schedule was not made from these parameters");
    return ZK_OK;
}

static size_t total_caps(const fri_schedule *s)
{
    size_t n = 0;
    for (unsigned i = 0; i < s->nlayers; i++)
        n += (size_t)1 << s->cap_log[i];
    return n;
}

/* ---- security ---------------------------------------------------------------- */

double fri_conjectured_bits(const fri_params *p)
{
    if (!p)
        return 0.0;
    double bits = (double)p->num_queries * p->log_blowup + p->pow_bits;
    return bits < FRI_FIELD_BITS ? bits : FRI_FIELD_BITS;
}

double fri_proven_bits(const fri_params *p, unsigned log_degree)
{
    fri_schedule s;
    if (fri_schedule_make(&s, p, log_degree) != ZK_OK) {
        zk_err_clear();
        return 0.0;
    }
    const double field = 4.0 * log2((double)KB_P); /* log2 |F| */
    const double rho = ldexp(1.0, -(int)p->log_blowup);
    const double dom = ldexp(1.0, (int)s.log_lde); /* |D^(0)| = N */
    double sum_l = 0.0;                            /* sum of l^(i) = |D_i| / |D_(i+1)| */
    for (unsigned i = 0; i < s.nlayers; i++)
        sum_l += ldexp(1.0, (int)s.arity_bits[i]);
    double best = 0.0;
    /* Lemma 8.2 holds for every integer m >= 3, so the best m gives a valid bound;
     * past m ~ 1000 the (m + 1/2)^7 term only grows. */
    for (unsigned m = 3; m <= 1024; m++) {
        double mm = (double)m;
        double e1 = pow(mm + 0.5, 7.0) * dom * dom / (2.0 * pow(rho, 1.5)) * exp2(-field);
        double e2 = (2.0 * mm + 1.0) * (dom + 1.0) / sqrt(rho) * sum_l * exp2(-field);
        double alpha = sqrt(rho) * (1.0 + 1.0 / (2.0 * mm));
        double eq = pow(alpha, (double)p->num_queries) * ldexp(1.0, -(int)p->pow_bits);
        double bits = -log2(e1 + e2 + eq);
        if (bits > best)
            best = bits;
    }
    return best;
}

/* ---- presets ----------------------------------------------------------------- */

static const struct {
    const char *name;
    fri_params prm;
} presets[] = {
    /* In-process tests only: 8 conjectured bits. */
    {"test",
     {.log_blowup = 2,
      .arity_bits = 2,
      .final_log = 2,
      .num_queries = 4,
      .pow_bits = 0,
      .cap_log = 2}},
    /* Chain batch proofs: 28 * 3 + 16 = 100 bits. */
    {"batch",
     {.log_blowup = 3,
      .arity_bits = 4,
      .final_log = 3,
      .num_queries = 28,
      .pow_bits = 16,
      .cap_log = 4}},
    /* Recursion: a larger blowup buys fewer queries, so smaller proofs to verify in a
     * circuit: 21 * 4 + 16 = 100 bits. */
    {"aggregate",
     {.log_blowup = 4,
      .arity_bits = 4,
      .final_log = 3,
      .num_queries = 21,
      .pow_bits = 16,
      .cap_log = 4}},
    /* Proofs for L1: 26 * 4 + 20 = 124, capped at the field's 123 bits. */
    {"settle",
     {.log_blowup = 4,
      .arity_bits = 4,
      .final_log = 3,
      .num_queries = 26,
      .pow_bits = 20,
      .cap_log = 4}},
};

#define NPRESETS (sizeof presets / sizeof presets[0])

int fri_preset(const char *name, fri_params *out)
{
    if (!name || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_preset: NULL argument");
    for (size_t i = 0; i < NPRESETS; i++)
        if (strcmp(name, presets[i].name) == 0) {
            *out = presets[i].prm;
            return ZK_OK;
        }
    return zk_err_set(ZK_ERR_NOT_FOUND,
                      "FRI preset '%.64s': unknown (known: test, batch, aggregate, settle)", name);
}

const char *fri_preset_at(size_t i)
{
    return i < NPRESETS ? presets[i].name : NULL;
}

size_t fri_preset_count(void)
{
    return NPRESETS;
}

/* ---- folding ----------------------------------------------------------------- */

/* w_K^-1 for K = 2^a, a = 1..4: KB_TWO_ADIC_ROOT^(-2^(24-a)) (canonical values
 * computed from the root in kb.h; test_fri checks the folding they give). */
static const kb root_inv[5] = {KB_ONE, KB_MONT_CONST(0x7f000000u), KB_MONT_CONST(0x00feffffu),
                               KB_MONT_CONST(0x67b1c9b1u), KB_MONT_CONST(0x572031dfu)};

/* The base-field operations of kb4.h, inlined: the prover folds every row of every
 * layer through here. */
static inline kb4 ext_add(kb4 a, kb4 b)
{
    return (kb4){{kb_add(a.c[0], b.c[0]), kb_add(a.c[1], b.c[1]), kb_add(a.c[2], b.c[2]),
                  kb_add(a.c[3], b.c[3])}};
}

static inline kb4 ext_sub(kb4 a, kb4 b)
{
    return (kb4){{kb_sub(a.c[0], b.c[0]), kb_sub(a.c[1], b.c[1]), kb_sub(a.c[2], b.c[2]),
                  kb_sub(a.c[3], b.c[3])}};
}

static inline kb4 ext_scale(kb4 a, kb s)
{
    return (kb4){{kb_mul(a.c[0], s), kb_mul(a.c[1], s), kb_mul(a.c[2], s), kb_mul(a.c[3], s)}};
}

kb4 fri_fold_row(const kb4 *row, unsigned arity_bits, kb x0_inv, kb4 beta)
{
    if (arity_bits < 1 || arity_bits > 4)
        return arity_bits == 0 ? row[0] : kb4_zero();
    const kb half = KB_MONT_CONST((KB_P + 1) / 2);
    kb4 v[16];
    unsigned k_all = 1u << arity_bits;
    memcpy(v, row, k_all * sizeof v[0]);
    /* The row's points are x0 w^k; a binary step pairs k with k + h, whose point is
     * -x0 w^k, and squares every point, w and beta for the next step. */
    kb winv = root_inv[arity_bits];
    kb xinv = x0_inv;
    for (unsigned h = k_all / 2; h >= 1; h /= 2) {
        kb t = kb_mul(half, xinv); /* 1 / (2 x_k), k = 0 */
        for (unsigned k = 0; k < h; k++) {
            kb4 sum = ext_add(v[k], v[k + h]);
            kb4 dif = ext_sub(v[k], v[k + h]);
            v[k] = ext_add(ext_scale(sum, half), kb4_mul(beta, ext_scale(dif, t)));
            t = kb_mul(t, winv);
        }
        xinv = kb_sqr(xinv);
        winv = kb_sqr(winv);
        beta = kb4_sqr(beta);
    }
    return v[0];
}

/* ---- proof bytes ------------------------------------------------------------- */

void fri_proof_free(fri_proof *p)
{
    if (!p)
        return;
    free(p->caps);
    free(p->final_poly);
    for (unsigned i = 0; i < FRI_MAX_LAYERS; i++) {
        free(p->layers[i].rows);
        free(p->layers[i].sib);
    }
    memset(p, 0, sizeof *p);
}

static int writer_fail(cd_writer *w, int code, const char *what)
{
    if (!w->err)
        w->err = zk_err_set(code, "FRI proof encoding: %s", what);
    return w->err;
}

void fri_proof_encode_commit(cd_writer *w, const fri_proof *p, const fri_schedule *s,
                             const fri_params *prm)
{
    if (!w || w->err)
        return;
    if (!p || schedule_check(prm, s) != ZK_OK || p->nlayers != s->nlayers || !p->final_poly ||
        (s->nlayers && !p->caps)) {
        writer_fail(w, ZK_ERR_INVALID_ARG, "the proof does not match the schedule");
        return;
    }
    cd_put_digests(w, p->caps, total_caps(s));
    cd_put_kb4s(w, p->final_poly, (size_t)1 << prm->final_log);
    cd_put_u32(w, p->pow_nonce);
}

int fri_proof_decode_commit(cd_reader *r, fri_proof *p, const fri_schedule *s,
                            const fri_params *prm)
{
    if (!r || !p)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_proof_decode_commit: NULL argument");
    memset(p, 0, sizeof *p);
    if (r->err)
        return r->err;
    int rc = schedule_check(prm, s);
    if (rc)
        return rc;
    size_t ncaps = total_caps(s), nfin = (size_t)1 << prm->final_log;
    if (ncaps) {
        p->caps = calloc(ncaps, sizeof *p->caps);
        if (!p->caps)
            return zk_err_set(ZK_ERR_NOMEM, "FRI proof: %zu layer cap digests", ncaps);
    }
    p->final_poly = calloc(nfin, sizeof *p->final_poly);
    if (!p->final_poly)
        return zk_err_set(ZK_ERR_NOMEM, "FRI proof: final polynomial");
    p->nlayers = s->nlayers;
    size_t off = 0;
    for (unsigned i = 0; i < s->nlayers; i++) {
        char what[48];
        snprintf(what, sizeof what, "FRI layer %u cap", i);
        size_t n = (size_t)1 << s->cap_log[i];
        rc = cd_get_digests(r, p->caps + off, n, what);
        if (rc)
            return rc;
        off += n;
    }
    rc = cd_get_kb4s(r, p->final_poly, nfin, "FRI final polynomial");
    if (rc)
        return rc;
    return cd_get_u32(r, &p->pow_nonce, "FRI proof-of-work nonce");
}

void fri_proof_encode_queries(cd_writer *w, const fri_proof *p, const fri_schedule *s)
{
    if (!w || w->err)
        return;
    if (!p || !s || p->nlayers != s->nlayers || s->nlayers > FRI_MAX_LAYERS) {
        writer_fail(w, ZK_ERR_INVALID_ARG, "the proof does not match the schedule");
        return;
    }
    for (unsigned i = 0; i < s->nlayers; i++) {
        const fri_layer_opening *o = &p->layers[i];
        size_t width = (size_t)4 << s->arity_bits[i];
        if ((o->nrows && !o->rows) || (o->nsib && !o->sib)) {
            writer_fail(w, ZK_ERR_INVALID_ARG, "a layer opening has no data");
            return;
        }
        cd_put_u32(w, o->nrows);
        cd_put_kbs(w, o->rows, (size_t)o->nrows * width);
        cd_put_u32(w, o->nsib);
        cd_put_digests(w, o->sib, o->nsib);
    }
}

/* The sorted distinct rows (q mod 2^rows_log) of the queries; returns their count. */
static size_t distinct_rows(const uint32_t *queries, size_t nq, unsigned rows_log, size_t *out)
{
    size_t n = 0;
    uint32_t mask = (uint32_t)(((uint64_t)1 << rows_log) - 1);
    for (size_t k = 0; k < nq; k++) {
        size_t r = queries[k] & mask, j = n;
        while (j > 0 && out[j - 1] > r)
            j--;
        if (j > 0 && out[j - 1] == r)
            continue;
        memmove(out + j + 1, out + j, (n - j) * sizeof *out);
        out[j] = r;
        n++;
    }
    return n;
}

static int queries_check(const fri_schedule *s, const uint32_t *queries, size_t nq)
{
    if (!queries || nq < 1 || nq > FRI_MAX_QUERIES)
        return zk_err_set(ZK_ERR_INVALID_ARG, "FRI: %zu query indices (1..%u allowed)", nq,
                          FRI_MAX_QUERIES);
    for (size_t k = 0; k < nq; k++)
        if ((uint64_t)queries[k] >> s->log_lde)
            return zk_err_set(ZK_ERR_INVALID_ARG, "FRI query %zu: index %u is not below 2^%u", k,
                              queries[k], s->log_lde);
    return ZK_OK;
}

static mk_shape layer_shape(const fri_schedule *s, unsigned i, mk_dims *dims)
{
    dims->log_height = s->log_size[i] - s->arity_bits[i];
    dims->width = (size_t)4 << s->arity_bits[i];
    return (mk_shape){.mats = dims, .nmats = 1, .cap_log = s->cap_log[i]};
}

int fri_proof_decode_queries(cd_reader *r, fri_proof *p, const fri_schedule *s,
                             const uint32_t *queries, size_t nq)
{
    if (!r || !p || !s)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_proof_decode_queries: NULL argument");
    if (s->nlayers > FRI_MAX_LAYERS || s->log_lde > KB_TWO_ADICITY)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_proof_decode_queries: bad schedule");
    int rc = queries_check(s, queries, nq);
    if (rc)
        return rc;
    for (unsigned i = 0; i < FRI_MAX_LAYERS; i++) {
        free(p->layers[i].rows);
        free(p->layers[i].sib);
        memset(&p->layers[i], 0, sizeof p->layers[i]);
    }
    if (r->err)
        return r->err;
    size_t idx[FRI_MAX_QUERIES];
    for (unsigned i = 0; i < s->nlayers; i++) {
        fri_layer_opening *o = &p->layers[i];
        mk_dims dims;
        mk_shape shape = layer_shape(s, i, &dims);
        size_t n = distinct_rows(queries, nq, dims.log_height, idx), nsib_want = 0;
        rc = mk_batch_sibling_count(&shape, idx, n, &nsib_want);
        if (rc)
            return r->err = zk_err_wrap(rc, "FRI layer %u: ", i);
        uint32_t cnt = 0;
        size_t at = r->pos;
        if ((rc = cd_get_u32(r, &cnt, "FRI layer row count")))
            return rc;
        if (cnt != n)
            return r->err = zk_err_set(ZK_ERR_PROOF,
                                       "FRI layer %u: %u rows at byte %zu, the queries open %zu", i,
                                       cnt, at, n);
        o->rows = malloc(n * dims.width * sizeof *o->rows);
        if (!o->rows)
            return r->err = zk_err_set(ZK_ERR_NOMEM, "FRI layer %u: rows", i);
        o->nrows = cnt;
        char what[48];
        snprintf(what, sizeof what, "FRI layer %u rows", i);
        if ((rc = cd_get_kbs(r, o->rows, n * dims.width, what)))
            return rc;
        at = r->pos;
        if ((rc = cd_get_u32(r, &cnt, "FRI layer sibling count")))
            return rc;
        if (cnt != nsib_want)
            return r->err = zk_err_set(
                       ZK_ERR_PROOF, "FRI layer %u: %u siblings at byte %zu, the queries need %zu",
                       i, cnt, at, nsib_want);
        if (cnt) {
            o->sib = malloc(cnt * sizeof *o->sib);
            if (!o->sib)
                return r->err = zk_err_set(ZK_ERR_NOMEM, "FRI layer %u: siblings", i);
        }
        o->nsib = cnt;
        snprintf(what, sizeof what, "FRI layer %u siblings", i);
        if ((rc = cd_get_digests(r, o->sib, cnt, what)))
            return rc;
    }
    return ZK_OK;
}

/* ---- verification ------------------------------------------------------------ */

int fri_verify_commit(tr_state *t, const fri_params *p, const fri_schedule *s,
                      const fri_proof *proof, fri_challenges *out)
{
    if (!t || !proof || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_verify_commit: NULL argument");
    int rc = schedule_check(p, s);
    if (rc)
        return rc;
    if (proof->nlayers != s->nlayers || !proof->final_poly || (s->nlayers && !proof->caps))
        return zk_err_set(ZK_ERR_PROOF, "FRI: the proof has %u layers, the parameters give %u",
                          proof->nlayers, s->nlayers);
    memset(out, 0, sizeof *out);
    size_t off = 0;
    for (unsigned i = 0; i < s->nlayers; i++) {
        size_t n = (size_t)1 << s->cap_log[i];
        for (size_t c = 0; c < n; c++)
            tr_observe_digest(t, &proof->caps[off + c]);
        off += n;
        out->betas[i] = tr_sample_ext(t);
    }
    for (size_t c = 0; c < ((size_t)1 << p->final_log); c++)
        tr_observe_ext(t, proof->final_poly[c]);
    rc = tr_check_pow(t, p->pow_bits, proof->pow_nonce);
    if (rc)
        return zk_err_wrap(rc, "FRI proof of work: ");
    for (unsigned k = 0; k < p->num_queries; k++) {
        rc = tr_sample_bits(t, s->log_lde, &out->queries[k]);
        if (rc)
            return rc;
    }
    return ZK_OK;
}

/* Returns the position of r in the sorted idx[0..n), or n. */
static size_t find_row(const size_t *idx, size_t n, size_t r)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && idx[lo] == r ? lo : n;
}

int fri_verify_queries(const fri_params *p, const fri_schedule *s, const fri_proof *proof,
                       const fri_challenges *ch, const kb4 *f_at_q)
{
    if (!proof || !ch || !f_at_q)
        return zk_err_set(ZK_ERR_INVALID_ARG, "fri_verify_queries: NULL argument");
    int rc = schedule_check(p, s);
    if (rc)
        return rc;
    size_t nq = p->num_queries;
    if ((rc = queries_check(s, ch->queries, nq)))
        return rc;
    if (proof->nlayers != s->nlayers || !proof->final_poly || (s->nlayers && !proof->caps))
        return zk_err_set(ZK_ERR_PROOF, "FRI: the proof has %u layers, the parameters give %u",
                          proof->nlayers, s->nlayers);
    /* With no layers the final polynomial itself must respect the degree bound. */
    for (size_t c = (size_t)1 << s->final_degree_log; c < ((size_t)1 << p->final_log); c++)
        if (!kb4_is_zero(proof->final_poly[c]))
            return zk_err_set(ZK_ERR_PROOF,
                              "FRI final polynomial: coefficient %zu is not zero (degree bound "
                              "2^%u)",
                              c, s->final_degree_log);

    kb4 carried[FRI_MAX_QUERIES];
    memcpy(carried, f_at_q, nq * sizeof carried[0]);
    size_t idx[FRI_MAX_QUERIES];
    mk_row mrows[FRI_MAX_QUERIES];
    kb shift = kb_from_canonical(FRI_DOMAIN_SHIFT);
    size_t cap_off = 0;
    for (unsigned i = 0; i < s->nlayers; i++) {
        const fri_layer_opening *o = &proof->layers[i];
        unsigned a = s->arity_bits[i];
        size_t kall = (size_t)1 << a;
        mk_dims dims;
        mk_shape shape = layer_shape(s, i, &dims);
        size_t n = distinct_rows(ch->queries, nq, dims.log_height, idx), nsib_want = 0;
        if ((rc = mk_batch_sibling_count(&shape, idx, n, &nsib_want)))
            return zk_err_wrap(rc, "FRI layer %u: ", i);
        if (o->nrows != n || !o->rows || o->nsib != nsib_want || (nsib_want && !o->sib))
            return zk_err_set(ZK_ERR_PROOF,
                              "FRI layer %u: the opening has %u rows and %u siblings, the "
                              "queries need %zu and %zu",
                              i, o->nrows, o->nsib, n, nsib_want);
        for (size_t j = 0; j < n; j++)
            mrows[j] = (mk_row){.v = o->rows + j * dims.width, .len = dims.width};
        size_t cap_len = (size_t)1 << s->cap_log[i];
        rc = mk_verify_batch(&shape, proof->caps + cap_off, cap_len, idx, n, mrows, n, o->sib,
                             o->nsib);
        if (rc)
            return zk_err_wrap(rc, "FRI layer %u: ", i);
        cap_off += cap_len;

        kb w = kb_root_of_unity(s->log_size[i]);
        uint32_t rmask = (uint32_t)((1u << dims.log_height) - 1);
        uint32_t mmask = (uint32_t)((1u << s->log_size[i]) - 1);
        for (size_t k = 0; k < nq; k++) {
            uint32_t q = ch->queries[k];
            size_t r = q & rmask, pos = (q & mmask) >> dims.log_height;
            size_t j = find_row(idx, n, r);
            if (j == n)
                return zk_err_set(ZK_ERR_INTERNAL, "FRI layer %u: row %zu not opened", i, r);
            kb4 row[16];
            const kb *src = o->rows + j * dims.width;
            for (size_t e = 0; e < kall; e++)
                memcpy(row[e].c, src + 4 * e, sizeof row[e].c);
            if (!kb4_eq(row[pos], carried[k]))
                return zk_err_set(ZK_ERR_PROOF,
                                  "FRI query %zu (index %u), layer %u: the opened value differs "
                                  "from %s",
                                  k, q, i, i == 0 ? "F at the query" : "the folded value");
            kb x0 = kb_mul(shift, kb_pow(w, r));
            carried[k] = fri_fold_row(row, a, kb_inv(x0), ch->betas[i]);
        }
        shift = kb_pow(shift, kall);
    }

    unsigned flog = s->log_size[s->nlayers];
    kb w = kb_root_of_unity(flog);
    uint32_t fmask = (uint32_t)((1u << flog) - 1);
    size_t nfin = (size_t)1 << p->final_log;
    for (size_t k = 0; k < nq; k++) {
        kb x = kb_mul(shift, kb_pow(w, ch->queries[k] & fmask));
        kb4 acc = kb4_zero();
        for (size_t c = nfin; c-- > 0;)
            acc = kb4_add(kb4_mul_base(acc, x), proof->final_poly[c]);
        if (!kb4_eq(acc, carried[k]))
            return zk_err_set(
                ZK_ERR_PROOF, "FRI query %zu (index %u): the final polynomial differs from %s", k,
                ch->queries[k], s->nlayers ? "the last folded value" : "F at the query");
    }
    return ZK_OK;
}
