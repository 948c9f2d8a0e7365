/* The CUDA backend's arithmetic, compiled as C on the host: prover/cuda/kb.cuh,
 * p2.cuh and ntt.cuh hold the very functions the kernels run (ZKC_HD makes them
 * __host__ __device__ under nvcc and plain C here), so checking them against
 * verifier/ and prover/ntt.c on many inputs checks the device math on machines
 * without a GPU. The NTT's decomposition (pass plan, tile layout, butterfly slots,
 * twiddle indices) is run here tile by tile exactly as ntt.cu's kernels run it,
 * for every tile size. What this cannot see (launches, memory, the kernels' loops
 * over threads) is the gpu tests' job.
 *
 * Every function is compared bit for bit with its CPU counterpart on edge values
 * (0, 1, p-1, small and large residues, 2^32 mod p) and on random elements drawn
 * with a printed seed (ZK_TEST_SEED=... replays a run). */
#include "common/error.h"
#include "prover/cuda/kb.cuh"
#include "prover/cuda/ntt.cuh"
#include "prover/cuda/p2.cuh"
#include "prover/mtree.h"
#include "prover/ntt.h"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h" /* the Poseidon2 round constants */
#include "verifier/merkle.h"
#include "verifier/p2.h"
#include "verifier/transcript.h"

#define N_RANDOM 200000

static zkc_p2_consts g_k;

/* Values that exercise the reductions' edges, in Montgomery form. */
static const uint32_t k_edge_canon[] = {0,          1,
                                        2,          3,
                                        KB_P - 1,   KB_P - 2,
                                        KB_P / 2,   KB_P / 2 + 1,
                                        1u << 24,   (1u << 24) + 1,
                                        0x7effffff, 0x40000000,
                                        0x01fffffe, 0x17f7efe4,
                                        127};
#define N_EDGE (sizeof k_edge_canon / sizeof k_edge_canon[0])

static kb pick(size_t i)
{
    if (i < N_EDGE)
        return kb_from_canonical(k_edge_canon[i]);
    if (i < 2 * N_EDGE) /* the raw values as Montgomery representatives too */
        return k_edge_canon[i - N_EDGE];
    return ct_rand_kb();
}

static void test_constants(void)
{
    CHECK_EQ(ZKC_P, KB_P);
    CHECK_EQ(ZKC_ONE, KB_ONE);
    CHECK_EQ(ZKC_MONT_NINV, KB_MONT_NINV);
    CHECK_EQ(ZKC_MONT_MU, KB_MONT_MU);
    CHECK_EQ((uint32_t)(ZKC_MONT_MU * ZKC_P), 1u);
    CHECK_EQ(ZKC_MONT_R2, KB_MONT_R2);
    CHECK_EQ(ZKC_ROOT_24, KB_TWO_ADIC_ROOT);
    CHECK_EQ(ZKC_TWO_ADIC, KB_TWO_ADICITY);
    CHECK_EQ(ZKC_W, KB4_W);
    CHECK_EQ(sizeof(zkc_kb4), sizeof(kb4));
    CHECK_EQ(ZKC_P2_DOM_MERKLE_LEAF, P2_DOM_MERKLE_LEAF);
    CHECK_EQ(ZKC_P2_WIDTH, P2_WIDTH);
    CHECK_EQ(ZKC_P2_RATE, P2_RATE);
    CHECK_EQ(ZKC_P2_DIGEST, P2_DIGEST_LEN);
    for (unsigned l = 0; l <= KB_TWO_ADICITY; l++)
        CHECK_EQ(zkc_root_of_unity(l), kb_root_of_unity(l));
}

static void test_base_field(void)
{
    size_t bad = 0;
    size_t n = 2 * N_EDGE + N_RANDOM;
    for (size_t i = 0; i < n; i++) {
        kb a = pick(i), b = pick((i * 7 + 3) % n);
        uint32_t c = kb_to_canonical(a);
        bad += zkc_add(a, b) != kb_add(a, b);
        bad += zkc_sub(a, b) != kb_sub(a, b);
        bad += zkc_sub(b, a) != kb_sub(b, a);
        bad += zkc_neg(a) != kb_neg(a);
        bad += zkc_mul(a, b) != kb_mul(a, b);
        bad += zkc_sqr(a) != kb_sqr(a);
        bad += zkc_double(a) != kb_double(a);
        bad += zkc_to_canonical(a) != c;
        bad += zkc_from_canonical(c) != a;
        bad += zkc_mul_w(a) != kb_mul(a, kb_from_canonical(3));
        if (i % 64 == 0) {
            uint64_t e = t_rand() >> (t_rand() % 64);
            bad += zkc_pow(a, e) != kb_pow(a, e);
            bad += zkc_inv(a) != kb_inv(a);
        }
    }
    /* every pair of edge values */
    for (size_t i = 0; i < 2 * N_EDGE; i++)
        for (size_t j = 0; j < 2 * N_EDGE; j++) {
            kb a = pick(i), b = pick(j);
            bad += zkc_add(a, b) != kb_add(a, b);
            bad += zkc_sub(a, b) != kb_sub(a, b);
            bad += zkc_mul(a, b) != kb_mul(a, b);
        }
    for (size_t i = 0; i < 2 * N_EDGE; i++) {
        kb a = pick(i);
        bad += zkc_inv(a) != kb_inv(a);
        for (uint64_t e = 0; e < 70; e++)
            bad += zkc_pow(a, e) != kb_pow(a, e);
        bad += zkc_pow(a, UINT64_MAX) != kb_pow(a, UINT64_MAX);
    }
    CHECK_EQ(zkc_inv(0), 0);
    CHECK_EQ(zkc_mont_reduce((uint64_t)(KB_P - 1) * (KB_P - 1)),
             kb_mont_reduce((uint64_t)(KB_P - 1) * (KB_P - 1)));
    CHECK_MSG(bad == 0, "%zu base-field mismatches", bad);
    for (unsigned bits = 1; bits <= 24; bits++)
        for (int r = 0; r < 100; r++) {
            uint32_t x = (uint32_t)t_rand() & ((1u << bits) - 1), y = 0;
            for (unsigned k = 0; k < bits; k++)
                y |= ((x >> k) & 1u) << (bits - 1 - k);
            CHECK_EQ(zkc_bitrev(x, bits), y);
        }
    CHECK_EQ(zkc_bitrev(5, 0), 0);
}

