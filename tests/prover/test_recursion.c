/* The verifier's query phase as a circuit (prover/recursion.h).
 *
 * A real proof of a small circuit (the hashchain example, under the "test" preset
 * with and without zero knowledge, and under the "aggregate" preset whose shape
 * the count is about: arity 16, caps of 16 digests) is verified natively with
 * zp_verify_replay, its openings and challenges are fed to the query-phase circuit
 * as its witness, and the witness must satisfy every constraint; a changed opened
 * value, path digest or query index must not. Then the circuit is built for the
 * shapes docs/PROOF.md reports ("aggregate" and "batch" proofs of 2^14- and
 * 2^15-row circuits) and its rows are printed by part.
 *
 * The whole verifier (rv_build_verifier: transcript, proof of work, query
 * indices, constraint identity, query phase) is checked the same way, with the
 * proof's values and public inputs as the only witness: the witness from a valid
 * proof satisfies it, and a changed public input, opening, cap, final polynomial
 * coefficient, FRI row or proof-of-work nonce does not; then the outer circuit is
 * proven and its proof verified (a proof that an accepted proof exists), and its
 * rows are counted for the shapes docs/PROOF.md reports. */
#include <stdlib.h>
#include <string.h>

#include "../test.h"
#include "common/error.h"
#include "prover/circuit.h"
#include "prover/examples.h"
#include "prover/plonk_prove.h"
#include "prover/recursion.h"
#include "verifier/plonk.h"

typedef enum corrupt { C_NONE = 0, C_ROW, C_SIB, C_FRI_ROW, C_QUERY, C_COUNT } corrupt;

static const char *const k_corrupt[C_COUNT] = {"none", "T1 row value", "T3 path digest",
                                               "FRI layer 0 row value", "query index"};

/* An inner proof to verify: hashchain(size) under preset, proven and replayed.
 * Returns ZK_OK with *e, proof, pi and r filled (the caller frees them), or an
 * error with nothing left to free. */
static int inner_proof(const char *preset, uint32_t size, int zk, fri_params *fri, ex_instance **e,
                       zk_buf *proof, kb pi[16], zp_replay *r)
{
    *e = NULL;
    zk_buf_init(proof, ZP_MAX_PROOF_BYTES);
    int rc = fri_preset(preset, fri);
    if (!rc)
        rc = ex_build(e, "hashchain", size, fri, zk);
    uint64_t seed = t_rand();
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed};
    if (!rc)
        rc = ex_prove(*e, &o, proof, pi);
    if (!rc)
        rc = zp_verify_replay(cb_circuit_vk(ex_circuit(*e)), pi, ex_num_public_inputs(*e),
                              proof->data, proof->len, 0, r);
    if (rc) {
        zk_buf_free(proof);
        ex_free(*e);
        *e = NULL;
    }
    return rc;
}

/* Proves hashchain(size) under preset, replays it and solves the query-phase
 * circuit from the replay, with one value corrupted unless C_NONE. */
