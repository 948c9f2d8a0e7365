/* `zkgate bench prove`: the example circuits proven and verified with the "batch"
 * preset (100 conjectured bits): prove time, verify time, proof size, peak memory
 * (peak_rss_kib: the process's, circuit included; host_bytes_est_kib: the proof's
 * own as zp_prove_host_bytes estimates it, what the memory guard checks),
 * the circuit's rows and columns, and the prover's time per phase. The bound is
 * the goal rate, 2^14 Poseidon2 permutations proven in 5 s on this 2-core
 * machine.
 *
 * `--backend cuda`: the same circuits (hashchain up to 2^20 steps) proven on the
 * GPU, after one warm-up proof; bound: 2^16 steps proven in 1 s (issue 5's goal is
 * "well under"). Each case also proves on the CPU (up to 2^16 steps: beyond that
 * the CPU takes minutes), likewise after a warm-up proof on a CPU backend whose
 * pool then holds the buffers, and reports its time, the speedup and whether the
 * two proofs are the same bytes.
 *
 * The hashchain_pooled cases are the CPU's steady state: the proof after a warm-up
 * on one CPU backend, whose buffers come from its pool (prover/hostpool.h) instead
 * of fresh memory; the other cases are a fresh process's first proof. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/backend.h"
#include "prover/examples.h"
#include "prover/plonk_gpu.h"
#include "verifier/p2.h"
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

#define GOAL_PERMS_PER_S      (16384.0 / 5.0)
#define GOAL_GPU_PERMS_PER_S  65536.0
#define GPU_CPU_COMPARE_LIMIT (1u << 16)

/* Peak resident memory since the last reset_peak (Linux: VmHWM, reset by writing
 * 5 to clear_refs), so each case reports its own peak; getrusage's maxrss when
 * /proc is not there (then it is the process's peak so far). */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long kib = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
                break;
        fclose(f);
        if (kib >= 0)
            return kib;
    }
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* Deterministic randomness, so that the two backends' proofs can be compared. */
static int seeded(void *vctx, uint8_t *buf, size_t n)
{
    uint64_t *x = vctx;
    for (size_t i = 0; i < n; i++) {
        *x = *x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(*x >> 56);
    }
    return ZK_OK;
}

/* Emits one case: the case's own JSON fields (extra), then the prover's phases. The
 * rate counts the permutations the statement proves (the merkle example: one leaf
 * hash and EX_MERKLE_DEPTH compressions per leaf). */
static void emit_case(const bench_ctx *ctx, const char *name, uint32_t size, int zk,
                      const zp_prove_stats *st, double bound, const char *bound_what,
                      const char *extra)
{
    double perms = (double)size * (name[0] == 'm' ? 1 + EX_MERKLE_DEPTH : 1);
    char sz[48], cname[48], all[1024];
    snprintf(sz, sizeof sz, "%u", size);
    snprintf(cname, sizeof cname, "%s%s", name, zk ? "_zk" : "");
    snprintf(all, sizeof all,
             "%s,\"phase_witness_s\":%.4g,\"phase_lde_s\":%.4g,\"phase_commit_s\":%.4g,"
             "\"phase_perm_s\":%.4g,\"phase_quotient_s\":%.4g,\"phase_open_s\":%.4g,"
             "\"phase_fri_s\":%.4g,\"phase_queries_s\":%.4g",
             extra, st->witness, st->lde, st->commit, st->perm, st->quotient, st->open, st->fri,
             st->queries);
    bench_result r = {.group = "prove",
                      .name = cname,
                      .size = sz,
                      .items = (uint64_t)perms,
                      .threads = zk_par_threads(),
                      .seconds = st->total,
                      .throughput = perms / st->total,
                      .unit = "perm/s",
                      .bound = bound,
                      .bound_what = bound_what};
    bench_emit_extra(ctx, &r, all);
}

/* One proof as a fresh process makes it (no backend: every buffer is new memory
 * the kernel faults in), or, pooled, the steady state of a process that proves
 * again and again: on a CPU backend, after one warm-up proof, so that the buffers
 * come from its pool (prover/hostpool.h). */
