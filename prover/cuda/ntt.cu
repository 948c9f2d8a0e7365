// Batched NTT, coset NTT and LDE on the device, with the conventions of
// prover/ntt.h (same roots, same orders, 1/n in the inverse).
//
// Why the values equal the CPU's: a transform's output is a fixed set of field
// values (the evaluations of each column's polynomial at fixed points), and every
// field operation here returns the unique reduced Montgomery representative, as
// verifier/kb.h does; so any correct evaluation order gives the same bits. We
// still use the CPU's decomposition (radix-2 DIF natural -> bit-reversed, DIT
// bit-reversed -> natural, the same twiddle table layout) so that the two are
// easy to compare step by step.
//
// Twiddles: a layer whose butterflies pair elements i and i + h uses
// tw[h + (i mod h)] = w_2h^(i mod h); one table of 2^max_log entries serves every
// size (tw[h .. 2h) is that layer's slice). It is computed on the device once per
// plan, forward and inverse.
//
// Decomposition: a column of n = 2^L elements goes through a few passes, each a
// kernel that applies k consecutive layers (log h in [a, a + k)) entirely in
// shared memory. For those layers an element i = hi * 2^(a+k) + mid * 2^a + lo
// only meets elements with the same (hi, lo): a "group" of 2^k elements at stride
// 2^a. A thread block loads a tile of S = 2^TILE_LOG elements made of
// G = S / 2^k groups, chosen so that global accesses come in runs of
// min(G, 2^a) consecutive elements: with G >= 8 every 32-byte sector is used whole,
// and the last pass of a DIF (a = 0) reads one contiguous tile. With
// TILE_LOG = 13 (32 KiB of shared memory) a transform of 2^22 takes 2 passes and
// one of 2^24 three, i.e. the data crosses device memory 2-3 times.
//
// Row-major batches (element (i, c) at i * cols + c) are transformed where they lie:
// a tile then holds the same rows of 8 consecutive columns (runs of 32 bytes), so
// 2^10 rows per tile and no transpose; 2^20 rows take 2 passes, 2^22 three.
#include <cstdio>
#include <cstring>
#include <new>

#include "prover/cuda/internal.cuh"
#include "prover/cuda/kb.cuh"
#include "prover/cuda/ntt.cuh"

#define TILE_LOG    ZKC_NTT_TILE_LOG
#define MIN_RUN_LOG ZKC_NTT_MIN_RUN_LOG

// Tests lower the tile size to reach many passes and every tile shape on small
// sizes (zkc_ntt_set_tile_log); the values are the same for every tile size.
static unsigned g_tile_log = TILE_LOG;

extern "C" unsigned zkc_ntt_set_tile_log(unsigned tile_log)
{
    unsigned old = g_tile_log;
    if (tile_log == 0 || tile_log > TILE_LOG)
        tile_log = TILE_LOG;
    g_tile_log = tile_log < MIN_RUN_LOG + 1 ? MIN_RUN_LOG + 1 : tile_log;
    return old;
}

struct zkc_ntt_plan {
    unsigned max_log;
    uint32_t *fwd; // fwd[h + j] = w_2h^j, h = 1, 2, ..., 2^(max_log-1), j < h
    uint32_t *inv; // inv[h + j] = w_2h^-j
};

// ---- twiddle tables ------------------------------------------------------------

static __global__ void twiddle_kernel(uint32_t *fwd, uint32_t *inv, size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += stride) {
        fwd[idx] = zkc_twiddle(idx, 0);
        inv[idx] = zkc_twiddle(idx, 1);
    }
}

extern "C" int zkc_ntt_plan_new(zkc_ntt_plan **out, unsigned max_log_n)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_ntt_plan_new: NULL out");
    *out = nullptr;
    if (max_log_n > ZKC_TWO_ADIC)
        return zk_err_set(ZK_ERR_RANGE, "zkc_ntt_plan_new: log size %u exceeds %d", max_log_n,
                          ZKC_TWO_ADIC);
    zkc_ntt_plan *p = new (std::nothrow) zkc_ntt_plan;
    if (!p)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_ntt_plan_new");
    p->max_log = max_log_n;
    p->fwd = p->inv = nullptr;
    size_t n = (size_t)1 << max_log_n;
    int rc = ZK_OK;
    cudaError_t e = cudaMalloc(reinterpret_cast<void **>(&p->fwd), n * sizeof(uint32_t));
    if (e == cudaSuccess)
        e = cudaMalloc(reinterpret_cast<void **>(&p->inv), n * sizeof(uint32_t));
    if (e != cudaSuccess) {
        rc = zkc_cuda_fail(e, "cudaMalloc(twiddles)");
    } else {
        twiddle_kernel<<<zkc_blocks(n, 256), 256>>>(p->fwd, p->inv, n);
        e = cudaGetLastError();
        if (e == cudaSuccess)
            e = cudaDeviceSynchronize();
        if (e != cudaSuccess)
            rc = zkc_cuda_fail(e, "twiddle_kernel");
    }
    if (rc) {
        zkc_ntt_plan_free(p);
        return rc;
    }
    *out = p;
    return ZK_OK;
}