static void check_real(const char *preset, uint32_t size, int zk)
{
    fri_params fri, outer;
    CHECK_OK(fri_preset("test", &outer));
    ex_instance *e;
    zk_buf proof;
    kb pi[16];
    zp_replay r;
    int rc = inner_proof(preset, size, zk, &fri, &e, &proof, pi, &r);
    CHECK_OK(rc);
    if (rc)
        return;
    const zp_vk *vk = cb_circuit_vk(ex_circuit(e));
    cb_builder *b;
    CHECK_OK(cb_new(&b, &outer, 0));
    rv_query_phase *q = NULL;
    rv_rows rows;
    CHECK_OK(rv_build(b, vk, &q, &rows));
    cb_circuit *c = NULL;
    CHECK_OK(cb_build(b, &c));
    if (!c || !q) {
        rv_free(q);
        zp_replay_free(&r);
        zk_buf_free(&proof);
        ex_free(e);
        return;
    }
    size_t n = (size_t)1 << cb_circuit_log_rows(c);
    kb *trace = malloc(n * ZP_WIRES * sizeof *trace);
    CHECK(trace != NULL);
    for (int k = 0; k < C_COUNT && trace; k++) {
        zp_replay bad = r;
        kb saved = 0;
        kb *cell = NULL;
        p2_digest *dig = NULL;
        p2_digest dsaved;
        switch ((corrupt)k) {
        case C_ROW: cell = &r.rows[1][3]; break;
        case C_FRI_ROW: cell = r.sched.nlayers ? &r.fri.layers[0].rows[1] : NULL; break;
        case C_SIB: dig = r.nsib[3] ? &r.sib[3][r.nsib[3] - 1] : NULL; break;
        case C_QUERY:
            /* a high bit (FRI layers open the same rows), to an index nothing else
             * queries: another query's rows would make it a valid query */
            for (unsigned bit = r.sched.log_lde;
                 bit-- > 0 && bad.ch.queries[0] == r.ch.queries[0];) {
                uint32_t x = r.ch.queries[0] ^ (1u << bit);
                int taken = 0;
                for (unsigned j = 0; j < fri.num_queries; j++)
                    taken |= r.ch.queries[j] == x;
                if (!taken)
                    bad.ch.queries[0] = x;
            }
            break;
        default: break;
        }
        if (cell) {
            saved = *cell;
            *cell = kb_add(*cell, KB_ONE);
        }
        if (dig) {
            dsaved = *dig;
            dig->v[0] = kb_add(dig->v[0], KB_ONE);
        }
        cb_witness *w;
        CHECK_OK(cb_witness_new(&w, c));
        kb opi[1];
        int set = rv_set_witness(w, q, vk, k == C_QUERY ? &bad : &r);
        int solved = set ? set : cb_witness_solve(w, trace, opi);
        if (k == C_NONE) {
            CHECK_OK(set);
            CHECK_OK(solved);
        } else {
            CHECK_MSG(solved == ZK_ERR_PROOF, "%s %s zk=%d: a corrupted %s gave %d", preset,
                      "hashchain", zk, k_corrupt[k], solved);
            printf("  corrupted %-22s -> %s\n", k_corrupt[k], zk_err_detail());
        }
        if (cell)
            *cell = saved;
        if (dig)
            *dig = dsaved;
        cb_witness_free(w);
    }
    printf("%s proof of hashchain(%u) zk=%d (2^%u rows, %u queries, %u FRI layers): its query "
           "phase is %zu gate rows and the witness from the proof satisfies it\n",
           preset, size, zk, vk->log_n, fri.num_queries, r.sched.nlayers, rows.total);
    free(trace);
    cb_circuit_free(c);
    rv_free(q);
    zp_replay_free(&r);
    zk_buf_free(&proof);
    ex_free(e);
}

/* The key of a circuit shape under preset (its caps zero, 16 public inputs),
 * for counting rows with the builder alone. Out: vk, fri, s. */
static void shape_key(zp_vk *vk, fri_params *fri, fri_schedule *s, const char *preset,
                      unsigned log_n, int zk)
{
    CHECK_OK(fri_preset(preset, fri));
    memset(vk, 0, sizeof *vk);
    vk->log_n = log_n;
    vk->zk = zk;
    vk->fri = *fri;
    vk->num_public_inputs = 16;
    CHECK_OK(fri_schedule_make(s, fri, log_n));
    unsigned cap = fri->cap_log < s->log_lde ? fri->cap_log : s->log_lde;
    vk->t0_cap_len = (size_t)1 << cap;
    CHECK_OK(zp_vk_finish(vk));
}

/* Rows for the shape of a real proof; only the builder runs (no witness). */
static void count(const char *preset, unsigned log_n, int zk)
{
    fri_params fri;
    zp_vk vk;
    fri_schedule s;
    shape_key(&vk, &fri, &s, preset, log_n, zk);
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    rv_query_phase *q = NULL;
    rv_rows r;
    memset(&r, 0, sizeof r);
    CHECK_OK(rv_build(b, &vk, &q, &r));
    size_t parts = r.once + r.points + r.leaves + r.paths + r.caps + r.deep + r.fri_leaves +
                   r.fri_paths + r.fri_caps + r.fri_folds + r.final;
    CHECK_EQ(parts, r.total);
    CHECK_EQ(r.total, cb_rows(b));
    /* a Merkle level is one Poseidon2 row */
    unsigned cap = fri.cap_log < s.log_lde ? fri.cap_log : s.log_lde;
    CHECK_EQ(r.paths, (size_t)fri.num_queries * 4 * (s.log_lde - cap));
    size_t flevels = 0;
    for (unsigned i = 0; i < s.nlayers; i++)
        flevels += s.log_size[i] - s.arity_bits[i] - s.cap_log[i];
    CHECK_EQ(r.fri_paths, (size_t)fri.num_queries * flevels);
    unsigned nq = fri.num_queries;
    printf("%-9s 2^%u rows zk=%d, %u queries, N = 2^%u, %u FRI layers: %zu rows = once %zu + "
           "per query %.1f (points %.1f, leaves %.1f, paths %.1f, caps %.1f, DEEP %.1f, FRI "
           "leaves %.1f, FRI paths %.1f, FRI caps %.1f, FRI folds %.1f, final %.1f)\n",
           preset, log_n, zk, nq, s.log_lde, s.nlayers, r.total, r.once,
           (double)(r.total - r.once) / nq, (double)r.points / nq, (double)r.leaves / nq,
           (double)r.paths / nq, (double)r.caps / nq, (double)r.deep / nq,
           (double)r.fri_leaves / nq, (double)r.fri_paths / nq, (double)r.fri_caps / nq,
           (double)r.fri_folds / nq, (double)r.final / nq);
    rv_free(q);
    cb_free(b);
}

