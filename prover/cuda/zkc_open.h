/* The CUDA backend's opening phase (open.cu), with zkc.h's conventions: extern "C",
 * a zk_err code and a detail; *_dev on device pointers (data stays resident), the
 * name without _dev on host pointers, copied through the arena (tests,
 * benchmarks). Field elements are Montgomery uint32_t as on the CPU; an extension
 * element (kb4) is four of them. Scalars passed as `const uint32_t x[4]` (beta,
 * gamma, z, s1, ...) and z_final are HOST memory in both forms.
 *
 * Every function returns the bits of the CPU prover's code it replaces
 * (prover/plonk_prove.c, prover/fri_prove.c); the per-item arithmetic is open.cuh,
 * which tests/prover/test_cuda_open.c checks as C, and each comment below says how
 * to compute the same result on the host with open.cuh's functions.
 * All of them run on the default stream and return once the result is complete;
 * they are not for concurrent use on one arena.
 * Errors: ZK_ERR_INVALID_ARG (a NULL pointer, an arity above 4, a width of zero),
 * ZK_ERR_RANGE (log_n or log_lde above 24), ZK_ERR_TOO_LARGE (sizes that overflow),
 * ZK_ERR_NOMEM (the arena; the detail has the bytes), ZK_ERR_DEVICE / NO_DEVICE.
 */
#ifndef ZKGATE_PROVER_CUDA_ZKC_OPEN_H
#define ZKGATE_PROVER_CUDA_ZKC_OPEN_H

#include <stddef.h>
#include <stdint.h>

#include "prover/cuda/zkc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Z and the partial products on H (plonk_prove.c's permutation(); docs/PROOF.md,
 * "Copy constraints"): perm (n x 44, row-major) gets Z in columns 0..3 and
 * pi_1..pi_10 after it, and z_final the product over all n rows (1 for a trace
 * that satisfies the copy constraints; the caller checks it).
 * Args: trace: n x 173; pre: n x 44 (sigmas at column 11); n = 2^log_n, log_n <= 24;
 * shift: g (k_i = g^i); beta, gamma: the challenges.
 * Arena: 16 n bytes (the row ratios) and about 16 n / 255 more (the block totals
 * of every level); the host variant also the trace, pre and perm.
 * Host emulation: zkc_perm_args_init(&pa, log_n, shift, beta, gamma); for r < n:
 * R[r] = zkc_perm_row(perm + 44 r, trace + 173 r, pre + 44 r, &pa, r); then a
 * running product z = 1, for r < n: zkc_perm_finish_row(perm + 44 r, z),
 * z = z R[r]; z_final = z. */
int zkc_perm_products_dev(zkc_arena *a, const uint32_t *trace, const uint32_t *pre, unsigned log_n,
                          uint32_t shift, const uint32_t beta[4], const uint32_t gamma[4],
                          uint32_t *perm, uint32_t z_final[4]);
int zkc_perm_products(zkc_arena *a, const uint32_t *trace, const uint32_t *pre, unsigned log_n,
                      uint32_t shift, const uint32_t beta[4], const uint32_t gamma[4],
                      uint32_t *perm, uint32_t z_final[4]);

/* Barycentric weights on H (plonk_prove.c's bary_weights): wt (n = 2^log_n kb4)
 * gets s w^r / (z - w^r), s = (z^n - 1)/n, log_n <= 24. z must lie outside H.
 * Host emulation: s = zkc_bary_scale(z, log_n), w = zkc_root_of_unity(log_n);
 * wt[r] = zkc_bary_weight(z, s, w, r). */
int zkc_bary_weights_dev(uint32_t *wt, unsigned log_n, const uint32_t z[4]);
int zkc_bary_weights(zkc_arena *a, uint32_t *wt, unsigned log_n, const uint32_t z[4]);

/* wt[r] = z^r for r < n (n kb4): with zkc_col_sums, the opening of coefficient
 * columns (the CPU's Horner). Host emulation: wt[r] = zkc_power(z, r). */