static kb4 pick4(size_t i)
{
    kb4 a;
    for (int k = 0; k < 4; k++)
        a.c[k] = pick((i + (size_t)k * 5) % (2 * N_EDGE + 1));
    if (i >= 2 * N_EDGE)
        for (int k = 0; k < 4; k++)
            a.c[k] = ct_rand_kb();
    return a;
}

static void test_extension(void)
{
    size_t bad = 0;
    for (size_t i = 0; i < 2 * N_EDGE + N_RANDOM / 4; i++) {
        kb4 a = pick4(i), b = pick4(i + 11);
        kb s = pick(i % (2 * N_EDGE));
        bad += !ct_same4(zkc4_add(ct_to_z(a), ct_to_z(b)), kb4_add(a, b));
        bad += !ct_same4(zkc4_sub(ct_to_z(a), ct_to_z(b)), kb4_sub(a, b));
        bad += !ct_same4(zkc4_neg(ct_to_z(a)), kb4_neg(a));
        bad += !ct_same4(zkc4_mul(ct_to_z(a), ct_to_z(b)), kb4_mul(a, b));
        bad += !ct_same4(zkc4_mul_lazy(ct_to_z(a), ct_to_z(b)), kb4_mul(a, b));
        bad += !ct_same4(zkc4_sqr(ct_to_z(a)), kb4_sqr(a));
        bad += !ct_same4(zkc4_mul_base(ct_to_z(a), s), kb4_mul_base(a, s));
        if (i % 16 == 0) {
            uint64_t e = t_rand() >> (t_rand() % 64);
            bad += !ct_same4(zkc4_pow(ct_to_z(a), e), kb4_pow(a, e));
            bad += !ct_same4(zkc4_inv(ct_to_z(a)), kb4_inv(a));
        }
    }
    /* zero, one and base-field elements through the inverse */
    kb4 z = kb4_zero(), one = kb4_one();
    CHECK(ct_same4(zkc4_inv(ct_to_z(z)), kb4_inv(z)));
    CHECK(ct_same4(zkc4_inv(ct_to_z(one)), kb4_inv(one)));
    for (size_t i = 0; i < 2 * N_EDGE; i++) {
        kb4 a = kb4_from_base(pick(i));
        bad += !ct_same4(zkc4_inv(ct_to_z(a)), kb4_inv(a));
        bad += !ct_same4(zkc4_pow(ct_to_z(a), KB_P), kb4_pow(a, KB_P));
    }
    CHECK_MSG(bad == 0, "%zu extension mismatches", bad);
}

static void rand_state(kb s[16], size_t i)
{
    for (int k = 0; k < 16; k++)
        s[k] = i < 2 * N_EDGE ? pick((i + (size_t)k) % (2 * N_EDGE)) : ct_rand_kb();
    if (i == 0)
        memset(s, 0, 16 * sizeof(kb));
    if (i == 1)
        for (int k = 0; k < 16; k++)
            s[k] = kb_from_canonical(KB_P - 1);
}