extern "C" void zkc_ntt_plan_free(zkc_ntt_plan *plan)
{
    if (!plan)
        return;
    cudaFree(plan->fwd);
    cudaFree(plan->inv);
    delete plan;
}

extern "C" unsigned zkc_ntt_plan_max_log(const zkc_ntt_plan *plan)
{
    return plan ? plan->max_log : 0;
}

// ---- the pass kernel -----------------------------------------------------------

// Where element (row i, column c) of a batch of cols columns of 2^L lives.
struct zkc_layout {
    int row_major; // element (i, c) at i * cols + c, else at c * 2^L + i
    unsigned L;    // log of the rows (the transform size)
    size_t cols;   // columns
    __host__ __device__ size_t at(size_t i, size_t c) const
    {
        return row_major ? i * cols + c : (c << L) + i;
    }
};

// Where the first pass of a run reads its input (the later passes read what the
// previous one wrote). p == NULL: the data itself, in place. Otherwise row i of the
// run reads row i >> lb of p (in layout ly), times c0 * s^e when pow_lo is set, with
// e that row or its bit-reversal in ly.L bits and s^e = pow_lo[e mod 2^12] *
// pow_hi[e >> 12]. This folds an LDE's copy, scaling and expansion, and a coset
// NTT's scaling, into the first pass instead of passes of their own.
struct zkc_src {
    const uint32_t *p;
    zkc_layout ly;
    unsigned lb;
    const uint32_t *pow_lo, *pow_hi;
    uint32_t c0;
    int brev;
};

#define POW_SPLIT 12

// One pass over a batch: layers log h = a + j for j in [0, k), DIF (j descending)
// or DIT (j ascending), on tiles laid out as ntt.cuh describes (2^rt_log rows of
// 2^cw_log consecutive columns). Block b works on column chunk b / tiles and row
// tile b % tiles. Each element is multiplied by `scale` as it is stored when
// scale != 1 (the 1/n of an inverse transform, done in the last pass).
template <bool DIT>
static __global__ void pass_kernel(uint32_t *data, const uint32_t *tw, zkc_layout ly, unsigned a,
                                   unsigned k, unsigned rt_log, unsigned cw_log, uint32_t scale,
                                   zkc_src src)
{
    extern __shared__ uint32_t sh[];
    const unsigned S = 1u << (rt_log + cw_log);
    const size_t tiles = ((size_t)1 << ly.L) >> rt_log;
    const size_t col0 = (blockIdx.x / tiles) << cw_log;
    const zkc_tile tl = zkc_ntt_tile(blockIdx.x % tiles, a, k, rt_log);
    for (unsigned s = threadIdx.x; s < S; s += blockDim.x) {
        unsigned cc;
        size_t i = zkc_ntt_slot_row(&tl, s, a, k, cw_log, &cc);
        if (col0 + cc >= ly.cols)
            continue;
        if (!src.p) {
            sh[s] = data[ly.at(i, col0 + cc)];
            continue;
        }
        size_t r = i >> src.lb;
        uint32_t v = src.p[src.ly.at(r, col0 + cc)];
        if (src.pow_lo) {
            uint32_t e = src.brev ? zkc_bitrev((uint32_t)r, src.ly.L) : (uint32_t)r;
            uint32_t f =
                zkc_mul(src.pow_lo[e & ((1u << POW_SPLIT) - 1)], src.pow_hi[e >> POW_SPLIT]);
            v = zkc_mul(v, zkc_mul(f, src.c0));
        }
        sh[s] = v;
    }
    __syncthreads();
    for (unsigned step = 0; step < k; step++) {
        unsigned j = DIT ? step : k - 1 - step;
        for (unsigned b = threadIdx.x; b < S / 2; b += blockDim.x) {
            unsigned s0, s1;
            uint64_t ti;
            zkc_ntt_bfly_cw(&tl, b, j, a, cw_log, &s0, &s1, &ti);
            if (DIT)
                zkc_bfly_dit(&sh[s0], &sh[s1], tw[ti]);
            else
                zkc_bfly_dif(&sh[s0], &sh[s1], tw[ti]);
        }
        __syncthreads();
    }
    for (unsigned s = threadIdx.x; s < S; s += blockDim.x) {
        unsigned cc;
        size_t i = zkc_ntt_slot_row(&tl, s, a, k, cw_log, &cc);
        if (col0 + cc < ly.cols)
            data[ly.at(i, col0 + cc)] = scale == ZKC_ONE ? sh[s] : zkc_mul(sh[s], scale);
    }
}

