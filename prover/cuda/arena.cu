// The device arena, pinned host memory, transfers and the device figures the
// benchmarks compare against.
#include <cstdio>
#include <new>

#include "prover/cuda/internal.cuh"

int zkc_cuda_fail(cudaError_t e, const char *what)
{
    cudaGetLastError(); // clear a non-sticky error so later calls are not blamed
    if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
        e == cudaErrorInitializationError)
        return zk_err_set(ZK_ERR_NO_DEVICE, "%s failed: %s", what, cudaGetErrorString(e));
    if (e == cudaErrorMemoryAllocation)
        return zk_err_set(ZK_ERR_NOMEM, "%s failed: %s", what, cudaGetErrorString(e));
    return zk_err_set(ZK_ERR_DEVICE, "%s failed: %s", what, cudaGetErrorString(e));
}

#define ARENA_ALIGN ((size_t)256)

extern "C" int zkc_arena_new(zkc_arena **out, size_t bytes)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_new: NULL out");
    *out = nullptr;
    if (bytes == 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_new: zero bytes");
    size_t free_b = 0, total_b = 0;
    ZKC_CHECK(cudaMemGetInfo(&free_b, &total_b));
    if (bytes > free_b)
        return zk_err_set(ZK_ERR_NOMEM,
                          "device arena of %zu bytes does not fit: the device has %zu bytes free "
                          "of %zu",
                          bytes, free_b, total_b);
    zkc_arena *a = new (std::nothrow) zkc_arena;
    if (!a)
        return zk_err_set(ZK_ERR_NOMEM, "zkc_arena_new");
    a->size = bytes;
    a->used = 0;
    a->high = 0;
    a->base = nullptr;
    cudaError_t e = cudaMalloc(reinterpret_cast<void **>(&a->base), bytes);
    if (e != cudaSuccess) {
        delete a;
        return zkc_cuda_fail(e, "cudaMalloc(arena)");
    }
    *out = a;
    return ZK_OK;
}

extern "C" void zkc_arena_free(zkc_arena *a)
{
    if (!a)
        return;
    cudaFree(a->base); // nothing to report to: the memory is gone either way
    delete a;
}

extern "C" void zkc_arena_reset(zkc_arena *a)
{
    if (a)
        a->used = 0;
}

extern "C" size_t zkc_arena_size(const zkc_arena *a)
{
    return a ? a->size : 0;
}

extern "C" size_t zkc_arena_used(const zkc_arena *a)
{
    return a ? a->used : 0;
}

extern "C" int zkc_arena_alloc(zkc_arena *a, size_t bytes, void **out)
{
    if (!a || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_alloc: NULL %s", a ? "out" : "arena");
    *out = nullptr;
    size_t avail = a->size - a->used;
    size_t need = bytes > SIZE_MAX - (ARENA_ALIGN - 1)
                      ? SIZE_MAX
                      : (bytes + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (need > avail)
        return zk_err_set(ZK_ERR_NOMEM,
                          "device arena: %zu bytes needed, %zu available (%zu of %zu in use); "
                          "make the arena larger or the work smaller",
                          bytes, avail, a->used, a->size);
    *out = a->base + a->used;
    a->used += need;
    if (a->used > a->high)
        a->high = a->used;
    return ZK_OK;
}

extern "C" size_t zkc_arena_mark(const zkc_arena *a)
{
    return a ? a->used : 0;
}

extern "C" void zkc_arena_release(zkc_arena *a, size_t mark)
{
    if (a && mark <= a->used)
        a->used = mark;
}

extern "C" int zkc_host_alloc(void **out, size_t bytes)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_host_alloc: NULL out");
    *out = nullptr;
    ZKC_CHECK(cudaMallocHost(out, bytes));
    return ZK_OK;
}

extern "C" void zkc_host_free(void *p)
{
    if (p)
        cudaFreeHost(p);
}

extern "C" int zkc_to_device(void *dst, const void *src, size_t bytes)
{
    if (bytes == 0)
        return ZK_OK;
    ZKC_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
    return ZK_OK;
}

extern "C" int zkc_to_host(void *dst, const void *src, size_t bytes)
{
    if (bytes == 0)
        return ZK_OK;
    ZKC_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
    return ZK_OK;
}

// One thread per record: 32 bytes as two 16-byte loads and stores.
static __global__ void gather32_kernel(uint4 *out, const uint4 *src, const uint64_t *idx, size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const uint4 *s = src + 2 * idx[i];
        out[2 * i] = s[0];
        out[2 * i + 1] = s[1];
    }
}

