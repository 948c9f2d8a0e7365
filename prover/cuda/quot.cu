// The quotient evaluation on the device: one thread per point of g H_{4n} runs
// quot.cuh's zkc_quot_point, the function tests/prover/test_cuda_quot.c checks as
// C against a reference built from verifier/ (docs/PROOF.md, "Quotient").
//
// The argument block (alpha powers, challenges, Poseidon2 constants, coset
// identifiers, beta k_i: about 5.5 KiB) goes to __constant__ memory once per
// call. Every thread of a warp reads the same constant at the same time (the
// loops over gates, constraints and chunks do not depend on the point), which
// constant memory serves in one transaction.
//
// Work per point (log_n = 16, counted on the host with instrumented copies of the
// headers), sums being lazily reduced (kb.cuh, zkc_acc4): 430 full Montgomery
// products, 550 single reductions, 2520 wide products (32 x 32 -> 64 bits, one
// IMAD.WIDE each), 330 folds (one IMAD.WIDE each) and 2430 additions, where it was
// 3390 full products and 5340 additions: 6250 multiply instructions instead of
// 13600 (11100 against 20400 if IMAD.HI and IMAD.WIDE take two issue slots). In
// SASS (sm_90, the cubin's size; no GPU here): quot_kernel is 6288 instructions
// where it was 9624, and built with every loop of constant count unrolled, so that
// the static count is about the dynamic one per point, 25000 where it was 44000; of
// those the Poseidon2 gate is about 13200, the other gates 3400 and the permutation
// part 8500. The 11 permutation chunks: 1500 wide products and 480 reductions
// (factors gamma + w + b v with one reduction per coefficient, beta k_i
// precomputed, extension products reduced once per coefficient, the chunk's
// difference of two products in one sum). Weighting the 236 gate constraints by
// alpha: 944 wide products and a fold per four constraints, one reduction per gate
// and coefficient, then the selector. The Poseidon2 gate: 305 full products, its
// partial rounds' state sums added in 64 bits and reduced once (zkc_gate_sum16).
// x_j from a table of root^(2^i) and L_0 as (1/n) prod (1 + x^(2^i)): about 50 full
// products (there were a pow and an inversion, about 90). A next candidate: the
// Poseidon2 external layer's additions in 64 bits, reduced once per element, as the
// CPU's p2_full_round does (p2.cuh, shared with the Merkle kernels; a 64-bit
// addition is two instructions here, so the gain is smaller than on the CPU).
//
// Memory: each thread reads its own LDE rows (173 wires, 44 preprocessed, 44 + 4
// permutation values), rows 2^(b-2) apart, so a warp's loads are 32 separate
// runs; this relies on L1/L2 to keep a row's lines between the gates' reads.
// Next step there: a block stages its wire rows in shared memory with coalesced
// loads (64 rows x 173 words = 44 KiB; the odd row length keeps a warp's reads of
// one column on 32 distinct banks) and calls zkc_quot_eval with the shared row.
// ptxas (nvcc 13): 64 registers on sm_80, sm_89 and sm_90, no spills, under
// QUOT_MIN_BLOCKS (56 before the lazy sums, whose 64-bit sums hold 8 registers
// where reduced ones held 4; the peak is in the Poseidon2 gate beside its 16 state
// words); the block is about 5.5 KiB of cmem.
#include "prover/cuda/internal.cuh"
#include "prover/cuda/quot.cuh"
#include "prover/cuda/zkc_quot.h"

static __constant__ zkc_quot_args c_quot;

#define QUOT_THREADS 128
// 8 blocks of 128 threads per SM: at most 64 registers. Without the bound ptxas
// picks 60 to 70 depending on the architecture and small changes to the code
// (above 64 an SM holds 7 blocks); with it, 64 and no spills on sm_80/89/90.
// 9 blocks (56 registers) spills 48 to 64 bytes.
#define QUOT_MIN_BLOCKS 8

static __global__ void __launch_bounds__(QUOT_THREADS, QUOT_MIN_BLOCKS)
    quot_kernel(uint32_t *out, size_t nq)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < nq; j += stride) {
        uint32_t v[4];
        zkc_quot_point(&c_quot, j, v);
        reinterpret_cast<uint4 *>(out)[j] = make_uint4(v[0], v[1], v[2], v[3]);
    }
}