// Runs layers log h in [lo, hi) of a DIF (dit = 0) or DIT (dit = 1) over the
// batch, the first pass reading from src (NULL: in place), multiplying by `scale`
// in the last pass.
static int run_layers(uint32_t *data, const uint32_t *tw, zkc_layout ly, unsigned lo, unsigned hi,
                      bool dit, uint32_t scale, const zkc_src *src)
{
    if (lo >= hi && scale == ZKC_ONE && !src)
        return ZK_OK;
    // With no layer (n = 1, or an LDE with nothing to add) one pass of zero layers
    // still reads src and applies the scaling.
    zkc_ntt_launch g;
    zkc_ntt_launch_of(&g, ly.L, ly.row_major, ly.cols, lo, hi, g_tile_log);
    if (g.blocks > ZKC_LIMIT_GRID_X)
        return zk_err_set(ZK_ERR_TOO_LARGE, "ntt: %llu tiles exceed one grid",
                          (unsigned long long)g.blocks);
    zkc_src none;
    memset(&none, 0, sizeof none);
    // DIF goes from the widest layers down, DIT from the narrowest up.
    for (unsigned q = 0; q < g.np; q++) {
        unsigned idx = dit ? q : g.np - 1 - q;
        uint32_t sc = q == g.np - 1 ? scale : ZKC_ONE;
        zkc_src in = q == 0 && src ? *src : none;
        if (dit)
            pass_kernel<true><<<(unsigned)g.blocks, g.threads, g.smem>>>(
                data, tw, ly, g.a[idx], g.k[idx], g.rt_log, g.cw_log, sc, in);
        else
            pass_kernel<false><<<(unsigned)g.blocks, g.threads, g.smem>>>(
                data, tw, ly, g.a[idx], g.k[idx], g.rt_log, g.cw_log, sc, in);
        ZKC_LAUNCHED("ntt pass_kernel");
    }
    return ZK_OK;
}

// ---- element-wise kernels -------------------------------------------------------

// Row and column of element g of the batch (g in storage order).
static __device__ __forceinline__ void split(const zkc_layout &ly, size_t g, size_t *i, size_t *c)
{
    if (ly.row_major) {
        *i = g / ly.cols;
        *c = g - *i * ly.cols;
    } else {
        *i = g & (((size_t)1 << ly.L) - 1);
        *c = g >> ly.L;
    }
}

// In-place bit-reversal of the rows of each column (swaps i < bitrev(i)).
static __global__ void bitrev_kernel(uint32_t *data, zkc_layout ly)
{
    size_t total = ly.cols << ly.L, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t g = (size_t)blockIdx.x * blockDim.x + threadIdx.x; g < total; g += stride) {
        size_t i, c;
        split(ly, g, &i, &c);
        size_t j = zkc_bitrev((uint32_t)i, ly.L);
        if (i < j) {
            uint32_t t = data[ly.at(i, c)];
            data[ly.at(i, c)] = data[ly.at(j, c)];
            data[ly.at(j, c)] = t;
        }
    }
}

static int bitrev_rows(uint32_t *data, zkc_layout ly)
{
    if (ly.L == 0)
        return ZK_OK;
    bitrev_kernel<<<zkc_blocks(ly.cols << ly.L, 256), 256>>>(data, ly);
    ZKC_LAUNCHED("bitrev_kernel");
    return ZK_OK;
}