static int run_case_as(const bench_ctx *ctx, const char *name, uint32_t size, int zk, int pooled)
{
    fri_params fri;
    int rc = fri_preset("batch", &fri);
    if (rc)
        return rc;
    reset_peak();
    ex_instance *e;
    rc = ex_build(&e, name, size, &fri, zk);
    if (rc)
        return rc;
    zk_buf proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    kb pi[16];
    zp_prove_stats st;
    zp_backend *be = NULL;
    if (pooled && !(rc = zp_backend_open(&be, ZP_BACKEND_CPU, 30, 0))) {
        zp_prove_opts w = {.backend = be};
        rc = ex_prove(e, &w, &proof, pi);
        proof.len = 0;
    }
    zp_prove_opts o = {.stats = &st, .backend = be};
    if (!rc)
        rc = ex_prove(e, &o, &proof, pi);
    double vt = 0;
    if (!rc) {
        const zp_vk *vk = cb_circuit_vk(ex_circuit(e));
        int runs = 0;
        double t0 = bench_now();
        do {
            rc = zp_verify(vk, pi, 16, proof.data, proof.len, 100, NULL);
            runs++;
        } while (!rc && bench_now() - t0 < 0.2);
        vt = (bench_now() - t0) / runs;
    }
    if (!rc) {
        const cb_circuit *c = ex_circuit(e);
        char extra[512];
        snprintf(extra, sizeof extra,
                 "\"log_rows\":%u,\"gate_rows\":%zu,\"columns\":%d,\"verify_s\":%.6g,"
                 "\"proof_bytes\":%zu,\"peak_rss_kib\":%ld,\"host_bytes_est_kib\":%zu,"
                 "\"conjectured_bits\":%.1f",
                 cb_circuit_log_rows(c), cb_circuit_gate_rows(c),
                 ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS + ZP_NUM_PREPROCESSED, vt,
                 proof.len, peak_rss_kib(), zp_prove_host_bytes(c, be) >> 10,
                 fri_conjectured_bits(&fri));
        char cname[40];
        snprintf(cname, sizeof cname, "%s%s", name, pooled ? "_pooled" : "");
        emit_case(ctx, cname, size, zk, &st, GOAL_PERMS_PER_S,
                  "goal: 2^14 Poseidon2 permutations proven in 5 s", extra);
    }
    zp_backend_free(be);
    zk_buf_free(&proof);
    ex_free(e);
    return rc;
}

static int run_case(const bench_ctx *ctx, const char *name, uint32_t size, int zk)
{
    return run_case_as(ctx, name, size, zk, 0);
}

typedef struct solve_arg {
    ex_instance *e;
    kb *trace;
    size_t zero; /* the trace's rows from here on hold zeros */
    kb pi[16];
    size_t steps;
    int rc;
} solve_arg;

static void run_solve(void *p)
{
    solve_arg *a = p;
    if (!a->rc)
        a->rc = ex_solve_rows(a->e, a->trace, a->pi, a->zero);
    a->zero = cb_circuit_written_rows(ex_circuit(a->e));
}

static void run_chain(void *p)
{
    solve_arg *a = p;
    kb s[P2_WIDTH] = {0};
    for (size_t i = 0; i < a->steps; i++)
        p2_permute(s);
    a->pi[0] = s[0];
}

/* The witness of a hash chain alone, into a trace kept between runs (as the device
 * path's pinned staging buffer is): the part of a proof that stays on the host
 * whatever the backend. Bound: the chain itself, `steps` permutations one after
 * another with p2_permute on one core, which no solver can beat. */
static int run_witness(const bench_ctx *ctx, uint32_t steps)
{
    fri_params fri;
    int rc = fri_preset("batch", &fri);
    if (rc)
        return rc;
    ex_instance *e;
    rc = ex_build(&e, "hashchain", steps, &fri, 0);
    if (rc)
        return rc;
    size_t n = (size_t)1 << cb_circuit_log_rows(ex_circuit(e));
    solve_arg a = {
        .e = e, .trace = malloc(n * ZP_WIRES * sizeof(kb)), .zero = SIZE_MAX, .steps = steps};
    if (!a.trace) {
        ex_free(e);
        return zk_err_set(ZK_ERR_NOMEM, "bench prove: out of memory (%zu-row trace)", n);
    }
    double t = bench_time(run_solve, &a, 5, 0.5);
    rc = a.rc;
    if (!rc) {
        double floor_s = bench_time(run_chain, &a, 5, 0.2);
        static char size[32];
        snprintf(size, sizeof size, "%u", steps);
        char extra[96];
        snprintf(extra, sizeof extra, "\"log_rows\":%u,\"chain_s\":%.4g",
                 cb_circuit_log_rows(ex_circuit(e)), floor_s);
        bench_emit_extra(ctx,
                         &(bench_result){"prove", "witness_hashchain", size, steps,
                                         zk_par_threads(), t, steps / t, "perm/s", steps / floor_s,
                                         "the chain's own p2_permute calls on one core"},
                         extra);
    }
    free(a.trace);
    ex_free(e);
    return rc;
}

