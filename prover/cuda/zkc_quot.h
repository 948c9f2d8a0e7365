/* The quotient evaluation on the device (docs/PROOF.md, "Quotient"): q(x_j) at every
 * point of g H_{4n}, the values prover/plonk_prove.c's quotient() computes before it
 * interpolates, bit for bit. Same conventions as zkc.h: extern "C", zk_err codes
 * with a detail, default stream, return once the result is complete.
 *
 * The per-point function itself, zkc_quot_point, and the argument block
 * zkc_quot_args with its helpers zkc_quot_alpha_pows / zkc_quot_args_init are in
 * quot.cuh (usable from C on the host). A caller fills the fields of
 * zkc_quot_args up to alpha_pows and its p2 field (zkc_quot_args_init(a, consts)
 * does the latter); these functions compute the other derived fields themselves, so
 * they cannot be stale.
 */
#ifndef ZKGATE_PROVER_CUDA_ZKC_QUOT_H
#define ZKGATE_PROVER_CUDA_ZKC_QUOT_H

#include <stdint.h>

#include "prover/cuda/quot.cuh"
#include "prover/cuda/zkc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[4 j .. 4 j + 4) = q(x_j) for every j < 4n, row-major (4n x 4 elements).
 * Args: arena: not used by the _dev form (may be NULL); the host form places the
 *       three matrices and out there (N * 261 * 4 + 64 n bytes, N = 2^(log_n + b)).
 *       a: wires, pre, perm are device pointers for _dev, host pointers otherwise;
 *       a->p2 holds the Poseidon2 constants. out: device memory (16-byte aligned)
 *       for _dev, host memory otherwise.
 * The argument block goes to __constant__ memory once per call, so calls must not
 * run concurrently.
 * Returns: ZK_OK; ZK_ERR_INVALID_ARG (a NULL pointer, log_n < 2, log_blowup < 2,
 * log_n + log_blowup > 24, a zero shift, out not 16-byte aligned); ZK_ERR_STATE (a->p2
 * was not filled); ZK_ERR_NOMEM (arena); ZK_ERR_DEVICE or ZK_ERR_NO_DEVICE. */
int zkc_quotient_dev(zkc_arena *arena, const zkc_quot_args *a, uint32_t *out);
int zkc_quotient(zkc_arena *arena, const zkc_quot_args *a, uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif
