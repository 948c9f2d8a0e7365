/* Merkle tree building benchmarks.
 *
 * A tree of R rows of width W needs R * (floor(W / 8) + 1) sponge permutations
 * for its leaves and R - 1 compressions: its bound is that many permutations at
 * the Poseidon2 rate measured here (p2_permute_many on batches of 1024 states,
 * spread over the same threads), so the ratio shows what the tree costs beyond
 * the hashing itself. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "common/error.h"
#include "common/par.h"
#include "prover/hostpool.h"
#include "prover/mtree.h"

typedef struct tree_arg {
    mt_matrix m;
    zp_hostpool *pool; /* the nodes' buffer, kept between builds as the prover keeps it */
    int rc;
} tree_arg;

static void build_run(void *p)
{
    tree_arg *a = p;
    mt_tree *t = NULL;
    a->rc |= mt_build_pooled(&t, &a->m, 1, 0, a->pool);
    mt_free(t);
}

/* One tree of 2^lr rows of w columns, against the measured permutation rate. */
static int one_tree(const bench_ctx *ctx, const char *name, unsigned lr, size_t w, double rate)
{
    size_t rows = (size_t)1 << lr;
    kb *data = malloc(rows * w * sizeof(kb));
    if (!data)
        return zk_err_set(ZK_ERR_NOMEM, "bench merkle: 2^%u x %zu", lr, w);
    for (size_t i = 0; i < rows * w; i++)
        data[i] = kb_from_canonical((uint32_t)((i * 2654435761u) % KB_P));
    tree_arg a = {{data, rows, w}, NULL, 0};
    if (zp_hostpool_new(&a.pool, (size_t)1 << 30)) {
        free(data);
        return zk_err_set(ZK_ERR_NOMEM, "bench merkle: buffer pool");
    }
    double secs = bench_time(build_run, &a, ctx->quick ? 2 : 3, ctx->quick ? 0.05 : 0.3);
    zp_hostpool_free(a.pool);
    free(data);
    if (a.rc)
        return a.rc;
    char size[48];
    snprintf(size, sizeof size, "2^%u x %zu", lr, w);
    double perms = (double)rows * (double)(w / P2_RATE + 1) + (double)(rows - 1);
    bench_result r = {.group = "merkle",
                      .name = name,
                      .size = size,
                      .items = (uint64_t)perms,
                      .threads = ctx->threads,
                      .seconds = secs,
                      .throughput = perms / secs,
                      .unit = "perm/s",
                      .bound = rate,
                      .bound_what = "measured p2_permute_many rate"};
    bench_emit(ctx, &r);
    return ZK_OK;
}

int bench_merkle(const bench_ctx *ctx)
{
    double rate = bench_p2_rate(ctx->threads);
    if (rate <= 0)
        return zk_err_set(ZK_ERR_NOMEM, "bench merkle: permutation buffer");
    if (!ctx->json)
        printf("# merkle: Poseidon2 back end %s, %.4g perm/s on %d threads\n", p2_backend_name(),
               rate, ctx->threads);
    const unsigned big[] = {16, 20}, quick[] = {10, 12};
    const size_t widths[] = {8, 64};
    int rc = ZK_OK;
    for (int hi = 0; hi < 2 && !rc; hi++)
        for (int wi = 0; wi < 2 && !rc; wi++)
            rc = one_tree(ctx, "build", ctx->quick ? quick[hi] : big[hi], widths[wi], rate);
    /* the prover's own: the 173 wire columns of a hash chain's 2^20-row LDE (2^16
     * steps, blowup 8), a width that is not a multiple of the rate */
    if (!rc)
        rc = one_tree(ctx, "build_wires", ctx->quick ? 10 : 20, 173, rate);
    return rc;
}