extern "C" int zkc_gather32(zkc_arena *arena, void *out_host, const void *src, const uint64_t *idx,
                            size_t n)
{
    if (n == 0)
        return ZK_OK;
    if (!arena || !out_host || !src || !idx)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_gather32: NULL argument");
    if (((uintptr_t)src & 15) != 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_gather32: source not 16-byte aligned");
    zkc_scope scope(arena);
    uint64_t *didx = nullptr;
    uint4 *dout = nullptr;
    ZKC_TRY(zkc_alloc(arena, n, &didx));
    ZKC_TRY(zkc_alloc(arena, 2 * n, &dout));
    ZKC_CHECK(cudaMemcpy(didx, idx, n * sizeof *idx, cudaMemcpyHostToDevice));
    gather32_kernel<<<zkc_blocks(n, 256), 256>>>(dout, static_cast<const uint4 *>(src), didx, n);
    ZKC_LAUNCHED("gather32_kernel");
    ZKC_CHECK(cudaMemcpy(out_host, dout, n * 32, cudaMemcpyDeviceToHost));
    return ZK_OK;
}

extern "C" int zkc_arena_zero(zkc_arena *a, size_t from)
{
    if (!a)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_arena_zero: NULL arena");
    // up to the most handed out: scratch released before now may still hold data
    size_t top = a->used > a->high ? a->used : a->high;
    if (from >= top)
        return ZK_OK;
    ZKC_CHECK(cudaMemset(a->base + from, 0, top - from));
    a->high = a->used;
    return ZK_OK;
}

extern "C" int zkc_zero_dev(void *dst, size_t bytes)
{
    if (bytes == 0)
        return ZK_OK;
    ZKC_CHECK(cudaMemset(dst, 0, bytes));
    return ZK_OK;
}

extern "C" int zkc_sync(void)
{
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

// 16-byte loads and stores, grid-stride: the access pattern of a transform pass.
static __global__ void copy_kernel(uint4 *dst, const uint4 *src, size_t n)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        dst[i] = src[i];
}

extern "C" int zkc_mem_bandwidth(zkc_arena *arena, size_t bytes, double *bytes_per_s)
{
    if (!arena || !bytes_per_s || bytes < 2 * sizeof(uint4))
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_mem_bandwidth: bad arguments");
    zkc_scope scope(arena);
    size_t n = bytes / 2 / sizeof(uint4);
    uint4 *a = nullptr, *b = nullptr;
    ZKC_TRY(zkc_alloc(arena, n, &a));
    ZKC_TRY(zkc_alloc(arena, n, &b));
    ZKC_CHECK(cudaMemset(a, 0, n * sizeof(uint4)));
    int sms = 0, dev = 0; // the device zkc_probe selected, not necessarily device 0
    ZKC_CHECK(cudaGetDevice(&dev));
    ZKC_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    cudaEvent_t t0, t1;
    ZKC_CHECK(cudaEventCreate(&t0));
    cudaError_t e = cudaEventCreate(&t1);
    if (e != cudaSuccess) {
        cudaEventDestroy(t0);
        return zkc_cuda_fail(e, "cudaEventCreate(&t1)");
    }
    float best = 0;
    int rc = ZK_OK;
    for (int run = 0; run < 6; run++) {
        // Every step checked: an unchecked failed launch would time an empty
        // interval (a bogus bandwidth) and leave its error to be reported by the
        // next ZKC_LAUNCHED, in some other function.
        const char *what = "cudaEventRecord(t0)";
        e = cudaEventRecord(t0);
        if (e == cudaSuccess) {
            copy_kernel<<<(unsigned)sms * 8, 512>>>(b, a, n);
            what = "launch of copy_kernel";
            e = cudaGetLastError();
        }
        if (e == cudaSuccess) {
            what = "cudaEventRecord(t1)";
            e = cudaEventRecord(t1);
        }
        if (e == cudaSuccess) {
            what = "copy_kernel";
            e = cudaEventSynchronize(t1);
        }
        float ms = 0;
        if (e == cudaSuccess) {
            what = "cudaEventElapsedTime";
            e = cudaEventElapsedTime(&ms, t0, t1);
        }
        if (e != cudaSuccess) {
            rc = zkc_cuda_fail(e, what);
            break;
        }
        if (run > 0 && (best == 0 || ms < best)) // the first run warms up
            best = ms;
    }
    cudaEventDestroy(t0);
    cudaEventDestroy(t1);
    if (rc)
        return rc;
    *bytes_per_s = best > 0 ? 2.0 * (double)(n * sizeof(uint4)) / (best * 1e-3) : 0;
    return ZK_OK;
}

extern "C" int zkc_device_figures(int *sms, int *clock_khz)
{
    int dev = 0;
    ZKC_CHECK(cudaGetDevice(&dev));
    ZKC_CHECK(cudaDeviceGetAttribute(sms, cudaDevAttrMultiProcessorCount, dev));
    ZKC_CHECK(cudaDeviceGetAttribute(clock_khz, cudaDevAttrClockRate, dev));
    return ZK_OK;
}
