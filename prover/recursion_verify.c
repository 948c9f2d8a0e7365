/* The whole verifier as a circuit (prover/recursion.h, rv_build_verifier): the
 * transcript, the checks of verifier/plonk.c's verify() that come before the
 * query phase, and the query phase of prover/recursion.c, tied together so that
 * every challenge is derived from the proof's values inside the circuit. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/gadgets.h"
#include "prover/recursion_internal.h"
#include "verifier/transcript.h"

/* ---- the transcript (verifier/transcript.c) ---- */

void rv_tr_init(cb_builder *b, rv_tr *t)
{
    memset(t, 0, sizeof *t);
    cb_target zero = cb_zero(b);
    for (int i = 0; i < 16; i++)
        t->state[i] = zero;
    t->state[P2_RATE] = cb_constant(b, kb_from_u32(P2_DOM_TRANSCRIPT));
}

static void duplex(cb_builder *b, rv_tr *t)
{
    cb_target zero = cb_zero(b);
    for (unsigned i = 0; i < P2_RATE; i++)
        t->state[i] = i < t->n_in ? t->in[i] : zero;
    if (t->n_in)
        t->state[15] = cb_add_const(b, t->state[15], kb_from_u32(t->n_in));
    cb_target o[16];
    cb_poseidon2(b, t->state, o);
    if (cb_error(b))
        return;
    memcpy(t->state, o, sizeof o);
    t->n_in = 0;
    memcpy(t->out, o, sizeof t->out);
    t->n_out = P2_RATE;
}

void rv_tr_observe(cb_builder *b, rv_tr *t, cb_target x)
{
    t->n_out = 0;
    t->in[t->n_in++] = x;
    if (t->n_in == P2_RATE)
        duplex(b, t);
}

void rv_tr_observe_many(cb_builder *b, rv_tr *t, const cb_target *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rv_tr_observe(b, t, x[i]);
}

void rv_tr_observe_ext(cb_builder *b, rv_tr *t, cb_ext x)
{
    rv_tr_observe_many(b, t, x.c, 4);
}

cb_target rv_tr_sample(cb_builder *b, rv_tr *t)
{
    if (t->n_in > 0 || t->n_out == 0)
        duplex(b, t);
    if (cb_error(b) || t->n_out == 0)
        return CB_NONE;
    return t->out[P2_RATE - t->n_out--];
}

cb_ext rv_tr_sample_ext(cb_builder *b, rv_tr *t)
{
    cb_ext r;
    for (int i = 0; i < 4; i++)
        r.c[i] = rv_tr_sample(b, t);
    return r;
}

/* ---- the verifier ---- */

struct rv_verifier {
    rv_query_phase *q;
    size_t npi;
    cb_target *pi;   /* the inner proof's public inputs */
    cb_target nonce; /* its proof-of-work nonce */
};

void rv_verifier_free(rv_verifier *v)
{
    if (!v)
        return;
    rv_free(v->q);
    free(v->pi);
    free(v);
}

const cb_target *rv_verifier_public_inputs(const rv_verifier *v, size_t *n)
{
    if (n)
        *n = v ? v->npi : 0;
    return v ? v->pi : NULL;
}

static void connect_ext(cb_builder *b, cb_ext x, cb_ext y)
{
    for (int c = 0; c < 4; c++)
        cb_connect(b, x.c[c], y.c[c]);
}

/* low = x mod 2^L, high = x >> L of the canonical value of x */
static int gen_split(const void *ctx, const kb *in, kb *out)
{
    unsigned l;
    memcpy(&l, ctx, sizeof l);
    uint32_t x = kb_to_canonical(in[0]);
    out[0] = kb_from_u32(x & ((1u << l) - 1));
    out[1] = kb_from_u32(x >> l);
    return ZK_OK;
}

/* idx must be the low L bits of the canonical value of x (tr_sample_bits). With
 * x = idx + 2^L high, idx < 2^L (the query phase checks it) and high < 2^(31-L),
 * the integer idx + 2^L high is below 2^31 and could still be x + p for a small
 * x, whose low bits differ; so it must also be at most p - 1 = 127 2^24: high <=
 * H = 127 2^(24-L), and idx = 0 when high = H. */
static void sample_bits(cb_builder *b, cb_target x, cb_target idx, unsigned l)
{
    cb_target high = cb_virtual(b);
    cb_target outs[2] = {idx, high};
    cb_generator(b, gen_split, &l, sizeof l, &x, 1, outs, 2);
    cb_range_check(b, high, 31 - l, NULL);
    cb_connect(b, cb_lin(b, kb_from_u32(1u << l), high, KB_ONE, idx), x);
    uint32_t hmax = 127u << (24 - l);
    cb_target hc = cb_constant(b, kb_from_u32(hmax));
    gd_assert_lt(b, high, cb_add_const(b, hc, KB_ONE), 32 - l);
    cb_assert_zero(b, cb_mul(b, gd_is_equal(b, high, hc), idx));
}

