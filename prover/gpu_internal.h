/* Internal to prover/: what a gpu_ctx holds, for the prover's device path
 * (plonk_gpu.c) and the device wrappers (gpu.c). Only in builds with the CUDA
 * backend. */
#ifndef ZKGATE_PROVER_GPU_INTERNAL_H
#define ZKGATE_PROVER_GPU_INTERNAL_H

#ifdef ZKGATE_HAVE_CUDA
#include "prover/cuda/zkc.h"
#include "verifier/p2.h"

struct gpu_ctx {
    zkc_arena *arena;    /* every call's device buffers */
    zkc_ntt_plan *plan;  /* twiddle tables */
    int ordinal;         /* the device: selected by every entry point (per host thread) */
    void *pinned;        /* page-locked host staging for the trace upload (zpg_host_trace), */
    size_t pinned_bytes; /* kept between proofs and grown when a larger proof comes */
    size_t pinned_zero;  /* rows of pinned from which it holds zeros (zpg_host_trace_zero) */
    /* The preprocessed columns (on H and their LDE) of the last circuit proven,
     * kept at the bottom of the arena between proofs (plonk_gpu.c): a circuit
     * proven again does not upload them again. Valid when pre_end > 0; the arena
     * holds nothing else below pre_end. */
    p2_digest pre_key; /* the circuit's verification-key digest */
    size_t pre_end;    /* the arena's mark just above them */
    uint32_t *pre_h, *pre_lde;
};

/* The Poseidon2 round constants in the device's layout (verifier/'s tables). */
void gpu_p2_consts(zkc_p2_consts *k);
#endif

#endif
