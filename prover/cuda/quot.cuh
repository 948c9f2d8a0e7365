/* The quotient at one point of the coset g H_{4n} (docs/PROOF.md, "Quotient" and
 * "Copy constraints"), ZKC_HD like kb.cuh: the value prover/plonk_prove.c's
 * quot_range writes at out[4 j .. 4 j + 4), computed by one device thread, or on the
 * host by tests and by a host emulation of the backend.
 *
 * Point j (j < 4n) is x_j = g w_{4n}^j, LDE row L = j 2^(b-2) of the N = 2^(log_n +
 * b) rows, and its "next row" is ((j + 4) mod 4n) 2^(b-2) (x w_n). At x_j:
 *
 *   C = sum over gate types g of sel_g * sum_i alpha^(t_g + i) cons_{g,i}
 *     + alpha^236 L_0 (Z - 1)
 *     + sum over chunks ch of alpha^(237 + ch) (pi_{ch+1} prod den - pi_ch prod num)
 *   q(x_j) = C / (x_j^n - 1)
 *
 * with L_0(x) = (x^n - 1) / (n (x - 1)). Field arithmetic is exact, so the value is
 * the CPU's bit for bit whatever the order of the operations: here L_0 is a product
 * of log_n factors where the CPU batch-inverts n (x - 1), the gates add their
 * alpha-weighted constraints as they produce them (gates.cuh's sink), and sums of
 * products are reduced once (kb.cuh's zkc_acc4) where the CPU reduces each product.
 */
#ifndef ZKGATE_PROVER_CUDA_QUOT_CUH
#define ZKGATE_PROVER_CUDA_QUOT_CUH

#include <stddef.h>

#include "prover/cuda/gates.cuh"
#include "prover/cuda/kb.cuh"
#include "prover/cuda/p2.cuh"

#define ZKC_NUM_SELECTORS    7   /* ZP_NUM_SELECTORS */
#define ZKC_NUM_PREPROCESSED 44  /* ZP_NUM_PREPROCESSED: selectors, constants, sigmas */
#define ZKC_PERM_CHUNK       3   /* ZP_PERM_CHUNK */
#define ZKC_PERM_CHUNKS      11  /* ZP_PERM_CHUNKS */
#define ZKC_NUM_PERM_COLS    44  /* ZP_NUM_PERM_COLS: Z, then pi_1 .. pi_10, 4 columns each */
#define ZKC_QUOT_TERMS       248 /* 236 gate terms + L_0 term + 11 chunk terms */

/* Everything one point needs. The caller fills the fields up to alpha_pows
 * (zkc_quot_alpha_pows does those), then zkc_quot_args_init fills the rest. */
typedef struct zkc_quot_args {
    const uint32_t *wires; /* N x ZKC_WIRES (173), row-major (device memory for _dev) */
    const uint32_t *pre;   /* N x ZKC_NUM_PREPROCESSED (44), row-major */
    const uint32_t *perm;  /* N x ZKC_NUM_PERM_COLS (44), row-major */
    unsigned log_n;        /* trace rows n = 2^log_n, >= 2 */
    unsigned log_blowup;   /* b: N = 2^(log_n + b) LDE rows, b >= 2, log_n + b <= 24 */
    uint32_t shift;        /* the coset shift g, Montgomery form, non-zero */
    uint32_t pi_hash[8];   /* the public-input hash */
    uint32_t beta[4];      /* permutation challenges (extension elements) */
    uint32_t gamma[4];
    uint32_t alpha_pows[4 * ZKC_QUOT_TERMS]; /* alpha^0 .. alpha^247, 4 coefficients each */
    /* ---- filled by zkc_quot_args_init ---- */
    zkc_p2_consts p2;                /* Poseidon2 round constants (verifier/'s tables) */
    uint32_t k[ZKC_ROUTED];          /* k_i = g^i: the coset identifiers of the routed columns */
    uint32_t root;                   /* w_{4n}: x_j = g root^j */
    uint32_t n_elem;                 /* n as a field element */
    uint32_t zh[4];                  /* x_j^n - 1 for j mod 4 (x^n takes 4 values on g H_{4n}) */
    uint32_t zh_inv[4];              /* their inverses */
    uint32_t bk[ZKC_ROUTED][4];      /* beta k_i (extension elements) */
    uint32_t root_pow[ZKC_TWO_ADIC]; /* root^(2^i) for i < log_n + 2, then 0 */
    uint32_t n_inv;                  /* 1 / n */
} zkc_quot_args;

/* alpha_pows[t] = alpha^t for t < ZKC_QUOT_TERMS, by repeated products as the CPU
 * builds them (alpha: 4 coefficients). */
ZKC_HD void zkc_quot_alpha_pows(zkc_quot_args *a, const uint32_t alpha[4])
{
    zkc_kb4 al = {{alpha[0], alpha[1], alpha[2], alpha[3]}};
    zkc_kb4 x = {{ZKC_ONE, 0u, 0u, 0u}};
    for (int t = 0; t < ZKC_QUOT_TERMS; t++) {
        for (int c = 0; c < 4; c++)
            a->alpha_pows[4 * t + c] = x.c[c];
        x = zkc4_mul(x, al);
    }
}

