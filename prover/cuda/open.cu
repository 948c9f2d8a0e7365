// The prover's opening phase on the device (zkc_open.h): permutation products
// with a scan over rows, barycentric weights, powers and weighted column sums,
// the DEEP composition and FRI's layer matrix and folding.
//
// Every kernel is a loop over threads around one open.cuh function, which
// tests/prover/test_cuda_open.c runs as C against the CPU prover; the kernels
// that cooperate (the scan's blocks, the column sums' two passes) have their block
// structure emulated there too. What the host cannot see (launch shapes, shared
// memory, grid-stride loops) is tests/prover/test_gpu_open.c's job.
#include <cstring>

#include "prover/cuda/internal.cuh"
#include "prover/cuda/open.cuh"
#include "prover/cuda/zkc_open.h"

#define OPEN_THREADS   128
#define COLSUM_THREADS 64
#define MAX_LOG        ZKC_TWO_ADIC

static zkc_kb4 kb4_in(const uint32_t v[4])
{
    zkc_kb4 r = {{v[0], v[1], v[2], v[3]}};
    return r;
}

// n * k elements of 4 bytes, or ZK_ERR_TOO_LARGE.
static int bytes_of(size_t n, size_t k, const char *fn, size_t *out)
{
    if (k && n > SIZE_MAX / 4 / k)
        return zk_err_set(ZK_ERR_TOO_LARGE, "%s: %zu x %zu elements overflow", fn, n, k);
    *out = n * k * 4;
    return ZK_OK;
}

// A host buffer copied into fresh arena memory.
static int upload(zkc_arena *a, const void *src, size_t bytes, uint32_t **out)
{
    ZKC_TRY(zkc_alloc(a, bytes / 4, out));
    return zkc_to_device(*out, src, bytes);
}

// ---- permutation products (docs/PROOF.md, "Copy constraints") -------------------

static __global__ void perm_rows_kernel(uint32_t *perm, zkc_kb4 *ratio, const uint32_t *trace,
                                        const uint32_t *pre, zkc_perm_args pa, size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += stride)
        ratio[r] = zkc_perm_row(perm + ZKC_OPEN_PERM_COLS * r, trace + ZKC_OPEN_WIRES * r,
                                pre + ZKC_OPEN_PRE * r, &pa, r);
}

// One block scans slots b B .. b B + B - 1 of v in shared memory (open.cuh's
// zkc_scan_step, distances 1, 2, ..., B/2) and writes its total to tot[b].
static __global__ void scan_block_kernel(zkc_kb4 *v, zkc_kb4 *tot, size_t n)
{
    __shared__ zkc_kb4 buf[2][ZKC_SCAN_BLOCK];
    unsigned i = threadIdx.x;
    size_t g = (size_t)blockIdx.x * ZKC_SCAN_BLOCK + i;
    buf[0][i] = g < n ? v[g] : zkc_open_one();
    __syncthreads();
    int cur = 0;
    for (unsigned d = 1; d < ZKC_SCAN_BLOCK; d <<= 1) {
        buf[cur ^ 1][i] = zkc_scan_step(buf[cur], i, d);
        cur ^= 1;
        __syncthreads();
    }
    if (g < n)
        v[g] = buf[cur][i];
    if (tot && i == ZKC_SCAN_BLOCK - 1)
        tot[blockIdx.x] = buf[cur][i];
}

static __global__ void scan_fixup_kernel(zkc_kb4 *v, const zkc_kb4 *tot, size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        v[i] = zkc_scan_fixup(v[i], tot, i);
}

// Row r gets Z(w^r) = the inclusive product up to r - 1 (the block-scanned value
// times the scanned totals before its block) and its partial products.
static __global__ void perm_finish_kernel(uint32_t *perm, const zkc_kb4 *local, const zkc_kb4 *tot,
                                          size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += stride) {
        zkc_kb4 z = r ? zkc_scan_fixup(local[r - 1], tot, r - 1) : zkc_open_one();
        zkc_perm_finish_row(perm + ZKC_OPEN_PERM_COLS * r, z);
    }
}

static size_t scan_blocks(size_t n)
{
    return (size_t)zkc_scan_blocks(n);
}

