/* The per-item arithmetic of the prover's opening phase on the device (open.cu):
 * the permutation products and their scan over rows (docs/PROOF.md, "Copy
 * constraints"), the barycentric weights, powers and weighted column sums that
 * open every column at zeta and w zeta ("Transcript order", step 5), the DEEP
 * composition ("DEEP composition") and FRI's layer matrix and folding ("FRI").
 *
 * ZKC_HD like kb.cuh: C11 and CUDA at once. Every kernel of open.cu is a loop over
 * threads around one function here, so tests/prover/test_cuda_open.c runs the very
 * same functions as C, block by block where the kernels cooperate (the scan, the
 * two-pass column sums), and compares them with the CPU prover. A host emulation
 * of zkc_open.h is a loop over these functions (see each one's comment).
 *
 * Bits: every result is a field value computed exactly, and a reduced Montgomery
 * representative is unique, so any order of evaluation gives the CPU's bits: the
 * scan's tree of products equals plonk_prove.c's serial one, an individual
 * inversion equals the CPU's batch inversion, a sum grouped by blocks equals the
 * serial sum, and the weighted sum with weights z^r equals the CPU's Horner.
 */
#ifndef ZKGATE_PROVER_CUDA_OPEN_CUH
#define ZKGATE_PROVER_CUDA_OPEN_CUH

#include <stddef.h>
#include <stdint.h>

#include "prover/cuda/kb.cuh"
#include "prover/cuda/launch.cuh"

#ifdef __CUDA_ARCH__
#define ZKC_OPEN_UNROLL _Pragma("unroll")
#else
#define ZKC_OPEN_UNROLL
#endif

/* The circuit's shape (verifier/plonk.h and plonk_gates.h; test_cuda_open checks
 * that they agree). */
#define ZKC_OPEN_WIRES       173 /* ZP_WIRES */
#define ZKC_OPEN_ROUTED      33  /* ZP_ROUTED */
#define ZKC_OPEN_PRE         44  /* ZP_NUM_PREPROCESSED */
#define ZKC_OPEN_SIGMA_COL   11  /* ZP_NUM_SELECTORS + ZP_CONSTS: sigma_0 in a preprocessed row */
#define ZKC_OPEN_PERM_CHUNK  3   /* ZP_PERM_CHUNK */
#define ZKC_OPEN_PERM_CHUNKS 11  /* ZP_PERM_CHUNKS */
#define ZKC_OPEN_PERM_COLS   44  /* ZP_NUM_PERM_COLS */
#define ZKC_OPEN_OPENINGS    273 /* ZP_NUM_OPENINGS */
#define ZKC_OPEN_DEEP_POWERS (ZKC_OPEN_OPENINGS + 4)

/* The scan's thread block: 2^8 slots, one per row. */
#define ZKC_SCAN_BLOCK_LOG 8
#define ZKC_SCAN_BLOCK     (1u << ZKC_SCAN_BLOCK_LOG)
/* Rows one thread of the column sums' first pass adds up. */
#define ZKC_COLSUM_ROWS 512
/* FRI folds rows of 2^1..2^4 elements (verifier/fri.c). */
#define ZKC_FRI_MAX_ARITY 4

/* Montgomery forms of 1/2 and of w_K^-1 for K = 2^a, a = 1..4 (verifier/fri.c's
 * root_inv; test_cuda_open checks both). */
#define ZKC_HALF          0x00ffffffu
#define ZKC_FRI_ROOT_INV1 0x7d000003u
#define ZKC_FRI_ROOT_INV2 0x03fdfbfau
#define ZKC_FRI_ROOT_INV3 0x4bfa6163u
#define ZKC_FRI_ROOT_INV4 0x52605cfeu

ZKC_HD zkc_kb4 zkc_open_one(void)
{
    zkc_kb4 r = {{ZKC_ONE, 0u, 0u, 0u}};
    return r;
}

ZKC_HD zkc_kb4 zkc_open_zero(void)
{
    zkc_kb4 r = {{0u, 0u, 0u, 0u}};
    return r;
}

ZKC_HD zkc_kb4 zkc_open_base(uint32_t a)
{
    zkc_kb4 r = {{a, 0u, 0u, 0u}};
    return r;
}