int rv_build_verifier(cb_builder *b, const zp_vk *inner, rv_verifier **out, rv_rows *rows)
{
    if (!b || !inner || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "rv_build_verifier: NULL argument");
    *out = NULL;
    fri_schedule s;
    int rc = fri_schedule_make(&s, &inner->fri, inner->log_n);
    if (rc)
        return rc;
    if (s.log_lde < 2 || s.log_lde > TR_MAX_SAMPLE_BITS || inner->fri.pow_bits > TR_MAX_POW_BITS ||
        inner->t0_cap_len > ZP_MAX_CAP)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rv_build_verifier: an LDE of 2^%u rows (2^2 to 2^%d), %u proof-of-work "
                          "bits (at most %d) or a cap of %zu digests",
                          s.log_lde, TR_MAX_SAMPLE_BITS, inner->fri.pow_bits, TR_MAX_POW_BITS,
                          inner->t0_cap_len);
    rv_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return cb_fail(b, zk_err_set(ZK_ERR_NOMEM, "rv_build_verifier: out of memory"));
    size_t start = cb_rows(b);
    v->npi = inner->num_public_inputs;
    v->pi = malloc((v->npi ? v->npi : 1) * sizeof *v->pi);
    if (!v->pi) {
        rv_verifier_free(v);
        return cb_fail(b, zk_err_set(ZK_ERR_NOMEM, "rv_build_verifier: out of memory"));
    }
    for (size_t i = 0; i < v->npi; i++)
        v->pi[i] = cb_virtual(b);
    rv_rows rr;
    memset(&rr, 0, sizeof rr);
    rc = rv_build(b, inner, &v->q, &rr);
    if (rc) {
        rv_verifier_free(v);
        return rc;
    }
    rv_query_phase *q = v->q;
    if (q->cap_len != inner->t0_cap_len) {
        rv_verifier_free(v);
        return cb_fail(b, zk_err_set(ZK_ERR_INVALID_ARG,
                                     "rv_build_verifier: the key's cap has %zu digests, its FRI "
                                     "parameters give %zu",
                                     inner->t0_cap_len, q->cap_len));
    }

    /* the transcript, in verify()'s order */
    size_t r0 = cb_rows(b);
    for (size_t e = 0; e < q->cap_len; e++)
        for (int k = 0; k < 8; k++)
            cb_connect(b, q->caps[0][8 * e + (size_t)k], cb_constant(b, inner->t0_cap[e].v[k]));
    rv_tr t;
    rv_tr_init(b, &t);
    for (int k = 0; k < 8; k++)
        rv_tr_observe(b, &t, cb_constant(b, inner->digest.v[k]));
    cb_target h[8];
    cb_hash(b, P2_DOM_PUBLIC_INPUTS, v->pi, v->npi, h);
    rv_tr_observe_many(b, &t, h, 8);
    rv_tr_observe_many(b, &t, q->caps[1], q->cap_len * 8);
    cb_ext beta = rv_tr_sample_ext(b, &t), gamma = rv_tr_sample_ext(b, &t);
    rv_tr_observe_many(b, &t, q->caps[2], q->cap_len * 8);
    cb_ext alpha = rv_tr_sample_ext(b, &t);
    rv_tr_observe_many(b, &t, q->caps[3], q->cap_len * 8);
    /* The native verifier samples again while zeta^n = 1; rv_identity requires
     * zeta^n != 1, so the circuit accepts exactly the proofs whose first sample
     * is good (all but a fraction n / p^4 of them). */
    cb_ext zeta = rv_tr_sample_ext(b, &t);
    connect_ext(b, zeta, q->zeta);
    cb_ext one = cb_ext_constant(b, kb4_one()), zero = cb_ext_constant(b, kb4_zero());
    connect_ext(b, cb_ext_arith(b, kb_root_of_unity(inner->log_n), KB_ZERO, zeta, one, zero),
                q->zeta_next);
    for (unsigned i = 0; i < RV_NDEEP; i++)
        rv_tr_observe_ext(b, &t, q->open[i]);
    connect_ext(b, rv_tr_sample_ext(b, &t), q->deep);
    for (unsigned i = 0; i < s.nlayers; i++) {
        rv_tr_observe_many(b, &t, q->fcaps[i], q->fcap_len[i] * 8);
        connect_ext(b, rv_tr_sample_ext(b, &t), q->betas[i]);
    }
    for (size_t c = 0; c < ((size_t)1 << inner->fri.final_log); c++)
        rv_tr_observe_ext(b, &t, q->final_poly[c]);
    v->nonce = cb_virtual(b);
    rv_tr_observe(b, &t, v->nonce);
    cb_target work = rv_tr_sample(b, &t);
    if (inner->fri.pow_bits)
        cb_range_check(b, work, 31 - inner->fri.pow_bits, NULL);
    cb_target x[FRI_MAX_QUERIES];
    for (unsigned k = 0; k < q->nq; k++)
        x[k] = rv_tr_sample(b, &t);
    rr.transcript = cb_rows(b) - r0;

    r0 = cb_rows(b);
    for (unsigned k = 0; k < q->nq; k++)
        sample_bits(b, x[k], q->q[k], s.log_lde);
    rr.indices = cb_rows(b) - r0;

    r0 = cb_rows(b);
    rv_identity(b, inner, q->open, h, alpha, beta, gamma, zeta);
    rr.identity = cb_rows(b) - r0;
    rr.total = cb_rows(b) - start;
    if ((rc = cb_error(b))) {
        rv_verifier_free(v);
        return rc;
    }
    if (rows)
        *rows = rr;
    *out = v;
    return ZK_OK;
}

int rv_verifier_set_witness(cb_witness *w, const rv_verifier *v, const zp_vk *inner, const kb *pi,
                            size_t npi, const zp_replay *r)
{
    if (!w || !v || !inner || !r || (!pi && npi))
        return zk_err_set(ZK_ERR_INVALID_ARG, "rv_verifier_set_witness: NULL argument");
    if (npi != v->npi)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "rv_verifier_set_witness: %zu public inputs given, the circuit takes %zu",
                          npi, v->npi);
    int rc = ZK_OK;
    for (size_t i = 0; i < npi && !rc; i++)
        rc = cb_witness_set(w, v->pi[i], pi[i]);
    if (!rc)
        rc = cb_witness_set(
            w, v->nonce, r->fri.pow_nonce < KB_P ? kb_from_canonical(r->fri.pow_nonce) : KB_ZERO);
    if (!rc)
        rc = rv_set_query_witness(w, v->q, inner, r, 0);
    return rc;
}