int zkc_powers_dev(uint32_t *wt, size_t n, const uint32_t z[4]);
int zkc_powers(zkc_arena *a, uint32_t *wt, size_t n, const uint32_t z[4]);

/* out[col] = sum_r wt[r] m[r width + col] for col < width (plonk_prove.c's bary):
 * m is n x width, row-major; wt n kb4; out width kb4 in HOST memory (both forms).
 * n = 0 gives zeros. Arena: ceil(n / ZKC_COLSUM_ROWS) * width + width kb4 (the
 * host variant also m and wt).
 * Host emulation: out[col] = zkc_col_partial(m, width, wt, col, 0, n). */
int zkc_col_sums_dev(zkc_arena *a, uint32_t *out_host, const uint32_t *m, size_t n, size_t width,
                     const uint32_t *wt);
int zkc_col_sums(zkc_arena *a, uint32_t *out_host, const uint32_t *m, size_t n, size_t width,
                 const uint32_t *wt);

/* The DEEP composition F on the LDE domain (plonk_prove.c's deep(); docs/PROOF.md,
 * "DEEP composition"): f (N = 2^log_lde kb4) gets F at x = shift w_N^L. mats are
 * pre_lde, wires_lde, perm_lde, q_lde (N rows each, row-major, device memory for
 * _dev), widths their columns (44, 173, 44, 12 in the prover; T = their sum <= 273,
 * widths[2] >= 4: z_k is column k of mats[2]); apow_host the T + 4 powers of the
 * DEEP challenge (host memory); s1, s2, zeta, zeta_next as in deep().
 * Arena: (T + 4) kb4 (the powers); the host variant also the matrices and f.
 * Host emulation: zkc_deep_args_init(&d, mats, widths32, log_lde, shift, s1, s2,
 * zeta, zeta_next); f[L] = zkc_deep_row(&d, apow, L). */
int zkc_deep_dev(zkc_arena *a, uint32_t *f, const uint32_t *const mats[4], const size_t widths[4],
                 unsigned log_lde, uint32_t shift, const uint32_t *apow_host, const uint32_t s1[4],
                 const uint32_t s2[4], const uint32_t zeta[4], const uint32_t zeta_next[4]);
int zkc_deep(zkc_arena *a, uint32_t *f, const uint32_t *const mats[4], const size_t widths[4],
             unsigned log_lde, uint32_t shift, const uint32_t *apow_host, const uint32_t s1[4],
             const uint32_t s2[4], const uint32_t zeta[4], const uint32_t zeta_next[4]);

/* A FRI layer's matrix (fri_prove.c's permute_rows): mat (rows x 2^a kb4) from the
 * natural-order values src (rows 2^a kb4); a <= 24. mat and src must not overlap.
 * Host emulation: for i < rows 2^a: mat[i] = src[zkc_fri_permute_src(i, rows, a)]. */
int zkc_fri_permute_dev(uint32_t *mat, const uint32_t *src, size_t rows, unsigned a);
int zkc_fri_permute(zkc_arena *ar, uint32_t *mat, const uint32_t *src, size_t rows, unsigned a);

/* A FRI layer folded (fri_prove.c's fold_rows): dst[r] = fri_fold_row(row r of mat,
 * a, sinv winv^r, beta) for r < rows (dst rows kb4); a <= 4.
 * Host emulation: dst[r] = zkc_fri_fold_row(mat + 4 r 2^a, a,
 * zkc_fri_x0_inv(sinv, winv, r), beta). */
int zkc_fri_fold_dev(uint32_t *dst, const uint32_t *mat, size_t rows, unsigned a, uint32_t sinv,
                     uint32_t winv, const uint32_t beta[4]);
int zkc_fri_fold(zkc_arena *ar, uint32_t *dst, const uint32_t *mat, size_t rows, unsigned a,
                 uint32_t sinv, uint32_t winv, const uint32_t beta[4]);

#ifdef __cplusplus
}
#endif

#endif