/* An extension element stored as four consecutive uint32_t. */
ZKC_HD zkc_kb4 zkc_open_load(const uint32_t *p)
{
    zkc_kb4 r = {{p[0], p[1], p[2], p[3]}};
    return r;
}

ZKC_HD void zkc_open_store(uint32_t *p, zkc_kb4 v)
{
    p[0] = v.c[0];
    p[1] = v.c[1];
    p[2] = v.c[2];
    p[3] = v.c[3];
}

/* ---- permutation products (docs/PROOF.md, "Copy constraints") ---------------- */

/* What every row of the product needs. */
typedef struct zkc_perm_args {
    uint32_t k[ZKC_OPEN_ROUTED]; /* k_i = shift^i, the coset of routed column i */
    uint32_t w;                  /* the primitive n-th root of unity: row r is x = w^r */
    zkc_kb4 beta, gamma;         /* the challenges */
} zkc_perm_args;

ZKC_HD void zkc_perm_args_init(zkc_perm_args *pa, unsigned log_n, uint32_t shift, zkc_kb4 beta,
                               zkc_kb4 gamma)
{
    pa->k[0] = ZKC_ONE;
    for (int i = 1; i < ZKC_OPEN_ROUTED; i++)
        pa->k[i] = zkc_mul(pa->k[i - 1], shift);
    pa->w = zkc_root_of_unity(log_n);
    pa->beta = beta;
    pa->gamma = gamma;
}

/* Row r's factors (first pass). With num_i = w_i + beta k_i x + gamma and
 * den_i = w_i + beta sigma_i + gamma at x = w^r, and N_j, D_j the products of the
 * chunk products of num and den over the chunks c < j, writes Q_j = N_j / D_j
 * into prow[4j .. 4j+4) for j = 1..10 and returns Q_11, the row's ratio
 * Z(w^(r+1)) / Z(w^r). prow[0..4) is left for Z (zkc_perm_finish_row). One
 * inversion per row: 1/D_j = (1/D_11) den_10 ... den_j.
 * Args: prow: the row's 44 outputs; wrow: the trace row (173); pre_row: the
 * preprocessed row (44; the sigmas start at ZKC_OPEN_SIGMA_COL). */
ZKC_HD zkc_kb4 zkc_perm_row(uint32_t *prow, const uint32_t *wrow, const uint32_t *pre_row,
                            const zkc_perm_args *pa, size_t r)
{
    const uint32_t *sig = pre_row + ZKC_OPEN_SIGMA_COL;
    uint32_t x = zkc_pow(pa->w, (uint64_t)r);
    zkc_kb4 nacc[ZKC_OPEN_PERM_CHUNKS + 1], dch[ZKC_OPEN_PERM_CHUNKS];
    zkc_kb4 nprod = zkc_open_one(), dprod = zkc_open_one();
    ZKC_OPEN_UNROLL
    for (int j = 0; j < ZKC_OPEN_PERM_CHUNKS; j++) {
        zkc_kb4 nu = zkc_open_one(), de = zkc_open_one();
        ZKC_OPEN_UNROLL
        for (int i = ZKC_OPEN_PERM_CHUNK * j;
             i < ZKC_OPEN_PERM_CHUNK * (j + 1) && i < ZKC_OPEN_ROUTED; i++) {
            zkc_kb4 base = zkc4_add(pa->gamma, zkc_open_base(wrow[i]));
            nu = zkc4_mul(nu, zkc4_add(base, zkc4_mul_base(pa->beta, zkc_mul(pa->k[i], x))));
            de = zkc4_mul(de, zkc4_add(base, zkc4_mul_base(pa->beta, sig[i])));
        }
        nprod = zkc4_mul(nprod, nu);
        dprod = zkc4_mul(dprod, de);
        nacc[j + 1] = nprod;
        dch[j] = de;
    }
    zkc_kb4 dinv = zkc4_inv(dprod); /* 1 / D_11 */
    zkc_kb4 ratio = zkc4_mul(nacc[ZKC_OPEN_PERM_CHUNKS], dinv);
    ZKC_OPEN_UNROLL
    for (int j = ZKC_OPEN_PERM_CHUNKS - 1; j >= 1; j--) {
        dinv = zkc4_mul(dinv, dch[j]); /* 1 / D_j, since D_(j+1) = D_j den_j */
        zkc_open_store(prow + 4 * j, zkc4_mul(nacc[j], dinv));
    }
    return ratio;
}