static void test_permutation(void)
{
    size_t bad = 0;
    for (size_t i = 0; i < 2 * N_EDGE + 5000; i++) {
        kb a[16], b[16];
        rand_state(a, i);
        memcpy(b, a, sizeof a);
        p2_permute(a);
        zkc_p2_permute(b, &g_k);
        bad += memcmp(a, b, sizeof a) != 0;
        /* the external layer alone */
        rand_state(a, i);
        memcpy(b, a, sizeof a);
        p2_external_layer(a);
        zkc_p2_external(b);
        bad += memcmp(a, b, sizeof a) != 0;
    }
    /* the internal layer's additions and halvings against the products by p2_diag */
    for (size_t i = 0; i < 2 * N_EDGE + 20000; i++) {
        kb x[16], total = pick((i * 3) % (2 * N_EDGE + 1));
        rand_state(x, i);
        kb want[16];
        for (int q = 0; q < 16; q++)
            want[q] = kb_add(total, kb_mul(p2_diag[q], x[q]));
        zkc_p2_internal_diag(x, total);
        bad += memcmp(x, want, sizeof x) != 0;
    }
    for (unsigned k = 1; k <= 24; k++)
        for (size_t i = 0; i < 2 * N_EDGE + 200; i++) {
            kb x = pick(i);
            bad += zkc_div2k(x, k) != kb_mul(x, kb_inv(kb_from_canonical(1u << k)));
        }
    CHECK_MSG(bad == 0, "%zu permutation mismatches", bad);
    /* the known answer, through the device code: permute(0, 1, ..., 15) */
    kb a[16], b[16];
    for (int k = 0; k < 16; k++)
        a[k] = b[k] = kb_from_canonical((uint32_t)k);
    p2_permute(a);
    zkc_p2_permute(b, &g_k);
    CHECK_MEM(a, b, sizeof a);
}

static void test_compress(void)
{
    size_t bad = 0;
    for (size_t i = 0; i < 2000; i++) {
        p2_digest l, r, o;
        kb s[16];
        rand_state(s, i);
        memcpy(l.v, s, sizeof l.v);
        memcpy(r.v, s + 8, sizeof r.v);
        p2_compress(&o, &l, &r);
        uint32_t z[8];
        zkc_p2_compress(z, l.v, r.v, &g_k);
        bad += memcmp(z, o.v, sizeof z) != 0;
        /* aliasing output and input, as p2_compress allows */
        zkc_p2_compress(l.v, l.v, r.v, &g_k);
        bad += memcmp(l.v, o.v, sizeof z) != 0;
    }
    CHECK_MSG(bad == 0, "%zu compression mismatches", bad);
}

/* Rows of every length 0..40 and several rows of different lengths, against
 * p2_hash under the leaf domain and mk_hash_rows. */
static void test_hash_rows(void)
{
    size_t bad = 0;
    kb buf[200];
    for (size_t i = 0; i < 200; i++)
        buf[i] = i < 2 * N_EDGE ? pick(i) : ct_rand_kb();
    for (size_t len = 0; len <= 40; len++) {
        p2_digest want;
        p2_hash(&want, P2_DOM_MERKLE_LEAF, buf, len);
        zkc_row_ref rr = {buf, len};
        uint32_t got[8];
        zkc_p2_hash_rows(got, &rr, 1, &g_k);
        bad += memcmp(got, want.v, sizeof got) != 0;
    }
    for (int trial = 0; trial < 300; trial++) {
        unsigned nrows = 1 + (unsigned)(t_rand() % 6);
        mk_row rows[6];
        zkc_row_ref rr[6];
        size_t off = 0;
        for (unsigned r = 0; r < nrows; r++) {
            size_t len = 1 + t_rand() % 25;
            rows[r].v = buf + off;
            rows[r].len = len;
            rr[r].row = buf + off;
            rr[r].width = len;
            off += len;
        }
        p2_digest want;
        mk_hash_rows(&want, rows, nrows);
        uint32_t got[8];
        zkc_p2_hash_rows(got, rr, nrows, &g_k);
        bad += memcmp(got, want.v, sizeof got) != 0;
    }
    uint32_t s[16];
    zkc_p2_sponge_init(s, P2_DOM_TRANSCRIPT);
    p2_sponge sp;
    p2_sponge_init(&sp, P2_DOM_TRANSCRIPT);
    CHECK_MEM(s, sp.state, sizeof s);
    CHECK_MSG(bad == 0, "%zu leaf-hash mismatches", bad);
}

/* The state tr_grind permutes for a transcript with n_in pending inputs (the
 * same construction prover/gpu.c uses; tr_check_pow is the judge). */
static void pow_base(const tr_state *t, uint32_t base[16], unsigned *slot)
{
    memcpy(base, t->state, 16 * sizeof(uint32_t));
    for (unsigned i = 0; i < P2_RATE; i++)
        base[i] = i < t->n_in ? t->in[i] : KB_ZERO;
    *slot = t->n_in;
    base[P2_WIDTH - 1] = kb_add(base[P2_WIDTH - 1], kb_from_u32(t->n_in + 1));
}

