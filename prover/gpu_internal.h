/* Internal to prover/: what a gpu_ctx holds, for the prover's device path
 * (plonk_gpu.c) and the device wrappers (gpu.c). Only in builds with the CUDA
 * backend. */
#ifndef ZKGATE_PROVER_GPU_INTERNAL_H
#define ZKGATE_PROVER_GPU_INTERNAL_H

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"

struct gpu_ctx {
    zkc_arena *arena;   /* every call's device buffers */
    zkc_ntt_plan *plan; /* twiddle tables */
};

/* The Poseidon2 round constants in the device's layout (verifier/'s tables). */
void gpu_p2_consts(zkc_p2_consts *k);
#endif

#endif