/* Row r once Z(w^r) = z is known (last pass): Z in columns 0..3 and the partial
 * products z Q_j in columns 4j..4j+3, as plonk_prove.c writes them. */
ZKC_HD void zkc_perm_finish_row(uint32_t *prow, zkc_kb4 z)
{
    zkc_open_store(prow, z);
    ZKC_OPEN_UNROLL
    for (int j = 1; j < ZKC_OPEN_PERM_CHUNKS; j++)
        zkc_open_store(prow + 4 * j, zkc4_mul(z, zkc_open_load(prow + 4 * j)));
}

/* The scan: an inclusive prefix product over n values, in levels. Level 0 is the
 * values; each thread block of ZKC_SCAN_BLOCK slots scans its slice in shared
 * memory (slot i = value b B + i, or 1 past the end) in steps d = 1, 2, 4, ...,
 * B/2, and its last slot is the block's total, which goes to the next level. The
 * totals are scanned the same way (recursively, until one block), and then value
 * i of a level is multiplied by the scanned total of the blocks before its own
 * (zkc_scan_fixup). Products commute, so this is the serial running product. */

/* The blocks of one level of the scan over n values (one block per
 * ZKC_SCAN_BLOCK values, at least 1; each level launches that many, not a
 * grid-stride loop). */
ZKC_HD uint64_t zkc_scan_blocks(uint64_t n)
{
    uint64_t b = n >> ZKC_SCAN_BLOCK_LOG;
    return b + ((n & (ZKC_SCAN_BLOCK - 1)) != 0) + (n == 0);
}

/* Slot i of a block after the step of distance d (Hillis-Steele, two buffers). */
ZKC_HD zkc_kb4 zkc_scan_step(const zkc_kb4 *src, unsigned i, unsigned d)
{
    return i >= d ? zkc4_mul(src[i - d], src[i]) : src[i];
}

/* Element i of a level after its block scan, times the scanned totals (tot, the
 * next level, already complete) of the blocks before its own. */
ZKC_HD zkc_kb4 zkc_scan_fixup(zkc_kb4 v, const zkc_kb4 *tot, size_t i)
{
    size_t b = i >> ZKC_SCAN_BLOCK_LOG;
    return b ? zkc4_mul(tot[b - 1], v) : v;
}

/* ---- openings (docs/PROOF.md, "Transcript order", step 5) ---------------------- */

/* s = (z^n - 1) / n, the factor every barycentric weight shares. */
ZKC_HD zkc_kb4 zkc_bary_scale(zkc_kb4 z, unsigned log_n)
{
    uint64_t n = (uint64_t)1 << log_n;
    zkc_kb4 zn = zkc4_sub(zkc4_pow(z, n), zkc_open_one());
    return zkc4_mul_base(zn, zkc_inv(zkc_from_canonical((uint32_t)(n % ZKC_P))));
}

/* wt_r = s w^r / (z - w^r) (plonk_prove.c's bary_weights), so that
 * f(z) = sum_r f(w^r) wt_r; s = zkc_bary_scale(z, log_n), w = zkc_root_of_unity(log_n). */
ZKC_HD zkc_kb4 zkc_bary_weight(zkc_kb4 z, zkc_kb4 s, uint32_t w, size_t r)
{
    uint32_t x = zkc_pow(w, (uint64_t)r);
    zkc_kb4 d = zkc4_inv(zkc4_sub(z, zkc_open_base(x)));
    return zkc4_mul(zkc4_mul_base(d, x), s);
}

/* z^r: the weights that open the quotient's coefficient columns (the CPU's Horner
 * evaluation, sum_r z^r c_r). */
ZKC_HD zkc_kb4 zkc_power(zkc_kb4 z, size_t r)
{
    return zkc4_pow(z, (uint64_t)r);
}

/* First pass of the column sums: sum over rows r0 <= r < r1 of wt[r] m[r, col] for
 * a row-major matrix of `width` columns; wt holds kb4 values (4 uint32_t each).
 * The kernel's thread (col, c) takes rows [c R, min(n, (c + 1) R)), R =
 * ZKC_COLSUM_ROWS, and stores the result at partial[c width + col]. */
ZKC_HD zkc_kb4 zkc_col_partial(const uint32_t *m, size_t width, const uint32_t *wt, size_t col,
                               size_t r0, size_t r1)
{
    zkc_kb4 acc = zkc_open_zero();
    for (size_t r = r0; r < r1; r++)
        acc = zkc4_add(acc, zkc4_mul_base(zkc_open_load(wt + 4 * r), m[r * width + col]));
    return acc;
}

/* The first pass's launch over n rows of `width` columns: *chunks chunks of
 * ZKC_COLSUM_ROWS rows; a grid of *gx blocks of `threads` over the columns by *gy
 * over the chunks (gridDim.y is at most 65535: the kernel's loop over chunks takes
 * the rest). */
ZKC_HD void zkc_colsum_grid(uint64_t n, uint64_t width, unsigned threads, uint64_t *chunks,
                            unsigned *gx, unsigned *gy)
{
    *chunks = n / ZKC_COLSUM_ROWS + (n % ZKC_COLSUM_ROWS != 0);
    *gx = zkc_grid_blocks(width, threads);
    *gy = *chunks < ZKC_LIMIT_GRID_YZ ? (*chunks ? (unsigned)*chunks : 1u) : ZKC_LIMIT_GRID_YZ;
}

/* Second pass: column col's sum of the `chunks` partial sums (partial is chunks x
 * width kb4, row-major). */
ZKC_HD zkc_kb4 zkc_col_total(const uint32_t *partial, size_t chunks, size_t width, size_t col)
{
    zkc_kb4 acc = zkc_open_zero();
    for (size_t c = 0; c < chunks; c++)
        acc = zkc4_add(acc, zkc_open_load(partial + 4 * (c * width + col)));
    return acc;
}

/* ---- DEEP composition (docs/PROOF.md, "DEEP composition") ----------------------- */

/* What every LDE row needs; zkc_deep_args_init fills it. */
typedef struct zkc_deep_args {
    const uint32_t *mat[4]; /* pre_lde, wires_lde, perm_lde, q_lde: N rows each, row-major */
    uint32_t width[4];      /* their columns (44, 173, 44, 12 in the prover) */
    uint32_t cols;          /* the sum of the widths, T; z_k is column k of mat[2] */
    uint32_t shift;         /* the coset shift g */
    uint32_t w;             /* the primitive N-th root of unity: row L is x = g w^L */
    zkc_kb4 s1, s2;         /* sum_t a^t f_t(zeta), sum_k a^(T+k) z_k(w zeta) */
    zkc_kb4 zeta, zeta_next;
} zkc_deep_args;

ZKC_HD void zkc_deep_args_init(zkc_deep_args *d, const uint32_t *const mats[4],
                               const uint32_t widths[4], unsigned log_lde, uint32_t shift,
                               zkc_kb4 s1, zkc_kb4 s2, zkc_kb4 zeta, zkc_kb4 zeta_next)
{
    d->cols = 0;
    for (int m = 0; m < 4; m++) {
        d->mat[m] = mats[m];
        d->width[m] = widths[m];
        d->cols += widths[m];
    }
    d->shift = shift;
    d->w = zkc_root_of_unity(log_lde);
    d->s1 = s1;
    d->s2 = s2;
    d->zeta = zeta;
    d->zeta_next = zeta_next;
}

/* F at LDE row L: with x = g w^L,
 *   F = (sum_t a^t f_t(x) - s1) / (x - zeta) + (sum_k a^(T+k) z_k(x) - s2) / (x - zeta_next),
 * t over the T columns of the four matrices in order; apow holds a^0..a^(T+3).
 * The two fractions share one inversion: (p1 d2 + p2 d1) / (d1 d2). */
ZKC_HD zkc_kb4 zkc_deep_row(const zkc_deep_args *d, const zkc_kb4 *apow, size_t L)
{
    zkc_kb4 a1 = zkc_open_zero(), a2 = zkc_open_zero();
    unsigned t = 0;
    for (int m = 0; m < 4; m++) {
        if (d->width[m] == 0)
            continue; /* its matrix may be NULL */
        const uint32_t *row = d->mat[m] + L * d->width[m];
        for (uint32_t i = 0; i < d->width[m]; i++, t++)
            a1 = zkc4_add(a1, zkc4_mul_base(apow[t], row[i]));
    }
    const uint32_t *z = d->mat[2] + L * d->width[2];
    ZKC_OPEN_UNROLL
    for (int k = 0; k < 4; k++)
        a2 = zkc4_add(a2, zkc4_mul_base(apow[d->cols + k], z[k]));
    zkc_kb4 x = zkc_open_base(zkc_mul(d->shift, zkc_pow(d->w, (uint64_t)L)));
    zkc_kb4 p1 = zkc4_sub(a1, d->s1), p2 = zkc4_sub(a2, d->s2);
    zkc_kb4 d1 = zkc4_sub(x, d->zeta), d2 = zkc4_sub(x, d->zeta_next);
    zkc_kb4 num = zkc4_add(zkc4_mul(p1, d2), zkc4_mul(p2, d1));
    return zkc4_mul(num, zkc4_inv(zkc4_mul(d1, d2)));
}

/* ---- FRI (docs/PROOF.md, "FRI") ------------------------------------------------ */

/* Element i of a layer's matrix (rows of K = 2^a values, row r holding the values
 * at r + k rows, k < K) comes from this index of the natural-order values
 * (fri_prove.c's permute_rows). */
ZKC_HD size_t zkc_fri_permute_src(size_t i, size_t rows, unsigned a)
{
    size_t r = i >> a, k = i & (((size_t)1 << a) - 1);
    return r + k * rows;
}

/* 1/x0 of row r: sinv winv^r (fri_prove.c's fold_rows). */
ZKC_HD uint32_t zkc_fri_x0_inv(uint32_t sinv, uint32_t winv, size_t r)
{
    return zkc_mul(sinv, zkc_pow(winv, (uint64_t)r));
}

ZKC_HD uint32_t zkc_fri_root_inv(unsigned a)
{
    switch (a) {
    case 1: return ZKC_FRI_ROOT_INV1;
    case 2: return ZKC_FRI_ROOT_INV2;
    case 3: return ZKC_FRI_ROOT_INV3;
    case 4: return ZKC_FRI_ROOT_INV4;
    default: return ZKC_ONE;
    }
}

/* verifier/fri.c's fri_fold_row step for step: row holds 2^a kb4 values at the
 * points x0 w^k; arity 0 returns row[0] and an arity above 4 returns zero, as there.
 * A binary step pairs k with k + h (the point -x0 w^k) and squares x0^-1, w^-1 and
 * beta for the next. */
ZKC_HD zkc_kb4 zkc_fri_fold_row(const uint32_t *row, unsigned a, uint32_t x0_inv, zkc_kb4 beta)
{
    if (a < 1 || a > ZKC_FRI_MAX_ARITY)
        return a == 0 ? zkc_open_load(row) : zkc_open_zero();
    zkc_kb4 v[1 << ZKC_FRI_MAX_ARITY];
    unsigned k_all = 1u << a;
    ZKC_OPEN_UNROLL
    for (unsigned k = 0; k < k_all; k++)
        v[k] = zkc_open_load(row + 4 * k);
    uint32_t winv = zkc_fri_root_inv(a), xinv = x0_inv;
    ZKC_OPEN_UNROLL
    for (unsigned h = k_all / 2; h >= 1; h /= 2) {
        uint32_t t = zkc_mul(ZKC_HALF, xinv); /* 1 / (2 x_k), k = 0 */
        ZKC_OPEN_UNROLL
        for (unsigned k = 0; k < h; k++) {
            zkc_kb4 sum = zkc4_add(v[k], v[k + h]);
            zkc_kb4 dif = zkc4_sub(v[k], v[k + h]);
            v[k] = zkc4_add(zkc4_mul_base(sum, ZKC_HALF), zkc4_mul(beta, zkc4_mul_base(dif, t)));
            t = zkc_mul(t, winv);
        }
        xinv = zkc_sqr(xinv);
        winv = zkc_sqr(winv);
        beta = zkc4_sqr(beta);
    }
    return v[0];
}

#endif
