// Device discovery. Every CUDA call is checked; a failure becomes a zk_err code
// with the call and CUDA's own message in the detail.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "prover/cuda/zkc.h"

#define ZKC_CHECK(call)                                                                            \
    do {                                                                                           \
        cudaError_t e_ = (call);                                                                   \
        if (e_ != cudaSuccess)                                                                     \
            return zk_err_set(ZK_ERR_DEVICE, "%s failed: %s", #call, cudaGetErrorString(e_));      \
    } while (0)

extern "C" int zkc_probe(gpu_info *out)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
        e == cudaErrorInitializationError || (e == cudaSuccess && count == 0)) {
        cudaGetLastError(); // clear the sticky error for later calls
        return zk_err_set(ZK_ERR_NO_DEVICE, "no CUDA device: %s",
                          e == cudaSuccess ? "none present" : cudaGetErrorString(e));
    }
    ZKC_CHECK(e);
    for (int d = 0; d < count; d++) {
        cudaDeviceProp p;
        ZKC_CHECK(cudaGetDeviceProperties(&p, d));
        if (p.major < 8)
            continue;
        std::snprintf(out->name, sizeof out->name, "%s", p.name);
        out->ordinal = d;
        out->cc_major = p.major;
        out->cc_minor = p.minor;
        out->multiprocessors = p.multiProcessorCount;
        out->total_mem = p.totalGlobalMem;
        ZKC_CHECK(cudaSetDevice(d));
        size_t free_b = 0, total_b = 0;
        ZKC_CHECK(cudaMemGetInfo(&free_b, &total_b));
        out->free_mem = free_b;
        ZKC_CHECK(cudaDriverGetVersion(&out->driver_version));
        ZKC_CHECK(cudaRuntimeGetVersion(&out->runtime_version));
        return ZK_OK;
    }
    return zk_err_set(ZK_ERR_NO_DEVICE,
                      "%d CUDA device(s), none with compute capability 8.0 or newer", count);
}

extern "C" int zkc_set_device(int ordinal)
{
    ZKC_CHECK(cudaSetDevice(ordinal));
    return ZK_OK;
}
