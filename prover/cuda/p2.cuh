/* Poseidon2-16 over KoalaBear for the CUDA backend: the permutation of one state
 * (one thread's registers on the device), two-to-one compression, and the Merkle
 * leaf sponge, ZKC_HD like kb.cuh (C11 and CUDA C++ at once).
 *
 * The round constants are passed in (a zkc_p2_consts): on the device they live in
 * __constant__ memory, filled once from verifier/'s tables (p2_rc_ext_init,
 * p2_rc_int, p2_rc_ext_final, p2_diag: all Montgomery form), so both sides use the
 * very same numbers. Every step is verifier/p2.c's, in the same order, with the
 * same field operations: the results are the same bits.
 */
#ifndef ZKGATE_PROVER_CUDA_P2_CUH
#define ZKGATE_PROVER_CUDA_P2_CUH

#include "prover/cuda/kb.cuh"

#define ZKC_P2_WIDTH  16
#define ZKC_P2_RATE   8
#define ZKC_P2_DIGEST 8
/* P2_DOM_MERKLE_LEAF of verifier/p2.h: the tag of the leaf sponge. */
#define ZKC_P2_DOM_MERKLE_LEAF 1u

typedef struct zkc_p2_consts {
    uint32_t ext_init[4][16];  /* the 4 initial full rounds' constants */
    uint32_t internal[20];     /* the 20 partial rounds' constants */
    uint32_t ext_final[4][16]; /* the 4 final full rounds' constants */
    uint32_t diag[16];         /* the internal layer's diagonal (zkc_p2_internal_diag
                                  applies it by additions and halvings; kept here
                                  for checking) */
} zkc_p2_consts;

ZKC_HD uint32_t zkc_p2_cube(uint32_t x)
{
    return zkc_mul(zkc_sqr(x), x);
}

/* M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]] on each chunk of 4, then every
 * element gains the sum of its residue class mod 4 (p2_external_layer). */
ZKC_HD void zkc_p2_external(uint32_t s[16])
{
    for (int c = 0; c < 16; c += 4) {
        uint32_t x0 = s[c], x1 = s[c + 1], x2 = s[c + 2], x3 = s[c + 3];
        uint32_t t = zkc_add(zkc_add(x0, x1), zkc_add(x2, x3));
        s[c] = zkc_add(zkc_add(t, x0), zkc_double(x1));
        s[c + 1] = zkc_add(zkc_add(t, x1), zkc_double(x2));
        s[c + 2] = zkc_add(zkc_add(t, x2), zkc_double(x3));
        s[c + 3] = zkc_add(zkc_add(t, x3), zkc_double(x0));
    }
    for (int i = 0; i < 4; i++) {
        uint32_t sum = zkc_add(zkc_add(s[i], s[i + 4]), zkc_add(s[i + 8], s[i + 12]));
        s[i] = zkc_add(s[i], sum);
        s[i + 4] = zkc_add(s[i + 4], sum);
        s[i + 8] = zkc_add(s[i + 8], sum);
        s[i + 12] = zkc_add(s[i + 12], sum);
    }
}

ZKC_HD void zkc_p2_full_round(uint32_t s[16], const uint32_t rc[16])
{
    for (int i = 0; i < 16; i++)
        s[i] = zkc_p2_cube(zkc_add(s[i], rc[i]));
    zkc_p2_external(s);
}

/* x / 2^k for x < p, 1 <= k <= 24, without a multiplication: p = 1 mod 2^24, so
 * adding m p with m = -x mod 2^k makes the sum divisible by 2^k, and
 * (x + m p) / 2^k <= (2^k p - 1) / 2^k < p is already reduced. m p is
 * (m << 31) - (m << 24) + m since p = 2^31 - 2^24 + 1. Exact, so the same bits as
 * a Montgomery product by the constant 2^-k. */
ZKC_HD uint32_t zkc_div2k(uint32_t x, unsigned k)
{
    uint64_t m = (0u - x) & ((1u << k) - 1);
    uint64_t t = (uint64_t)x + m + (m << 31) - (m << 24);
    return (uint32_t)(t >> k);
}

/* The internal layer: s[i] = total + d_i s[i] with the diagonal of p2.c,
 * [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/8, 1/2^24, -1/2^8, -1/8, -1/16,
 * -1/2^24], by additions and exact halvings instead of 16 field products
 * (test_cuda_host checks it against the product by p2_diag). */
