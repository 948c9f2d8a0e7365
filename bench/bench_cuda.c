/* `zkgate bench ntt|poseidon2|merkle --backend cuda`: the CUDA kernels on data
 * resident in device memory (the prover's path; host transfers are not timed),
 * each against a bound of the device.
 *
 * NTT / LDE: device memory bandwidth, MEASURED with a copy kernel over 2 GiB
 * (zkc_mem_bandwidth: 16-byte loads and stores, bytes read + written per second),
 * not computed from the memory clock; a transform must at least read and write
 * every element once (an LDE reads its input and writes its output once).
 *
 * Poseidon2 and Merkle trees: the device's 32-bit integer multiply throughput.
 * A permutation needs 2 (8*16 + 20) = 296 field products (the S-boxes; the linear
 * layers, including the internal diagonal, are done with additions and exact
 * halvings, see p2.cuh). A Montgomery product of 32-bit values takes at least 3
 * 32-bit IMAD issues (kb.cuh's form takes 4: lo(a*b), hi(a*b), q = lo * p^-1 and
 * hi(q*p); the compiler shares some, e.g. in x^2 * x, and the PTX of the
 * permutation kernel has 1036 multiplies at sm_90), so the floor is
 * 296 * 3 = 888 IMADs per permutation, the count the CPU bound uses too. An SM of
 * compute capability 8.x/9.0 issues 64 32-bit IMADs per clock (CUDA programming
 * guide, arithmetic instruction throughput), so the bound is
 * SMs * clock * 64 / 888 permutations per second, with clock the peak SM clock
 * cudaDevAttrClockRate reports.
 *
 * Beside each case the same work on the CPU of the machine (all its cores, the
 * CPU backend's code) up to CPU_MAX_ELEMS elements: "cpu_s" and "speedup_vs_cpu"
 * (null above the limit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/gpu.h"
#include "prover/mtree.h"
#include "prover/ntt.h"
#include "verifier/p2.h"

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"
#include "verifier/kb_simd.h" /* the Poseidon2 constants */

#define IMAD_PER_SM_CLOCK 64.0
#define IMAD_PER_PERM     (3.0 * 2 * (8 * 16 + 20))
#define CPU_MAX_ELEMS     ((size_t)1 << 26) /* 256 MiB of host data per CPU case */

typedef struct cuda_env {
    zkc_arena *arena;
    zkc_ntt_plan *plan;
    double bw;        /* measured bytes/s */
    double perm_rate; /* integer-throughput bound, perm/s */
    char what_bw[96], what_int[128];
} cuda_env;

static int env_open(cuda_env *e, const bench_ctx *ctx, unsigned max_log)
{
    memset(e, 0, sizeof *e);
    gpu_info g;
    int rc = gpu_probe(&g);
    if (rc)
        return rc;
    /* most of the free memory, leaving room for the twiddles and the runtime */
    size_t keep = ((size_t)8 << max_log) + ((size_t)256 << 20);
    size_t arena = (size_t)((double)g.free_mem * 0.8);
    if (arena <= keep + ((size_t)256 << 20))
        return zk_err_set(ZK_ERR_NOMEM, "bench: the device has only %llu bytes free",
                          (unsigned long long)g.free_mem);
    arena -= keep;
    if (!ctx->json)
        printf("# device: %s, sm_%d%d, %d SMs, %.1f GiB, driver %d, runtime %d; arena %.1f GiB\n",
               g.name, g.cc_major, g.cc_minor, g.multiprocessors, (double)g.total_mem / (1 << 30),
               g.driver_version, g.runtime_version, (double)arena / (1 << 30));
    zkc_p2_consts k;
    memcpy(k.ext_init, p2_rc_ext_init, sizeof k.ext_init);
    memcpy(k.internal, p2_rc_int, sizeof k.internal);
    memcpy(k.ext_final, p2_rc_ext_final, sizeof k.ext_final);
    memcpy(k.diag, p2_diag, sizeof k.diag);
    rc = zkc_p2_init(&k);
    if (rc == ZK_OK)
        rc = zkc_arena_new(&e->arena, arena);
    if (rc == ZK_OK)
        rc = zkc_ntt_plan_new(&e->plan, max_log);
    if (rc == ZK_OK)
        rc = zkc_mem_bandwidth(e->arena, ctx->quick ? (size_t)1 << 28 : (size_t)2 << 30, &e->bw);
    int sms = 0, khz = 0;
    if (rc == ZK_OK)
        rc = zkc_device_figures(&sms, &khz);
    if (rc)
        return rc;
    e->perm_rate = (double)sms * khz * 1e3 * IMAD_PER_SM_CLOCK / IMAD_PER_PERM;
    snprintf(e->what_bw, sizeof e->what_bw, "device copy-kernel bandwidth %.4g B/s, r+w once",
             e->bw);
    snprintf(e->what_int, sizeof e->what_int, "%d SMs x %.0f MHz x 64 IMAD/clk / 888 IMAD per perm",
             sms, khz / 1e3);
    if (!ctx->json)
        printf("# measured bandwidth %.4g B/s; integer bound %.4g perm/s\n", e->bw, e->perm_rate);
    return ZK_OK;
}