static void test_pow(void)
{
    size_t bad = 0;
    for (int trial = 0; trial < 40; trial++) {
        tr_state t;
        tr_init(&t);
        unsigned nobs = (unsigned)(t_rand() % 20);
        for (unsigned i = 0; i < nobs; i++)
            tr_observe(&t, ct_rand_kb());
        if (t_rand() % 3 == 0)
            (void)tr_sample(&t);
        unsigned bits = (unsigned)(t_rand() % 9);
        uint32_t base[16];
        unsigned slot;
        pow_base(&t, base, &slot);
        /* agree with tr_check_pow on the first nonces, valid or not */
        for (uint32_t nonce = 0; nonce < 300; nonce++) {
            tr_state c = t;
            int cpu = tr_check_pow(&c, bits, nonce) == ZK_OK;
            bad += cpu != zkc_pow_try(base, slot, nonce, bits, &g_k);
        }
        /* and the smallest valid nonce by a linear scan is tr_grind's */
        tr_state g = t;
        uint32_t want = 0;
        CHECK_OK(tr_grind(&g, bits, &want));
        uint32_t got = 0;
        while (!zkc_pow_try(base, slot, got, bits, &g_k))
            got++;
        bad += got != want;
    }
    zk_err_clear();
    CHECK_MSG(bad == 0, "%zu proof-of-work mismatches", bad);
}

/* ---- the NTT decomposition, run on the host as ntt.cu runs it ------------------ */

#define EMU_MAX_LOG 14

static uint32_t g_tw[2][(size_t)1 << EMU_MAX_LOG];

/* The batch layout of ntt.cu (zkc_layout): element (i, c). */
typedef struct emu_ly {
    int row_major;
    unsigned L;
    size_t cols;
} emu_ly;

static size_t emu_at(const emu_ly *ly, size_t i, size_t c)
{
    return ly->row_major ? i * ly->cols + c : (c << ly->L) + i;
}

static emu_ly emu_layout(int layout, unsigned L, size_t cols)
{
    emu_ly ly = {layout == NTT_ROW_MAJOR && cols > 1, L, cols};
    return ly;
}

/* zkc_src of ntt.cu: where the first pass reads (p == NULL: in place); row i reads
 * row i >> lb of p, times c0 * s^e (e the row or its bit-reversal) when scaled. */
typedef struct emu_src {
    const uint32_t *p;
    emu_ly ly;
    unsigned lb;
    int scaled;
    uint32_t s, c0;
    int brev;
} emu_src;

/* run_layers + pass_kernel of ntt.cu, with the thread blocks and threads run one
 * after another; also checks that every pass visits every element exactly once. */
static void emu_layers(uint32_t *data, const uint32_t *tw, const emu_ly *ly, unsigned lo,
                       unsigned hi, int dit, uint32_t scale, const emu_src *src, unsigned tile_cap,
                       size_t *bad)
{
    if (lo >= hi && scale == ZKC_ONE && !src)
        return;
    unsigned cw_log = zkc_ntt_cw_log(ly->row_major, ly->cols);
    unsigned rt_log = zkc_ntt_row_tile_log(ly->L, tile_cap, cw_log);
    unsigned pa[ZKC_NTT_MAX_PASSES], pk[ZKC_NTT_MAX_PASSES];
    unsigned np = zkc_ntt_plan_passes(lo, hi, rt_log, zkc_ntt_min_run(cw_log), pa, pk);
    /* the passes cover [lo, hi) once, in order, each within a tile */
    unsigned at = lo;
    for (unsigned p = 0; p < np; p++) {
        *bad += pa[p] != at || pk[p] > rt_log || (p > 0 && pk[p] == 0);
        at += pk[p];
    }
    *bad += lo < hi && at != hi;
    size_t n = (size_t)1 << ly->L, total = n * ly->cols;
    size_t S = (size_t)1 << (rt_log + cw_log), tiles = n >> rt_log;
    size_t chunks = (ly->cols + ((size_t)1 << cw_log) - 1) >> cw_log;
    uint32_t *sh = malloc(S * sizeof(uint32_t));
    unsigned char *seen = malloc(total), *touched = malloc(S);
    for (unsigned q = 0; q < np; q++) {
        unsigned idx = dit ? q : np - 1 - q, a = pa[idx], k = pk[idx];
        uint32_t sc = q == np - 1 ? scale : ZKC_ONE;
        memset(seen, 0, total);
        for (size_t blk = 0; blk < tiles * chunks; blk++) {
            size_t c0 = (blk / tiles) << cw_log;
            zkc_tile tl = zkc_ntt_tile(blk % tiles, a, k, rt_log);
            for (unsigned s2 = 0; s2 < S; s2++) {
                unsigned cc;
                uint64_t i = zkc_ntt_slot_row(&tl, s2, a, k, cw_log, &cc);
                sh[s2] = 0xdeadbeefu; /* a slot past the last column holds garbage */
                if (c0 + cc >= ly->cols)
                    continue;
                if (i >= n) {
                    (*bad)++;
                    continue;
                }
                seen[emu_at(ly, i, c0 + cc)]++;
                if (q == 0 && src) {
                    size_t r = i >> src->lb;
                    uint32_t v = src->p[emu_at(&src->ly, r, c0 + cc)];
                    if (src->scaled) {
                        uint32_t e = src->brev ? zkc_bitrev((uint32_t)r, src->ly.L) : (uint32_t)r;
                        v = zkc_mul(v, zkc_mul(zkc_pow(src->s, e), src->c0));
                    }
                    sh[s2] = v;
                } else {
                    sh[s2] = data[emu_at(ly, i, c0 + cc)];
                }
            }
            for (unsigned step = 0; step < k; step++) {
                unsigned j = dit ? step : k - 1 - step;
                /* On the device a step's butterflies run at once, between two
                 * __syncthreads: they must touch every slot exactly once, or two
                 * threads would race on a slot (which this serial loop would hide). */
                memset(touched, 0, S);
                for (unsigned b = 0; b < S / 2; b++) {
                    unsigned s0, s1;
                    uint64_t ti;
                    zkc_ntt_bfly_cw(&tl, b, j, a, cw_log, &s0, &s1, &ti);
                    if (s0 >= S || s1 >= S || ti >= ((uint64_t)2 << (a + j)) ||
                        (s0 & ((1u << cw_log) - 1)) != (b & ((1u << cw_log) - 1))) {
                        (*bad)++;
                        continue;
                    }
                    touched[s0]++;
                    touched[s1]++;
                    if (dit)
                        zkc_bfly_dit(&sh[s0], &sh[s1], tw[ti]);
                    else
                        zkc_bfly_dif(&sh[s0], &sh[s1], tw[ti]);
                }
                for (size_t s2 = 0; s2 < S; s2++)
                    *bad += touched[s2] != 1;
            }
            for (unsigned s2 = 0; s2 < S; s2++) {
                unsigned cc;
                uint64_t i = zkc_ntt_slot_row(&tl, s2, a, k, cw_log, &cc);
                if (c0 + cc < ly->cols && i < n)
                    data[emu_at(ly, i, c0 + cc)] = sc == ZKC_ONE ? sh[s2] : zkc_mul(sh[s2], sc);
            }
        }
        for (size_t i = 0; i < total; i++)
            *bad += seen[i] != 1;
    }
    free(sh);
    free(seen);
    free(touched);
}

