// Poseidon2 on the device: many permutations, Merkle trees laid out as mt_build
// lays them out, and the proof-of-work search.
//
// One thread holds one 16-element state in registers and runs the whole
// permutation (p2.cuh, fully unrolled); the round constants sit in __constant__
// memory, which serves a warp in one transaction because all its threads read the
// same constant at the same time. The functions are p2.cuh's, which
// tests/prover/test_cuda_host.c checks against verifier/p2.c as C; the kernels
// only add the indexing, which the gpu tests check against prover/mtree.c.
#include <atomic>

#include "prover/cuda/internal.cuh"
#include "prover/cuda/p2.cuh"

static __constant__ zkc_p2_consts c_p2;
static std::atomic<int> g_p2_ready{0};

#define P2_THREADS 128

extern "C" int zkc_p2_init(const zkc_p2_consts *k)
{
    if (!k)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_p2_init: NULL constants");
    ZKC_CHECK(cudaMemcpyToSymbol(c_p2, k, sizeof *k));
    g_p2_ready.store(1);
    return ZK_OK;
}

static int need_consts(const char *fn)
{
    if (!g_p2_ready.load())
        return zk_err_set(ZK_ERR_STATE,
                          "%s: the Poseidon2 constants are not on the device "
                          "(call zkc_p2_init first)",
                          fn);
    return ZK_OK;
}

// ---- many permutations -----------------------------------------------------------

static __global__ void permute_kernel(uint32_t *states, size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        uint4 *p = reinterpret_cast<uint4 *>(states + 16 * i);
        uint32_t s[16];
#pragma unroll
        for (int q = 0; q < 4; q++) {
            uint4 v = p[q];
            s[4 * q] = v.x;
            s[4 * q + 1] = v.y;
            s[4 * q + 2] = v.z;
            s[4 * q + 3] = v.w;
        }
        zkc_p2_permute(s, &c_p2);
#pragma unroll
        for (int q = 0; q < 4; q++)
            p[q] = make_uint4(s[4 * q], s[4 * q + 1], s[4 * q + 2], s[4 * q + 3]);
    }
}

extern "C" int zkc_p2_permute_many_dev(uint32_t *states, size_t n)
{
    ZKC_TRY(need_consts("zkc_p2_permute_many"));
    if (n == 0)
        return ZK_OK;
    if (!states)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_p2_permute_many: NULL states");
    if ((uintptr_t)states % 16 != 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_p2_permute_many: states not 16-byte aligned");
    permute_kernel<<<zkc_blocks(n, P2_THREADS), P2_THREADS>>>(states, n);
    ZKC_LAUNCHED("permute_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_p2_permute_many(zkc_arena *arena, uint32_t *states, size_t n)
{
    ZKC_TRY(need_consts("zkc_p2_permute_many"));
    if (n == 0)
        return ZK_OK;
    if (!arena || !states)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_p2_permute_many: NULL %s",
                          arena ? "states" : "arena");
    if (n > SIZE_MAX / 64)
        return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_p2_permute_many: %zu states", n);
    zkc_scope scope(arena);
    uint32_t *d = nullptr;
    ZKC_TRY(zkc_alloc(arena, 16 * n, &d));
    ZKC_TRY(zkc_to_device(d, states, 64 * n));
    ZKC_TRY(zkc_p2_permute_many_dev(d, n));
    return zkc_to_host(states, d, 64 * n);
}

// ---- Merkle trees ----------------------------------------------------------------

// Level l of the tree: 2^l digests at dst, one thread per node. MODE 0: leaves
// (the leaf hash of the rows), 1: compress(children), 2: that and the rows of
// height 2^l injected; all three are zkc_mt_node (p2.cuh, the function
// test_cuda_host runs on the host), split by mode so that the common kernels do
// not carry the registers of the others' paths.
template <int MODE>
static __global__ void level_kernel(uint32_t *dst, const uint32_t *child, const zkc_mt_mat *mats,
                                    unsigned nmats, unsigned l)
{
    size_t nodes = (size_t)1 << l, stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < nodes; i += stride) {
        uint32_t out[8];
        if (MODE == 1) {
            uint32_t s[16];
            const uint4 *c = reinterpret_cast<const uint4 *>(child + 16 * i);
#pragma unroll
            for (int q = 0; q < 4; q++) {
                uint4 v = c[q];
                s[4 * q] = v.x;
                s[4 * q + 1] = v.y;
                s[4 * q + 2] = v.z;
                s[4 * q + 3] = v.w;
            }
            zkc_p2_permute(s, &c_p2);
#pragma unroll
            for (int q = 0; q < 8; q++)
                out[q] = s[q];
        } else {
            zkc_mt_node(out, MODE == 0 ? nullptr : child, mats, nmats, l, i, MODE == 2, &c_p2);
        }
        uint4 *o = reinterpret_cast<uint4 *>(dst + 8 * i);
        o[0] = make_uint4(out[0], out[1], out[2], out[3]);
        o[1] = make_uint4(out[4], out[5], out[6], out[7]);
    }
}

extern "C" size_t zkc_mt_nodes_len(unsigned d, unsigned cap_log)
{
    if (cap_log > d || d > 40)
        return 0;
    return ((size_t)2 << d) - ((size_t)1 << cap_log);
}

// The tree's log height, and checks that keep the kernels in bounds.
static int mt_shape(const zkc_matrix *mats, size_t nmats, unsigned cap_log, unsigned *d_out)
{
    if (!mats || nmats == 0 || nmats > 256)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_mt_digests: %zu matrices, want 1..256",
                          mats ? nmats : 0);
    unsigned d = 0;
    for (size_t k = 0; k < nmats; k++) {
        uint64_t h = mats[k].height;
        if (!mats[k].data || h == 0 || (h & (h - 1)) != 0 || mats[k].width == 0)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "zkc_mt_digests: matrix %zu: NULL data, zero width or a height "
                              "(%llu) that is not a power of two",
                              k, (unsigned long long)h);
        unsigned l = (unsigned)__builtin_ctzll(h);
        if (l > 40)
            return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_mt_digests: matrix %zu has 2^%u rows", k, l);
        if (l < cap_log)
            return zk_err_set(ZK_ERR_INVALID_ARG,
                              "zkc_mt_digests: matrix %zu has 2^%u rows, below the cap's 2^%u", k,
                              l, cap_log);
        if (l > d)
            d = l;
    }
    *d_out = d;
    return ZK_OK;
}

