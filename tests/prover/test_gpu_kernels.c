/* The CUDA kernels against the CPU implementations, bit for bit, on random inputs
 * of many shapes: NTT (forward and inverse, every pair of orders, both layouts),
 * coset NTT, LDE, Poseidon2 permutations, Merkle trees (one or several matrices of
 * different heights, every cap size) and the proof-of-work search; and the arena's
 * "does not fit" answers. Sizes include 2^0..2^5, odd column counts and sizes
 * that are not multiples of a thread block, and the NTT runs again with small
 * shared-memory tiles so that small inputs take the multi-pass paths that large
 * ones take.
 *
 * Without a usable device (or a build without the backend) it prints
 * "SKIPPED: <reason>" and exits 77. */
#include "common/error.h"
#include "prover/gpu.h"
#include "prover/mtree.h"
#include "prover/ntt.h"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"
#include "verifier/transcript.h"

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"
#endif

#define ARENA_BYTES ((size_t)1 << 30)
#define MAX_LOG     22

static ntt_plan *g_plan;
static gpu_ctx *g_ctx;

static const char *lay_name(ntt_layout l)
{
    return l == NTT_ROW_MAJOR ? "row" : "col";
}

/* One transform on both sides; returns 1 when equal. */
static int ntt_case(unsigned log_n, size_t cols, ntt_layout lay, ntt_order in, ntt_order out,
                    int inverse)
{
    size_t len = cols << log_n;
    kb *a = ct_rand_vec(len), *b = malloc(len * sizeof(kb));
    memcpy(b, a, len * sizeof(kb));
    int rc1 = inverse ? ntt_inverse(g_plan, a, log_n, cols, lay, in, out)
                      : ntt_forward(g_plan, a, log_n, cols, lay, in, out);
    int rc2 = inverse ? gpu_ntt_inverse(g_ctx, b, log_n, cols, lay, in, out)
                      : gpu_ntt_forward(g_ctx, b, log_n, cols, lay, in, out);
    CHECK_OK(rc1);
    CHECK_OK(rc2);
    int ok = rc1 == 0 && rc2 == 0 && memcmp(a, b, len * sizeof(kb)) == 0;
    CHECK_MSG(ok, "%s 2^%u x %zu %s-major %s->%s", inverse ? "inverse" : "forward", log_n, cols,
              lay_name(lay), in ? "bitrev" : "natural", out ? "bitrev" : "natural");
    free(a);
    free(b);
    return ok;
}

static void test_ntt_sizes(const unsigned *logs, size_t nlogs, const size_t *colss, size_t ncols)
{
    for (size_t li = 0; li < nlogs; li++)
        for (size_t ci = 0; ci < ncols; ci++)
            for (int lay = 0; lay < 2; lay++)
                for (int o = 0; o < 4; o++)
                    for (int inv = 0; inv < 2; inv++)
                        ntt_case(logs[li], colss[ci], (ntt_layout)lay, (ntt_order)(o & 1),
                                 (ntt_order)(o >> 1), inv);
}

