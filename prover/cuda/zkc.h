/* The CUDA backend's C interface: every function is extern "C", returns a zk_err
 * code and records a detail (which CUDA call failed and why). Only prover/ (and the
 * benchmarks, which time the device-pointer variants) call these; the rest of
 * zkgate goes through prover/gpu.h.
 *
 * Data is what the CPU uses: field elements are uint32_t in Montgomery form (the
 * kb of verifier/kb.h), digests 8 of them, Poseidon2 states 16. Nothing is
 * converted on the way in or out.
 *
 * Memory. Scratch space and the buffers of the host-pointer variants come from a
 * zkc_arena: one device allocation made once and handed out by a bump pointer, so
 * no call allocates device memory (the arena's "does not fit" answer is
 * ZK_ERR_NOMEM with the bytes needed and available). A function that takes scratch
 * from the arena gives it back before returning (mark/release), so an arena can be
 * shared by calls made one after another (not by concurrent ones).
 *
 * Two kinds of entry points:
 *   - *_dev: device pointers; the data stays resident (the prover's path);
 *   - the same name without _dev: host pointers; the data is copied into the
 *     arena, transformed, and copied back (tests, benchmarks, simple callers).
 * All of them run on the default stream and return once the result is complete.
 */
#ifndef ZKGATE_PROVER_CUDA_ZKC_H
#define ZKGATE_PROVER_CUDA_ZKC_H

#include <stddef.h>
#include <stdint.h>

#include "prover/cuda/p2.cuh"
#include "prover/gpu_info.h"

#ifdef __cplusplus
extern "C" {
#endif

/* See gpu_probe. */
int zkc_probe(gpu_info *out);

/* Makes device `ordinal` the calling thread's (cudaSetDevice): the CUDA runtime
 * keeps the current device per host thread, so every entry point of a context
 * selects its device first. Returns ZK_OK or ZK_ERR_DEVICE. */
int zkc_set_device(int ordinal);

/* ---- memory ----------------------------------------------------------------- */

typedef struct zkc_arena zkc_arena;

/* Allocates an arena of `bytes` bytes of device memory (cudaMalloc, once).
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL out, zero bytes), ZK_ERR_NO_DEVICE or
 * ZK_ERR_NOMEM (the device has less free memory; the detail says how much). */
int zkc_arena_new(zkc_arena **out, size_t bytes);
/* Frees the arena's device memory; NULL is fine. */
void zkc_arena_free(zkc_arena *a);
/* Forgets every allocation (the memory is kept for reuse). */
void zkc_arena_reset(zkc_arena *a);
/* Returns: the arena's size / bytes handed out. */
size_t zkc_arena_size(const zkc_arena *a);
size_t zkc_arena_used(const zkc_arena *a);
/* Hands out `bytes` bytes (256-byte aligned) of device memory.
 * Returns ZK_OK, or ZK_ERR_NOMEM saying how many bytes were needed and how many are
 * available (nothing is handed out then). */
int zkc_arena_alloc(zkc_arena *a, size_t bytes, void **out);
/* Sets every byte at or above `from` (a mark) that was handed out since the last
 * call to zero, including scratch already given back: a proof with zero knowledge
 * leaves nothing of its witness for the arena's next user, also when it failed. */
int zkc_arena_zero(zkc_arena *a, size_t from);
/* A mark to release back to: everything handed out after it is forgotten. */
size_t zkc_arena_mark(const zkc_arena *a);
void zkc_arena_release(zkc_arena *a, size_t mark);

/* Pinned (page-locked) host memory for fast transfers; zkc_host_free(NULL) is fine. */
int zkc_host_alloc(void **out, size_t bytes);
void zkc_host_free(void *p);
/* Copies between host and device (either may be pinned or pageable). */
int zkc_to_device(void *dst, const void *src, size_t bytes);
int zkc_to_host(void *dst, const void *src, size_t bytes);
/* Gathers n records of 32 bytes (a digest) from device memory into host memory:
 * out_host[i] = the record at src + 32 * idx[i] (idx: host array). Arena scratch:
 * n * 40 bytes. For Merkle openings: the siblings a query needs, without copying
 * the tree. Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL), ZK_ERR_NOMEM (arena) or
 * ZK_ERR_DEVICE. */
int zkc_gather32(zkc_arena *arena, void *out_host, const void *src, const uint64_t *idx, size_t n);
/* Sets `bytes` bytes of device memory to zero. */
int zkc_zero_dev(void *dst, size_t bytes);
/* Waits for the device. */
int zkc_sync(void);

/* ---- Poseidon2 constants ---------------------------------------------------- */

/* Copies the round constants to the device's __constant__ memory (once per
 * process, before any hashing). The hashing functions answer ZK_ERR_STATE until it
 * was called. */
int zkc_p2_init(const zkc_p2_consts *k);

/* ---- NTT -------------------------------------------------------------------- */

/* Same values as ntt_layout / ntt_order in prover/ntt.h. */
#define ZKC_COL_MAJOR 0
#define ZKC_ROW_MAJOR 1
#define ZKC_NATURAL   0
#define ZKC_BITREV    1

typedef struct zkc_ntt_plan zkc_ntt_plan;

/* Builds the device twiddle tables for sizes up to 2^max_log_n (8 * 2^max_log_n
 * bytes of device memory, its own allocation, computed on the device).
 * Returns ZK_OK, ZK_ERR_RANGE (max_log_n > 24), ZK_ERR_NOMEM or ZK_ERR_DEVICE. */
int zkc_ntt_plan_new(zkc_ntt_plan **out, unsigned max_log_n);
void zkc_ntt_plan_free(zkc_ntt_plan *plan);
unsigned zkc_ntt_plan_max_log(const zkc_ntt_plan *plan);

/* Forward (inverse = 0) or inverse (inverse = 1, includes 1/n) NTT of each of
 * `cols` columns of 2^log_n elements, in place, with the orders of ntt_forward /
 * ntt_inverse. No arena scratch (arena may be NULL); the host variant takes
 * cols * 2^log_n * 4 bytes of arena for the data.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG, ZK_ERR_RANGE, ZK_ERR_NOMEM (arena) or
 * ZK_ERR_DEVICE. */
int zkc_ntt_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                size_t cols, int layout, int in_order, int out_order, int inverse);
int zkc_ntt(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n, size_t cols,
            int layout, int in_order, int out_order, int inverse);