static void env_close(cuda_env *e)
{
    zkc_ntt_plan_free(e->plan);
    zkc_arena_free(e->arena);
}

/* Random elements straight into device memory, through a pinned buffer. */
static int fill_device(uint32_t *d, size_t n, uint64_t seed)
{
    size_t chunk = (size_t)1 << 24;
    uint32_t *h = NULL;
    int rc = zkc_host_alloc((void **)&h, chunk * sizeof(uint32_t));
    for (size_t off = 0; rc == ZK_OK && off < n; off += chunk) {
        size_t m = n - off < chunk ? n - off : chunk;
        for (size_t i = 0; i < m; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            h[i] = (uint32_t)((seed >> 33) % KB_P);
        }
        rc = zkc_to_device(d + off, h, m * sizeof(uint32_t));
    }
    zkc_host_free(h);
    return rc;
}

/* The CPU's time for the same work, and the JSON fields that report it. */
typedef struct cpu_side {
    double secs; /* 0: not measured */
    char json[96];
} cpu_side;

static void cpu_fields(cpu_side *c, double gpu_secs)
{
    if (c->secs > 0)
        snprintf(c->json, sizeof c->json, "\"cpu_s\":%.6g,\"speedup_vs_cpu\":%.4g", c->secs,
                 c->secs / gpu_secs);
    else
        snprintf(c->json, sizeof c->json, "\"cpu_s\":null,\"speedup_vs_cpu\":null");
}

static void fill_host(uint32_t *h, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        h[i] = (uint32_t)((seed >> 33) % KB_P);
    }
}

typedef struct cpu_ntt_arg {
    ntt_plan *plan;
    kb *data, *out;
    unsigned log_n, lb;
    size_t cols;
    int layout, lde, rc;
} cpu_ntt_arg;

static void run_cpu_ntt(void *p)
{
    cpu_ntt_arg *a = p;
    if (a->lde)
        a->rc |= ntt_lde(a->plan, a->out, a->data, a->log_n, a->lb, a->cols, (ntt_layout)a->layout,
                         kb_from_canonical(KB_GENERATOR));
    else
        a->rc |= ntt_forward(a->plan, a->data, a->log_n, a->cols, (ntt_layout)a->layout,
                             NTT_NATURAL, NTT_BITREV);
}

