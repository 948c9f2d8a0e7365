/* `zkgate bench recursion`: proofs that verify proofs (prover/recursion.h).
 *
 * Level 0 is a hashchain proof under the "aggregate" preset with zero knowledge;
 * level k + 1 is a proof, under the same preset, of the circuit that verifies
 * level k's proof (rv_build_verifier) with level k's public inputs as its own.
 * Per level: the verifier circuit's gate rows and trace rows, the time to build
 * it (preprocessing included), to prove it (witness included) and to verify the
 * result natively, and the proof's size. Recursion can go on for ever once a
 * level's circuit is no larger than the one it verifies: the "fixed_point" field
 * says whether this level has the same trace rows as the one before. The bound
 * is the proof system's goal rate, a 2^14-row circuit proven in 5 s on this
 * 2-core machine. Every proof runs on one CPU backend, as an aggregating gateway
 * would: its pool keeps the buffers (prover/hostpool.h), so level 2, of level 1's
 * size, proves with them already mapped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/backend.h"
#include "prover/examples.h"
#include "prover/plonk_prove.h"
#include "prover/recursion.h"
#include "verifier/plonk.h"

#define GOAL_ROWS_PER_S (16384.0 / 5.0)
#define MAX_PI          16

typedef struct level {
    cb_circuit *c; /* the circuit proven at this level (not owned at level 0) */
    zk_buf proof;
    kb pi[MAX_PI];
    size_t npi;
} level;

/* Builds the verifier of prev's proof, proves it with prev's witness and verifies
 * the result. Out: next (its circuit, proof and public inputs). */
static int prove_level(const bench_ctx *ctx, zp_backend *be, const fri_params *fri,
                       const zp_vk *inner, const level *prev, level *next, unsigned k)
{
    /* "aggregate" has 100 conjectured bits; the quick run's "test" preset has few */
    double min_bits = ctx->quick ? 0 : 100;
    zp_replay r;
    int rc = zp_verify_replay(inner, prev->pi, prev->npi, prev->proof.data, prev->proof.len,
                              min_bits, &r);
    if (rc)
        return zk_err_wrap(rc, "recursion level %u: the inner proof: ", k);
    double t0 = bench_now();
    cb_builder *b = NULL;
    rv_verifier *v = NULL;
    rv_rows rows;
    rc = cb_new(&b, fri, 1);
    if (!rc)
        rc = rv_build_verifier(b, inner, &v, &rows);
    if (!rc) {
        size_t n;
        const cb_target *t = rv_verifier_public_inputs(v, &n);
        for (size_t i = 0; i < n; i++)
            cb_public_input(b, t[i]);
        next->npi = n;
        rc = cb_build(b, &next->c);
        b = NULL;
    }
    cb_free(b);
    double t_build = bench_now() - t0;
    cb_witness *w = NULL;
    zp_prove_stats st;
    memset(&st, 0, sizeof st);
    if (!rc)
        rc = cb_witness_new(&w, next->c);
    if (!rc)
        rc = rv_verifier_set_witness(w, v, inner, prev->pi, prev->npi, &r);
    zk_buf_init(&next->proof, ZP_MAX_PROOF_BYTES);
    if (!rc) {
        zp_prove_opts o = {.stats = &st, .backend = be};
        rc = zp_prove(next->c, w, &o, &next->proof, next->pi);
    }
    double vt = 0;
    if (!rc) {
        const zp_vk *vk = cb_circuit_vk(next->c);
        int runs = 0;
        double t1 = bench_now();
        do {
            rc = zp_verify(vk, next->pi, next->npi, next->proof.data, next->proof.len, min_bits,
                           NULL);
            runs++;
        } while (!rc && bench_now() - t1 < 0.2);
        vt = (bench_now() - t1) / runs;
    }
    if (!rc) {
        unsigned log_rows = cb_circuit_log_rows(next->c);
        char name[32], sz[48], extra[512];
        snprintf(name, sizeof name, "level%u", k);
        snprintf(sz, sizeof sz, "2^%u rows", log_rows);
        snprintf(extra, sizeof extra,
                 "\"inner_log_rows\":%u,\"log_rows\":%u,\"gate_rows\":%zu,\"verifier_rows\":%zu,"
                 "\"transcript_rows\":%zu,\"identity_rows\":%zu,\"fixed_point\":%s,"
                 "\"build_s\":%.4g,\"verify_s\":%.6g,\"proof_bytes\":%zu,"
                 "\"conjectured_bits\":%.1f",
                 inner->log_n, log_rows, cb_circuit_gate_rows(next->c), rows.total, rows.transcript,
                 rows.identity, log_rows == inner->log_n ? "true" : "false", t_build, vt,
                 next->proof.len, fri_conjectured_bits(fri));
        double rows_proven = (double)((size_t)1 << log_rows);
        bench_result res = {.group = "recursion",
                            .name = name,
                            .size = sz,
                            .items = (uint64_t)rows_proven,
                            .threads = zk_par_threads(),
                            .seconds = st.total,
                            .throughput = rows_proven / st.total,
                            .unit = "rows/s",
                            .bound = GOAL_ROWS_PER_S,
                            .bound_what = "goal: a 2^14-row circuit proven in 5 s"};
        bench_emit_extra(ctx, &res, extra);
    }
    cb_witness_free(w);
    rv_verifier_free(v);
    zp_replay_free(&r);
    return rc;
}

int bench_recursion(const bench_ctx *ctx)
{
    fri_params fri;
    int rc = fri_preset(ctx->quick ? "test" : "aggregate", &fri);
    if (rc)
        return rc;
    /* level 0: a hashchain filling 2^13 rows (quick: a tiny one) */
    ex_instance *e = NULL;
    rc = ex_build(&e, "hashchain", ctx->quick ? 40 : 8000, &fri, 1);
    if (rc)
        return rc;
    zp_backend *be = NULL;
    if ((rc = zp_backend_open(&be, ZP_BACKEND_CPU, 24, 0))) {
        ex_free(e);
        return rc;
    }
    level lv[3];
    memset(lv, 0, sizeof lv);
    zk_buf_init(&lv[0].proof, ZP_MAX_PROOF_BYTES);
    lv[0].npi = ex_num_public_inputs(e);
    if (lv[0].npi > MAX_PI)
        rc = zk_err_set(ZK_ERR_INTERNAL, "bench recursion: %zu public inputs", lv[0].npi);
    if (!rc) {
        zp_prove_opts o = {.backend = be};
        rc = ex_prove(e, &o, &lv[0].proof, lv[0].pi);
    }
    const zp_vk *inner = cb_circuit_vk(ex_circuit(e));
    unsigned levels = ctx->quick ? 1 : 2;
    for (unsigned k = 1; k <= levels && !rc; k++) {
        rc = prove_level(ctx, be, &fri, inner, &lv[k - 1], &lv[k], k);
        if (!rc)
            inner = cb_circuit_vk(lv[k].c);
    }
    for (unsigned k = 0; k <= levels; k++) {
        zk_buf_free(&lv[k].proof);
        cb_circuit_free(lv[k].c);
    }
    ex_free(e);
    zp_backend_free(be);
    return rc;
}
