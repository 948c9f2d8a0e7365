/* The quotient kernel (prover/cuda/quot.cu) against the host per-point function
 * (quot.cuh's zkc_quot_point, which test_cuda_quot checks against verifier/), bit
 * for bit at every point, on random inputs of several sizes and blowups, through
 * both the host-pointer and the device-pointer forms; and the argument errors.
 *
 * Without a usable device (or a build without the backend) it prints
 * "SKIPPED: <reason>" and exits 77. */
#include "common/error.h"
#include "prover/gpu.h"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"
#include "verifier/kb.h"

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"
#include "prover/cuda/zkc_quot.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants */

#define ARENA_BYTES ((size_t)1 << 30)

static zkc_arena *g_arena;
static zkc_p2_consts g_k;

/* Random matrices and challenges for n = 2^log_n, blowup 2^b, in a (host memory). */
static void rand_args(zkc_quot_args *a, unsigned log_n, unsigned b)
{
    size_t rows = (size_t)1 << (log_n + b);
    memset(a, 0, sizeof *a);
    a->wires = ct_rand_vec(rows * ZKC_WIRES);
    a->pre = ct_rand_vec(rows * ZKC_NUM_PREPROCESSED);
    a->perm = ct_rand_vec(rows * ZKC_NUM_PERM_COLS);
    a->log_n = log_n;
    a->log_blowup = b;
    a->shift = kb_from_canonical(KB_GENERATOR);
    for (int i = 0; i < 8; i++)
        a->pi_hash[i] = (uint32_t)(t_rand() % KB_P);
    uint32_t alpha[4];
    for (int i = 0; i < 4; i++) {
        a->beta[i] = (uint32_t)(t_rand() % KB_P);
        a->gamma[i] = (uint32_t)(t_rand() % KB_P);
        alpha[i] = (uint32_t)(t_rand() % KB_P);
    }
    zkc_quot_alpha_pows(a, alpha);
    CHECK_EQ(zkc_quot_args_init(a, &g_k), 0);
}

static void free_args(zkc_quot_args *a)
{
    free((void *)a->wires);
    free((void *)a->pre);
    free((void *)a->perm);
}

static void quot_case(unsigned log_n, unsigned b)
{
    zkc_quot_args *a = ct_xmalloc(sizeof *a);
    rand_args(a, log_n, b);
    size_t nq = (size_t)4 << log_n;
    uint32_t *got = ct_xmalloc(nq * 4 * sizeof *got), *want = ct_xmalloc(nq * 4 * sizeof *want);
    for (size_t j = 0; j < nq; j++)
        zkc_quot_point(a, j, &want[4 * j]);
    memset(got, 0, nq * 4 * sizeof *got);
    CHECK_OK(zkc_quotient(g_arena, a, got));
    size_t bad = 0;
    for (size_t j = 0; j < nq; j++)
        bad += memcmp(&got[4 * j], &want[4 * j], 4 * sizeof *got) != 0;
    CHECK_MSG(bad == 0, "zkc_quotient n = 2^%u, blowup 2^%u: %zu of %zu points differ", log_n, b,
              bad, nq);
    CHECK_EQ(zkc_arena_used(g_arena), 0);
    free(got);
    free(want);
    free_args(a);
    free(a);
}

/* The device-pointer form on resident data, with a derived field left stale on
 * purpose (zkc_quotient_dev recomputes them). */