static void cpu_ntt(cpu_side *c, const bench_ctx *ctx, unsigned log_n, size_t cols, int layout,
                    unsigned lb, int lde)
{
    size_t n = (size_t)1 << log_n, N = n << lb;
    cpu_ntt_arg a = {NULL, NULL, NULL, log_n, lb, cols, layout, lde, 0};
    c->secs = 0;
    if ((lde ? N : n) * cols > CPU_MAX_ELEMS || ntt_plan_new(&a.plan, log_n + lb) != ZK_OK)
        return;
    a.data = malloc(n * cols * sizeof(kb));
    a.out = lde ? malloc(N * cols * sizeof(kb)) : NULL;
    if (a.data && (!lde || a.out)) {
        fill_host(a.data, n * cols, n ^ cols);
        double t = bench_time(run_cpu_ntt, &a, ctx->quick ? 2 : 3, ctx->quick ? 0.02 : 0.2);
        if (!a.rc)
            c->secs = t;
    }
    free(a.data);
    free(a.out);
    ntt_plan_free(a.plan);
}

typedef struct ntt_arg {
    cuda_env *e;
    uint32_t *data, *out;
    unsigned log_n, lb;
    size_t cols;
    int layout;
    int rc;
} ntt_arg;

static void run_forward(void *p)
{
    ntt_arg *a = p;
    a->rc |= zkc_ntt_dev(a->e->plan, a->e->arena, a->data, a->log_n, a->cols, a->layout,
                         ZKC_NATURAL, ZKC_BITREV, 0);
}

static void run_lde(void *p)
{
    ntt_arg *a = p;
    a->rc |= zkc_lde_dev(a->e->plan, a->e->arena, a->out, a->data, a->log_n, a->lb, a->cols,
                         a->layout, kb_from_canonical(KB_GENERATOR));
}

static int ntt_case(const bench_ctx *ctx, cuda_env *e, const char *name, unsigned log_n,
                    size_t cols, int layout, unsigned lb)
{
    size_t n = (size_t)1 << log_n, N = n << lb;
    int lde = strncmp(name, "lde", 3) == 0;
    size_t mark = zkc_arena_mark(e->arena);
    ntt_arg a = {e, NULL, NULL, log_n, lb, cols, layout, 0};
    int rc = zkc_arena_alloc(e->arena, n * cols * sizeof(uint32_t), (void **)&a.data);
    if (rc == ZK_OK && lde)
        rc = zkc_arena_alloc(e->arena, N * cols * sizeof(uint32_t), (void **)&a.out);
    if (rc == ZK_OK)
        rc = fill_device(a.data, n * cols, n ^ cols);
    if (rc) {
        zkc_arena_release(e->arena, mark);
        return zk_err_wrap(rc, "bench ntt %s 2^%u x %zu: ", name, log_n, cols);
    }
    double secs =
        bench_time(lde ? run_lde : run_forward, &a, ctx->quick ? 3 : 10, ctx->quick ? 0.05 : 0.3);
    zkc_arena_release(e->arena, mark);
    if (a.rc)
        return a.rc;
    char size[64];
    if (lde)
        snprintf(size, sizeof size, "2^%u->2^%u x %zu", log_n, log_n + lb, cols);
    else
        snprintf(size, sizeof size, "2^%u x %zu", log_n, cols);
    double bytes = lde ? (double)(n + N) * cols * 4 : 2.0 * n * cols * 4;
    cpu_side cpu;
    cpu_ntt(&cpu, ctx, log_n, cols, layout, lb, lde);
    cpu_fields(&cpu, secs);
    bench_result r = {.group = "ntt",
                      .name = name,
                      .size = size,
                      .items = (uint64_t)(N * cols),
                      .threads = 1,
                      .seconds = secs,
                      .throughput = (double)(N * cols) / secs,
                      .unit = "elem/s",
                      .bound = (double)(N * cols) / (bytes / e->bw),
                      .bound_what = e->what_bw};
    bench_emit_extra(ctx, &r, cpu.json);
    return ZK_OK;
}