// Powers of s by two tables: s^e = lo[e & 4095] * hi[e >> 12] for e < 2^24.
static __global__ void powtab_kernel(uint32_t *lo, uint32_t *hi, uint32_t s)
{
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < (1u << POW_SPLIT)) {
        lo[i] = zkc_pow(s, i);
        hi[i] = zkc_pow(s, (uint64_t)i << POW_SPLIT);
    }
}

// Row i of every column times c0 * s^e(i), e(i) = i or bitrev_L(i).
static __global__ void scale_pow_kernel(uint32_t *data, zkc_layout ly, uint32_t c0,
                                        const uint32_t *lo, const uint32_t *hi, int brev)
{
    size_t total = ly.cols << ly.L, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t g = (size_t)blockIdx.x * blockDim.x + threadIdx.x; g < total; g += stride) {
        size_t i, c;
        split(ly, g, &i, &c);
        uint32_t e = brev ? zkc_bitrev((uint32_t)i, ly.L) : (uint32_t)i;
        uint32_t f = zkc_mul(lo[e & ((1u << POW_SPLIT) - 1)], hi[e >> POW_SPLIT]);
        data[g] = zkc_mul(data[g], zkc_mul(f, c0));
    }
}

// The power tables of s, from the arena (they live as long as the caller's scope).
static int pow_tables(zkc_arena *arena, uint32_t s, uint32_t **lo, uint32_t **hi)
{
    ZKC_TRY(zkc_alloc(arena, (size_t)1 << POW_SPLIT, lo));
    ZKC_TRY(zkc_alloc(arena, (size_t)1 << POW_SPLIT, hi));
    powtab_kernel<<<(1u << POW_SPLIT) / 256, 256>>>(*lo, *hi, s);
    ZKC_LAUNCHED("powtab_kernel");
    return ZK_OK;
}

static int scale_pow(zkc_arena *arena, uint32_t *data, zkc_layout ly, uint32_t c0, uint32_t s,
                     int brev)
{
    zkc_scope scope(arena);
    uint32_t *lo = nullptr, *hi = nullptr;
    ZKC_TRY(pow_tables(arena, s, &lo, &hi));
    scale_pow_kernel<<<zkc_blocks(ly.cols << ly.L, 256), 256>>>(data, ly, c0, lo, hi, brev);
    ZKC_LAUNCHED("scale_pow_kernel");
    // The tables are released when scope ends; kernels on the default stream run in
    // order, so a later allocation cannot be written before this kernel has run.
    return ZK_OK;
}

// ---- entry points ------------------------------------------------------------------

