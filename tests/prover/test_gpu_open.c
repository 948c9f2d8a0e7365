/* The opening phase's kernels (prover/cuda/zkc_open.h) against open.cuh run on
 * the host, bit for bit, on random inputs of several sizes: permutation products
 * (one scan block, several, and enough rows for the block totals to need a scan of
 * their own), barycentric weights, powers, column sums (row counts that are not
 * multiples of the chunk), DEEP composition and FRI permutation and folding (every
 * arity); the _dev forms on resident data as well as the host forms; and the
 * argument errors (NULL pointers, sizes out of range, an arena too small).
 * test_cuda_open ties open.cuh to the CPU prover, so this ties the kernels to it.
 *
 * Without a usable device (or a build without the backend) it prints
 * "SKIPPED: <reason>" and exits 77. */
#include "common/error.h"
#include "prover/gpu.h"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/open.cuh"
#include "prover/cuda/zkc_open.h"

#define ARENA_BYTES ((size_t)1 << 30)

static zkc_arena *g_ar;

static zkc_kb4 rand4(void)
{
    zkc_kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = (uint32_t)(t_rand() % ZKC_P);
    return r;
}

static void test_perm(void)
{
    const unsigned logs[] = {0, 1, 2, 7, 8, 9, 12, 17};
    uint32_t g = zkc_from_canonical(3);
    for (size_t li = 0; li < sizeof logs / sizeof *logs; li++) {
        unsigned log_n = logs[li];
        size_t n = (size_t)1 << log_n;
        uint32_t *trace = ct_rand_vec(n * ZKC_OPEN_WIRES), *pre = ct_rand_vec(n * ZKC_OPEN_PRE);
        uint32_t *want = ct_xmalloc(n * ZKC_OPEN_PERM_COLS * 4),
                 *got = ct_xmalloc(n * ZKC_OPEN_PERM_COLS * 4);
        zkc_kb4 beta = rand4(), gamma = rand4();
        zkc_perm_args pa;
        zkc_perm_args_init(&pa, log_n, g, beta, gamma);
        zkc_kb4 z = zkc_open_one();
        for (size_t r = 0; r < n; r++) {
            zkc_kb4 ratio = zkc_perm_row(want + ZKC_OPEN_PERM_COLS * r, trace + ZKC_OPEN_WIRES * r,
                                         pre + ZKC_OPEN_PRE * r, &pa, r);
            zkc_perm_finish_row(want + ZKC_OPEN_PERM_COLS * r, z);
            z = zkc4_mul(z, ratio);
        }
        uint32_t zf[4] = {0, 0, 0, 0};
        CHECK_OK(zkc_perm_products(g_ar, trace, pre, log_n, g, beta.c, gamma.c, got, zf));
        CHECK_MSG(memcmp(got, want, n * ZKC_OPEN_PERM_COLS * 4) == 0, "perm 2^%u", log_n);
        CHECK_MSG(memcmp(zf, z.c, sizeof zf) == 0, "perm 2^%u z_final", log_n);
        CHECK_EQ(zkc_arena_used(g_ar), 0);
        free(trace);
        free(pre);
        free(want);
        free(got);
    }
}

