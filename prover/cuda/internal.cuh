// Internal to prover/cuda/: error checking, the arena's layout and a scope guard.
#ifndef ZKGATE_PROVER_CUDA_INTERNAL_CUH
#define ZKGATE_PROVER_CUDA_INTERNAL_CUH

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "common/error.h"
#include "prover/cuda/launch.cuh"
#include "prover/cuda/zkc.h"

// Every CUDA call goes through one of these: a failure becomes ZK_ERR_DEVICE (or
// ZK_ERR_NO_DEVICE when there is no usable device) with the call and CUDA's text.
int zkc_cuda_fail(cudaError_t e, const char *what);

#define ZKC_CHECK(call)                                                                            \
    do {                                                                                           \
        cudaError_t e_ = (call);                                                                   \
        if (e_ != cudaSuccess)                                                                     \
            return zkc_cuda_fail(e_, #call);                                                       \
    } while (0)

// After a kernel launch: a launch error (bad configuration, no device) surfaces
// here; errors during the kernel surface at the next synchronising call.
#define ZKC_LAUNCHED(name)                                                                         \
    do {                                                                                           \
        cudaError_t e_ = cudaGetLastError();                                                       \
        if (e_ != cudaSuccess)                                                                     \
            return zkc_cuda_fail(e_, "launch of " name);                                           \
    } while (0)

#define ZKC_TRY(expr)                                                                              \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != ZK_OK)                                                                          \
            return rc_;                                                                            \
    } while (0)

struct zkc_arena {
    char *base;  // the one cudaMalloc
    size_t size; // its bytes
    size_t used; // bytes handed out (the bump pointer)
    size_t high; // the most handed out since the last zkc_arena_zero (released scratch
                 // below it may still hold data)
};

// Gives the arena back to where it was when the scope began, on every exit path.
struct zkc_scope {
    zkc_arena *a;
    size_t mark;
    explicit zkc_scope(zkc_arena *arena) : a(arena), mark(arena ? arena->used : 0) {}
    ~zkc_scope()
    {
        if (a)
            a->used = mark;
    }
    zkc_scope(const zkc_scope &) = delete;
    zkc_scope &operator=(const zkc_scope &) = delete;
};

// Typed allocation from the arena: n elements of T.
template <typename T> static inline int zkc_alloc(zkc_arena *a, size_t n, T **out)
{
    if (n > SIZE_MAX / sizeof(T))
        return zk_err_set(ZK_ERR_TOO_LARGE, "arena request of %zu elements overflows", n);
    void *p = nullptr;
    int rc = zkc_arena_alloc(a, n * sizeof(T), &p);
    *out = static_cast<T *>(p);
    return rc;
}

// Blocks for a grid-stride loop over `work` items with `threads` per block
// (launch.cuh, where the host tests compute it too).
static inline unsigned zkc_blocks(size_t work, unsigned threads)
{
    return zkc_grid_blocks(work, threads);
}

#endif