static void emu_bitrev(uint32_t *x, const emu_ly *ly)
{
    size_t n = (size_t)1 << ly->L;
    for (size_t c = 0; c < ly->cols; c++)
        for (uint32_t i = 0; i < n; i++) {
            uint32_t j = zkc_bitrev(i, ly->L);
            if (i < j) {
                uint32_t t = x[emu_at(ly, i, c)];
                x[emu_at(ly, i, c)] = x[emu_at(ly, j, c)];
                x[emu_at(ly, j, c)] = t;
            }
        }
}

/* ntt_batch of ntt.cu. */
static void emu_ntt(uint32_t *d, const emu_ly *ly, int in, int out, int inverse, const emu_src *src,
                    unsigned tile_cap, size_t *bad)
{
    uint32_t scale = inverse ? zkc_pow(zkc_from_canonical((ZKC_P + 1) / 2), ly->L) : ZKC_ONE;
    if (in == NTT_NATURAL) {
        emu_layers(d, g_tw[inverse], ly, 0, ly->L, 0, scale, src, tile_cap, bad);
        if (out == NTT_NATURAL)
            emu_bitrev(d, ly);
    } else {
        emu_layers(d, g_tw[inverse], ly, 0, ly->L, 1, scale, src, tile_cap, bad);
        if (out == NTT_BITREV)
            emu_bitrev(d, ly);
    }
}

/* zkc_ntt_coset_dev's forward path: the first pass reads coefficient i times
 * shift^i. */
static void emu_coset(uint32_t *d, const emu_ly *ly, uint32_t shift, int order, unsigned tile_cap,
                      size_t *bad)
{
    emu_src src = {d, *ly, 0, 1, shift, ZKC_ONE, 0};
    emu_ntt(d, ly, NTT_NATURAL, order, 0, &src, tile_cap, bad);
}

/* lde_batch of ntt.cu: the inverse DIF's first pass copies in, the forward DIT's
 * first pass scales and expands. */
static void emu_lde(uint32_t *out, const uint32_t *in, int layout, unsigned L, unsigned lb,
                    size_t cols, uint32_t shift, unsigned tile_cap, size_t *bad)
{
    emu_ly lo = emu_layout(layout, L, cols), hi = emu_layout(layout, L + lb, cols);
    uint32_t *v = malloc(cols * ((size_t)1 << L) * sizeof(uint32_t));
    emu_src copy = {in, lo, 0, 0, 0, 0, 0};
    emu_layers(v, g_tw[1], &lo, 0, L, 0, ZKC_ONE, &copy, tile_cap, bad);
    uint32_t inv_n = zkc_pow(zkc_from_canonical((ZKC_P + 1) / 2), L);
    emu_src expand = {v, lo, lb, 1, shift, inv_n, 1};
    emu_layers(out, g_tw[0], &hi, lb, L + lb, 1, ZKC_ONE, &expand, tile_cap, bad);
    free(v);
}