static void quot_dev_case(unsigned log_n, unsigned b)
{
    zkc_quot_args *a = ct_xmalloc(sizeof *a), *d = ct_xmalloc(sizeof *d);
    rand_args(a, log_n, b);
    size_t rows = (size_t)1 << (log_n + b), nq = (size_t)4 << log_n;
    uint32_t *want = ct_xmalloc(nq * 4 * sizeof *want), *got = ct_xmalloc(nq * 4 * sizeof *got);
    for (size_t j = 0; j < nq; j++)
        zkc_quot_point(a, j, &want[4 * j]);
    void *w = NULL, *pre = NULL, *perm = NULL, *out = NULL;
    CHECK_OK(zkc_arena_alloc(g_arena, rows * ZKC_WIRES * 4, &w));
    CHECK_OK(zkc_arena_alloc(g_arena, rows * ZKC_NUM_PREPROCESSED * 4, &pre));
    CHECK_OK(zkc_arena_alloc(g_arena, rows * ZKC_NUM_PERM_COLS * 4, &perm));
    CHECK_OK(zkc_arena_alloc(g_arena, nq * 16, &out));
    CHECK_OK(zkc_to_device(w, a->wires, rows * ZKC_WIRES * 4));
    CHECK_OK(zkc_to_device(pre, a->pre, rows * ZKC_NUM_PREPROCESSED * 4));
    CHECK_OK(zkc_to_device(perm, a->perm, rows * ZKC_NUM_PERM_COLS * 4));
    *d = *a;
    d->wires = w;
    d->pre = pre;
    d->perm = perm;
    d->root = 12345; /* stale */
    CHECK_OK(zkc_quotient_dev(NULL, d, out));
    CHECK_OK(zkc_to_host(got, out, nq * 16));
    CHECK_MSG(memcmp(got, want, nq * 16) == 0, "zkc_quotient_dev n = 2^%u, blowup 2^%u", log_n, b);
    zkc_arena_reset(g_arena);
    free(want);
    free(got);
    free_args(a);
    free(a);
    free(d);
}

static void test_sizes(void)
{
    for (unsigned log_n = 2; log_n <= 8; log_n++)
        for (unsigned b = 2; b <= 4; b++)
            quot_case(log_n, b);
    quot_case(12, 2); /* many blocks */
    quot_case(10, 3);
    quot_dev_case(5, 2);
    quot_dev_case(9, 3);
}

static void test_errors(void)
{
    zkc_quot_args *a = ct_xmalloc(sizeof *a);
    rand_args(a, 4, 2);
    uint32_t out[64 * 4];
    CHECK_ERR(zkc_quotient(g_arena, NULL, out), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_quotient(g_arena, a, NULL), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_quotient(NULL, a, out), ZK_ERR_INVALID_ARG);
    CHECK_ERR(zkc_quotient_dev(NULL, NULL, out), ZK_ERR_INVALID_ARG);
    zkc_quot_args b = *a;
    b.wires = NULL;
    CHECK_ERR(zkc_quotient(g_arena, &b, out), ZK_ERR_INVALID_ARG);
    b = *a;
    b.perm = NULL;
    CHECK_ERR(zkc_quotient(g_arena, &b, out), ZK_ERR_INVALID_ARG);
    static const unsigned bad[][2] = {{1, 2}, {4, 1}, {22, 3}, {4, 21}, {0, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = *a;
        b.log_n = bad[i][0];
        b.log_blowup = bad[i][1];
        CHECK_ERR(zkc_quotient(g_arena, &b, out), ZK_ERR_INVALID_ARG);
        CHECK_ERR(zkc_quotient_dev(NULL, &b, out), ZK_ERR_INVALID_ARG);
    }
    b = *a;
    b.shift = 0;
    CHECK_ERR(zkc_quotient(g_arena, &b, out), ZK_ERR_INVALID_ARG);
    b = *a;
    memset(&b.p2, 0, sizeof b.p2);
    CHECK_ERR(zkc_quotient(g_arena, &b, out), ZK_ERR_STATE);
    /* misaligned device output */
    void *dev = NULL;
    CHECK_OK(zkc_arena_alloc(g_arena, 64 * 16 + 16, &dev));
    b = *a;
    CHECK_ERR(zkc_quotient_dev(NULL, &b, (uint32_t *)((char *)dev + 4)), ZK_ERR_INVALID_ARG);
    zkc_arena_reset(g_arena);
    /* an arena too small for the matrices */
    zkc_arena *small = NULL;
    CHECK_OK(zkc_arena_new(&small, 4096));
    CHECK_ERR(zkc_quotient(small, a, out), ZK_ERR_NOMEM);
    CHECK_EQ(zkc_arena_used(small), 0);
    zkc_arena_free(small);
    free_args(a);
    free(a);
}
#endif

int main(void)
{
    int code = ct_gpu_start("test_gpu_quot");
    if (code != CT_GO_ON)
        return code;
#ifdef ZKGATE_HAVE_CUDA
    ct_load_p2_consts(&g_k);
    CHECK_OK(zkc_arena_new(&g_arena, ARENA_BYTES));
    if (!g_arena)
        return t_report("test_gpu_quot");
    test_sizes();
    test_errors();
    zkc_arena_free(g_arena);
#endif
    return t_report("test_gpu_quot");
}