typedef enum fcorrupt {
    F_NONE = 0,
    F_PI,
    F_OPEN,
    F_CAP,
    F_FINAL,
    F_FRI_ROW,
    F_NONCE,
    F_COUNT
} fcorrupt;

static const char *const k_fcorrupt[F_COUNT] = {
    "none",        "public input", "opening at zeta",     "quotient cap digest",
    "final coeff", "FRI row",      "proof-of-work nonce",
};

/* The whole verifier of a real proof of hashchain(size) under preset. When prove
 * is set, the outer circuit (under "test") is also proven and verified. */
static void check_full(const char *preset, uint32_t size, int zk, int prove)
{
    fri_params fri, outer;
    CHECK_OK(fri_preset("test", &outer));
    ex_instance *e;
    zk_buf proof;
    kb pi[16];
    zp_replay r;
    int rc = inner_proof(preset, size, zk, &fri, &e, &proof, pi, &r);
    CHECK_OK(rc);
    if (rc)
        return;
    const zp_vk *vk = cb_circuit_vk(ex_circuit(e));
    size_t npi = ex_num_public_inputs(e);
    cb_builder *b = NULL;
    rv_verifier *v = NULL;
    rv_rows rows;
    cb_circuit *c = NULL;
    CHECK_OK(cb_new(&b, &outer, 0));
    if (b)
        CHECK_OK(rv_build_verifier(b, vk, &v, &rows));
    if (v) {
        size_t n;
        const cb_target *t = rv_verifier_public_inputs(v, &n);
        CHECK_EQ(n, npi);
        for (size_t i = 0; i < n; i++)
            cb_public_input(b, t[i]);
    }
    if (b)
        CHECK_OK(cb_build(b, &c));
    if (!c || !v) {
        rv_verifier_free(v);
        zp_replay_free(&r);
        zk_buf_free(&proof);
        ex_free(e);
        return;
    }
    size_t n = (size_t)1 << cb_circuit_log_rows(c);
    kb *trace = malloc(n * ZP_WIRES * sizeof *trace);
    kb opi[16];
    CHECK(trace != NULL);
    for (int k = 0; k < F_COUNT && trace; k++) {
        zp_replay bad = r;
        kb bpi[16];
        memcpy(bpi, pi, sizeof bpi);
        kb *cell = NULL, saved = 0;
        switch ((fcorrupt)k) {
        case F_PI: cell = &bpi[npi - 1]; break;
        case F_OPEN: cell = &r.open[ZP_NUM_PREPROCESSED + 3].c[1]; break;
        case F_CAP: cell = &r.caps[2][0].v[5]; break;
        case F_FINAL: cell = &r.fri.final_poly[0].c[0]; break;
        case F_FRI_ROW: cell = r.sched.nlayers ? &r.fri.layers[0].rows[2] : NULL; break;
        case F_NONCE: bad.fri.pow_nonce = r.fri.pow_nonce + 1; break;
        default: break;
        }
        if (cell) {
            saved = *cell;
            *cell = kb_add(*cell, KB_ONE);
        }
        cb_witness *w;
        CHECK_OK(cb_witness_new(&w, c));
        int set = rv_verifier_set_witness(w, v, vk, bpi, npi, k == F_NONCE ? &bad : &r);
        int solved = set ? set : cb_witness_solve(w, trace, opi);
        if (k == F_NONE) {
            CHECK_OK(set);
            CHECK_OK(solved);
            if (!solved)
                for (size_t i = 0; i < npi; i++)
                    CHECK(kb_eq(opi[i], pi[i]));
        } else {
            CHECK_MSG(
                solved == ZK_ERR_PROOF || solved == ZK_ERR_NOT_FOUND || solved == ZK_ERR_RANGE,
                "%s hashchain zk=%d: a corrupted %s gave %d", preset, zk, k_fcorrupt[k], solved);
            CHECK_MSG(solved != ZK_OK, "%s hashchain zk=%d: a corrupted %s was accepted", preset,
                      zk, k_fcorrupt[k]);
            printf("  whole verifier, corrupted %-20s -> %s\n", k_fcorrupt[k], zk_err_detail());
        }
        if (cell)
            *cell = saved;
        cb_witness_free(w);
    }
    printf("%s proof of hashchain(%u) zk=%d (2^%u rows): the whole verifier is %zu gate rows "
           "(transcript %zu, indices %zu, identity %zu, query phase %zu), circuit 2^%u rows\n",
           preset, size, zk, vk->log_n, rows.total, rows.transcript, rows.indices, rows.identity,
           rows.total - rows.transcript - rows.indices - rows.identity, cb_circuit_log_rows(c));
    if (prove && trace) {
        cb_witness *w;
        CHECK_OK(cb_witness_new(&w, c));
        CHECK_OK(rv_verifier_set_witness(w, v, vk, pi, npi, &r));
        zk_buf outer_proof;
        zk_buf_init(&outer_proof, ZP_MAX_PROOF_BYTES);
        uint64_t seed2 = t_rand();
        zp_prove_opts o2 = {.rand = t_rand_source, .rand_ctx = &seed2};
        CHECK_OK(zp_prove(c, w, &o2, &outer_proof, opi));
        CHECK_OK(zp_verify(cb_circuit_vk(c), opi, npi, outer_proof.data, outer_proof.len, 0, NULL));
        for (size_t i = 0; i < npi; i++)
            CHECK(kb_eq(opi[i], pi[i]));
        /* the outer proof binds the inner public inputs */
        opi[0] = kb_add(opi[0], KB_ONE);
        CHECK(zp_verify(cb_circuit_vk(c), opi, npi, outer_proof.data, outer_proof.len, 0, NULL) !=
              ZK_OK);
        printf("  outer proof of the verifier: %zu bytes, verified\n", outer_proof.len);
        zk_buf_free(&outer_proof);
        cb_witness_free(w);
    }
    free(trace);
    cb_circuit_free(c);
    rv_verifier_free(v);
    zp_replay_free(&r);
    zk_buf_free(&proof);
    ex_free(e);
}

