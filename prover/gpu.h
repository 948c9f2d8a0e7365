/* GPU discovery for the prover's CUDA backend.
 *
 * The CUDA code lives in prover/cuda/ (CUDA C++ behind extern "C" functions that
 * return zk_err codes). This header is what the rest of zkgate sees: whether a
 * usable device is present, and what it is. Builds without CUDA answer
 * ZK_ERR_NO_DEVICE with a detail saying the backend was not built.
 */
#ifndef ZKGATE_PROVER_GPU_H
#define ZKGATE_PROVER_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "prover/gpu_info.h"
#include "prover/mtree.h"
#include "prover/ntt.h"
#include "verifier/kb.h"
#include "verifier/p2.h"
#include "verifier/transcript.h"

/* Returns: non-zero when this build contains the CUDA backend. */
int gpu_backend_built(void);

/* Finds the first usable device (compute capability 8.0 or newer, as the kernels
 * are built for sm_80, sm_89 and sm_90).
 * Returns: ZK_OK and *out; ZK_ERR_NO_DEVICE when the backend is not built, no
 * driver or device is present, or no device is new enough (the detail says which);
 * ZK_ERR_DEVICE when a CUDA call fails otherwise. */
int gpu_probe(gpu_info *out) __attribute__((warn_unused_result));

/* ---- the device math core ------------------------------------------------------
 *
 * A gpu_ctx owns what the device work needs and keeps it between calls: one
 * device memory arena (allocated once, reused by every call), the NTT twiddle
 * tables and the Poseidon2 constants. These functions take host pointers (copy in,
 * compute, copy out) and give exactly the bits of the CPU functions named beside
 * them; prover/cuda/zkc.h has the device-pointer variants that keep data resident.
 *
 * Every function returns ZK_ERR_NO_DEVICE (never crashes) when the CUDA backend
 * was not built ("zkgate was built without the CUDA backend") or no usable device
 * is present (the probe's reason); ZK_ERR_NOMEM when the work does not fit in the
 * arena (the detail gives the bytes needed and available); ZK_ERR_DEVICE when a
 * CUDA call fails (the detail names it); otherwise as the CPU function. A gpu_ctx
 * serves one call at a time. */

typedef struct gpu_ctx gpu_ctx;

/* Opens the first usable device with an arena of arena_bytes and twiddles for
 * transforms up to 2^max_log_n (<= 24; they take 8 * 2^max_log_n more bytes).
 * Returns ZK_OK, ZK_ERR_NO_DEVICE, ZK_ERR_INVALID_ARG, ZK_ERR_RANGE, ZK_ERR_NOMEM or
 * ZK_ERR_DEVICE. Out: *out, to free with gpu_ctx_free. */
int gpu_ctx_new(gpu_ctx **out, size_t arena_bytes, unsigned max_log_n)
    __attribute__((warn_unused_result));

/* Frees the context and its device memory; NULL is fine. */
void gpu_ctx_free(gpu_ctx *ctx);

/* Returns: the arena's size in bytes (0 for NULL). */
size_t gpu_ctx_arena_bytes(const gpu_ctx *ctx);

/* Pinned (page-locked) host memory: transfers from and to it run at full PCIe speed
 * and can overlap compute; any host memory works with the functions below, these
 * buffers only make the copies faster. gpu_host_free(NULL) is fine.
 * Returns ZK_OK, ZK_ERR_NO_DEVICE, ZK_ERR_INVALID_ARG or ZK_ERR_NOMEM. */
int gpu_host_alloc(void **out, size_t bytes) __attribute__((warn_unused_result));
void gpu_host_free(void *p);

/* ntt_forward / ntt_inverse on the device, in place (cols * 2^log_n * 4 bytes of
 * arena for the data; an LDE also needs its output and a copy of its input). */
int gpu_ntt_forward(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                    ntt_order in, ntt_order out) __attribute__((warn_unused_result));
int gpu_ntt_inverse(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                    ntt_order in, ntt_order out) __attribute__((warn_unused_result));

/* ntt_coset_forward / ntt_coset_inverse on the device, in place. */
int gpu_ntt_coset_forward(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                          kb shift, ntt_order out) __attribute__((warn_unused_result));
int gpu_ntt_coset_inverse(gpu_ctx *ctx, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                          kb shift, ntt_order in) __attribute__((warn_unused_result));

/* ntt_lde on the device (out and in are host buffers, as ntt_lde's). */
int gpu_ntt_lde(gpu_ctx *ctx, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
                size_t cols, ntt_layout layout, kb shift) __attribute__((warn_unused_result));

/* p2_permute_many on the device. */
int gpu_p2_permute_many(gpu_ctx *ctx, kb *states, size_t n) __attribute__((warn_unused_result));

/* Returns: the digests gpu_mt_build_digests writes for a tree of log height d
 * with a cap of 2^cap_log (2^(d+1) - 2^cap_log), 0 if cap_log > d. */
size_t gpu_mt_nodes_len(unsigned d, unsigned cap_log);

/* Every digest mt_build computes for mats (checked as mt_build checks them), in
 * mt_build's layout: the 2^d leaf digests, then each level up to the cap (the last
 * 2^cap_log digests). The prover's device path keeps them on the device instead
 * (prover/plonk_gpu.h, mt_adopt with a node reader).
 * Args: nodes: nodes_len = gpu_mt_nodes_len(D, cap_log) digests, D the tallest
 * matrix's log height. */
int gpu_mt_build_digests(gpu_ctx *ctx, p2_digest *nodes, size_t nodes_len, const mt_matrix *mats,
                         size_t nmats, unsigned cap_log) __attribute__((warn_unused_result));

/* tr_grind on the device: the smallest valid nonce, and t advanced exactly as
 * tr_check_pow advances it. */
int gpu_pow_search(gpu_ctx *ctx, tr_state *t, unsigned bits, uint32_t *nonce)
    __attribute__((warn_unused_result));

#endif
