/* NTT and LDE benchmarks, in output elements per second.
 *
 * Bounds: a transform whose data does not fit in the last-level cache must at
 * least read and write every element once (an LDE reads its input and writes its
 * output once): those bytes over bench_mem_bandwidth(threads). Every transform
 * must also do its butterflies: their count at the rate of the same code on an
 * L1-resident 2^11-element column, times the thread count. The bound reported is
 * the slower of the two, and bound_what says which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/ntt.h"

/* Data above this many bytes is treated as out of cache (the L3 of the machines
 * we measure on is 32 MiB). */
#define IN_CACHE_BYTES ((size_t)16 << 20)

typedef struct ntt_arg {
    const ntt_plan *plan;
    kb *data, *out;
    unsigned log_n, lb;
    size_t cols;
    ntt_layout layout;
    int rc;
} ntt_arg;

static void run_forward(void *p)
{
    ntt_arg *a = p;
    a->rc |= ntt_forward(a->plan, a->data, a->log_n, a->cols, a->layout, NTT_NATURAL, NTT_BITREV);
}

static void run_lde(void *p)
{
    ntt_arg *a = p;
    a->rc |= ntt_lde(a->plan, a->out, a->data, a->log_n, a->lb, a->cols, a->layout,
                     kb_from_canonical(KB_GENERATOR));
}

static kb *rand_elems(size_t n)
{
    kb *x = malloc(n * sizeof(kb));
    if (!x)
        return NULL;
    uint64_t s = 0x9e3779b97f4a7c15ull ^ n;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = kb_from_canonical((uint32_t)(s >> 33) % KB_P);
    }
    return x;
}

/* Butterflies per second of one thread on a 2^11 column (it stays in L1). */
static double l1_butterfly_rate(const ntt_plan *plan)
{
    ntt_arg a = {plan, rand_elems(1 << 11), NULL, 11, 0, 1, NTT_COL_MAJOR, 0};
    if (!a.data)
        return 0;
    int saved = zk_par_threads();
    zk_par_set_threads(1);
    double t = bench_time(run_forward, &a, 50, 0.1);
    zk_par_set_threads(saved);
    free(a.data);
    return a.rc ? 0 : (double)(1 << 10) * 11 / t;
}

static int one_case(const bench_ctx *ctx, const ntt_plan *plan, const char *name, unsigned log_n,
                    size_t cols, ntt_layout layout, unsigned lb, double l1_rate)
{
    size_t n = (size_t)1 << log_n, N = n << lb;
    ntt_arg a = {plan, rand_elems(n * cols), NULL, log_n, lb, cols, layout, 0};
    int lde = strncmp(name, "lde", 3) == 0;
    if (lde)
        a.out = malloc(N * cols * sizeof(kb));
    if (!a.data || (lde && !a.out)) {
        free(a.data);
        free(a.out);
        return zk_err_set(ZK_ERR_NOMEM, "bench ntt %s: 2^%u x %zu", name, log_n, cols);
    }
    int runs = ctx->quick ? 3 : (N * cols > ((size_t)1 << 24) ? 3 : 10);
    double secs = bench_time(lde ? run_lde : run_forward, &a, runs, ctx->quick ? 0.05 : 0.3);
    free(a.data);
    free(a.out);
    if (a.rc)
        return a.rc;
    char size[64];
    if (lde)
        snprintf(size, sizeof size, "2^%u->2^%u x %zu", log_n, log_n + lb, cols);
    else
        snprintf(size, sizeof size, "2^%u x %zu", log_n, cols);
    double bytes = lde ? (double)(n + N) * cols * sizeof(kb) : 2.0 * n * cols * sizeof(kb);
    double bfly = (double)cols * (lde ? (double)(n / 2) * log_n + (double)(N / 2) * log_n
                                      : (double)(n / 2) * log_n);
    /* The bound is whichever limit is slower: moving the bytes (when they do not
     * fit in cache) or doing the butterflies at the L1-resident rate. */
    double t_arith = l1_rate > 0 ? bfly / (l1_rate * ctx->threads) : 0, t_mem = 0;
    if ((lde ? N : n) * cols * sizeof(kb) > IN_CACHE_BYTES) {
        double bw = bench_mem_bandwidth(ctx->threads);
        t_mem = bw > 0 ? bytes / bw : 0;
    }
    double t_bound = t_mem > t_arith ? t_mem : t_arith;
    bench_result r = {.group = "ntt",
                      .name = name,
                      .size = size,
                      .items = (uint64_t)(N * cols),
                      .threads = ctx->threads,
                      .seconds = secs,
                      .throughput = (double)(N * cols) / secs,
                      .unit = "elem/s",
                      .bound = t_bound > 0 ? (double)(N * cols) / t_bound : 0,
                      .bound_what = t_mem > t_arith ? "memory bandwidth, data read+written once"
                                                    : "butterflies at the L1-resident rate"};
    bench_emit(ctx, &r);
    return ZK_OK;
}

int bench_ntt(const bench_ctx *ctx)
{
    ntt_plan *plan = NULL;
    int rc = ntt_plan_new(&plan, ctx->quick ? 16 : 23);
    if (rc)
        return rc;
    double l1 = l1_butterfly_rate(plan);
    if (!ctx->json)
        printf("# ntt back end: %s\n", ntt_backend_name());
    const unsigned big[] = {16, 20, 22}, quick[] = {12, 14};
    const unsigned *logs = ctx->quick ? quick : big;
    size_t nlogs = ctx->quick ? 2 : 3;
    for (size_t i = 0; i < nlogs && !rc; i++)
        rc = one_case(ctx, plan, "forward_1col", logs[i], 1, NTT_COL_MAJOR, 0, l1);
    for (size_t i = 0; i < nlogs && !rc; i++)
        rc = one_case(ctx, plan, "forward_64col_colmajor", logs[i], 64, NTT_COL_MAJOR, 0, l1);
    for (size_t i = 0; i < nlogs && !rc; i++)
        rc = one_case(ctx, plan, "forward_64col_rowmajor", logs[i], 64, NTT_ROW_MAJOR, 0, l1);
    unsigned lde_log = ctx->quick ? 10 : 18;
    static const char *names_cm[] = {"", "lde_x2_colmajor", "lde_x4_colmajor", "lde_x8_colmajor"};
    static const char *names_rm[] = {"", "lde_x2_rowmajor", "lde_x4_rowmajor", "lde_x8_rowmajor"};
    for (unsigned lb = 1; lb <= 3 && !rc; lb++)
        rc = one_case(ctx, plan, names_cm[lb], lde_log, 64, NTT_COL_MAJOR, lb, l1);
    for (unsigned lb = 1; lb <= 3 && !rc; lb++)
        rc = one_case(ctx, plan, names_rm[lb], lde_log, 64, NTT_ROW_MAJOR, lb, l1);
    /* the prover's own: the 173 wire columns (not a multiple of the vector width) of
     * a 2^17-row trace, blowup 8 (hashchain 2^16 with the "batch" preset) */
    if (!rc)
        rc = one_case(ctx, plan, "lde_x8_rowmajor_wires", ctx->quick ? 10 : 17, 173, NTT_ROW_MAJOR,
                      3, l1);
    /* rows narrower than a vector: the width of the quotient's 12 chunk columns on
     * the 2^20-point LDE domain (whose LDE, from coefficients, runs the same DIT
     * kernels) */
    if (!rc)
        rc = one_case(ctx, plan, "forward_12col_rowmajor", ctx->quick ? 12 : 20, 12, NTT_ROW_MAJOR,
                      0, l1);
    ntt_plan_free(plan);
    return rc;
}