static void test_ntt_decomposition(void)
{
    for (size_t i = 0; i < ((size_t)1 << EMU_MAX_LOG); i++) {
        g_tw[0][i] = zkc_twiddle(i, 0);
        g_tw[1][i] = zkc_twiddle(i, 1);
    }
    /* the table's meaning: tw[h + j] = w_2h^j, tw_inv[h + j] = w_2h^-j */
    CHECK_EQ(g_tw[0][1], KB_ONE);
    CHECK_EQ(g_tw[0][2 + 1], kb_root_of_unity(2));
    CHECK_EQ(g_tw[0][1024 + 5], kb_pow(kb_root_of_unity(11), 5));
    CHECK_EQ(kb_mul(g_tw[1][4096 + 77], g_tw[0][4096 + 77]), KB_ONE);
    ntt_plan *plan = NULL;
    CHECK_OK(ntt_plan_new(&plan, EMU_MAX_LOG));
    if (!plan)
        return;
    size_t bad = 0, cases = 0;
    const unsigned tiles[] = {4, 5, 6, 7, 9, 13};
    const size_t colss[] = {1, 2, 3, 5, 8, 9, 17};
    for (size_t ti = 0; ti < sizeof tiles / sizeof *tiles; ti++)
        for (unsigned L = 0; L <= 12; L += (L < 6 ? 1 : 3))
            for (int o = 0; o < 16; o++) {
                size_t cols = colss[(L + (unsigned)o) % 7], len = cols << L;
                int in = o & 1, out = (o >> 1) & 1, inverse = (o >> 2) & 1, layout = o >> 3;
                if (len > ((size_t)1 << 15))
                    cols = 1, len = (size_t)1 << L;
                uint32_t *a = malloc(len * sizeof(uint32_t)), *b = malloc(len * sizeof(uint32_t));
                for (size_t i = 0; i < len; i++)
                    a[i] = b[i] = ct_rand_kb();
                int rc = inverse ? ntt_inverse(plan, a, L, cols, layout, in, out)
                                 : ntt_forward(plan, a, L, cols, layout, in, out);
                CHECK_OK(rc);
                emu_ly ly = emu_layout(layout, L, cols);
                emu_ntt(b, &ly, in, out, inverse, NULL, tiles[ti], &bad);
                int same = memcmp(a, b, len * sizeof(uint32_t)) == 0;
                CHECK_MSG(same, "ntt 2^%u x %zu %s tile 2^%u in %d out %d inverse %d", L, cols,
                          layout ? "row" : "col", tiles[ti], in, out, inverse);
                cases++;
                free(a);
                free(b);
            }
    for (size_t ti = 0; ti < sizeof tiles / sizeof *tiles; ti++)
        for (unsigned L = 0; L <= 11; L += (L < 4 ? 1 : 3))
            for (int o = 0; o < 4; o++) {
                int order = o & 1, layout = o >> 1;
                size_t cols = colss[(L + (unsigned)o) % 7], len = cols << L;
                uint32_t *a = malloc(len * sizeof(uint32_t)), *b = malloc(len * sizeof(uint32_t));
                for (size_t i = 0; i < len; i++)
                    a[i] = b[i] = ct_rand_kb();
                kb shift =
                    o == 3 ? (kb)(1 + t_rand() % (KB_P - 1)) : kb_from_canonical(KB_GENERATOR);
                CHECK_OK(ntt_coset_forward(plan, a, L, cols, layout, shift, order));
                emu_ly ly = emu_layout(layout, L, cols);
                emu_coset(b, &ly, shift, order, tiles[ti], &bad);
                CHECK_MSG(memcmp(a, b, len * sizeof(uint32_t)) == 0,
                          "coset 2^%u x %zu %s tile 2^%u order %d", L, cols, layout ? "row" : "col",
                          tiles[ti], order);
                cases++;
                free(a);
                free(b);
            }
    for (size_t ti = 0; ti < sizeof tiles / sizeof *tiles; ti++)
        for (unsigned L = 0; L <= 10; L += (L < 4 ? 1 : 3))
            for (unsigned lb = 0; lb <= 3; lb++)
                for (int layout = 0; layout < 2; layout++) {
                    size_t cols = colss[(L + lb + (unsigned)layout) % 7], n = cols << L,
                           N = n << lb;
                    uint32_t *in = malloc(n * sizeof(uint32_t)), *a = malloc(N * sizeof(uint32_t)),
                             *b = malloc(N * sizeof(uint32_t));
                    for (size_t i = 0; i < n; i++)
                        in[i] = ct_rand_kb();
                    kb shift =
                        lb == 2 ? (kb)(1 + t_rand() % (KB_P - 1)) : kb_from_canonical(KB_GENERATOR);
                    CHECK_OK(ntt_lde(plan, a, in, L, lb, cols, layout, shift));
                    emu_lde(b, in, layout, L, lb, cols, shift, tiles[ti], &bad);
                    CHECK_MSG(memcmp(a, b, N * sizeof(uint32_t)) == 0,
                              "lde 2^%u x%u x %zu %s tile 2^%u", L, 1u << lb, cols,
                              layout ? "row" : "col", tiles[ti]);
                    cases++;
                    free(in);
                    free(a);
                    free(b);
                }
    /* the full-size plans: column-major 2^24 in 3 passes, 2^22 in 2; row-major
     * (8 columns a tile) 2^20 in 2, 2^22 in 3 */
    unsigned pa[ZKC_NTT_MAX_PASSES], pk[ZKC_NTT_MAX_PASSES];
    unsigned cm = zkc_ntt_min_run(0), rm = zkc_ntt_min_run(zkc_ntt_cw_log(1, 64));
    unsigned rt = zkc_ntt_row_tile_log(24, ZKC_NTT_TILE_LOG, zkc_ntt_cw_log(1, 64));
    CHECK_EQ(rt, 10);
    CHECK_EQ(zkc_ntt_plan_passes(0, 24, ZKC_NTT_TILE_LOG, cm, pa, pk), 3);
    CHECK_EQ(zkc_ntt_plan_passes(0, 22, ZKC_NTT_TILE_LOG, cm, pa, pk), 2);
    CHECK_EQ(zkc_ntt_plan_passes(0, 13, ZKC_NTT_TILE_LOG, cm, pa, pk), 1);
    CHECK_EQ(zkc_ntt_plan_passes(3, 24, ZKC_NTT_TILE_LOG, cm, pa, pk), 2);
    CHECK_EQ(zkc_ntt_plan_passes(0, 20, rt, rm, pa, pk), 2);
    CHECK_EQ(zkc_ntt_plan_passes(0, 22, rt, rm, pa, pk), 3);
    CHECK_EQ(zkc_ntt_cw_log(1, 3), 2);
    CHECK_EQ(zkc_ntt_cw_log(0, 64), 0);
    CHECK_MSG(bad == 0, "%zu decomposition faults (coverage, bounds, plan) over %zu cases", bad,
              cases);
    ntt_plan_free(plan);
}