static void test_ntt(void)
{
    const unsigned small[] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 11};
    const size_t cols_small[] = {1, 2, 3, 7};
    test_ntt_sizes(small, sizeof small / sizeof *small, cols_small, 4);
    const unsigned mid[] = {12, 13, 14, 15};
    const size_t cols_mid[] = {1, 5};
    test_ntt_sizes(mid, 4, cols_mid, 2);
    /* one column of the large sizes: two passes at 2^18 and 2^22 */
    for (int o = 0; o < 4; o++) {
        ntt_case(18, 1, NTT_COL_MAJOR, (ntt_order)(o & 1), (ntt_order)(o >> 1), o & 1);
        ntt_case(MAX_LOG, 1, NTT_COL_MAJOR, (ntt_order)(o & 1), (ntt_order)(o >> 1), 0);
    }
    /* through a pinned host buffer */
    size_t pn = (size_t)3 << 16;
    kb *pin = NULL, *ref = ct_rand_vec(pn);
    CHECK_OK(gpu_host_alloc((void **)&pin, pn * sizeof(kb)));
    if (pin) {
        memcpy(pin, ref, pn * sizeof(kb));
        CHECK_OK(ntt_forward(g_plan, ref, 16, 3, NTT_ROW_MAJOR, NTT_NATURAL, NTT_NATURAL));
        CHECK_OK(gpu_ntt_forward(g_ctx, pin, 16, 3, NTT_ROW_MAJOR, NTT_NATURAL, NTT_NATURAL));
        CHECK_MSG(memcmp(pin, ref, pn * sizeof(kb)) == 0, "pinned 2^16 x 3 row-major");
        gpu_host_free(pin);
    }
    free(ref);
    ntt_case(16, 33, NTT_ROW_MAJOR, NTT_NATURAL, NTT_BITREV, 0);
    ntt_case(16, 33, NTT_COL_MAJOR, NTT_BITREV, NTT_NATURAL, 1);
#ifdef ZKGATE_HAVE_CUDA
    /* Small tiles: many passes and every (gl, gh) tile shape on small inputs. */
    const unsigned logs[] = {4, 5, 6, 8, 10, 12};
    const size_t cols[] = {1, 3};
    for (unsigned tl = 4; tl <= 8; tl++) {
        zkc_ntt_set_tile_log(tl);
        test_ntt_sizes(logs, 6, cols, 2);
    }
    zkc_ntt_set_tile_log(0);
#endif
}

static void coset_case(unsigned log_n, size_t cols, ntt_layout lay, kb shift, ntt_order o)
{
    size_t len = cols << log_n;
    kb *a = ct_rand_vec(len), *b = malloc(len * sizeof(kb));
    memcpy(b, a, len * sizeof(kb));
    CHECK_OK(ntt_coset_forward(g_plan, a, log_n, cols, lay, shift, o));
    CHECK_OK(gpu_ntt_coset_forward(g_ctx, b, log_n, cols, lay, shift, o));
    CHECK_MSG(memcmp(a, b, len * sizeof(kb)) == 0, "coset forward 2^%u x %zu %s-major order %d",
              log_n, cols, lay_name(lay), (int)o);
    CHECK_OK(ntt_coset_inverse(g_plan, a, log_n, cols, lay, shift, o));
    CHECK_OK(gpu_ntt_coset_inverse(g_ctx, b, log_n, cols, lay, shift, o));
    CHECK_MSG(memcmp(a, b, len * sizeof(kb)) == 0, "coset inverse 2^%u x %zu %s-major order %d",
              log_n, cols, lay_name(lay), (int)o);
    free(a);
    free(b);
}

static void test_coset(void)
{
    kb g = kb_from_canonical(KB_GENERATOR);
    const unsigned logs[] = {0, 1, 3, 5, 8, 13, 14, 17};
    for (size_t li = 0; li < sizeof logs / sizeof *logs; li++)
        for (int lay = 0; lay < 2; lay++)
            for (int o = 0; o < 2; o++) {
                coset_case(logs[li], 3, (ntt_layout)lay, g, (ntt_order)o);
                kb s = (kb)(1 + t_rand() % (KB_P - 1));
                coset_case(logs[li], 1, (ntt_layout)lay, s, (ntt_order)o);
            }
}

static void lde_case(unsigned log_n, unsigned lb, size_t cols, ntt_layout lay, kb shift)
{
    size_t n = cols << log_n, N = cols << (log_n + lb);
    kb *in = ct_rand_vec(n), *a = malloc(N * sizeof(kb)), *b = malloc(N * sizeof(kb));
    CHECK_OK(ntt_lde(g_plan, a, in, log_n, lb, cols, lay, shift));
    CHECK_OK(gpu_ntt_lde(g_ctx, b, in, log_n, lb, cols, lay, shift));
    CHECK_MSG(memcmp(a, b, N * sizeof(kb)) == 0, "lde 2^%u x%u x %zu %s-major", log_n, 1u << lb,
              cols, lay_name(lay));
    free(in);
    free(a);
    free(b);
}