ZKC_HD void zkc_p2_internal_diag(uint32_t s[16], uint32_t total)
{
    uint32_t x2;
    x2 = zkc_double(s[0]);
    s[0] = zkc_sub(total, x2);
    s[1] = zkc_add(total, s[1]);
    s[2] = zkc_add(total, zkc_double(s[2]));
    s[3] = zkc_add(total, zkc_div2k(s[3], 1));
    s[4] = zkc_add(total, zkc_add(zkc_double(s[4]), s[4]));
    s[5] = zkc_add(total, zkc_double(zkc_double(s[5])));
    s[6] = zkc_sub(total, zkc_div2k(s[6], 1));
    s[7] = zkc_sub(total, zkc_add(zkc_double(s[7]), s[7]));
    s[8] = zkc_sub(total, zkc_double(zkc_double(s[8])));
    s[9] = zkc_add(total, zkc_div2k(s[9], 8));
    s[10] = zkc_add(total, zkc_div2k(s[10], 3));
    s[11] = zkc_add(total, zkc_div2k(s[11], 24));
    s[12] = zkc_sub(total, zkc_div2k(s[12], 8));
    s[13] = zkc_sub(total, zkc_div2k(s[13], 3));
    s[14] = zkc_sub(total, zkc_div2k(s[14], 4));
    s[15] = zkc_sub(total, zkc_div2k(s[15], 24));
}

/* The permutation in place (p2_permute). Fully unrolled on the device so the
 * state stays in registers. */
ZKC_HD void zkc_p2_permute(uint32_t s[16], const zkc_p2_consts *k)
{
    zkc_p2_external(s);
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
    for (int r = 0; r < 4; r++)
        zkc_p2_full_round(s, k->ext_init[r]);
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
    for (int r = 0; r < 20; r++) {
        s[0] = zkc_p2_cube(zkc_add(s[0], k->internal[r]));
        uint32_t total = s[0];
        for (int i = 1; i < 16; i++)
            total = zkc_add(total, s[i]);
        zkc_p2_internal_diag(s, total);
    }
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
    for (int r = 0; r < 4; r++)
        zkc_p2_full_round(s, k->ext_final[r]);
}

/* out = the first 8 elements of permute(left || right) (p2_compress). out may
 * alias an input. */
ZKC_HD void zkc_p2_compress(uint32_t out[8], const uint32_t left[8], const uint32_t right[8],
                            const zkc_p2_consts *k)
{
    uint32_t s[16];
    for (int i = 0; i < 8; i++) {
        s[i] = left[i];
        s[8 + i] = right[i];
    }
    zkc_p2_permute(s, k);
    for (int i = 0; i < 8; i++)
        out[i] = s[i];
}

/* The start state of a sponge under `domain` (p2_sponge_init): zero, with the tag
 * as a canonical integer in the first capacity element. */
ZKC_HD void zkc_p2_sponge_init(uint32_t s[16], uint32_t domain)
{
    for (int i = 0; i < 16; i++)
        s[i] = 0;
    s[ZKC_P2_RATE] = zkc_from_canonical(domain % ZKC_P);
}

/* Adds x at rate position *pos and permutes when the rate block is full: one
 * element of p2_sponge_absorb. */
ZKC_HD void zkc_p2_sponge_absorb1(uint32_t s[16], unsigned *pos, uint32_t x, const zkc_p2_consts *k)
{
    s[*pos] = zkc_add(s[*pos], x);
    if (++*pos == ZKC_P2_RATE) {
        zkc_p2_permute(s, k);
        *pos = 0;
    }
}

/* Pads with a single 1 and permutes (p2_sponge_finish); the digest is s[0..8). */
ZKC_HD void zkc_p2_sponge_finish(uint32_t s[16], unsigned pos, const zkc_p2_consts *k)
{
    s[pos] = zkc_add(s[pos], ZKC_ONE);
    zkc_p2_permute(s, k);
}

/* One matrix row as a Merkle leaf sees it: width elements at row. */
typedef struct zkc_row_ref {
    const uint32_t *row; /* the row's first element */
    uint64_t width;      /* its length */
} zkc_row_ref;

/* The leaf digest of rows[0..nrows) concatenated (mk_hash_rows, and mt_build's
 * hash_rows for one leaf): a sponge under P2_DOM_MERKLE_LEAF. */