/* Fills a's derived fields from log_n, log_blowup, shift and beta, and copies the
 * Poseidon2 constants from p2 (which may be &a->p2).
 * Returns: 0, or -1 when log_n < 2, log_blowup < 2 or log_n + log_blowup > 24 (a
 * is not touched then). */
ZKC_HD int zkc_quot_args_init(zkc_quot_args *a, const zkc_p2_consts *p2)
{
    if (a->log_n < 2 || a->log_blowup < 2 || a->log_blowup > ZKC_TWO_ADIC ||
        a->log_n + a->log_blowup > ZKC_TWO_ADIC)
        return -1;
    if (p2 != &a->p2)
        a->p2 = *p2;
    a->k[0] = ZKC_ONE;
    for (int i = 1; i < ZKC_ROUTED; i++)
        a->k[i] = zkc_mul(a->k[i - 1], a->shift);
    a->root = zkc_root_of_unity(a->log_n + 2);
    a->n_elem = zkc_from_canonical((uint32_t)1 << a->log_n);
    a->n_inv = zkc_inv(a->n_elem);
    for (int i = 0; i < ZKC_ROUTED; i++)
        for (int c = 0; c < 4; c++)
            a->bk[i][c] = zkc_mul(a->beta[c], a->k[i]);
    uint32_t r = a->root;
    for (unsigned i = 0; i < ZKC_TWO_ADIC; i++) {
        a->root_pow[i] = i < a->log_n + 2 ? r : 0u;
        r = zkc_sqr(r);
    }
    uint32_t x = a->shift;
    for (int i = 0; i < 4; i++) {
        a->zh[i] = zkc_sub(zkc_pow(x, (uint64_t)1 << a->log_n), ZKC_ONE);
        a->zh_inv[i] = zkc_inv(a->zh[i]);
        x = zkc_mul(x, a->root);
    }
    return 0;
}

/* An extension element from 4 consecutive columns. */
ZKC_HD zkc_kb4 zkc_quot_ext(const uint32_t *v)
{
    zkc_kb4 r = {{v[0], v[1], v[2], v[3]}};
    return r;
}

/* x_j = g root^j: g times root^(2^i) for each bit i of j (j < 4n). */
ZKC_HD uint32_t zkc_quot_x(const zkc_quot_args *a, size_t j)
{
    uint32_t x = a->shift;
    for (unsigned i = 0; i < a->log_n + 2; i++)
        if ((j >> i) & 1)
            x = zkc_mul(x, a->root_pow[i]);
    return x;
}

/* L_0(x) = (x^n - 1) / (n (x - 1)) = (1/n) sum_{k<n} x^k
 *        = (1/n) prod_{i < log_n} (1 + x^(2^i)),
 * without an inversion. (Where x = 1, x^n - 1 = 0 too, and the point's quotient is
 * 0 whatever L_0 is: 1 / (x^n - 1) is taken as 0, as the CPU does.) */
ZKC_HD uint32_t zkc_quot_l0(const zkc_quot_args *a, uint32_t x)
{
    uint32_t l0 = a->n_inv;
    for (unsigned i = 0; i < a->log_n; i++) {
        if (i)
            x = zkc_sqr(x);
        l0 = zkc_mul(l0, zkc_add(ZKC_ONE, x));
    }
    return l0;
}

/* A factor of the copy constraints, gamma + w_i + b v, with b an extension element
 * and v a base one (b = beta k_i, v = x for a numerator; b = beta, v = sigma_i for
 * a denominator): each coefficient's product and sum reduced once. */
ZKC_HD zkc_kb4 zkc_quot_factor(const uint32_t gamma[4], uint32_t wi, const uint32_t b[4],
                               uint32_t v)
{
    zkc_kb4 r;
    r.c[0] = zkc_mul_add(b[0], v, zkc_add(gamma[0], wi));
    for (int c = 1; c < 4; c++)
        r.c[c] = zkc_mul_add(b[c], v, gamma[c]);
    return r;
}

/* q(x_j) into out[0..4) from point j's rows: w (ZKC_WIRES wires), pre (ZKC_NUM_PREPROCESSED:
 * selectors, constants, sigmas), pm (ZKC_NUM_PERM_COLS: Z and the partial products)
 * at LDE row j 2^(b-2), and pmn, the permutation row at the next point (only its Z
 * is read). The rows may be anywhere (global or shared memory on the device).
 *
 * The terms go into one lazily reduced sum (zkc_acc4): each adds at most four
 * products per coefficient after a fold, and it is reduced once, at the end. */