static void test_lde(void)
{
    kb g = kb_from_canonical(KB_GENERATOR);
    const unsigned logs[] = {0, 1, 2, 3, 4, 5, 8, 11, 12, 14};
    const size_t cols[] = {1, 3, 7};
    for (size_t li = 0; li < sizeof logs / sizeof *logs; li++)
        for (unsigned lb = 0; lb <= 3; lb++)
            for (size_t ci = 0; ci < 3; ci++)
                for (int lay = 0; lay < 2; lay++)
                    lde_case(logs[li], lb, cols[ci], (ntt_layout)lay, g);
    lde_case(18, 2, 1, NTT_COL_MAJOR, g);
    lde_case(16, 3, 9, NTT_ROW_MAJOR, (kb)(1 + t_rand() % (KB_P - 1)));
#ifdef ZKGATE_HAVE_CUDA
    for (unsigned tl = 4; tl <= 6; tl++) {
        zkc_ntt_set_tile_log(tl);
        for (unsigned lb = 1; lb <= 3; lb++) {
            lde_case(7, lb, 3, NTT_COL_MAJOR, g);
            lde_case(9, lb, 2, NTT_ROW_MAJOR, g);
        }
    }
    zkc_ntt_set_tile_log(0);
#endif
}

static void test_permute(void)
{
    const size_t ns[] = {1, 2, 3, 31, 127, 128, 129, 1000, 65537};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
        size_t n = ns[i];
        kb *a = ct_rand_vec(16 * n), *b = malloc(16 * n * sizeof(kb));
        memcpy(b, a, 16 * n * sizeof(kb));
        p2_permute_many(a, n);
        CHECK_OK(gpu_p2_permute_many(g_ctx, b, n));
        CHECK_MSG(memcmp(a, b, 16 * n * sizeof(kb)) == 0, "permute_many %zu states", n);
        free(a);
        free(b);
    }
    CHECK_OK(gpu_p2_permute_many(g_ctx, NULL, 0));
}

/* A tree of mats on both sides: the cap against mt_cap, every other level
 * against the siblings mt_open returns (every node is some leaf's sibling). */
static void tree_case(const mt_matrix *mats, size_t nmats, unsigned cap_log, const char *what)
{
    mt_tree *t = NULL;
    CHECK_OK(mt_build(&t, mats, nmats, cap_log));
    if (!t)
        return;
    unsigned d = mt_log_height(t);
    size_t len = gpu_mt_nodes_len(d, cap_log);
    p2_digest *nodes = malloc(len * sizeof(p2_digest));
    int rc = gpu_mt_build_digests(g_ctx, nodes, len, mats, nmats, cap_log);
    CHECK_OK(rc);
    if (rc == 0) {
        size_t cap_len = 0;
        const p2_digest *cap = mt_cap(t, &cap_len);
        const p2_digest *gcap = nodes + len - cap_len;
        CHECK_MSG(memcmp(cap, gcap, cap_len * sizeof(p2_digest)) == 0, "%s: cap", what);
        size_t plen = mt_path_len(t), rlen = mt_row_len(t), bad = 0;
        kb *rows = malloc(rlen * sizeof(kb));
        p2_digest *path = malloc((plen ? plen : 1) * sizeof(p2_digest));
        for (size_t idx = 0; idx < ((size_t)1 << d); idx++) {
            CHECK_OK(mt_open(t, idx, rows, rlen, path, plen));
            size_t pos = idx, off = 0;
            for (unsigned l = d; l > cap_log; l--) {
                bad += memcmp(&path[d - l], &nodes[off + (pos ^ 1)], sizeof(p2_digest)) != 0;
                off += (size_t)1 << l;
                pos >>= 1;
            }
        }
        CHECK_MSG(bad == 0, "%s: %zu node mismatches", what, bad);
        free(rows);
        free(path);
    }
    free(nodes);
    mt_free(t);
}