int bench_ntt_cuda(const bench_ctx *ctx)
{
    cuda_env e;
    int rc = env_open(&e, ctx, ctx->quick ? 16 : 24);
    if (rc) {
        env_close(&e);
        return rc;
    }
    const unsigned big[] = {16, 20, 22, 24}, quick[] = {12, 14};
    const unsigned *logs = ctx->quick ? quick : big;
    size_t nlogs = ctx->quick ? 2 : 4;
    for (size_t i = 0; i < nlogs && !rc; i++)
        rc = ntt_case(ctx, &e, "forward_1col", logs[i], 1, ZKC_COL_MAJOR, 0);
    /* 64 columns of 2^24 are 4 GiB (8 with row-major scratch): up to 2^22 */
    for (size_t i = 0; i < nlogs && !rc; i++)
        if (logs[i] <= 22)
            rc = ntt_case(ctx, &e, "forward_64col_colmajor", logs[i], 64, ZKC_COL_MAJOR, 0);
    for (size_t i = 0; i < nlogs && !rc; i++)
        if (logs[i] <= 22)
            rc = ntt_case(ctx, &e, "forward_64col_rowmajor", logs[i], 64, ZKC_ROW_MAJOR, 0);
    unsigned lde_logs[] = {18, 21};
    size_t nlde = ctx->quick ? 1 : 2;
    if (ctx->quick)
        lde_logs[0] = 10;
    static const char *names_cm[] = {"", "lde_x2_colmajor", "lde_x4_colmajor", "lde_x8_colmajor"};
    static const char *names_rm[] = {"", "lde_x2_rowmajor", "lde_x4_rowmajor", "lde_x8_rowmajor"};
    for (size_t li = 0; li < nlde && !rc; li++)
        for (unsigned lb = 1; lb <= 3 && !rc; lb++)
            rc = ntt_case(ctx, &e, names_cm[lb], lde_logs[li], 64, ZKC_COL_MAJOR, lb);
    for (size_t li = 0; li < nlde && !rc; li++)
        for (unsigned lb = 1; lb <= 3 && !rc; lb++)
            rc = ntt_case(ctx, &e, names_rm[lb], lde_logs[li], 64, ZKC_ROW_MAJOR, lb);
    env_close(&e);
    return rc;
}

typedef struct perm_arg {
    uint32_t *states;
    size_t n;
    int rc;
} perm_arg;

static void run_cpu_perm(void *p)
{
    perm_arg *a = p;
    p2_permute_many(a->states, a->n);
}

static void cpu_perm(cpu_side *c, const bench_ctx *ctx, size_t n)
{
    perm_arg a = {NULL, n, 0};
    c->secs = 0;
    if (16 * n > CPU_MAX_ELEMS || !(a.states = malloc(n * 64)))
        return;
    fill_host(a.states, 16 * n, n);
    c->secs = bench_time(run_cpu_perm, &a, 2, ctx->quick ? 0.02 : 0.2);
    free(a.states);
}

static void run_perm(void *p)
{
    perm_arg *a = p;
    a->rc |= zkc_p2_permute_many_dev(a->states, a->n);
}

int bench_poseidon2_cuda(const bench_ctx *ctx)
{
    cuda_env e;
    int rc = env_open(&e, ctx, 10);
    if (rc) {
        env_close(&e);
        return rc;
    }
    const unsigned big[] = {16, 20, 24}, quick[] = {12, 16};
    const unsigned *logs = ctx->quick ? quick : big;
    for (int i = 0; i < (ctx->quick ? 2 : 3) && !rc; i++) {
        size_t n = (size_t)1 << logs[i];
        perm_arg a = {NULL, n, 0};
        rc = zkc_arena_alloc(e.arena, n * 64, (void **)&a.states);
        if (rc == ZK_OK)
            rc = fill_device(a.states, 16 * n, n);
        if (rc)
            break;
        double t = bench_time(run_perm, &a, 5, ctx->quick ? 0.05 : 0.5);
        zkc_arena_reset(e.arena);
        if (a.rc) {
            rc = a.rc;
            break;
        }
        char size[32];
        snprintf(size, sizeof size, "2^%u states", logs[i]);
        cpu_side cpu;
        cpu_perm(&cpu, ctx, n);
        cpu_fields(&cpu, t);
        bench_emit_extra(ctx,
                         &(bench_result){"poseidon2", "permute_many_cuda", size, n, 1, t,
                                         (double)n / t, "perm/s", e.perm_rate, e.what_int},
                         cpu.json);
    }
    env_close(&e);
    return rc;
}