// v (n values, device) becomes its inclusive prefix products: block scans, the
// totals scanned the same way (recursively), then the fix-up.
static int scan_full(zkc_arena *a, zkc_kb4 *v, size_t n)
{
    size_t nb = scan_blocks(n);
    if (nb <= 1) {
        scan_block_kernel<<<1, ZKC_SCAN_BLOCK>>>(v, nullptr, n);
        ZKC_LAUNCHED("scan_block_kernel");
        return ZK_OK;
    }
    zkc_scope scope(a);
    zkc_kb4 *tot = nullptr;
    ZKC_TRY(zkc_alloc(a, nb, &tot));
    scan_block_kernel<<<(unsigned)nb, ZKC_SCAN_BLOCK>>>(v, tot, n);
    ZKC_LAUNCHED("scan_block_kernel");
    ZKC_TRY(scan_full(a, tot, nb));
    scan_fixup_kernel<<<zkc_blocks(n, OPEN_THREADS), OPEN_THREADS>>>(v, tot, n);
    ZKC_LAUNCHED("scan_fixup_kernel");
    return ZK_OK;
}

static int perm_args(const zkc_arena *a, const uint32_t *trace, const uint32_t *pre, unsigned log_n,
                     const uint32_t *beta, const uint32_t *gamma, const uint32_t *perm,
                     const uint32_t *z_final)
{
    if (!a || !trace || !pre || !beta || !gamma || !perm || !z_final)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_perm_products: NULL argument");
    if (log_n > MAX_LOG)
        return zk_err_set(ZK_ERR_RANGE, "zkc_perm_products: 2^%u rows (at most 2^%u)", log_n,
                          MAX_LOG);
    return ZK_OK;
}

extern "C" int zkc_perm_products_dev(zkc_arena *a, const uint32_t *trace, const uint32_t *pre,
                                     unsigned log_n, uint32_t shift, const uint32_t beta[4],
                                     const uint32_t gamma[4], uint32_t *perm, uint32_t z_final[4])
{
    ZKC_TRY(perm_args(a, trace, pre, log_n, beta, gamma, perm, z_final));
    size_t n = (size_t)1 << log_n, nb = scan_blocks(n);
    zkc_perm_args pa;
    zkc_perm_args_init(&pa, log_n, shift, kb4_in(beta), kb4_in(gamma));
    zkc_scope scope(a);
    zkc_kb4 *ratio = nullptr, *tot = nullptr;
    ZKC_TRY(zkc_alloc(a, n, &ratio));
    ZKC_TRY(zkc_alloc(a, nb, &tot));
    perm_rows_kernel<<<zkc_blocks(n, OPEN_THREADS), OPEN_THREADS>>>(perm, ratio, trace, pre, pa, n);
    ZKC_LAUNCHED("perm_rows_kernel");
    scan_block_kernel<<<(unsigned)nb, ZKC_SCAN_BLOCK>>>(ratio, tot, n);
    ZKC_LAUNCHED("scan_block_kernel");
    if (nb > 1)
        ZKC_TRY(scan_full(a, tot, nb));
    perm_finish_kernel<<<zkc_blocks(n, OPEN_THREADS), OPEN_THREADS>>>(perm, ratio, tot, n);
    ZKC_LAUNCHED("perm_finish_kernel");
    // The whole product: the last block-scanned value times the totals before it.
    zkc_kb4 last, before = zkc_open_one();
    ZKC_TRY(zkc_to_host(&last, ratio + (n - 1), sizeof last));
    if (nb > 1)
        ZKC_TRY(zkc_to_host(&before, tot + (nb - 2), sizeof before));
    zkc_kb4 z = zkc4_mul(before, last);
    for (int i = 0; i < 4; i++)
        z_final[i] = z.c[i];
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_perm_products(zkc_arena *a, const uint32_t *trace, const uint32_t *pre,
                                 unsigned log_n, uint32_t shift, const uint32_t beta[4],
                                 const uint32_t gamma[4], uint32_t *perm, uint32_t z_final[4])
{
    ZKC_TRY(perm_args(a, trace, pre, log_n, beta, gamma, perm, z_final));
    size_t n = (size_t)1 << log_n;
    zkc_scope scope(a);
    uint32_t *dt = nullptr, *dp = nullptr, *dm = nullptr;
    ZKC_TRY(upload(a, trace, n * ZKC_OPEN_WIRES * 4, &dt));
    ZKC_TRY(upload(a, pre, n * ZKC_OPEN_PRE * 4, &dp));
    ZKC_TRY(zkc_alloc(a, n * ZKC_OPEN_PERM_COLS, &dm));
    ZKC_TRY(zkc_perm_products_dev(a, dt, dp, log_n, shift, beta, gamma, dm, z_final));
    return zkc_to_host(perm, dm, n * ZKC_OPEN_PERM_COLS * 4);
}

// ---- openings (docs/PROOF.md, "Transcript order", step 5) ------------------------

static __global__ void bary_kernel(uint32_t *wt, size_t n, zkc_kb4 z, zkc_kb4 s, uint32_t w)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += stride)
        zkc_open_store(wt + 4 * r, zkc_bary_weight(z, s, w, r));
}