static void test_openings(void)
{
    for (unsigned log_n = 0; log_n <= 16; log_n += (log_n < 4 ? 1 : 3)) {
        size_t n = (size_t)1 << log_n;
        zkc_kb4 z = rand4();
        uint32_t *want = ct_xmalloc(16 * n), *got = ct_xmalloc(16 * n);
        zkc_kb4 s = zkc_bary_scale(z, log_n);
        uint32_t w = zkc_root_of_unity(log_n);
        for (size_t r = 0; r < n; r++)
            zkc_open_store(want + 4 * r, zkc_bary_weight(z, s, w, r));
        CHECK_OK(zkc_bary_weights(g_ar, got, log_n, z.c));
        CHECK_MSG(memcmp(got, want, 16 * n) == 0, "bary weights 2^%u", log_n);
        for (size_t r = 0; r < n; r++)
            zkc_open_store(want + 4 * r, zkc_power(z, r));
        CHECK_OK(zkc_powers(g_ar, got, n, z.c));
        CHECK_MSG(memcmp(got, want, 16 * n) == 0, "powers %zu", n);
        free(want);
        free(got);
    }
    const size_t ns[] = {1, 2, 3, 511, 512, 513, 4097, 70000};
    const size_t widths[] = {1, 4, 12, 44, 65, 173};
    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
        for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
            size_t n = ns[ni], width = widths[wi];
            uint32_t *m = ct_rand_vec(n * width), *wt = ct_rand_vec(4 * n);
            uint32_t *want = ct_xmalloc(16 * width), *got = ct_xmalloc(16 * width);
            for (size_t col = 0; col < width; col++)
                zkc_open_store(want + 4 * col, zkc_col_partial(m, width, wt, col, 0, n));
            CHECK_OK(zkc_col_sums(g_ar, got, m, n, width, wt));
            CHECK_MSG(memcmp(got, want, 16 * width) == 0, "col sums %zu x %zu", n, width);
            free(m);
            free(wt);
            free(want);
            free(got);
        }
    uint32_t out[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_OK(zkc_col_sums(g_ar, out, NULL, 0, 2, NULL));
    for (int i = 0; i < 8; i++)
        CHECK_EQ(out[i], 0);
}

static void deep_case(unsigned log_lde, const size_t widths[4])
{
    size_t N = (size_t)1 << log_lde, T = widths[0] + widths[1] + widths[2] + widths[3];
    uint32_t *mats[4];
    for (int m = 0; m < 4; m++)
        mats[m] = ct_rand_vec(N * widths[m]);
    zkc_kb4 a = rand4(), *apow = ct_xmalloc((T + 4) * sizeof *apow);
    apow[0] = zkc_open_one();
    for (size_t i = 1; i < T + 4; i++)
        apow[i] = zkc4_mul(apow[i - 1], a);
    zkc_kb4 s1 = rand4(), s2 = rand4(), zeta = rand4(), zn = rand4();
    uint32_t g = zkc_from_canonical(3);
    const uint32_t *const cm[4] = {mats[0], mats[1], mats[2], mats[3]};
    uint32_t w32[4] = {(uint32_t)widths[0], (uint32_t)widths[1], (uint32_t)widths[2],
                       (uint32_t)widths[3]};
    zkc_deep_args d;
    zkc_deep_args_init(&d, cm, w32, log_lde, g, s1, s2, zeta, zn);
    uint32_t *want = ct_xmalloc(16 * N), *got = ct_xmalloc(16 * N);
    for (size_t L = 0; L < N; L++)
        zkc_open_store(want + 4 * L, zkc_deep_row(&d, apow, L));
    CHECK_OK(zkc_deep(g_ar, got, cm, widths, log_lde, g, (const uint32_t *)apow, s1.c, s2.c, zeta.c,
                      zn.c));
    CHECK_MSG(memcmp(got, want, 16 * N) == 0, "deep 2^%u widths %zu %zu %zu %zu", log_lde,
              widths[0], widths[1], widths[2], widths[3]);
    for (int m = 0; m < 4; m++)
        free(mats[m]);
    free(apow);
    free(want);
    free(got);
}

static void test_deep(void)
{
    const size_t prover[4] = {44, 173, 44, 12}, small[4] = {3, 0, 4, 2};
    const unsigned logs[] = {0, 1, 5, 7, 10, 14};
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        deep_case(logs[i], prover);
        deep_case(logs[i], small);
    }
}