static void test_merkle(void)
{
    const size_t widths[] = {1, 3, 7, 8, 9, 16, 17, 64};
    const unsigned logs[] = {0, 1, 2, 3, 5, 7, 8, 12};
    char what[96];
    for (size_t li = 0; li < 8; li++)
        for (size_t wi = 0; wi < 8; wi++) {
            size_t h = (size_t)1 << logs[li], w = widths[wi];
            kb *data = ct_rand_vec(h * w);
            mt_matrix m = {data, h, w};
            for (unsigned cap = 0; cap <= logs[li] && cap <= 3; cap++) {
                snprintf(what, sizeof what, "tree 2^%u x %zu cap 2^%u", logs[li], w, cap);
                tree_case(&m, 1, cap, what);
            }
            free(data);
        }
    /* several matrices of different heights, in a mixed commitment order */
    const size_t hs[] = {1u << 10, 1u << 7, 1u << 10, 1u << 3, 1u << 7, 1u << 1, 1u << 9};
    const size_t ws[] = {5, 8, 3, 1, 17, 2, 9};
    mt_matrix mats[7];
    for (int k = 0; k < 7; k++) {
        mats[k].data = ct_rand_vec(hs[k] * ws[k]);
        mats[k].height = hs[k];
        mats[k].width = ws[k];
    }
    for (unsigned cap = 0; cap <= 1; cap++) {
        snprintf(what, sizeof what, "7 matrices cap 2^%u", cap);
        tree_case(mats, 7, cap, what);
    }
    tree_case(mats, 3, 2, "3 matrices cap 2^2");
    tree_case(mats + 1, 1, 0, "one matrix of 2^7");
    /* a big one: 2^16 rows */
    kb *big = ct_rand_vec((size_t)8 << 16);
    mt_matrix bm = {big, (size_t)1 << 16, 8};
    tree_case(&bm, 1, 4, "tree 2^16 x 8 cap 2^4");
    free(big);
    for (int k = 0; k < 7; k++)
        free((void *)mats[k].data);
    /* the shapes mt_build refuses are refused here too */
    p2_digest one[4];
    mt_matrix odd = {one[0].v, 3, 1};
    CHECK_ERR(gpu_mt_build_digests(g_ctx, one, 4, &odd, 1, 0), ZK_ERR_INVALID_ARG);
    mt_matrix ok = {one[0].v, 2, 1};
    CHECK_ERR(gpu_mt_build_digests(g_ctx, one, 2, &ok, 1, 0), ZK_ERR_INVALID_ARG); /* wants 3 */
    CHECK_ERR(gpu_mt_build_digests(g_ctx, one, 3, &ok, 1, 2), ZK_ERR_INVALID_ARG); /* cap > d */
}

static void test_pow(void)
{
    for (int trial = 0; trial < 24; trial++) {
        tr_state t;
        tr_init(&t);
        unsigned nobs = (unsigned)(t_rand() % 20);
        for (unsigned i = 0; i < nobs; i++)
            tr_observe(&t, (kb)(t_rand() % KB_P));
        if (trial % 3 == 0)
            (void)tr_sample(&t);
        unsigned bits = trial < 20 ? (unsigned)trial % 17 : 18 + (unsigned)(trial - 20);
        tr_state a = t, b = t;
        uint32_t na = 0, nb = 0;
        CHECK_OK(tr_grind(&a, bits, &na));
        CHECK_OK(gpu_pow_search(g_ctx, &b, bits, &nb));
        CHECK_MSG(na == nb, "pow %u bits: cpu %u, gpu %u", bits, na, nb);
        CHECK_MSG(memcmp(&a, &b, sizeof a) == 0, "pow %u bits: transcripts differ", bits);
    }
    tr_state t;
    tr_init(&t);
    uint32_t n;
    CHECK_ERR(gpu_pow_search(g_ctx, &t, TR_MAX_POW_BITS + 1, &n), ZK_ERR_INVALID_ARG);
}

