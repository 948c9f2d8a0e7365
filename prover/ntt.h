/* Number-theoretic transforms over KoalaBear: forward and inverse NTT, coset NTT
 * and low-degree extension, batched over many columns.
 *
 * Conventions. A transform of size n = 2^log_n uses w = kb_root_of_unity(log_n)
 * (KB_TWO_ADIC_ROOT^(2^(24-log_n))). The forward NTT maps coefficients c[0..n) to
 * evaluations e[i] = sum_j c[j] * w^(i*j); the inverse maps them back (it includes
 * the factor 1/n). "Natural" order is index order; "bit-reversed" order puts item i
 * at position bitrev_{log_n}(i). Each call names the order of its input and of its
 * output; the fastest pairs are natural -> bit-reversed (decimation in frequency)
 * and bit-reversed -> natural (decimation in time); the other two add one
 * bit-reversal permutation.
 *
 * Layouts. A batch is `cols` columns of n elements:
 *   NTT_COL_MAJOR: column c is data[c*n .. c*n + n) (each column contiguous);
 *   NTT_ROW_MAJOR: row i is data[i*cols .. i*cols + cols) (the layout of Merkle
 *                  leaves: one row of a committed matrix is contiguous).
 * Both give identical values; the transform acts on each column.
 *
 * A plan holds the twiddle tables for sizes up to 2^max_log_n; it is built once,
 * is read-only afterwards (several threads may use one plan at once) and no
 * transform allocates. Work is spread over zk_par_for's threads (over columns when
 * there are several, over blocks of one column otherwise), and the butterflies run
 * on AVX-512 or AVX2 when the CPU has them; every back end and thread count gives
 * the same bits.
 */
#ifndef ZKGATE_PROVER_NTT_H
#define ZKGATE_PROVER_NTT_H

#include <stddef.h>

#include "verifier/kb.h"

typedef enum ntt_layout { NTT_COL_MAJOR = 0, NTT_ROW_MAJOR = 1 } ntt_layout;
typedef enum ntt_order { NTT_NATURAL = 0, NTT_BITREV = 1 } ntt_order;

typedef struct ntt_plan ntt_plan;

/* Builds twiddle tables for transforms of log size 0..max_log_n (it takes
 * 2 * 4 * 2^max_log_n bytes).
 * Returns ZK_OK, ZK_ERR_RANGE (max_log_n > KB_TWO_ADICITY) or ZK_ERR_NOMEM.
 * Out: *out, a plan to free with ntt_plan_free. */
int ntt_plan_new(ntt_plan **out, unsigned max_log_n) __attribute__((warn_unused_result));

/* Frees a plan; NULL is fine. */
void ntt_plan_free(ntt_plan *plan);

/* Returns: the largest log size the plan serves. */
unsigned ntt_plan_max_log(const ntt_plan *plan);

/* Forward NTT of each column, in place.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL data, cols == 0, bad enum) or
 * ZK_ERR_RANGE (log_n above the plan's size, or cols * 2^log_n overflows).
 * Args: data: cols columns of 2^log_n elements in layout; in/out: the order of the
 * coefficients given and of the evaluations wanted. */
int ntt_forward(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                ntt_order in, ntt_order out) __attribute__((warn_unused_result));

/* Inverse NTT of each column, in place (evaluations in order `in` -> coefficients
 * in order `out`, scaled by 1/n). Returns as ntt_forward. */
int ntt_inverse(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols, ntt_layout layout,
                ntt_order in, ntt_order out) __attribute__((warn_unused_result));

/* Coset NTT, in place: natural-order coefficients -> evaluations at
 * shift * w^i (i in order `out`). shift must be non-zero (Montgomery form).
 * Returns as ntt_forward, or ZK_ERR_INVALID_ARG for a zero shift. */
int ntt_coset_forward(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols,
                      ntt_layout layout, kb shift, ntt_order out)
    __attribute__((warn_unused_result));

/* Coset inverse NTT, in place: evaluations at shift * w^i (in order `in`) ->
 * natural-order coefficients. Returns as ntt_coset_forward. */
int ntt_coset_inverse(const ntt_plan *plan, kb *data, unsigned log_n, size_t cols,
                      ntt_layout layout, kb shift, ntt_order in)
    __attribute__((warn_unused_result));

/* Low-degree extension: interpolates each column of `in` (natural-order
 * evaluations on the subgroup H of size n = 2^log_n) and evaluates it on the coset
 * shift * H' of the subgroup H' of size N = n * 2^log_blowup, written to `out` in
 * natural order (row i of out is the value at shift * w_N^i). The prover uses
 * shift = kb_from_canonical(KB_GENERATOR), which lies outside every two-adic
 * subgroup, so the coset never meets H.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG (NULL, zero cols or shift, overlapping buffers,
 * bad enum) or ZK_ERR_RANGE (log_n + log_blowup above the plan's size, or sizes
 * overflow).
 * Args: out: cols columns of N elements in layout (column stride N when
 * column-major), must not overlap in; in: cols columns of n elements in the same
 * layout (column stride n). */
int ntt_lde(const ntt_plan *plan, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
            size_t cols, ntt_layout layout, kb shift) __attribute__((warn_unused_result));

/* Low-degree extension from coefficients: `in` holds each column's n = 2^log_n
 * coefficients (natural order, lowest degree first) and `out` gets the
 * polynomial's values on shift * H' as ntt_lde writes them. The same values as
 * ntt_coset_forward on the coefficients padded with zeros to N rows, without
 * transforming the zeros. Returns and args as ntt_lde. */
int ntt_lde_coeffs(const ntt_plan *plan, kb *out, const kb *in, unsigned log_n, unsigned log_blowup,
                   size_t cols, ntt_layout layout, kb shift) __attribute__((warn_unused_result));

/* Permutes each column into bit-reversed order (its own inverse), in place.
 * Returns ZK_OK, ZK_ERR_INVALID_ARG or ZK_ERR_RANGE (log_n > 24). */
int ntt_bitrev_permute(kb *data, unsigned log_n, size_t cols, ntt_layout layout)
    __attribute__((warn_unused_result));

/* Back ends, for tests and benchmarks: 0 scalar, 1 AVX2, 2 AVX-512.
 * ntt_simd_force(level) uses at most that level from now on (never more than the
 * CPU has; -1 restores the best) and returns the level in effect. Call it between
 * transforms, not during one. */
int ntt_simd_force(int level);

/* Returns: "avx512", "avx2" or "scalar": the back end in effect. */
const char *ntt_backend_name(void);

#endif