// The checks both forms make on the argument block.
static int quot_args_check(const zkc_quot_args *a, const void *out, const char *fn)
{
    if (!a || !out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL %s", fn, a ? "out" : "args");
    if (!a->wires || !a->pre || !a->perm)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: NULL %s", fn,
                          !a->wires ? "wires"
                          : !a->pre ? "pre"
                                    : "perm");
    if (a->log_n < 2 || a->log_blowup < 2 || a->log_blowup > ZKC_TWO_ADIC ||
        a->log_n + a->log_blowup > ZKC_TWO_ADIC)
        return zk_err_set(ZK_ERR_INVALID_ARG,
                          "%s: log_n %u, log_blowup %u (want log_n >= 2, log_blowup >= 2, "
                          "log_n + log_blowup <= %d)",
                          fn, a->log_n, a->log_blowup, ZKC_TWO_ADIC);
    if (a->shift == 0 || a->shift >= ZKC_P)
        return zk_err_set(ZK_ERR_INVALID_ARG, "%s: the coset shift is %s", fn,
                          a->shift == 0 ? "zero" : "not reduced");
    // p2_diag[1] is 1 and no round constant of the first round is 0: a block whose
    // constants were never filled is caught here rather than giving wrong values.
    if (a->p2.diag[1] != ZKC_ONE || a->p2.ext_init[0][0] == 0)
        return zk_err_set(ZK_ERR_STATE,
                          "%s: the Poseidon2 constants are not in the arguments "
                          "(fill them with zkc_quot_args_init)",
                          fn);
    return ZK_OK;
}

extern "C" int zkc_quotient_dev(zkc_arena *arena, const zkc_quot_args *a, uint32_t *out)
{
    (void)arena;
    ZKC_TRY(quot_args_check(a, out, "zkc_quotient_dev"));
    if ((uintptr_t)out % 16 != 0)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_quotient_dev: out not 16-byte aligned");
    zkc_quot_args h = *a;
    if (zkc_quot_args_init(&h, &h.p2) != 0) // cannot fail after the checks
        return zk_err_set(ZK_ERR_INTERNAL, "zkc_quotient_dev: zkc_quot_args_init refused");
    ZKC_CHECK(cudaMemcpyToSymbol(c_quot, &h, sizeof h));
    size_t nq = (size_t)4 << h.log_n;
    quot_kernel<<<zkc_blocks(nq, QUOT_THREADS), QUOT_THREADS>>>(out, nq);
    ZKC_LAUNCHED("quot_kernel");
    ZKC_CHECK(cudaDeviceSynchronize());
    return ZK_OK;
}

extern "C" int zkc_quotient(zkc_arena *arena, const zkc_quot_args *a, uint32_t *out)
{
    ZKC_TRY(quot_args_check(a, out, "zkc_quotient"));
    if (!arena)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zkc_quotient: NULL arena");
    size_t rows = (size_t)1 << (a->log_n + a->log_blowup), nq = (size_t)4 << a->log_n;
    zkc_scope scope(arena);
    uint32_t *w = nullptr, *pre = nullptr, *perm = nullptr, *o = nullptr;
    ZKC_TRY(zkc_alloc(arena, rows * ZKC_WIRES, &w));
    ZKC_TRY(zkc_alloc(arena, rows * ZKC_NUM_PREPROCESSED, &pre));
    ZKC_TRY(zkc_alloc(arena, rows * ZKC_NUM_PERM_COLS, &perm));
    ZKC_TRY(zkc_alloc(arena, 4 * nq, &o));
    ZKC_TRY(zkc_to_device(w, a->wires, rows * ZKC_WIRES * 4));
    ZKC_TRY(zkc_to_device(pre, a->pre, rows * ZKC_NUM_PREPROCESSED * 4));
    ZKC_TRY(zkc_to_device(perm, a->perm, rows * ZKC_NUM_PERM_COLS * 4));
    zkc_quot_args d = *a;
    d.wires = w;
    d.pre = pre;
    d.perm = perm;
    ZKC_TRY(zkc_quotient_dev(arena, &d, o));
    return zkc_to_host(out, o, 4 * nq * 4);
}