/* ---- Merkle trees, run on the host as p2.cu's level kernels run them ------------ */

/* zkc_mt_digests_dev's loop with each kernel's threads run one after another, then
 * the cap against mt_cap and every other node against mt_open's siblings. */
static void mt_case(const mt_matrix *mats, size_t nmats, unsigned cap_log, size_t *bad)
{
    mt_tree *t = NULL;
    CHECK_OK(mt_build(&t, mats, nmats, cap_log));
    if (!t)
        return;
    unsigned d = mt_log_height(t);
    size_t len = ((size_t)2 << d) - ((size_t)1 << cap_log);
    uint32_t *nodes = malloc(len * 8 * sizeof(uint32_t));
    zkc_mt_mat zm[16];
    int has[64] = {0};
    for (size_t k = 0; k < nmats; k++) {
        zm[k].data = mats[k].data;
        zm[k].width = mats[k].width;
        zm[k].log_height = (unsigned)__builtin_ctzll((unsigned long long)mats[k].height);
        has[zm[k].log_height] = 1;
    }
    for (unsigned l = d + 1; l-- > cap_log;) {
        uint32_t *dst = nodes + 8 * zkc_mt_level_offset(d, l);
        const uint32_t *child = l == d ? NULL : nodes + 8 * zkc_mt_level_offset(d, l + 1);
        for (uint64_t i = 0; i < ((uint64_t)1 << l); i++)
            zkc_mt_node(dst + 8 * i, child, zm, (unsigned)nmats, l, i, l < d && has[l], &g_k);
    }
    size_t cap_len = 0;
    const p2_digest *cap = mt_cap(t, &cap_len);
    *bad += memcmp(cap, nodes + 8 * (len - cap_len), cap_len * sizeof(p2_digest)) != 0;
    size_t plen = mt_path_len(t), rlen = mt_row_len(t);
    kb *rows = malloc(rlen * sizeof(kb));
    p2_digest *path = malloc((plen ? plen : 1) * sizeof(p2_digest));
    for (size_t idx = 0; idx < ((size_t)1 << d); idx++) {
        CHECK_OK(mt_open(t, idx, rows, rlen, path, plen));
        size_t pos = idx;
        for (unsigned l = d; l > cap_log; l--) {
            *bad += memcmp(&path[d - l], nodes + 8 * (zkc_mt_level_offset(d, l) + (pos ^ 1)),
                           sizeof(p2_digest)) != 0;
            pos >>= 1;
        }
    }
    free(rows);
    free(path);
    free(nodes);
    mt_free(t);
}

static void test_merkle_levels(void)
{
    size_t bad = 0;
    kb *pool = malloc(((size_t)1 << 16) * sizeof(kb));
    for (size_t i = 0; i < ((size_t)1 << 16); i++)
        pool[i] = ct_rand_kb();
    const size_t widths[] = {1, 3, 7, 8, 9, 16, 17};
    for (unsigned lh = 0; lh <= 8; lh++)
        for (size_t wi = 0; wi < 7; wi++) {
            mt_matrix m = {pool, (size_t)1 << lh, widths[wi]};
            for (unsigned cap = 0; cap <= lh && cap <= 2; cap++)
                mt_case(&m, 1, cap, &bad);
        }
    /* several matrices of different heights in a mixed commitment order */
    const size_t hs[] = {1u << 8, 1u << 5, 1u << 8, 1u << 2, 1u << 5, 1u << 1, 1u << 7};
    const size_t ws[] = {5, 8, 3, 1, 17, 2, 9};
    mt_matrix mats[7];
    size_t off = 0;
    for (int k = 0; k < 7; k++) {
        mats[k].data = pool + off;
        mats[k].height = hs[k];
        mats[k].width = ws[k];
        off += hs[k] * ws[k];
    }
    for (unsigned cap = 0; cap <= 1; cap++)
        mt_case(mats, 7, cap, &bad);
    mt_case(mats, 2, 3, &bad);
    mt_case(mats + 3, 3, 1, &bad);
    CHECK_MSG(bad == 0, "%zu Merkle node mismatches", bad);
    free(pool);
}

