/* prover/gpu.h without a usable device (every CI machine, with or without the
 * CUDA backend built): every entry point returns ZK_ERR_NO_DEVICE with a detail
 * that says why, and none of them crashes on NULL or nonsense arguments. On a
 * machine with a device the same calls with a NULL context must still fail
 * cleanly (the success paths are test_gpu_kernels' job). */
#include "common/error.h"
#include "prover/gpu.h"
#include "tests/test.h"

static int g_have_device;

/* rc must be an error with a non-empty detail; without a device, NO_DEVICE. */
static void expect_refused(int rc, const char *what)
{
    const char *det = zk_err_detail();
    CHECK_MSG(rc != ZK_OK, "%s succeeded", what);
    CHECK_MSG(det && det[0], "%s: empty detail", what);
    if (!g_have_device)
        CHECK_MSG(rc == ZK_ERR_NO_DEVICE, "%s: got %s (%s), want ZK_ERR_NO_DEVICE", what,
                  zk_errname(rc), det);
    if (!gpu_backend_built())
        CHECK_MSG(strstr(det, "built without the CUDA backend") != NULL, "%s: detail '%s'", what,
                  det);
    zk_err_clear();
}

int main(void)
{
    gpu_info g;
    int rc = gpu_probe(&g);
    g_have_device = rc == ZK_OK;
    printf("backend built: %s; probe: %s\n", gpu_backend_built() ? "yes" : "no",
           rc == ZK_OK ? g.name : zk_err_detail());
    if (!g_have_device) {
        CHECK_EQ(rc, ZK_ERR_NO_DEVICE);
        CHECK(strlen(zk_err_detail()) > 0);
    }
    expect_refused(g_have_device ? ZK_ERR_NO_DEVICE : gpu_probe(NULL), "gpu_probe(NULL)");

    gpu_ctx *ctx = (gpu_ctx *)0x1; /* must be overwritten with NULL */
    rc = gpu_ctx_new(&ctx, (size_t)1 << 20, 16);
    if (!g_have_device) {
        expect_refused(rc, "gpu_ctx_new");
        CHECK(ctx == NULL);
    } else {
        gpu_ctx_free(ctx);
    }
    expect_refused(gpu_ctx_new(NULL, 0, 99), "gpu_ctx_new(NULL, 0, 99)");
    gpu_ctx_free(NULL);
    CHECK_EQ(gpu_ctx_arena_bytes(NULL), 0);

    kb data[64] = {0};
    kb out[256];
    p2_digest nodes[7];
    tr_state t;
    tr_init(&t);
    tr_state t0 = t;
    uint32_t nonce = 12345;
    mt_matrix m = {data, 4, 16};

    /* NULL context with good and bad arguments */
    expect_refused(gpu_ntt_forward(NULL, data, 6, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_BITREV),
                   "gpu_ntt_forward");
    expect_refused(gpu_ntt_forward(NULL, NULL, 99, 0, (ntt_layout)7, (ntt_order)9, NTT_BITREV),
                   "gpu_ntt_forward(bad)");
    expect_refused(gpu_ntt_inverse(NULL, data, 6, 1, NTT_ROW_MAJOR, NTT_BITREV, NTT_NATURAL),
                   "gpu_ntt_inverse");
    expect_refused(gpu_ntt_inverse(NULL, NULL, 0, 0, NTT_ROW_MAJOR, NTT_BITREV, NTT_NATURAL),
                   "gpu_ntt_inverse(bad)");
    expect_refused(gpu_ntt_coset_forward(NULL, data, 6, 1, NTT_COL_MAJOR, KB_ONE, NTT_NATURAL),
                   "gpu_ntt_coset_forward");
    expect_refused(gpu_ntt_coset_forward(NULL, data, 6, 1, NTT_COL_MAJOR, KB_ZERO, NTT_NATURAL),
                   "gpu_ntt_coset_forward(zero shift)");
    expect_refused(gpu_ntt_coset_inverse(NULL, data, 6, 1, NTT_COL_MAJOR, KB_ONE, NTT_NATURAL),
                   "gpu_ntt_coset_inverse");
    expect_refused(gpu_ntt_lde(NULL, out, data, 6, 2, 1, NTT_COL_MAJOR, KB_ONE), "gpu_ntt_lde");
    expect_refused(gpu_ntt_lde(NULL, NULL, NULL, 30, 30, 0, NTT_COL_MAJOR, KB_ZERO),
                   "gpu_ntt_lde(bad)");
    expect_refused(gpu_p2_permute_many(NULL, data, 4), "gpu_p2_permute_many");
    expect_refused(gpu_p2_permute_many(NULL, NULL, (size_t)-1), "gpu_p2_permute_many(bad)");
    expect_refused(gpu_mt_build_digests(NULL, nodes, 7, &m, 1, 0), "gpu_mt_build_digests");
    expect_refused(gpu_mt_build_digests(NULL, NULL, 0, NULL, 0, 40), "gpu_mt_build_digests(bad)");
    expect_refused(gpu_pow_search(NULL, &t, 8, &nonce), "gpu_pow_search");
    expect_refused(gpu_pow_search(NULL, NULL, 99, NULL), "gpu_pow_search(bad)");

    void *pinned = (void *)0x1;
    rc = gpu_host_alloc(&pinned, 4096);
    if (!g_have_device) {
        expect_refused(rc, "gpu_host_alloc");
        CHECK(pinned == NULL);
    } else {
        CHECK_OK(rc);
        gpu_host_free(pinned);
    }
    expect_refused(gpu_host_alloc(NULL, 0), "gpu_host_alloc(NULL, 0)");
    gpu_host_free(NULL);

    /* nothing was touched */
    CHECK_EQ(nonce, 12345);
    CHECK_MEM(&t, &t0, sizeof t);
    for (int i = 0; i < 64; i++)
        CHECK_EQ(data[i], 0);

    CHECK_EQ(gpu_mt_nodes_len(0, 0), 1);
    CHECK_EQ(gpu_mt_nodes_len(3, 0), 15);
    CHECK_EQ(gpu_mt_nodes_len(3, 2), 12);
    CHECK_EQ(gpu_mt_nodes_len(2, 3), 0);
    return t_report("test_gpu_nodev");
}
