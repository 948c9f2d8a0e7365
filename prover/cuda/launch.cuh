/* Launch geometry shared by the kernels' launch sites and the host tests, ZKC_HD
 * like kb.cuh (C11 and CUDA C++ at once): the grid of a grid-stride loop and the
 * device limits every launch must respect. tests/prover/test_cuda_launch.c
 * computes, through these same functions, the grids, blocks and shared memory of
 * the largest supported work (2^24-row transforms of 173 columns, trees of 2^24
 * leaves, 2^22-row permutation products) and checks them against the limits, so
 * that a shape the device would refuse shows up on a machine without one. */
#ifndef ZKGATE_PROVER_CUDA_LAUNCH_CUH
#define ZKGATE_PROVER_CUDA_LAUNCH_CUH

#include <stdint.h>

#include "prover/cuda/kb.cuh"

/* The limits of every compute capability the backend is built for (8.0, 8.9, 9.0). */
#define ZKC_LIMIT_GRID_X  0x7fffffffu /* gridDim.x */
#define ZKC_LIMIT_GRID_YZ 65535u      /* gridDim.y, gridDim.z */
#define ZKC_LIMIT_THREADS 1024u       /* threads per block */
#define ZKC_LIMIT_SMEM                                                                             \
    (48u << 10)                        /* static + dynamic shared memory per block                 \
                                          without cudaFuncSetAttribute */
#define ZKC_LIMIT_REGS     65536u      /* 32-bit registers per block */
#define ZKC_LIMIT_CONSTANT (64u << 10) /* __constant__ memory per module */

/* The most blocks a grid-stride loop is given: enough to fill any of those devices
 * many times over; more work is covered by the loop. */
#define ZKC_GRID_MAX_BLOCKS (1u << 20)

/* Returns: the blocks of `threads` threads (> 0) for a grid-stride loop over
 * `work` items: ceil(work / threads), at least 1 (a launch of 0 blocks is an
 * error) and at most ZKC_GRID_MAX_BLOCKS. */
ZKC_HD unsigned zkc_grid_blocks(uint64_t work, unsigned threads)
{
    uint64_t b = work / threads + (work % threads != 0);
    if (b == 0)
        b = 1;
    return b > ZKC_GRID_MAX_BLOCKS ? ZKC_GRID_MAX_BLOCKS : (unsigned)b;
}

#endif