static int check(const zkc_ntt_plan *plan, const void *data, unsigned log_n, size_t cols,
                 int layout, const char *fn)
{
    if (!plan || !data)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL %s", fn, plan ? "data" : "plan");
    if (cols == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: zero columns", fn);
    if (layout != ZKC_COL_MAJOR && layout != ZKC_ROW_MAJOR)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: unknown layout %d", fn, layout);
    if (log_n > plan->max_log)
        return zk_err_set(ZK_ERR_RANGE, "%s: log size %u exceeds the plan's %u", fn, log_n,
                          plan->max_log);
    if (cols > ((SIZE_MAX / sizeof(uint32_t)) >> log_n) || (cols << log_n) > ((size_t)1 << 40))
        return zk_err_set(ZK_ERR_RANGE, "%s: %zu columns of 2^%u elements are too many", fn, cols,
                          log_n);
    return ZK_OK;
}

static int check_order(int o, const char *fn)
{
    if (o != ZKC_NATURAL && o != ZKC_BITREV)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: unknown order %d", fn, o);
    return ZK_OK;
}

static uint32_t inv_pow2(unsigned L)
{
    return zkc_pow(zkc_from_canonical((ZKC_P + 1) / 2), L);
}

static zkc_layout layout_of(int layout, unsigned L, size_t cols)
{
    zkc_layout ly;
    ly.row_major = layout == ZKC_ROW_MAJOR && cols > 1;
    ly.L = L;
    ly.cols = cols;
    return ly;
}

// A whole transform of the batch, in place: DIF for natural input, DIT for
// bit-reversed input (as ntt.c), a bit-reversal when the other order is wanted.
// The first pass reads from src when given.
static int ntt_batch(const zkc_ntt_plan *plan, uint32_t *d, zkc_layout ly, int in, int out,
                     int inverse, const zkc_src *src)
{
    const uint32_t *tw = inverse ? plan->inv : plan->fwd;
    uint32_t scale = inverse ? inv_pow2(ly.L) : ZKC_ONE;
    if (in == ZKC_NATURAL) {
        ZKC_TRY(run_layers(d, tw, ly, 0, ly.L, false, scale, src));
        if (out == ZKC_NATURAL)
            ZKC_TRY(bitrev_rows(d, ly));
    } else {
        ZKC_TRY(run_layers(d, tw, ly, 0, ly.L, true, scale, src));
        if (out == ZKC_BITREV)
            ZKC_TRY(bitrev_rows(d, ly));
    }
    return ZK_OK;
}

extern "C" int zkc_ntt_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data,
                           unsigned log_n, size_t cols, int layout, int in_order, int out_order,
                           int inverse)
{
    (void)arena; // no scratch: both layouts are transformed where they lie
    const char *fn = inverse ? "zkc_ntt(inverse)" : "zkc_ntt(forward)";
    ZKC_TRY(check(plan, data, log_n, cols, layout, fn));
    ZKC_TRY(check_order(in_order, fn));
    ZKC_TRY(check_order(out_order, fn));
    ZKC_TRY(ntt_batch(plan, data, layout_of(layout, log_n, cols), in_order, out_order, inverse,
                      nullptr));
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_ntt_coset_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data,
                                 unsigned log_n, size_t cols, int layout, uint32_t shift, int order,
                                 int inverse)
{
    const char *fn = inverse ? "zkc_ntt_coset(inverse)" : "zkc_ntt_coset(forward)";
    ZKC_TRY(check(plan, data, log_n, cols, layout, fn));
    ZKC_TRY(check_order(order, fn));
    if (!arena)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL arena", fn);
    if (shift == 0 || shift >= ZKC_P)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: shift is zero or not reduced", fn);
    zkc_layout ly = layout_of(layout, log_n, cols);
    if (!inverse) {
        // coefficient i times shift^i as the first pass reads it
        zkc_scope scope(arena);
        uint32_t *plo = nullptr, *phi = nullptr;
        ZKC_TRY(pow_tables(arena, shift, &plo, &phi));
        zkc_src src;
        src.p = data;
        src.ly = ly;
        src.lb = 0;
        src.pow_lo = plo;
        src.pow_hi = phi;
        src.c0 = ZKC_ONE;
        src.brev = 0;
        ZKC_TRY(ntt_batch(plan, data, ly, ZKC_NATURAL, order, 0, &src));
        ZKC_CHECK(cudaDeviceSynchronize());
        return ZK_OK;
    }
    ZKC_TRY(ntt_batch(plan, data, ly, order, ZKC_NATURAL, 1, nullptr));
    ZKC_TRY(scale_pow(arena, data, ly, ZKC_ONE, zkc_inv(shift), 0));
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

// The LDE of in (2^L rows) into out (2^(L+lb) rows), as ntt.c's lde_one: an
// inverse DIF gives the coefficients in bit-reversed order (row i holds
// c_bitrev(i)); each is scaled by shift^bitrev(i) / n. A DIT of size N wants
// coefficient j at bitrev_N(j) = bitrev_n(j) * 2^lb with zeros elsewhere; its first
// lb layers would only copy each coefficient across its block of 2^lb rows (the
// other inputs are zero), so the block is filled with copies and those layers are
// skipped. The copy of in, the scaling and the filling are all done by the first
// pass of each transform as it reads (zkc_src): v is written once by the inverse
// transform's first pass and out once by the forward transform's first pass.
static int lde_batch(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out, const uint32_t *in,
                     int layout, unsigned L, unsigned lb, size_t cols, uint32_t shift)
{
    zkc_scope scope(arena);
    zkc_layout lo_ly = layout_of(layout, L, cols), hi_ly = layout_of(layout, L + lb, cols);
    uint32_t *v = nullptr, *plo = nullptr, *phi = nullptr;
    ZKC_TRY(zkc_alloc(arena, cols << L, &v));
    ZKC_TRY(pow_tables(arena, shift, &plo, &phi));
    zkc_src copy;
    memset(&copy, 0, sizeof copy);
    copy.p = in;
    copy.ly = lo_ly;
    ZKC_TRY(run_layers(v, plan->inv, lo_ly, 0, L, false, ZKC_ONE, &copy));
    zkc_src expand;
    expand.p = v;
    expand.ly = lo_ly;
    expand.lb = lb;
    expand.pow_lo = plo;
    expand.pow_hi = phi;
    expand.c0 = inv_pow2(L);
    expand.brev = 1;
    ZKC_TRY(run_layers(out, plan->fwd, hi_ly, lb, L + lb, true, ZKC_ONE, &expand));
    ZKC_CHECK(cudaDeviceSynchronize()); // v and the tables are released when scope ends
    return ZK_OK;
}

extern "C" int zkc_lde_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out,
                           const uint32_t *in, unsigned log_n, unsigned log_blowup, size_t cols,
                           int layout, uint32_t shift)
{
    const char *fn = "zkc_lde";
    ZKC_TRY(check(plan, in, log_n, cols, layout, fn));
    if (!out || !arena)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL %s", fn, out ? "arena" : "out");
    if (log_blowup > plan->max_log || log_n > plan->max_log - log_blowup)
        return zk_err_set(ZK_ERR_RANGE, "%s: extended log size %u + %u exceeds the plan's %u", fn,
                          log_n, log_blowup, plan->max_log);
    ZKC_TRY(check(plan, out, log_n + log_blowup, cols, layout, fn));
    if (shift == 0 || shift >= ZKC_P)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: shift is zero or not reduced", fn);
    size_t in_len = cols << log_n, out_len = cols << (log_n + log_blowup);
    if ((uintptr_t)out < (uintptr_t)(in + in_len) && (uintptr_t)in < (uintptr_t)(out + out_len))
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: out overlaps in", fn);
    return lde_batch(plan, arena, out, in, layout, log_n, log_blowup, cols, shift);
}