static void test_fri(void)
{
    const size_t rowss[] = {1, 2, 3, 127, 128, 1000, 1 << 16};
    for (size_t ri = 0; ri < sizeof rowss / sizeof *rowss; ri++)
        for (unsigned a = 0; a <= 5; a++) {
            size_t rows = rowss[ri], m = rows << a;
            uint32_t *src = ct_rand_vec(4 * m), *want = ct_xmalloc(16 * m),
                     *got = ct_xmalloc(16 * m);
            for (size_t i = 0; i < m; i++)
                memcpy(want + 4 * i, src + 4 * zkc_fri_permute_src(i, rows, a), 16);
            CHECK_OK(zkc_fri_permute(g_ar, got, src, rows, a));
            CHECK_MSG(memcmp(got, want, 16 * m) == 0, "fri permute %zu x 2^%u", rows, a);
            if (a <= ZKC_FRI_MAX_ARITY) {
                uint32_t sinv = (uint32_t)(t_rand() % ZKC_P), winv = (uint32_t)(t_rand() % ZKC_P);
                zkc_kb4 beta = rand4();
                uint32_t *fw = ct_xmalloc(16 * rows), *fg = ct_xmalloc(16 * rows);
                for (size_t r = 0; r < rows; r++)
                    zkc_open_store(fw + 4 * r,
                                   zkc_fri_fold_row(want + 4 * (r << a), a,
                                                    zkc_fri_x0_inv(sinv, winv, r), beta));
                CHECK_OK(zkc_fri_fold(g_ar, fg, want, rows, a, sinv, winv, beta.c));
                CHECK_MSG(memcmp(fg, fw, 16 * rows) == 0, "fri fold %zu x 2^%u", rows, a);
                free(fw);
                free(fg);
            }
            free(src);
            free(want);
            free(got);
        }
}

/* The _dev forms on resident data, chained as the prover chains them: weights,
 * then the column sums read them where they are. */
static void test_resident(void)
{
    unsigned log_n = 10;
    size_t n = (size_t)1 << log_n, width = 44;
    uint32_t *m = ct_rand_vec(n * width), *dm = NULL, *dw = NULL;
    zkc_kb4 z = rand4();
    size_t mark = zkc_arena_mark(g_ar);
    CHECK_OK(zkc_arena_alloc(g_ar, n * width * 4, (void **)&dm));
    CHECK_OK(zkc_arena_alloc(g_ar, 16 * n, (void **)&dw));
    if (dm && dw) {
        CHECK_OK(zkc_to_device(dm, m, n * width * 4));
        CHECK_OK(zkc_bary_weights_dev(dw, log_n, z.c));
        uint32_t *got = ct_xmalloc(16 * width), *want = ct_xmalloc(16 * width),
                 *wt = ct_xmalloc(16 * n);
        CHECK_OK(zkc_col_sums_dev(g_ar, got, dm, n, width, dw));
        zkc_kb4 s = zkc_bary_scale(z, log_n);
        for (size_t r = 0; r < n; r++)
            zkc_open_store(wt + 4 * r, zkc_bary_weight(z, s, zkc_root_of_unity(log_n), r));
        for (size_t col = 0; col < width; col++)
            zkc_open_store(want + 4 * col, zkc_col_partial(m, width, wt, col, 0, n));
        CHECK_MSG(memcmp(got, want, 16 * width) == 0, "resident openings");
        CHECK_OK(zkc_powers_dev(dw, n, z.c));
        CHECK_OK(zkc_col_sums_dev(g_ar, got, dm, n, width, dw));
        for (size_t r = 0; r < n; r++)
            zkc_open_store(wt + 4 * r, zkc_power(z, r));
        for (size_t col = 0; col < width; col++)
            zkc_open_store(want + 4 * col, zkc_col_partial(m, width, wt, col, 0, n));
        CHECK_MSG(memcmp(got, want, 16 * width) == 0, "resident powers");
        free(got);
        free(want);
        free(wt);
    }
    zkc_arena_release(g_ar, mark);
    free(m);
}