extern "C" int zkc_bary_weights_dev(uint32_t *wt, unsigned log_n, const uint32_t z[4])
{
    if (!wt || !z)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_bary_weights: NULL argument");
    if (log_n > MAX_LOG)
        return zk_err_set(ZK_ERR_RANGE, "zkc_bary_weights: 2^%u points (at most 2^%u)", log_n,
                          MAX_LOG);
    size_t n = (size_t)1 << log_n;
    zkc_kb4 zz = kb4_in(z);
    bary_kernel<<<zkc_blocks(n, OPEN_THREADS), OPEN_THREADS>>>(wt, n, zz, zkc_bary_scale(zz, log_n),
                                                               zkc_root_of_unity(log_n));
    ZKC_LAUNCHED("bary_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_bary_weights(zkc_arena *a, uint32_t *wt, unsigned log_n, const uint32_t z[4])
{
    if (!a)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_bary_weights: NULL arena");
    if (!wt || !z || log_n > MAX_LOG)
        return zkc_bary_weights_dev(wt, log_n, z); // the same refusal
    size_t n = (size_t)1 << log_n;
    zkc_scope scope(a);
    uint32_t *d = nullptr;
    ZKC_TRY(zkc_alloc(a, 4 * n, &d));
    ZKC_TRY(zkc_bary_weights_dev(d, log_n, z));
    return zkc_to_host(wt, d, 16 * n);
}

static __global__ void powers_kernel(uint32_t *wt, size_t n, zkc_kb4 z)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += stride)
        zkc_open_store(wt + 4 * r, zkc_power(z, r));
}

extern "C" int zkc_powers_dev(uint32_t *wt, size_t n, const uint32_t z[4])
{
    if (n == 0)
        return ZK_OK;
    if (!wt || !z)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_powers: NULL argument");
    powers_kernel<<<zkc_blocks(n, OPEN_THREADS), OPEN_THREADS>>>(wt, n, kb4_in(z));
    ZKC_LAUNCHED("powers_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_powers(zkc_arena *a, uint32_t *wt, size_t n, const uint32_t z[4])
{
    if (n == 0)
        return ZK_OK;
    if (!a || !wt || !z)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_powers: NULL argument");
    size_t bytes = 0;
    ZKC_TRY(bytes_of(n, 4, "zkc_powers", &bytes));
    zkc_scope scope(a);
    uint32_t *d = nullptr;
    ZKC_TRY(zkc_alloc(a, bytes / 4, &d));
    ZKC_TRY(zkc_powers_dev(d, n, z));
    return zkc_to_host(wt, d, bytes);
}

// First pass: thread (col, chunk) adds up ZKC_COLSUM_ROWS rows of its column;
// neighbouring threads read neighbouring columns of a row, and every thread of a
// block reads the same weight.
static __global__ void colsum_partial_kernel(uint32_t *partial, const uint32_t *m, size_t n,
                                             size_t width, const uint32_t *wt, size_t chunks)
{
    size_t cstride = (size_t)gridDim.x * blockDim.x;
    for (size_t c = blockIdx.y; c < chunks; c += gridDim.y) {
        size_t r0 = c * ZKC_COLSUM_ROWS;
        size_t r1 = n - r0 < ZKC_COLSUM_ROWS ? n : r0 + ZKC_COLSUM_ROWS;
        for (size_t col = (size_t)blockIdx.x * blockDim.x + threadIdx.x; col < width;
             col += cstride)
            zkc_open_store(partial + 4 * (c * width + col),
                           zkc_col_partial(m, width, wt, col, r0, r1));
    }
}

static __global__ void colsum_total_kernel(uint32_t *out, const uint32_t *partial, size_t chunks,
                                           size_t width)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t col = (size_t)blockIdx.x * blockDim.x + threadIdx.x; col < width; col += stride)
        zkc_open_store(out + 4 * col, zkc_col_total(partial, chunks, width, col));
}