// ---- host-pointer variants -------------------------------------------------------

extern "C" int zkc_ntt(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                       size_t cols, int layout, int in_order, int out_order, int inverse)
{
    ZKC_TRY(check(plan, data, log_n, cols, layout, "zkc_ntt"));
    if (!arena)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_ntt: NULL arena");
    zkc_scope scope(arena);
    size_t bytes = (cols << log_n) * sizeof(uint32_t);
    uint32_t *d = nullptr;
    ZKC_TRY(zkc_alloc(arena, cols << log_n, &d));
    ZKC_TRY(zkc_to_device(d, data, bytes));
    ZKC_TRY(zkc_ntt_dev(plan, arena, d, log_n, cols, layout, in_order, out_order, inverse));
    return zkc_to_host(data, d, bytes);
}

extern "C" int zkc_ntt_coset(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data,
                             unsigned log_n, size_t cols, int layout, uint32_t shift, int order,
                             int inverse)
{
    ZKC_TRY(check(plan, data, log_n, cols, layout, "zkc_ntt_coset"));
    if (!arena)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_ntt_coset: NULL arena");
    zkc_scope scope(arena);
    size_t bytes = (cols << log_n) * sizeof(uint32_t);
    uint32_t *d = nullptr;
    ZKC_TRY(zkc_alloc(arena, cols << log_n, &d));
    ZKC_TRY(zkc_to_device(d, data, bytes));
    ZKC_TRY(zkc_ntt_coset_dev(plan, arena, d, log_n, cols, layout, shift, order, inverse));
    return zkc_to_host(data, d, bytes);
}

extern "C" int zkc_lde(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out,
                       const uint32_t *in, unsigned log_n, unsigned log_blowup, size_t cols,
                       int layout, uint32_t shift)
{
    ZKC_TRY(check(plan, in, log_n, cols, layout, "zkc_lde"));
    if (!arena || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_lde: NULL %s", arena ? "out" : "arena");
    if (log_blowup > plan->max_log || log_n > plan->max_log - log_blowup)
        return zk_err_set(ZK_ERR_RANGE, "zkc_lde: extended log size %u + %u exceeds the plan's %u",
                          log_n, log_blowup, plan->max_log);
    zkc_scope scope(arena);
    size_t in_len = cols << log_n, out_len = cols << (log_n + log_blowup);
    uint32_t *di = nullptr, *dout = nullptr;
    ZKC_TRY(zkc_alloc(arena, in_len, &di));
    ZKC_TRY(zkc_alloc(arena, out_len, &dout));
    ZKC_TRY(zkc_to_device(di, in, in_len * sizeof(uint32_t)));
    ZKC_TRY(zkc_lde_dev(plan, arena, dout, di, log_n, log_blowup, cols, layout, shift));
    return zkc_to_host(out, dout, out_len * sizeof(uint32_t));
}