static int run_case_cuda(const bench_ctx *ctx, zp_backend *be, zp_backend *cpu, const char *name,
                         uint32_t size, int zk)
{
    fri_params fri;
    int rc = fri_preset("batch", &fri);
    if (rc)
        return rc;
    ex_instance *e;
    if ((rc = ex_build(&e, name, size, &fri, zk)))
        return rc;
    zk_buf proof, cpu_proof;
    zk_buf_init(&proof, ZP_MAX_PROOF_BYTES);
    zk_buf_init(&cpu_proof, ZP_MAX_PROOF_BYTES);
    kb pi[16];
    zp_prove_stats st, warm, cst;
    uint64_t s0 = 1, s1 = 1, s2 = 1;
    zp_prove_opts w = {.stats = &warm, .backend = be, .rand = seeded, .rand_ctx = &s0};
    zp_prove_opts o = {.stats = &st, .backend = be, .rand = seeded, .rand_ctx = &s1};
    rc = ex_prove(e, &w, &proof, pi); /* warm-up: first touch of the arena, module load */
    proof.len = 0;
    if (!rc)
        rc = ex_prove(e, &o, &proof, pi);
    int compared = 0, same = 0;
    double cpu_s = 0;
    if (!rc && size <= GPU_CPU_COMPARE_LIMIT) {
        /* the CPU's steady state too: a warm-up proof fills its pool */
        zp_prove_opts cw = {.backend = cpu, .rand = seeded, .rand_ctx = &s2};
        rc = ex_prove(e, &cw, &cpu_proof, pi);
        cpu_proof.len = 0;
        s2 = 1;
        zp_prove_opts c = {.stats = &cst, .backend = cpu, .rand = seeded, .rand_ctx = &s2};
        if (!rc)
            rc = ex_prove(e, &c, &cpu_proof, pi);
        compared = 1;
        cpu_s = cst.total;
        same =
            !rc && cpu_proof.len == proof.len && memcmp(cpu_proof.data, proof.data, proof.len) == 0;
    }
    if (!rc && compared && !same)
        rc = zk_err_set(ZK_ERR_INTERNAL,
                        "bench prove --backend cuda: %s %u: the GPU's proof "
                        "differs from the CPU's",
                        name, size);
    if (!rc) {
        const cb_circuit *c = ex_circuit(e);
        char extra[512];
        snprintf(extra, sizeof extra,
                 "\"log_rows\":%u,\"proof_bytes\":%zu,\"device_bytes\":%zu,"
                 "\"warmup_s\":%.4g,\"cpu_s\":%.4g,\"speedup_vs_cpu\":%.4g,"
                 "\"identical_to_cpu\":%s",
                 cb_circuit_log_rows(c), proof.len, zpg_bytes_needed(c), warm.total, cpu_s,
                 compared ? cpu_s / st.total : 0.0, compared ? "true" : "null");
        emit_case(ctx, name, size, zk, &st, GOAL_GPU_PERMS_PER_S,
                  "goal: 2^16 Poseidon2 steps proven in under 1 s on a GPU", extra);
    }
    zk_buf_free(&proof);
    zk_buf_free(&cpu_proof);
    ex_free(e);
    return rc;
}

int bench_prove_cuda(const bench_ctx *ctx)
{
    zp_backend *be = NULL, *cpu = NULL;
    int rc = zp_backend_open(&be, ZP_BACKEND_CUDA, 24, 0);
    if (rc)
        return rc;
    if ((rc = zp_backend_open(&cpu, ZP_BACKEND_CPU, 24, 0))) {
        zp_backend_free(be);
        return rc;
    }
    if (!ctx->json)
        printf("# prove: %s\n", zp_backend_describe(be));
    if (ctx->quick) {
        rc = run_case_cuda(ctx, be, cpu, "hashchain", 1u << 8, 0);
        if (!rc)
            rc = run_case_cuda(ctx, be, cpu, "merkle", 4, 1);
    } else {
        for (unsigned l = 10; l <= 20 && !rc; l += 2)
            rc = run_case_cuda(ctx, be, cpu, "hashchain", 1u << l, 0);
        if (!rc)
            rc = run_case_cuda(ctx, be, cpu, "hashchain", 1u << 16, 1);
        for (unsigned l = 4; l <= 8 && !rc; l += 2)
            rc = run_case_cuda(ctx, be, cpu, "merkle", 1u << l, 0);
    }
    zp_backend_free(be);
    zp_backend_free(cpu);
    return rc;
}

int bench_prove(const bench_ctx *ctx)
{
    int rc = ZK_OK;
    if (ctx->quick) {
        rc = run_case(ctx, "hashchain", 1u << 8, 0);
        if (!rc)
            rc = run_case(ctx, "merkle", 4, 1);
        if (!rc)
            rc = run_case_as(ctx, "hashchain", 1u << 8, 0, 1);
        if (!rc)
            rc = run_witness(ctx, 1u << 8);
        return rc;
    }
    for (unsigned l = 10; l <= 16 && !rc; l += 2)
        rc = run_case(ctx, "hashchain", 1u << l, 0);
    if (!rc)
        rc = run_case(ctx, "hashchain", 1u << 14, 1);
    for (unsigned l = 4; l <= 8 && !rc; l += 2)
        rc = run_case(ctx, "merkle", 1u << l, 0);
    for (unsigned l = 14; l <= 16 && !rc; l += 2)
        rc = run_case_as(ctx, "hashchain", 1u << l, 0, 1);
    for (unsigned l = 14; l <= 16 && !rc; l += 2)
        rc = run_witness(ctx, 1u << l);
    return rc;
}