static int colsum_args(const zkc_arena *a, const uint32_t *out, const uint32_t *m, size_t n,
                       size_t width, const uint32_t *wt, size_t *mbytes)
{
    if (!a || !out || (n && width && (!m || !wt)))
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_col_sums: NULL argument");
    size_t wbytes = 0;
    ZKC_TRY(bytes_of(n, width, "zkc_col_sums", mbytes));
    ZKC_TRY(bytes_of(n, 4, "zkc_col_sums", &wbytes));
    return ZK_OK;
}

extern "C" int zkc_col_sums_dev(zkc_arena *a, uint32_t *out_host, const uint32_t *m, size_t n,
                                size_t width, const uint32_t *wt)
{
    size_t mbytes = 0;
    ZKC_TRY(colsum_args(a, out_host, m, n, width, wt, &mbytes));
    if (width == 0)
        return ZK_OK;
    if (width > SIZE_MAX / 16)
        return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_col_sums: %zu columns", width);
    if (n == 0) {
        memset(out_host, 0, 16 * width);
        return ZK_OK;
    }
    uint64_t chunks = 0;
    unsigned gx = 0, gy = 0;
    zkc_colsum_grid(n, width, COLSUM_THREADS, &chunks, &gx, &gy);
    if (chunks > SIZE_MAX / 16 / width)
        return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_col_sums: %zu x %zu partial sums", (size_t)chunks,
                          width);
    zkc_scope scope(a);
    uint32_t *partial = nullptr, *out = nullptr;
    ZKC_TRY(zkc_alloc(a, 4 * chunks * width, &partial));
    ZKC_TRY(zkc_alloc(a, 4 * width, &out));
    dim3 grid(gx, gy);
    colsum_partial_kernel<<<grid, COLSUM_THREADS>>>(partial, m, n, width, wt, chunks);
    ZKC_LAUNCHED("colsum_partial_kernel");
    colsum_total_kernel<<<zkc_blocks(width, COLSUM_THREADS), COLSUM_THREADS>>>(out, partial, chunks,
                                                                               width);
    ZKC_LAUNCHED("colsum_total_kernel");
    return zkc_to_host(out_host, out, 16 * width);
}

extern "C" int zkc_col_sums(zkc_arena *a, uint32_t *out_host, const uint32_t *m, size_t n,
                            size_t width, const uint32_t *wt)
{
    size_t mbytes = 0;
    ZKC_TRY(colsum_args(a, out_host, m, n, width, wt, &mbytes));
    if (n == 0 || width == 0)
        return zkc_col_sums_dev(a, out_host, m, n, width, wt);
    zkc_scope scope(a);
    uint32_t *dm = nullptr, *dw = nullptr;
    ZKC_TRY(upload(a, m, mbytes, &dm));
    ZKC_TRY(upload(a, wt, 16 * n, &dw));
    return zkc_col_sums_dev(a, out_host, dm, n, width, dw);
}

// ---- DEEP composition (docs/PROOF.md, "DEEP composition") -----------------------

// One thread per LDE row, the powers of the challenge in shared memory (every
// thread reads the same power at the same time: a broadcast). Next step: a row's
// 273 reads are at a stride of the row width across a warp, so each load touches
// 32 sectors; staging each block's rows (contiguous in a row-major matrix) through
// shared memory with coalesced loads, or splitting a row's columns over a warp,
// would read every sector once.
static __global__ void deep_kernel(uint32_t *f, zkc_deep_args d, const zkc_kb4 *apow, size_t N)
{
    __shared__ zkc_kb4 ap[ZKC_OPEN_DEEP_POWERS];
    for (unsigned i = threadIdx.x; i < d.cols + 4; i += blockDim.x)
        ap[i] = apow[i];
    __syncthreads();
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t L = (size_t)blockIdx.x * blockDim.x + threadIdx.x; L < N; L += stride)
        zkc_open_store(f + 4 * L, zkc_deep_row(&d, ap, L));
}

