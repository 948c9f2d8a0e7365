/* The CUDA kernels at the sizes the benchmarks and the prover reach, against the
 * CPU: a transform of one 2^24-element column, the wires' LDE (173 columns of
 * 2^21 rows to 2^24, row-major, 11.6 GB out; three columns checked against the
 * CPU's LDE of those columns alone, since columns are independent), and a
 * Merkle tree of 2^24 rows (cap and the openings of leaves spread over the
 * tree). The other gpu tests stop at 2^22 and 1 GiB; this is what a first GPU
 * session runs to see the large shapes work (about 15 GB of device memory, the
 * arena of the LDE, and 16 GB of host memory at the default size).
 *
 * ZKC_LARGE_LOG=k (12..24, default 24) scales every size down by 2^(24-k): the
 * same code at a size that runs anywhere (also on the host emulation). Without a
 * usable device it prints "SKIPPED: <reason>" and exits 77. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prover/gpu.h"
#include "prover/mtree.h"
#include "prover/ntt.h"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"

#define WIRES 173

static unsigned g_log = 24;
static ntt_plan *g_plan;
static gpu_ctx *g_ctx;

/* One column of 2^log, forward, natural in and out. */
static void test_ntt_column(void)
{
    size_t n = (size_t)1 << g_log;
    kb *a = ct_rand_vec(n), *b = ct_xmalloc(n * sizeof(kb));
    memcpy(b, a, n * sizeof(kb));
    CHECK_OK(ntt_forward(g_plan, a, g_log, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL));
    CHECK_OK(gpu_ntt_forward(g_ctx, b, g_log, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL));
    CHECK_MSG(memcmp(a, b, n * sizeof(kb)) == 0, "forward ntt of 2^%u", g_log);
    CHECK_OK(gpu_ntt_inverse(g_ctx, b, g_log, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL));
    CHECK_OK(ntt_inverse(g_plan, a, g_log, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL));
    CHECK_MSG(memcmp(a, b, n * sizeof(kb)) == 0, "inverse ntt of 2^%u", g_log);
    printf("ntt 2^%u done\n", g_log);
    free(a);
    free(b);
}

/* The wires' LDE: 173 columns of 2^(log - 3) rows, row-major, blowup 8. */
static void test_lde_wires(void)
{
    unsigned L = g_log - 3, lb = 3;
    size_t n = (size_t)1 << L, N = n << lb;
    kb *in = ct_rand_vec(n * WIRES), *out = ct_xmalloc(N * WIRES * sizeof(kb));
    kb shift = kb_from_canonical(KB_GENERATOR);
    int rc = gpu_ntt_lde(g_ctx, out, in, L, lb, WIRES, NTT_ROW_MAJOR, shift);
    CHECK_OK(rc);
    const size_t cols[] = {0, 97, WIRES - 1};
    kb *col = ct_xmalloc(n * sizeof(kb)), *want = ct_xmalloc(N * sizeof(kb));
    for (int c = 0; rc == 0 && c < 3; c++) {
        for (size_t i = 0; i < n; i++)
            col[i] = in[i * WIRES + cols[c]];
        CHECK_OK(ntt_lde(g_plan, want, col, L, lb, 1, NTT_COL_MAJOR, shift));
        size_t bad = 0, first = N;
        for (size_t i = 0; i < N; i++)
            if (out[i * WIRES + cols[c]] != want[i]) {
                bad++;
                if (first == N)
                    first = i;
            }
        CHECK_MSG(bad == 0, "lde 2^%u -> 2^%u x %d, column %zu: %zu rows differ, first %zu", L,
                  L + lb, WIRES, cols[c], bad, first);
    }
    printf("lde 2^%u x %d -> 2^%u done\n", L, WIRES, L + lb);
    free(col);
    free(want);
    free(in);
    free(out);
}

/* A tree of 2^log rows of 8: the cap, and the siblings of leaves spread over the
 * tree (the first and last, and random ones) against mt_open's. */
static void test_tree(void)
{
    size_t h = (size_t)1 << g_log, w = 8;
    kb *data = ct_rand_vec(h * w);
    mt_matrix m = {data, h, w};
    mt_tree *t = NULL;
    CHECK_OK(mt_build(&t, &m, 1, 2));
    size_t len = gpu_mt_nodes_len(g_log, 2);
    p2_digest *nodes = ct_xmalloc(len * sizeof(p2_digest));
    int rc = t ? gpu_mt_build_digests(g_ctx, nodes, len, &m, 1, 2) : ZK_ERR_INTERNAL;
    CHECK_OK(rc);
    if (rc == 0) {
        size_t cap_len = 0;
        const p2_digest *cap = mt_cap(t, &cap_len);
        CHECK_MSG(memcmp(cap, nodes + len - cap_len, cap_len * sizeof(p2_digest)) == 0,
                  "tree 2^%u: cap", g_log);
        size_t plen = mt_path_len(t), rlen = mt_row_len(t), bad = 0;
        kb *rows = ct_xmalloc(rlen * sizeof(kb));
        p2_digest *path = ct_xmalloc((plen ? plen : 1) * sizeof(p2_digest));
        for (int q = 0; q < 64; q++) {
            size_t idx = q == 0 ? 0 : q == 1 ? h - 1 : (size_t)(t_rand() % h);
            CHECK_OK(mt_open(t, idx, rows, rlen, path, plen));
            size_t pos = idx, off = 0;
            for (unsigned l = g_log; l > 2; l--) {
                bad += memcmp(&path[g_log - l], &nodes[off + (pos ^ 1)], sizeof(p2_digest)) != 0;
                off += (size_t)1 << l;
                pos >>= 1;
            }
        }
        CHECK_MSG(bad == 0, "tree 2^%u: %zu sibling mismatches", g_log, bad);
        free(rows);
        free(path);
    }
    printf("tree 2^%u x %zu done\n", g_log, w);
    mt_free(t);
    free(nodes);
    free(data);
}

int main(void)
{
    const char *e = getenv("ZKC_LARGE_LOG");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        g_log = v < 12 ? 12 : v > 24 ? 24 : (unsigned)v;
    }
    int code = ct_gpu_start("test_gpu_large");
    if (code != CT_GO_ON)
        return code;
    /* the LDE's in + out + the inverse's copy, 4 bytes each: 173 x 2^log x 1.25 */
    size_t arena = (size_t)WIRES * ((size_t)5 << g_log) + ((size_t)256 << 20);
    CHECK_OK(ntt_plan_new(&g_plan, g_log));
    int rc = gpu_ctx_new(&g_ctx, arena, g_log);
    CHECK_MSG(rc == 0, "gpu_ctx_new(%.1f GiB): %s", (double)arena / (1 << 30), zk_err_detail());
    if (g_plan && g_ctx) {
        test_ntt_column();
        test_lde_wires();
        test_tree();
    }
    gpu_ctx_free(g_ctx);
    ntt_plan_free(g_plan);
    return t_report("test_gpu_large");
}