// The checks both forms of zkc_mt_digests make: the constants are loaded, the
// matrices have a tree shape (mt_shape), and nodes has room for exactly the tree.
static int mt_args(const zkc_arena *arena, const uint32_t *nodes, size_t nodes_len,
                   const zkc_matrix *mats, size_t nmats, unsigned cap_log, unsigned *d,
                   size_t *want)
{
    ZKC_TRY(need_consts("zkc_mt_digests"));
    ZKC_TRY(mt_shape(mats, nmats, cap_log, d));
    if (!arena || !nodes)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_mt_digests: NULL %s", arena ? "nodes" : "arena");
    *want = zkc_mt_nodes_len(*d, cap_log);
    if (nodes_len != *want)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "zkc_mt_digests: room for %zu digests, the tree has %zu", nodes_len,
                          *want);
    return ZK_OK;
}

extern "C" int zkc_mt_digests_dev(zkc_arena *arena, uint32_t *nodes, size_t nodes_len,
                                  const zkc_matrix *mats, size_t nmats, unsigned cap_log)
{
    unsigned d = 0;
    size_t want = 0;
    ZKC_TRY(mt_args(arena, nodes, nodes_len, mats, nmats, cap_log, &d, &want));
    if ((uintptr_t)nodes % 16 != 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_mt_digests: nodes not 16-byte aligned");
    zkc_mt_mat host[256];
    bool has[41] = {false};
    for (size_t k = 0; k < nmats; k++) {
        host[k].data = mats[k].data;
        host[k].width = mats[k].width;
        host[k].log_height = (unsigned)__builtin_ctzll(mats[k].height);
        has[host[k].log_height] = true;
    }
    zkc_scope scope(arena);
    zkc_mt_mat *dm = nullptr;
    ZKC_TRY(zkc_alloc(arena, nmats, &dm));
    ZKC_CHECK(cudaMemcpy(dm, host, nmats * sizeof(zkc_mt_mat), cudaMemcpyHostToDevice));
    for (unsigned l = d + 1; l-- > cap_log;) {
        uint32_t *dst = nodes + 8 * zkc_mt_level_offset(d, l);
        const uint32_t *child = l == d ? nullptr : nodes + 8 * zkc_mt_level_offset(d, l + 1);
        size_t cnt = (size_t)1 << l;
        unsigned blocks = zkc_blocks(cnt, P2_THREADS);
        if (l == d)
            level_kernel<0><<<blocks, P2_THREADS>>>(dst, child, dm, (unsigned)nmats, l);
        else if (has[l])
            level_kernel<2><<<blocks, P2_THREADS>>>(dst, child, dm, (unsigned)nmats, l);
        else
            level_kernel<1><<<blocks, P2_THREADS>>>(dst, child, dm, (unsigned)nmats, l);
        ZKC_LAUNCHED("level_kernel");
    }
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_mt_digests(zkc_arena *arena, uint32_t *nodes, size_t nodes_len,
                              const zkc_matrix *mats, size_t nmats, unsigned cap_log)
{
    unsigned d = 0;
    size_t want = 0;
    ZKC_TRY(mt_args(arena, nodes, nodes_len, mats, nmats, cap_log, &d, &want));
    zkc_scope scope(arena);
    zkc_matrix dev[256];
    for (size_t k = 0; k < nmats; k++) {
        uint64_t h = mats[k].height, w = mats[k].width;
        if (w > (SIZE_MAX / 4) / h)
            return zk_err_set(ZK_ERR_TOO_LARGE, "zkc_mt_digests: matrix %zu is too large", k);
        uint32_t *p = nullptr;
        ZKC_TRY(zkc_alloc(arena, (size_t)(h * w), &p));
        ZKC_TRY(zkc_to_device(p, mats[k].data, (size_t)(h * w) * 4));
        dev[k] = mats[k];
        dev[k].data = p;
    }
    uint32_t *dn = nullptr;
    ZKC_TRY(zkc_alloc(arena, 8 * want, &dn));
    ZKC_TRY(zkc_mt_digests_dev(arena, dn, want, dev, nmats, cap_log));
    return zkc_to_host(nodes, dn, 32 * want);
}

// ---- proof of work ---------------------------------------------------------------

struct pow_base {
    uint32_t s[16];
};

static __global__ void pow_kernel(pow_base base, unsigned slot, unsigned bits, uint32_t start,
                                  uint32_t count, uint32_t *best)
{
    uint32_t stride = gridDim.x * blockDim.x;
    for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
        uint32_t nonce = start + i;
        if (nonce >= *(volatile uint32_t *)best) // a smaller one is already known
            return;
        if (zkc_pow_try(base.s, slot, nonce, bits, &c_p2))
            atomicMin(best, nonce);
    }
}

// Rounds of consecutive nonce ranges, each searched completely before the next
// starts, and atomicMin within a round: the first round with a hit gives the
// smallest valid nonce, whatever the order in which threads ran.
extern "C" int zkc_pow_search(const uint32_t base[16], unsigned slot, unsigned bits,
                              uint32_t *nonce)
{
    ZKC_TRY(need_consts("zkc_pow_search"));
    if (!base || !nonce)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_pow_search: NULL %s", base ? "nonce" : "base");
    if (bits > 30 || slot >= ZKC_P2_RATE)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_pow_search: %u bits (at most 30), slot %u", bits,
                          slot);
    pow_base b;
    for (int i = 0; i < 16; i++)
        b.s[i] = base[i];
    uint32_t *best = nullptr;
    ZKC_CHECK(cudaMalloc(reinterpret_cast<void **>(&best), sizeof *best));
    uint32_t found = UINT32_MAX;
    int rc = ZK_OK;
    cudaError_t e = cudaMemcpy(best, &found, sizeof found, cudaMemcpyHostToDevice);
    if (e != cudaSuccess)
        rc = zkc_cuda_fail(e, "cudaMemcpy(pow best)");
    uint64_t start = 0, round = 1u << 16;
    while (rc == ZK_OK && start < ZKC_P) {
        uint32_t count = (uint32_t)(start + round <= ZKC_P ? round : ZKC_P - start);
        pow_kernel<<<zkc_blocks(count, P2_THREADS), P2_THREADS>>>(b, slot, bits, (uint32_t)start,
                                                                  count, best);
        e = cudaGetLastError();
        if (e == cudaSuccess)
            e = cudaMemcpy(&found, best, sizeof found, cudaMemcpyDeviceToHost);
        if (e != cudaSuccess) {
            rc = zkc_cuda_fail(e, "pow_kernel");
            break;
        }
        if (found != UINT32_MAX)
            break;
        start += count;
        if (round < (1u << 26))
            round <<= 1;
    }
    cudaFree(best);
    if (rc)
        return rc;
    if (found == UINT32_MAX)
        return zk_err_set(ZK_ERR_NOT_FOUND, "proof of work: no nonce below p gives %u zero bits",
                          bits);
    *nonce = found;
    return ZK_OK;
}