static int deep_args(const zkc_arena *a, const uint32_t *f, const uint32_t *const mats[4],
                     const size_t widths[4], unsigned log_lde, const uint32_t *apow,
                     const uint32_t *s1, const uint32_t *s2, const uint32_t *zeta,
                     const uint32_t *zeta_next, size_t *cols)
{
    if (!a || !f || !mats || !widths || !apow || !s1 || !s2 || !zeta || !zeta_next)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_deep: NULL argument");
    if (log_lde > MAX_LOG)
        return zk_err_set(ZK_ERR_RANGE, "zkc_deep: 2^%u rows (at most 2^%u)", log_lde, MAX_LOG);
    size_t t = 0;
    for (int m = 0; m < 4; m++) {
        if (widths[m] > ZKC_OPEN_OPENINGS)
            return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_deep: matrix %d has %zu columns", m,
                              widths[m]);
        if (widths[m] && !mats[m])
            return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_deep: matrix %d is NULL", m);
        t += widths[m];
    }
    if (t > ZKC_OPEN_OPENINGS || widths[2] < 4)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "zkc_deep: %zu columns (at most %d) and %zu in the permutation matrix "
                          "(at least 4)",
                          t, ZKC_OPEN_OPENINGS, widths[2]);
    *cols = t;
    return ZK_OK;
}

extern "C" int zkc_deep_dev(zkc_arena *a, uint32_t *f, const uint32_t *const mats[4],
                            const size_t widths[4], unsigned log_lde, uint32_t shift,
                            const uint32_t *apow_host, const uint32_t s1[4], const uint32_t s2[4],
                            const uint32_t zeta[4], const uint32_t zeta_next[4])
{
    size_t cols = 0;
    ZKC_TRY(deep_args(a, f, mats, widths, log_lde, apow_host, s1, s2, zeta, zeta_next, &cols));
    size_t N = (size_t)1 << log_lde;
    uint32_t w32[4];
    for (int m = 0; m < 4; m++)
        w32[m] = (uint32_t)widths[m];
    zkc_deep_args d;
    zkc_deep_args_init(&d, mats, w32, log_lde, shift, kb4_in(s1), kb4_in(s2), kb4_in(zeta),
                       kb4_in(zeta_next));
    zkc_scope scope(a);
    zkc_kb4 *ap = nullptr;
    ZKC_TRY(zkc_alloc(a, cols + 4, &ap));
    ZKC_TRY(zkc_to_device(ap, apow_host, (cols + 4) * sizeof(zkc_kb4)));
    deep_kernel<<<zkc_blocks(N, OPEN_THREADS), OPEN_THREADS>>>(f, d, ap, N);
    ZKC_LAUNCHED("deep_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_deep(zkc_arena *a, uint32_t *f, const uint32_t *const mats[4],
                        const size_t widths[4], unsigned log_lde, uint32_t shift,
                        const uint32_t *apow_host, const uint32_t s1[4], const uint32_t s2[4],
                        const uint32_t zeta[4], const uint32_t zeta_next[4])
{
    size_t cols = 0;
    ZKC_TRY(deep_args(a, f, mats, widths, log_lde, apow_host, s1, s2, zeta, zeta_next, &cols));
    size_t N = (size_t)1 << log_lde;
    zkc_scope scope(a);
    const uint32_t *dmats[4] = {nullptr, nullptr, nullptr, nullptr};
    for (int m = 0; m < 4; m++) {
        if (!widths[m])
            continue;
        uint32_t *p = nullptr;
        ZKC_TRY(upload(a, mats[m], N * widths[m] * 4, &p));
        dmats[m] = p;
    }
    uint32_t *df = nullptr;
    ZKC_TRY(zkc_alloc(a, 4 * N, &df));
    ZKC_TRY(zkc_deep_dev(a, df, dmats, widths, log_lde, shift, apow_host, s1, s2, zeta, zeta_next));
    return zkc_to_host(f, df, 16 * N);
}

// ---- FRI (docs/PROOF.md, "FRI") -------------------------------------------------

static __global__ void fri_permute_kernel(uint32_t *mat, const uint32_t *src, size_t rows,
                                          unsigned a)
{
    size_t m = rows << a, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < m; i += stride)
        zkc_open_store(mat + 4 * i, zkc_open_load(src + 4 * zkc_fri_permute_src(i, rows, a)));
}

static int fri_permute_args(const void *mat, const void *src, size_t rows, unsigned a,
                            size_t *bytes)
{
    if (a > MAX_LOG)
        return zk_err_set(ZK_ERR_RANGE, "zkc_fri_permute: arity 2^%u (at most 2^%u)", a, MAX_LOG);
    if (rows > (SIZE_MAX / 16) >> a)
        return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_fri_permute: %zu rows of 2^%u", rows, a);
    if (rows && (!mat || !src))
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_permute: NULL argument");
    *bytes = (rows << a) * 16;
    return ZK_OK;
}

