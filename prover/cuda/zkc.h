/* The CUDA backend's C interface: every function is extern "C", returns a zk_err
 * code and records a detail (which CUDA call failed and why). Only prover/ calls
 * these, through prover/gpu.h and the prover's backend hooks. */
#ifndef ZKGATE_PROVER_CUDA_ZKC_H
#define ZKGATE_PROVER_CUDA_ZKC_H

#include "prover/gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* See gpu_probe. */
int zkc_probe(gpu_info *out);

#ifdef __cplusplus
}
#endif

#endif
