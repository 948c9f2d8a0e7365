/* Which hardware proves: the CPU, or the CUDA backend on a GPU.
 *
 * Every command that proves takes `--backend auto|cpu|cuda` (and the
 * ZKGATE_BACKEND environment variable as its default). auto uses the GPU when the
 * CUDA backend is built and a usable device is present, and the CPU otherwise;
 * cuda insists on the GPU and fails with the reason when there is none. Either
 * way zp_backend_describe says which was chosen and why, so the command can tell
 * its user. Both backends give the same proof bytes for the same circuit, witness
 * and zero-knowledge randomness (docs/PROOF.md, "Backends").
 */
#ifndef ZKGATE_PROVER_BACKEND_H
#define ZKGATE_PROVER_BACKEND_H

#include <stddef.h>

#include "prover/gpu.h"
#include "prover/hostpool.h"

typedef enum zp_backend_kind {
    ZP_BACKEND_AUTO = 0,
    ZP_BACKEND_CPU = 1,
    ZP_BACKEND_CUDA = 2
} zp_backend_kind;

/* The environment variable whose value ("auto", "cpu" or "cuda") commands use
 * when they are not given --backend. */
#define ZP_BACKEND_ENV "ZKGATE_BACKEND"

/* Parses "auto", "cpu" or "cuda".
 * Returns ZK_OK, or ZK_ERR_INVALID_ARG naming the value and the choices. */
int zp_backend_parse(const char *s, zp_backend_kind *out) __attribute__((warn_unused_result));

/* Returns: "auto", "cpu", "cuda" (or "unknown"). Never NULL. */
const char *zp_backend_kind_name(zp_backend_kind k);

typedef struct zp_backend zp_backend;

/* Opens a backend for proofs of LDE domains up to 2^max_log_lde rows.
 * Args: arena_bytes: device memory to reserve once for every proof (0: 90% of the
 *       device's free memory, less 256 MiB for the CUDA runtime); ignored by cpu.
 * Returns ZK_OK; for ZP_BACKEND_CUDA the errors of gpu_ctx_new (ZK_ERR_NO_DEVICE
 * with the reason: not built, no driver, no device, too old); ZK_ERR_INVALID_ARG
 * or ZK_ERR_NOMEM. auto never fails for want of a device: it falls back to the
 * CPU and says so in zp_backend_describe.
 * Out: *out, to free with zp_backend_free. */
int zp_backend_open(zp_backend **out, zp_backend_kind want, unsigned max_log_lde,
                    size_t arena_bytes) __attribute__((warn_unused_result));

/* Returns: ZP_BACKEND_CPU or ZP_BACKEND_CUDA, what proofs run on. */
zp_backend_kind zp_backend_used(const zp_backend *b);

/* Returns: one line saying what was chosen and why, e.g. "cuda: NVIDIA H100 80GB
 * HBM3 (sm_90, 79.1 GiB, arena 70.0 GiB)" or "cpu (auto: no CUDA device: ...)".
 * Valid while b lives. */
const char *zp_backend_describe(const zp_backend *b);

/* Returns: the device context proofs use (NULL for the CPU backend). */
gpu_ctx *zp_backend_gpu(const zp_backend *b);

/* Returns: the host buffers proofs on b keep between them (prover/hostpool.h):
 * idle blocks up to half the memory available when b was opened. NULL for NULL b
 * (proofs then allocate and free as they go). */
zp_hostpool *zp_backend_pool(const zp_backend *b);

/* Frees the backend, its device memory and its pooled host buffers; NULL is fine.
 * No proof may be running on it. */
void zp_backend_free(zp_backend *b);

#endif