/* t / 2^32 mod p from the CPU's reduction: t mod (p 2^32) is congruent to t mod p
 * and in kb_mont_reduce's domain. */
static kb ref_reduce64(uint64_t t)
{
    return kb_mont_reduce(t % ((uint64_t)KB_P << 32));
}

/* The lazily reduced sums (kb.cuh): zkc_fold and zkc_reduce64 on 64-bit edge values,
 * zkc_mul_add against kb_add(c, kb_mul(a, b)), and chains of zkc4_acc_mul /
 * zkc4_acc_mul_base against kb4 sums, from start sums anywhere in 64 bits and with
 * every coefficient p - 1 (each product at its largest), the bound's worst case. */
static void test_lazy(void)
{
    const uint64_t p32 = (uint64_t)KB_P << 32;
    const uint64_t edge64[] = {0,
                               1,
                               KB_P,
                               p32 - 1,
                               p32,
                               p32 + 1,
                               2 * p32 - 1,
                               2 * p32,
                               (uint64_t)1 << 63,
                               ((uint64_t)1 << 57) - 1,
                               (uint64_t)(KB_P - 1) * (KB_P - 1),
                               4 * (uint64_t)(KB_P - 1) * (KB_P - 1),
                               UINT64_MAX - 1,
                               UINT64_MAX};
    size_t bad = 0, n_edge64 = sizeof edge64 / sizeof edge64[0];
    for (size_t i = 0; i < n_edge64 + N_RANDOM; i++) {
        uint64_t t = i < n_edge64 ? edge64[i] : t_rand() >> (t_rand() % 8);
        uint64_t f = zkc_fold(t);
        bad += f >= (uint64_t)1 << 57 || f % KB_P != t % KB_P;
        bad += zkc_reduce64(t) != ref_reduce64(t);
    }
    CHECK_MSG(bad == 0, "%zu zkc_fold / zkc_reduce64 mismatches", bad);

    bad = 0;
    for (size_t i = 0; i < 2 * N_EDGE * 2 * N_EDGE + N_RANDOM; i++) {
        kb a = pick(i % (2 * N_EDGE)), b = pick(i / (2 * N_EDGE) % (2 * N_EDGE)),
           c = pick((i * 7) % (2 * N_EDGE));
        if (i >= 4 * N_EDGE * N_EDGE)
            a = ct_rand_kb(), b = ct_rand_kb(), c = ct_rand_kb();
        bad += zkc_mul_add(a, b, c) != kb_add(c, kb_mul(a, b));
    }
    CHECK_MSG(bad == 0, "%zu zkc_mul_add mismatches", bad);

    bad = 0;
    const kb4 top = {{KB_P - 1, KB_P - 1, KB_P - 1, KB_P - 1}}; /* raw p - 1: the largest */
    for (size_t i = 0; i < 4000; i++) {
        zkc_acc4 acc;
        kb4 want;
        for (int k = 0; k < 4; k++) {
            acc.c[k] = i < n_edge64 ? edge64[(i + (size_t)k) % n_edge64] : t_rand();
            want.c[k] = ref_reduce64(acc.c[k]);
        }
        int steps = 1 + (int)(t_rand() % 24);
        for (int s = 0; s < steps; s++) {
            int worst = i % 2 == 0;
            kb4 x = worst ? top : pick4(i * 31 + (size_t)s), y = worst ? top : pick4(i * 17 + 3);
            if (t_rand() % 4 == 0) {
                kb b = worst ? KB_P - 1 : pick((size_t)s % (2 * N_EDGE));
                zkc4_acc_mul_base(&acc, ct_to_z(x), b);
                want = kb4_add(want, kb4_mul_base(x, b));
            } else {
                zkc4_acc_mul(&acc, ct_to_z(x), ct_to_z(y));
                want = kb4_add(want, kb4_mul(x, y));
            }
        }
        bad += !ct_same4(zkc4_acc_reduce(&acc), want);
    }
    CHECK_MSG(bad == 0, "%zu lazy extension sum mismatches", bad);
}

int main(void)
{
    t_seed();
    ct_load_p2_consts(&g_k);
    test_constants();
    test_base_field();
    test_extension();
    test_lazy();
    test_permutation();
    test_compress();
    test_hash_rows();
    test_pow();
    test_ntt_decomposition();
    test_merkle_levels();
    return t_report("test_cuda_host");
}