extern "C" int zkc_fri_permute_dev(uint32_t *mat, const uint32_t *src, size_t rows, unsigned a)
{
    size_t bytes = 0;
    ZKC_TRY(fri_permute_args(mat, src, rows, a, &bytes));
    if (rows == 0)
        return ZK_OK;
    fri_permute_kernel<<<zkc_blocks(rows << a, OPEN_THREADS), OPEN_THREADS>>>(mat, src, rows, a);
    ZKC_LAUNCHED("fri_permute_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_fri_permute(zkc_arena *ar, uint32_t *mat, const uint32_t *src, size_t rows,
                               unsigned a)
{
    size_t bytes = 0;
    ZKC_TRY(fri_permute_args(mat, src, rows, a, &bytes));
    if (rows == 0)
        return ZK_OK;
    if (!ar)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_permute: NULL arena");
    zkc_scope scope(ar);
    uint32_t *ds = nullptr, *dm = nullptr;
    ZKC_TRY(upload(ar, src, bytes, &ds));
    ZKC_TRY(zkc_alloc(ar, bytes / 4, &dm));
    ZKC_TRY(zkc_fri_permute_dev(dm, ds, rows, a));
    return zkc_to_host(mat, dm, bytes);
}

// One thread per row; the arity is a template argument so that the row's 2^A
// values stay in registers.
template <unsigned A>
static __global__ void fri_fold_kernel(uint32_t *dst, const uint32_t *mat, size_t rows,
                                       uint32_t sinv, uint32_t winv, zkc_kb4 beta)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += stride)
        zkc_open_store(dst + 4 * r, zkc_fri_fold_row(mat + 4 * (r << A), A,
                                                     zkc_fri_x0_inv(sinv, winv, r), beta));
}

static int fri_fold_args(const void *dst, const void *mat, size_t rows, unsigned a,
                         const uint32_t *beta)
{
    if (a > ZKC_FRI_MAX_ARITY)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_fold: arity 2^%u (at most 2^%d)", a,
                          ZKC_FRI_MAX_ARITY);
    if (rows > (SIZE_MAX / 16) >> a)
        return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_fri_fold: %zu rows of 2^%u", rows, a);
    if (rows && (!dst || !mat || !beta))
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_fold: NULL argument");
    return ZK_OK;
}

extern "C" int zkc_fri_fold_dev(uint32_t *dst, const uint32_t *mat, size_t rows, unsigned a,
                                uint32_t sinv, uint32_t winv, const uint32_t beta[4])
{
    ZKC_TRY(fri_fold_args(dst, mat, rows, a, beta));
    if (rows == 0)
        return ZK_OK;
    unsigned blocks = zkc_blocks(rows, OPEN_THREADS);
    zkc_kb4 b = kb4_in(beta);
    switch (a) {
    case 0: fri_fold_kernel<0><<<blocks, OPEN_THREADS>>>(dst, mat, rows, sinv, winv, b); break;
    case 1: fri_fold_kernel<1><<<blocks, OPEN_THREADS>>>(dst, mat, rows, sinv, winv, b); break;
    case 2: fri_fold_kernel<2><<<blocks, OPEN_THREADS>>>(dst, mat, rows, sinv, winv, b); break;
    case 3: fri_fold_kernel<3><<<blocks, OPEN_THREADS>>>(dst, mat, rows, sinv, winv, b); break;
    default: fri_fold_kernel<4><<<blocks, OPEN_THREADS>>>(dst, mat, rows, sinv, winv, b); break;
    }
    ZKC_LAUNCHED("fri_fold_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_fri_fold(zkc_arena *ar, uint32_t *dst, const uint32_t *mat, size_t rows,
                            unsigned a, uint32_t sinv, uint32_t winv, const uint32_t beta[4])
{
    ZKC_TRY(fri_fold_args(dst, mat, rows, a, beta));
    if (rows == 0)
        return ZK_OK;
    if (!ar)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_fri_fold: NULL arena");
    zkc_scope scope(ar);
    uint32_t *dm = nullptr, *dd = nullptr;
    ZKC_TRY(upload(ar, mat, (rows << a) * 16, &dm));
    ZKC_TRY(zkc_alloc(ar, 4 * rows, &dd));
    ZKC_TRY(zkc_fri_fold_dev(dd, dm, rows, a, sinv, winv, beta));
    return zkc_to_host(dst, dd, 16 * rows);
}