ZKC_HD void zkc_quot_eval(const zkc_quot_args *a, size_t j, const uint32_t *w, const uint32_t *pre,
                          const uint32_t *pm, const uint32_t *pmn, uint32_t out[4])
{
    zkc_kb4 gates = {{0u, 0u, 0u, 0u}};

    /* Gates: sel_g * sum_i alpha^(t + i) cons_i, gate types in order; the inner sum
     * lazily reduced in the sink, reduced once per gate, then one product by the
     * selector (7 x 4 reductions and products instead of 236 x 4). The running
     * total stays reduced (4 registers beside the sink's 8, not 8). */
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
    for (unsigned o = 0; o < ZKC_NGATES; o++) {
        unsigned g = o == 0 ? ZKC_GATE_POSEIDON2 : o <= ZKC_GATE_POSEIDON2 ? o - 1 : o;
        zkc_gate_sink k;
        k.out = 0;
        k.apow = a->alpha_pows + 4 * zkc_gate_first_term(g);
        k.i = 0;
        k.acc = zkc4_acc_zero();
        zkc_gate_eval(g, w, pre + ZKC_NUM_SELECTORS, a->pi_hash, &a->p2, &k);
        zkc_kb4 s = zkc4_acc_reduce(&k.acc);
        for (int c = 0; c < 4; c++)
            gates.c[c] = zkc_mul_add(s.c[c], pre[g], gates.c[c]);
    }
    unsigned t = ZKC_GATE_TERMS;
    /* the lazy sum of the other terms starts from it (v 2^32 stands for v) */
    zkc_acc4 acc;
    for (int c = 0; c < 4; c++)
        acc.c[c] = (uint64_t)gates.c[c] << 32;

    /* L_0(x) (Z(x) - 1); x^n - 1 depends on j mod 4. */
    uint32_t x = zkc_quot_x(a, j);
    zkc_kb4 z = zkc_quot_ext(pm);
    z.c[0] = zkc_sub(z.c[0], ZKC_ONE);
    zkc4_acc_mul(&acc, zkc_quot_ext(a->alpha_pows + 4 * t), zkc4_mul_base(z, zkc_quot_l0(a, x)));
    t++;

    /* Chunks of 3 routed columns: pi_{ch+1} prod den_i - pi_ch prod num_i with
     * num_i = w_i + beta k_i x + gamma, den_i = w_i + beta sigma_i + gamma, pi_0 = Z
     * and pi_11 = Z at the next point. The two products of the difference share
     * one lazily reduced sum (pi_ch negated first). */
    const uint32_t *sig = pre + ZKC_NUM_SELECTORS + ZKC_CONSTS;
    for (unsigned ch = 0; ch < ZKC_PERM_CHUNKS; ch++) {
        unsigned i = ZKC_PERM_CHUNK * ch;
        zkc_kb4 nu = zkc_quot_factor(a->gamma, w[i], a->bk[i], x);
        zkc_kb4 de = zkc_quot_factor(a->gamma, w[i], a->beta, sig[i]);
        for (i++; i < ZKC_PERM_CHUNK * (ch + 1) && i < ZKC_ROUTED; i++) {
            nu = zkc4_mul_lazy(nu, zkc_quot_factor(a->gamma, w[i], a->bk[i], x));
            de = zkc4_mul_lazy(de, zkc_quot_factor(a->gamma, w[i], a->beta, sig[i]));
        }
        zkc_kb4 cur = zkc_quot_ext(pm + 4 * ch);
        zkc_kb4 nxt =
            ch + 1 < ZKC_PERM_CHUNKS ? zkc_quot_ext(pm + 4 * (ch + 1)) : zkc_quot_ext(pmn);
        zkc_acc4 d = zkc4_acc_zero();
        zkc4_acc_mul(&d, nxt, de);
        zkc4_acc_mul(&d, zkc4_neg(cur), nu);
        zkc4_acc_mul(&acc, zkc_quot_ext(a->alpha_pows + 4 * t), zkc4_acc_reduce(&d));
        t++;
    }

    zkc_kb4 q = zkc4_mul_base(zkc4_acc_reduce(&acc), a->zh_inv[j & 3]);
    for (int c = 0; c < 4; c++)
        out[c] = q.c[c];
}

/* q(x_j) into out[0..4): the value quot_range writes at out[4 j .. 4 j + 4), for
 * j < 4n, reading a's matrices (host memory on the host, device memory on the
 * device). a was filled by zkc_quot_args_init. */
ZKC_HD void zkc_quot_point(const zkc_quot_args *a, size_t j, uint32_t out[4])
{
    size_t nq = (size_t)4 << a->log_n;
    unsigned sh = a->log_blowup - 2;
    size_t L = j << sh, Ln = ((j + 4) & (nq - 1)) << sh;
    zkc_quot_eval(a, j, a->wires + L * ZKC_WIRES, a->pre + L * ZKC_NUM_PREPROCESSED,
                  a->perm + L * ZKC_NUM_PERM_COLS, a->perm + Ln * ZKC_NUM_PERM_COLS, out);
}

#endif