ZKC_HD void zkc_p2_hash_rows(uint32_t out[8], const zkc_row_ref *rows, unsigned nrows,
                             const zkc_p2_consts *k)
{
    uint32_t s[16];
    unsigned pos = 0;
    zkc_p2_sponge_init(s, ZKC_P2_DOM_MERKLE_LEAF);
    for (unsigned r = 0; r < nrows; r++)
        for (uint64_t j = 0; j < rows[r].width; j++)
            zkc_p2_sponge_absorb1(s, &pos, rows[r].row[j], k);
    zkc_p2_sponge_finish(s, pos, k);
    for (int i = 0; i < 8; i++)
        out[i] = s[i];
}

/* Proof of work (verifier/transcript.h): base is the state tr_grind permutes, the
 * transcript's pending inputs in the rate with zeros after them, their count + 1
 * added to the last capacity element, and slot = that count, where the nonce goes.
 * Returns: 1 when nonce (< p) is valid for bits, i.e. the first element of the
 * permuted state is, as a canonical 31-bit number, below 2^(31 - bits). */
ZKC_HD int zkc_pow_try(const uint32_t base[16], unsigned slot, uint32_t nonce, unsigned bits,
                       const zkc_p2_consts *k)
{
    uint32_t s[16];
    for (int i = 0; i < 16; i++)
        s[i] = base[i];
    s[slot] = zkc_from_canonical(nonce);
    zkc_p2_permute(s, k);
    return (zkc_to_canonical(s[0]) >> (31 - bits)) == 0;
}

/* ---- Merkle trees (mt_build's construction) ------------------------------------ */

/* A committed matrix as the tree kernels see it: row-major, 2^log_height rows. */
typedef struct zkc_mt_mat {
    const uint32_t *data; /* row r is data[r*width .. r*width + width) */
    uint64_t width;       /* elements per row */
    unsigned log_height;  /* log2 of the rows */
} zkc_mt_mat;

/* Where level l of a tree of log height d starts in mt_build's node array, in
 * digests: level d first (2^d digests), then d-1, ...: 2^(d+1) - 2^(l+1). */
ZKC_HD uint64_t zkc_mt_level_offset(unsigned d, unsigned l)
{
    return ((uint64_t)2 << d) - ((uint64_t)2 << l);
}

/* The leaf sponge of row r of every matrix of height 2^l, in commitment order
 * (mt_build's hash_rows for one row); the digest is s[0..8). */
ZKC_HD void zkc_mt_hash_level_rows(uint32_t s[16], const zkc_mt_mat *mats, unsigned nmats,
                                   unsigned l, uint64_t r, const zkc_p2_consts *k)
{
    unsigned pos = 0;
    zkc_p2_sponge_init(s, ZKC_P2_DOM_MERKLE_LEAF);
    for (unsigned m = 0; m < nmats; m++) {
        if (mats[m].log_height != l)
            continue;
        const uint32_t *row = mats[m].data + r * mats[m].width;
        for (uint64_t j = 0; j < mats[m].width; j++)
            zkc_p2_sponge_absorb1(s, &pos, row[j], k);
    }
    zkc_p2_sponge_finish(s, pos, k);
}

/* Node i of level l into out[0..8): at the leaf level (children == NULL) the leaf
 * hash of its rows; above, compress(left, right) of the two children at
 * children[16 i .. 16 i + 16), then, when inject (some matrix has 2^l rows),
 * compress(that, leaf hash of those rows), exactly as mt_build's build_level. */
ZKC_HD void zkc_mt_node(uint32_t out[8], const uint32_t *children, const zkc_mt_mat *mats,
                        unsigned nmats, unsigned l, uint64_t i, int inject, const zkc_p2_consts *k)
{
    uint32_t s[16];
    if (!children) {
        zkc_mt_hash_level_rows(s, mats, nmats, l, i, k);
    } else {
        for (int q = 0; q < 16; q++)
            s[q] = children[16 * i + (uint64_t)q];
        zkc_p2_permute(s, k);
        if (inject) {
            uint32_t node[8];
            for (int q = 0; q < 8; q++)
                node[q] = s[q];
            zkc_mt_hash_level_rows(s, mats, nmats, l, i, k);
            for (int q = 0; q < 8; q++) {
                s[8 + q] = s[q];
                s[q] = node[q];
            }
            zkc_p2_permute(s, k);
        }
    }
    for (int q = 0; q < 8; q++)
        out[q] = s[q];
}

#endif