static void test_errors(void)
{
    /* buf is never read (every call is refused first); zeroed all the same, or gcc 12
     * -O3 warns that it may be passed uninitialised */
    uint32_t v4[4] = {0, 0, 0, 0}, buf[64] = {0};
    uint32_t g = zkc_from_canonical(3);
    CHECK_ERR(zkc_perm_products(NULL, buf, buf, 0, g, v4, v4, buf, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_perm_products(g_ar, NULL, buf, 0, g, v4, v4, buf, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_perm_products(g_ar, buf, buf, 0, g, NULL, v4, buf, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_perm_products(g_ar, buf, buf, 0, g, v4, v4, buf, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_perm_products_dev(g_ar, buf, buf, 25, g, v4, v4, buf, v4), ZK_ERR_RANGE);
    CHECK_ERR(zkc_bary_weights(g_ar, NULL, 3, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_bary_weights(g_ar, buf, 3, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_bary_weights(NULL, buf, 3, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_bary_weights_dev(buf, 25, v4), ZK_ERR_RANGE);
    CHECK_ERR(zkc_powers(g_ar, NULL, 3, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_powers_dev(buf, 3, NULL), ZK_ERR_INVALID_ARG);
    CHECK_OK(zkc_powers_dev(NULL, 0, NULL));
    CHECK_ERR(zkc_col_sums(g_ar, NULL, buf, 1, 1, buf), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_col_sums(g_ar, buf, NULL, 1, 1, buf), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_col_sums(NULL, buf, buf, 1, 1, buf), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_col_sums_dev(g_ar, buf, buf, SIZE_MAX / 2, 3, buf), ZK_ERR_TOO_LARGE);
    const uint32_t *mats[4] = {buf, buf, buf, buf};
    size_t widths[4] = {1, 1, 4, 1}, wide[4] = {100, 100, 70, 10}, nz[4] = {1, 1, 3, 1};
    CHECK_ERR(zkc_deep(g_ar, NULL, mats, widths, 2, g, buf, v4, v4, v4, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_deep(g_ar, buf, mats, widths, 2, g, NULL, v4, v4, v4, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_deep(g_ar, buf, mats, widths, 2, g, buf, v4, v4, NULL, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_deep(g_ar, buf, mats, wide, 2, g, buf, v4, v4, v4, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_deep(g_ar, buf, mats, nz, 2, g, buf, v4, v4, v4, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_deep_dev(g_ar, buf, mats, widths, 25, g, buf, v4, v4, v4, v4), ZK_ERR_RANGE);
    mats[1] = NULL;
    CHECK_ERR(zkc_deep(g_ar, buf, mats, widths, 2, g, buf, v4, v4, v4, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_fri_permute(g_ar, NULL, buf, 2, 1), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_fri_permute(NULL, buf, buf, 2, 1), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_fri_permute_dev(buf, buf, 2, 25), ZK_ERR_RANGE);
    CHECK_ERR(zkc_fri_permute_dev(buf, buf, SIZE_MAX / 4, 2), ZK_ERR_TOO_LARGE);
    CHECK_OK(zkc_fri_permute_dev(NULL, NULL, 0, 3));
    CHECK_ERR(zkc_fri_fold(g_ar, buf, buf, 2, 5, 1, 1, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_fri_fold(g_ar, buf, buf, 2, 1, 1, 1, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_fri_fold(NULL, buf, buf, 2, 1, 1, 1, v4), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_fri_fold_dev(buf, NULL, 2, 1, 1, 1, v4), ZK_ERR_INVALID_ARG);
    /* an arena too small for the data: NOMEM, and nothing left handed out */
    zkc_arena *tiny = NULL;
    CHECK_OK(zkc_arena_new(&tiny, 4096));
    if (tiny) {
        uint32_t *t = ct_rand_vec(64 * ZKC_OPEN_WIRES), *p = ct_rand_vec(64 * ZKC_OPEN_PRE);
        uint32_t *o = ct_xmalloc(64 * ZKC_OPEN_PERM_COLS * 4);
        CHECK_ERR(zkc_perm_products(tiny, t, p, 6, g, v4, v4, o, v4), ZK_ERR_NOMEM);
        CHECK_EQ(zkc_arena_used(tiny), 0);
        CHECK_ERR(zkc_col_sums(tiny, o, t, 64, ZKC_OPEN_WIRES, t), ZK_ERR_NOMEM);
        CHECK_EQ(zkc_arena_used(tiny), 0);
        free(t);
        free(p);
        free(o);
        zkc_arena_free(tiny);
    }
    CHECK_EQ(zkc_arena_used(g_ar), 0);
}
#endif

int main(void)
{
    int code = ct_gpu_start("test_gpu_open");
    if (code != CT_GO_ON)
        return code;
#ifdef ZKGATE_HAVE_CUDA
    CHECK_OK(zkc_arena_new(&g_ar, ARENA_BYTES));
    if (!g_ar)
        return t_report("test_gpu_open");
    test_perm();
    printf("permutation done (%d checks, %d failed)\n", t_checks, t_failures);
    test_openings();
    test_deep();
    test_fri();
    test_resident();
    test_errors();
    zkc_arena_free(g_ar);
#endif
    return t_report("test_gpu_open");
}