typedef struct tree_arg {
    cuda_env *e;
    uint32_t *nodes;
    size_t nodes_len;
    zkc_matrix m;
    int rc;
} tree_arg;

static void run_tree(void *p)
{
    tree_arg *a = p;
    a->rc |= zkc_mt_digests_dev(a->e->arena, a->nodes, a->nodes_len, &a->m, 1, 0);
}

typedef struct cpu_tree_arg {
    mt_matrix m;
    int rc;
} cpu_tree_arg;

static void run_cpu_tree(void *p)
{
    cpu_tree_arg *a = p;
    mt_tree *t = NULL;
    a->rc |= mt_build(&t, &a->m, 1, 0);
    mt_free(t);
}

static void cpu_tree(cpu_side *c, const bench_ctx *ctx, size_t rows, size_t w)
{
    c->secs = 0;
    kb *data;
    if (rows * w > CPU_MAX_ELEMS || !(data = malloc(rows * w * sizeof *data)))
        return;
    fill_host(data, rows * w, rows ^ w);
    cpu_tree_arg a = {{data, rows, w}, 0};
    double t = bench_time(run_cpu_tree, &a, 2, ctx->quick ? 0.02 : 0.2);
    if (!a.rc)
        c->secs = t;
    free(data);
}

int bench_merkle_cuda(const bench_ctx *ctx)
{
    cuda_env e;
    int rc = env_open(&e, ctx, 10);
    if (rc) {
        env_close(&e);
        return rc;
    }
    const unsigned big[] = {16, 20, 24}, quick[] = {10, 12};
    const size_t widths[] = {8, 64};
    for (int hi = 0; hi < (ctx->quick ? 2 : 3) && !rc; hi++)
        for (int wi = 0; wi < 2 && !rc; wi++) {
            unsigned lr = ctx->quick ? quick[hi] : big[hi];
            size_t rows = (size_t)1 << lr, w = widths[wi];
            tree_arg a = {&e, NULL, zkc_mt_nodes_len(lr, 0), {NULL, rows, w}, 0};
            uint32_t *data = NULL;
            rc = zkc_arena_alloc(e.arena, rows * w * 4, (void **)&data);
            if (rc == ZK_OK)
                rc = zkc_arena_alloc(e.arena, a.nodes_len * 32, (void **)&a.nodes);
            if (rc == ZK_OK)
                rc = fill_device(data, rows * w, rows ^ w);
            if (rc)
                break;
            a.m.data = data;
            double secs = bench_time(run_tree, &a, 3, ctx->quick ? 0.05 : 0.3);
            zkc_arena_reset(e.arena);
            if (a.rc) {
                rc = a.rc;
                break;
            }
            char size[48];
            snprintf(size, sizeof size, "2^%u x %zu", lr, w);
            double perms = (double)rows * (double)(w / 8 + 1) + (double)(rows - 1);
            cpu_side cpu;
            cpu_tree(&cpu, ctx, rows, w);
            cpu_fields(&cpu, secs);
            bench_emit_extra(ctx,
                             &(bench_result){"merkle", "build_cuda", size, (uint64_t)perms, 1, secs,
                                             perms / secs, "perm/s", e.perm_rate, e.what_int},
                             cpu.json);
        }
    env_close(&e);
    return rc;
}

#else /* !ZKGATE_HAVE_CUDA */

#define NOT_BUILT "zkgate was built without the CUDA backend (ZKGATE_CUDA=OFF or no nvcc)"

int bench_ntt_cuda(const bench_ctx *ctx)
{
    (void)ctx;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int bench_poseidon2_cuda(const bench_ctx *ctx)
{
    (void)ctx;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

int bench_merkle_cuda(const bench_ctx *ctx)
{
    (void)ctx;
    return zk_err_set(ZK_ERR_NO_DEVICE, NOT_BUILT);
}

#endif
