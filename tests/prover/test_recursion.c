/* The verifier's query phase as a circuit (prover/recursion.h).
 *
 * A real proof of a small circuit (the hashchain example, under the "test" preset
 * with and without zero knowledge, and under the "aggregate" preset whose shape
 * the count is about: arity 16, caps of 16 digests) is verified natively with
 * zp_verify_replay, its openings and challenges are fed to the query-phase circuit
 * as its witness, and the witness must satisfy every constraint; a changed opened
 * value, path digest or query index must not. Then the circuit is built for the
 * shapes docs/PROOF.md reports ("aggregate" and "batch" proofs of 2^14- and
 * 2^15-row circuits) and its rows are printed by part. */
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

/* Proves hashchain(size) under preset, replays it and solves the query-phase
 * circuit from the replay, with one value corrupted unless C_NONE. */
static void check_real(const char *preset, uint32_t size, int zk)
{
    fri_params fri, outer;
    CHECK_OK(fri_preset(preset, &fri));
    CHECK_OK(fri_preset("test", &outer));
    ex_instance *e = NULL;
    CHECK_OK(ex_build(&e, "hashchain", size, &fri, zk));
    if (!e)
        return;
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[16];
    uint64_t seed = t_rand();
    zp_prove_opts o = {.rand = t_rand_source, .rand_ctx = &seed};
    CHECK_OK(ex_prove(e, &o, &proof, pi));
    const zp_vk *vk = cb_circuit_vk(ex_circuit(e));
    zp_replay r;
    int rc = zp_verify_replay(vk, pi, ex_num_public_inputs(e), proof.data, proof.len, 0, &r);
    CHECK_OK(rc);
    if (rc) {
        zk_buf_free(&proof);
        ex_free(e);
        return;
    }
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

/* Rows for the shape of a real proof; only the builder runs (no witness). */
static void count(const char *preset, unsigned log_n, int zk)
{
    fri_params fri;
    CHECK_OK(fri_preset(preset, &fri));
    zp_vk vk;
    memset(&vk, 0, sizeof vk);
    vk.log_n = log_n;
    vk.zk = zk;
    vk.fri = fri;
    fri_schedule s;
    CHECK_OK(fri_schedule_make(&s, &fri, log_n));
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
    return t_report("test_recursion");
}
