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
 * the CPU's bit for bit whatever the order of the operations: here each point
 * inverts its own n (x - 1) where the CPU batch-inverts, and the gates add their
 * alpha-weighted constraints as they produce them (gates.cuh's sink).
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
    zkc_p2_consts p2;       /* Poseidon2 round constants (verifier/'s tables) */
    uint32_t k[ZKC_ROUTED]; /* k_i = g^i: the coset identifiers of the routed columns */
    uint32_t root;          /* w_{4n}: x_j = g root^j */
    uint32_t n_elem;        /* n as a field element */
    uint32_t zh[4];         /* x_j^n - 1 for j mod 4 (x^n takes 4 values on g H_{4n}) */
    uint32_t zh_inv[4];     /* their inverses */
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

/* Fills a's derived fields from log_n, log_blowup and shift, and copies the
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

/* q(x_j) into out[0..4) from point j's rows: w (ZKC_WIRES wires), pre (ZKC_NUM_PREPROCESSED:
 * selectors, constants, sigmas), pm (ZKC_NUM_PERM_COLS: Z and the partial products)
 * at LDE row j 2^(b-2), and pmn, the permutation row at the next point (only its Z
 * is read). The rows may be anywhere (global or shared memory on the device). */
ZKC_HD void zkc_quot_eval(const zkc_quot_args *a, size_t j, const uint32_t *w, const uint32_t *pre,
                          const uint32_t *pm, const uint32_t *pmn, uint32_t out[4])
{
    zkc_kb4 acc = {{0u, 0u, 0u, 0u}};
    const zkc_kb4 one = {{ZKC_ONE, 0u, 0u, 0u}};
    unsigned t = 0;

    /* Gates: sel_g * sum_i alpha^(t + i) cons_i, gate types in order. */
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
    for (unsigned g = 0; g < ZKC_NGATES; g++) {
        zkc_gate_sink k;
        k.out = 0;
        k.apow = a->alpha_pows + 4 * t;
        k.i = 0;
        for (int c = 0; c < 4; c++)
            k.acc.c[c] = 0;
        zkc_gate_eval(g, w, pre + ZKC_NUM_SELECTORS, a->pi_hash, &a->p2, &k);
        acc = zkc4_add(acc, zkc4_mul_base(k.acc, pre[g]));
        t += zkc_gate_num_constraints(g);
    }

    /* L_0(x) (Z(x) - 1), L_0(x) = (x^n - 1) / (n (x - 1)); x^n - 1 depends on j mod 4. */
    uint32_t x = zkc_mul(a->shift, zkc_pow(a->root, j));
    uint32_t l0 = zkc_mul(a->zh[j & 3], zkc_inv(zkc_mul(a->n_elem, zkc_sub(x, ZKC_ONE))));
    zkc_kb4 z = zkc_quot_ext(pm);
    acc = zkc4_add(
        acc, zkc4_mul(zkc_quot_ext(a->alpha_pows + 4 * t), zkc4_mul_base(zkc4_sub(z, one), l0)));
    t++;

    /* Chunks of 3 routed columns: pi_{ch+1} prod den_i - pi_ch prod num_i with
     * num_i = w_i + beta k_i x + gamma, den_i = w_i + beta sigma_i + gamma, pi_0 = Z
     * and pi_11 = Z at the next point. */
    const uint32_t *sig = pre + ZKC_NUM_SELECTORS + ZKC_CONSTS;
    zkc_kb4 beta = zkc_quot_ext(a->beta), gamma = zkc_quot_ext(a->gamma);
    for (unsigned ch = 0; ch < ZKC_PERM_CHUNKS; ch++) {
        zkc_kb4 nu = one, de = one;
        for (unsigned i = ZKC_PERM_CHUNK * ch; i < ZKC_PERM_CHUNK * (ch + 1) && i < ZKC_ROUTED;
             i++) {
            zkc_kb4 base = gamma;
            base.c[0] = zkc_add(base.c[0], w[i]);
            nu = zkc4_mul(nu, zkc4_add(base, zkc4_mul_base(beta, zkc_mul(a->k[i], x))));
            de = zkc4_mul(de, zkc4_add(base, zkc4_mul_base(beta, sig[i])));
        }
        zkc_kb4 cur = zkc_quot_ext(pm + 4 * ch);
        zkc_kb4 nxt =
            ch + 1 < ZKC_PERM_CHUNKS ? zkc_quot_ext(pm + 4 * (ch + 1)) : zkc_quot_ext(pmn);
        zkc_kb4 term = zkc4_sub(zkc4_mul(nxt, de), zkc4_mul(cur, nu));
        acc = zkc4_add(acc, zkc4_mul(zkc_quot_ext(a->alpha_pows + 4 * t), term));
        t++;
    }

    zkc_kb4 q = zkc4_mul_base(acc, a->zh_inv[j & 3]);
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
