/* `zkgate bench poseidon2`: permutations per second on one core (vector back end
 * and scalar) and on all cores, against the arithmetic bound.
 *
 * The bound (docs/PERFORMANCE.md, "Poseidon2"): the instance must multiply in its
 * S-boxes, x^3 = (x^2) x being two field products, on 16 elements in each of the
 * 8 full rounds and on one in each of the 20 partial rounds: 2 (8*16 + 20) = 296
 * field products. Every other step (the linear layers, including the internal
 * diagonal, whose entries are small integers and powers of 1/2) can be done with
 * additions and shifts. A Montgomery product is three 32x32->64 products, so a
 * permutation needs at least 888 of them, and one core cannot exceed
 * (measured vpmuludq products/s) / 888 permutations per second. All cores: that
 * times the thread count. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "bench/bench_vecunit.h"
#include "common/error.h"
#include "common/par.h"
#include "verifier/kb_simd.h"
#include "verifier/p2.h"

#define P2_PRODUCTS_PER_PERM (3.0 * 2 * (8 * 16 + 20))

typedef struct perm_arg {
    kb *states;
    size_t n;
} perm_arg;

static void run_many(void *p)
{
    perm_arg *a = p;
    p2_permute_many(a->states, a->n);
}

static void run_scalar(void *p)
{
    perm_arg *a = p;
    for (size_t i = 0; i < a->n; i++)
        p2_scalar_permute_record(a->states + P2_WIDTH * i, NULL);
}

/* One state permuted n times: each permutation waits for the one before, as in a
 * hash chain's witness or a transcript (p2_permute's latency). */
static void run_chain(void *p)
{
    perm_arg *a = p;
    for (size_t i = 0; i < a->n; i++)
        p2_permute(a->states);
}

static void par_chunk(void *p, size_t b, size_t e)
{
    perm_arg *a = p;
    p2_permute_many(a->states + P2_WIDTH * b, e - b);
}

static void run_par(void *p)
{
    perm_arg *a = p;
    zk_par_for(a->n, 256, par_chunk, a);
}

int bench_poseidon2(const bench_ctx *ctx)
{
    double min_s = ctx->quick ? 0.05 : 0.5;
    int threads = ctx->threads > 0 ? ctx->threads : zk_par_threads();
    size_t n = (size_t)(ctx->quick ? 1024 : 4096) * (size_t)threads;
    perm_arg a = {malloc(n * P2_WIDTH * sizeof(kb)), n};
    if (!a.states)
        return zk_err_set(ZK_ERR_NOMEM, "bench poseidon2: %zu states", n);
    for (size_t i = 0; i < n * P2_WIDTH; i++)
        a.states[i] = kb_from_u32((uint32_t)(i * 2654435761u));

    double core_bound = bench_vec_mul_rate() / P2_PRODUCTS_PER_PERM;
    static char what[96], size[32], name[48];
    snprintf(what, sizeof what, "%s vpmuludq %.3g prod/s / 888 per perm", bench_vec_unit(),
             bench_vec_mul_rate());

    perm_arg one = {a.states, ctx->quick ? 1024 : 4096};
    snprintf(size, sizeof size, "%zu states", one.n);
    snprintf(name, sizeof name, "permute_many_%s", p2_backend_name());
    double t = bench_time(run_many, &one, 5, min_s);
    bench_emit(ctx, &(bench_result){"poseidon2", name, size, one.n, 1, t, (double)one.n / t,
                                    "perm/s", core_bound, what});

    perm_arg few = {a.states, 256};
    t = bench_time(run_scalar, &few, 5, min_s);
    bench_emit(ctx, &(bench_result){"poseidon2", "permute_scalar", "256 states", few.n, 1, t,
                                    (double)few.n / t, "perm/s", core_bound, what});

    perm_arg chain = {a.states, 256};
    static char chain_name[48];
    snprintf(chain_name, sizeof chain_name, "permute_chain_%s",
             kb_simd_level() == 2 ? "avx512" : "scalar");
    t = bench_time(run_chain, &chain, 5, min_s);
    bench_emit(ctx, &(bench_result){"poseidon2", chain_name, "256 in a chain", chain.n, 1, t,
                                    (double)chain.n / t, "perm/s", core_bound, what});

    static char size_all[32];
    snprintf(size_all, sizeof size_all, "%zu states", n);
    t = bench_time(run_par, &a, 5, min_s);
    bench_emit(ctx, &(bench_result){"poseidon2", "permute_many_all_cores", size_all, n, threads, t,
                                    (double)n / t, "perm/s", core_bound * threads, what});
    free(a.states);
    return ZK_OK;
}