/* Rows of the whole verifier for the shape of a real proof (builder only). */
static void count_full(const char *preset, unsigned log_n, int zk)
{
    fri_params fri;
    zp_vk vk;
    fri_schedule s;
    shape_key(&vk, &fri, &s, preset, log_n, zk);
    cb_builder *b;
    CHECK_OK(cb_new(&b, &fri, 0));
    rv_verifier *v = NULL;
    rv_rows r;
    memset(&r, 0, sizeof r);
    CHECK_OK(rv_build_verifier(b, &vk, &v, &r));
    size_t parts = r.once + r.points + r.leaves + r.paths + r.caps + r.deep + r.fri_leaves +
                   r.fri_paths + r.fri_caps + r.fri_folds + r.final + r.transcript + r.indices +
                   r.identity;
    CHECK_EQ(parts, r.total);
    CHECK_EQ(r.total, cb_rows(b));
    printf("%-9s 2^%u rows zk=%d: whole verifier %zu gate rows = query phase %zu + transcript %zu "
           "+ indices %zu + identity %zu\n",
           preset, log_n, zk, r.total, r.total - r.transcript - r.indices - r.identity,
           r.transcript, r.indices, r.identity);
    rv_verifier_free(v);
    cb_free(b);
}

int main(void)
{
    t_seed();
    check_real("test", 40, 0);
    check_real("test", 40, 1);
    check_real("aggregate", 20, 1);
    const char *presets[] = {"aggregate", "batch"};
    for (int p = 0; p < 2; p++)
        for (unsigned log_n = 14; log_n <= 15; log_n++)
            for (int zk = 0; zk <= 1; zk++)
                count(presets[p], log_n, zk);
    check_full("test", 40, 0, 0);
    check_full("aggregate", 20, 1, 1);
    for (int p = 0; p < 2; p++)
        for (unsigned log_n = 14; log_n <= 15; log_n++)
            for (int zk = 0; zk <= 1; zk++)
                count_full(presets[p], log_n, zk);
    return t_report("test_recursion");
}