static void test_arena_full(void)
{
    gpu_ctx *small = NULL;
    CHECK_OK(gpu_ctx_new(&small, (size_t)1 << 20, 20)); /* 1 MiB arena */
    if (!small)
        return;
    kb *x = ct_rand_vec((size_t)1 << 20); /* 4 MiB */
    int rc = gpu_ntt_forward(small, x, 20, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_BITREV);
    CHECK_ERR(rc, ZK_ERR_NOMEM);
    const char *det = zk_err_detail();
    printf("arena full: %s\n", det);
    CHECK(strstr(det, "4194304 bytes needed") != NULL);
    CHECK(strstr(det, "available") != NULL);
    /* the failed call left the arena empty: a fitting call still works */
    kb *a = ct_rand_vec(1024), *b = malloc(1024 * sizeof(kb));
    memcpy(b, a, 1024 * sizeof(kb));
    CHECK_OK(ntt_forward(g_plan, a, 10, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL));
    CHECK_OK(gpu_ntt_forward(small, b, 10, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL));
    CHECK_MEM(a, b, 1024 * sizeof(kb));
    /* row-major too */
    CHECK_ERR(gpu_ntt_forward(small, x, 16, 16, NTT_ROW_MAJOR, NTT_NATURAL, NTT_BITREV),
              ZK_ERR_NOMEM);
    p2_digest nodes[3];
    mt_matrix m = {x, (size_t)1 << 16, 16};
    CHECK_ERR(gpu_mt_build_digests(small, nodes, 3, &m, 1, 0), ZK_ERR_INVALID_ARG);
    gpu_ctx_free(small);
    free(x);
    free(a);
    free(b);
    /* an arena larger than the device */
    gpu_ctx *huge = NULL;
    rc = gpu_ctx_new(&huge, (size_t)1 << 50, 10);
    CHECK_ERR(rc, ZK_ERR_NOMEM);
    CHECK(huge == NULL);
    printf("huge arena: %s\n", zk_err_detail());
#ifdef ZKGATE_HAVE_CUDA
    zkc_arena *ar = NULL;
    CHECK_OK(zkc_arena_new(&ar, 4096));
    void *p = NULL, *q = NULL;
    CHECK_OK(zkc_arena_alloc(ar, 1000, &p));
    CHECK_EQ(zkc_arena_used(ar), 1024);
    CHECK_ERR(zkc_arena_alloc(ar, 4000, &q), ZK_ERR_NOMEM);
    CHECK(q == NULL);
    CHECK(strstr(zk_err_detail(), "4000 bytes needed, 3072 available") != NULL);
    size_t mark = zkc_arena_mark(ar);
    CHECK_OK(zkc_arena_alloc(ar, 3072, &q));
    zkc_arena_release(ar, mark);
    CHECK_EQ(zkc_arena_used(ar), 1024);
    zkc_arena_reset(ar);
    CHECK_EQ(zkc_arena_used(ar), 0);
    zkc_arena_free(ar);
    zkc_arena_free(NULL);
#endif
}

int main(void)
{
    int code = ct_gpu_start("test_gpu_kernels");
    if (code != CT_GO_ON)
        return code;
    CHECK_OK(ntt_plan_new(&g_plan, MAX_LOG));
    CHECK_OK(gpu_ctx_new(&g_ctx, ARENA_BYTES, MAX_LOG));
    if (!g_plan || !g_ctx)
        return t_report("test_gpu_kernels");
    test_ntt();
    printf("ntt done (%d checks, %d failed)\n", t_checks, t_failures);
    test_coset();
    test_lde();
    printf("coset and lde done (%d checks, %d failed)\n", t_checks, t_failures);
    test_permute();
    test_merkle();
    printf("poseidon2 and merkle done (%d checks, %d failed)\n", t_checks, t_failures);
    test_pow();
    test_arena_full();
    gpu_ctx_free(g_ctx);
    ntt_plan_free(g_plan);
    return t_report("test_gpu_kernels");
}