/* For tests: the log of the elements one thread block transforms in shared memory
 * (default and maximum 13, minimum 4; 0 restores the default). Smaller tiles make
 * small transforms take several passes, which is how the gpu tests reach every
 * pass shape without 2^24-element inputs. Returns the previous value. Not for
 * concurrent use. */
unsigned zkc_ntt_set_tile_log(unsigned tile_log);

/* Coset NTT (ntt_coset_forward / ntt_coset_inverse): inverse = 0 maps natural
 * coefficients to evaluations at shift * w^i in `order`; inverse = 1 maps such
 * evaluations back to natural coefficients. shift is non-zero, Montgomery form. */
int zkc_ntt_coset_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                      size_t cols, int layout, uint32_t shift, int order, int inverse);
int zkc_ntt_coset(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *data, unsigned log_n,
                  size_t cols, int layout, uint32_t shift, int order, int inverse);

/* Low-degree extension (ntt_lde): out (cols columns of 2^(log_n + log_blowup),
 * natural order, same layout) = each column of in (natural evaluations on H)
 * evaluated on shift * H'. out and in must not overlap. Arena scratch:
 * cols * n * 4 bytes (the host variant also places in and out there). */
int zkc_lde_dev(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out, const uint32_t *in,
                unsigned log_n, unsigned log_blowup, size_t cols, int layout, uint32_t shift);
int zkc_lde(const zkc_ntt_plan *plan, zkc_arena *arena, uint32_t *out, const uint32_t *in,
            unsigned log_n, unsigned log_blowup, size_t cols, int layout, uint32_t shift);

/* ---- Poseidon2 and Merkle trees --------------------------------------------- */

/* n independent permutations of states[16*i .. 16*i+16), in place. */
int zkc_p2_permute_many_dev(uint32_t *states, size_t n);
int zkc_p2_permute_many(zkc_arena *arena, uint32_t *states, size_t n);

/* A row-major matrix of a tree: row i is data[i*width .. i*width + width). */
typedef struct zkc_matrix {
    const uint32_t *data; /* device memory for _dev, host memory otherwise */
    uint64_t height;      /* rows, a power of two */
    uint64_t width;       /* elements per row, >= 1 */
} zkc_matrix;

/* Returns: the digests a tree of log height d with a cap of 2^cap_log keeps:
 * 2^(d+1) - 2^cap_log, or 0 when cap_log > d or d > 40. */
size_t zkc_mt_nodes_len(unsigned d, unsigned cap_log);

/* Every digest of the tree mt_build makes of mats (commitment order), in
 * mt_build's layout: level d (the leaves, 2^d digests), then level d-1, ..., down
 * to level cap_log (the cap), each digest 8 elements; d is the log of the tallest
 * height. A level l < d that some matrix has 2^l rows of gets those rows injected:
 * node = compress(compress(children), leaf hash of the rows), as mt_build does.
 * Shapes are checked by the caller (mk_shape_check); here only what would make the
 * kernels misbehave is refused (ZK_ERR_INVALID_ARG).
 * Args: nodes: zkc_mt_nodes_len(d, cap_log) * 8 elements (device memory for _dev);
 * mats: a host array of nmats descriptors (their data in device memory for _dev).
 * Arena: the descriptors (_dev), plus every matrix and the nodes (host variant). */
int zkc_mt_digests_dev(zkc_arena *arena, uint32_t *nodes, size_t nodes_len, const zkc_matrix *mats,
                       size_t nmats, unsigned cap_log);
int zkc_mt_digests(zkc_arena *arena, uint32_t *nodes, size_t nodes_len, const zkc_matrix *mats,
                   size_t nmats, unsigned cap_log);

/* ---- proof of work ---------------------------------------------------------- */

/* The smallest nonce < p for which zkc_pow_try(base, slot, nonce, bits) holds (see
 * p2.cuh; base and slot as tr_grind builds them). bits <= 30, slot < 8.
 * Returns ZK_OK and *nonce, ZK_ERR_INVALID_ARG, ZK_ERR_NOT_FOUND or ZK_ERR_DEVICE. */
int zkc_pow_search(const uint32_t base[16], unsigned slot, unsigned bits, uint32_t *nonce);

/* ---- device figures for benchmarks ------------------------------------------ */

/* Measured device memory bandwidth, bytes read + written per second, of a copy
 * kernel over `bytes` bytes (half read, half written) of arena memory, best of a
 * few runs. */
int zkc_mem_bandwidth(zkc_arena *arena, size_t bytes, double *bytes_per_s);

/* The device's SM count and peak clock in kHz (cudaDevAttrClockRate). */
int zkc_device_figures(int *sms, int *clock_khz);

#ifdef __cplusplus
}
#endif

#endif
