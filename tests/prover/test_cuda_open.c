/* The CUDA opening phase's arithmetic, compiled as C on the host:
 * prover/cuda/open.cuh holds the functions open.cu's kernels run (ZKC_HD), so this
 * checks them bit for bit against references written here from verifier/
 * (kb.h, kb4.h, fri_fold_row) in the shape of the CPU prover (plonk_prove.c's
 * permutation(), bary_weights(), bary(), the quotient's Horner openings and
 * deep(); fri_prove.c's permute_rows and fold_rows), batch inversions included.
 *
 * Where kernels cooperate, their structure is emulated block by block: the scan
 * of the permutation product (block scans in Hillis-Steele steps, the totals'
 * levels, the fix-ups, the finish pass that reads the value before each row) and
 * the column sums' two passes, for sizes that are and are not multiples of the
 * block sizes, n = 1 and 2 included, and a scan of three levels.
 * Random inputs come from a printed seed (ZK_TEST_SEED=... replays a run). */
#include "common/error.h"
#include "prover/cuda/open.cuh"
#include "tests/prover/cuda_test.h"
#include "tests/test.h"
#include "verifier/fri.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/plonk.h"
#include "verifier/plonk_gates.h"

/* ---- references: the CPU prover's code, written from verifier/ ------------------ */

/* plonk_prove.c's kb4_batch_inv. */
static void ref_batch_inv(kb4 *out, const kb4 *in, size_t n)
{
    if (n == 0)
        return;
    kb4 *scratch = ct_xmalloc(n * sizeof *scratch);
    kb4 acc = kb4_one();
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        acc = kb4_mul(acc, in[i]);
    }
    kb4 inv = kb4_inv(acc);
    for (size_t i = n; i-- > 0;) {
        kb4 x = in[i];
        out[i] = kb4_mul(inv, scratch[i]);
        inv = kb4_mul(inv, x);
    }
    free(scratch);
}

/* plonk_prove.c's permutation(): perm (n x 44) and the whole product. */
static kb4 ref_perm(kb *perm, const kb *trace, const kb *pre, unsigned log_n, kb g, kb4 beta,
                    kb4 gamma)
{
    size_t n = (size_t)1 << log_n, m = n * ZP_PERM_CHUNKS;
    kb4 *num = ct_xmalloc(m * sizeof *num), *den = ct_xmalloc(m * sizeof *den);
    kb k[ZP_ROUTED], w = kb_root_of_unity(log_n), x = KB_ONE;
    k[0] = KB_ONE;
    for (int i = 1; i < ZP_ROUTED; i++)
        k[i] = kb_mul(k[i - 1], g);
    for (size_t r = 0; r < n; r++, x = kb_mul(x, w)) {
        const kb *wr = &trace[r * ZP_WIRES];
        const kb *sig = &pre[r * ZP_NUM_PREPROCESSED + ZP_NUM_SELECTORS + ZP_CONSTS];
        for (unsigned j = 0; j < ZP_PERM_CHUNKS; j++) {
            kb4 nu = kb4_one(), de = kb4_one();
            for (unsigned i = ZP_PERM_CHUNK * j; i < ZP_PERM_CHUNK * (j + 1) && i < ZP_ROUTED;
                 i++) {
                kb4 base = kb4_add(gamma, kb4_from_base(wr[i]));
                nu = kb4_mul(nu, kb4_add(base, kb4_mul_base(beta, kb_mul(k[i], x))));
                de = kb4_mul(de, kb4_add(base, kb4_mul_base(beta, sig[i])));
            }
            num[r * ZP_PERM_CHUNKS + j] = nu;
            den[r * ZP_PERM_CHUNKS + j] = de;
        }
    }
    ref_batch_inv(den, den, m);
    kb4 z = kb4_one();
    for (size_t r = 0; r < n; r++) {
        kb *row = &perm[r * ZP_NUM_PERM_COLS];
        memcpy(row, z.c, sizeof z.c);
        kb4 run = z;
        for (unsigned j = 0; j < ZP_PERM_CHUNKS; j++) {
            run = kb4_mul(run, kb4_mul(num[r * ZP_PERM_CHUNKS + j], den[r * ZP_PERM_CHUNKS + j]));
            if (j + 1 < ZP_PERM_CHUNKS)
                memcpy(row + 4 * (j + 1), run.c, sizeof run.c);
        }
        z = run;
    }
    free(num);
    free(den);
    return z;
}

/* plonk_prove.c's bary_weights(). */
static void ref_bary_weights(kb4 *wt, unsigned log_n, kb4 z)
{
    size_t n = (size_t)1 << log_n;
    kb w = kb_root_of_unity(log_n), x = KB_ONE;
    for (size_t r = 0; r < n; r++, x = kb_mul(x, w))
        wt[r] = kb4_sub(z, kb4_from_base(x));
    ref_batch_inv(wt, wt, n);
    kb4 s = kb4_mul_base(kb4_sub(kb4_pow(z, n), kb4_one()), kb_inv(kb_from_u64(n)));
    x = KB_ONE;
    for (size_t r = 0; r < n; r++, x = kb_mul(x, w))
        wt[r] = kb4_mul(kb4_mul_base(wt[r], x), s);
}

/* plonk_prove.c's bary_range over every column. */
static void ref_bary(kb4 *out, const kb *m, size_t n, size_t width, const kb4 *wt)
{
    for (size_t col = 0; col < width; col++) {
        kb4 acc = kb4_zero();
        for (size_t r = 0; r < n; r++)
            acc = kb4_add(acc, kb4_mul_base(wt[r], m[r * width + col]));
        out[col] = acc;
    }
}

/* openings()' Horner evaluation of a coefficient column. */
static kb4 ref_horner(const kb *m, size_t n, size_t width, size_t col, kb4 z)
{
    kb4 acc = kb4_zero();
    for (size_t r = n; r-- > 0;)
        acc = kb4_add(kb4_mul(acc, z), kb4_from_base(m[r * width + col]));
    return acc;
}

/* plonk_prove.c's deep() for matrices of any widths (T = their sum, z_k column k
 * of mats[2]). */
static void ref_deep(kb4 *f, const kb *const mats[4], const size_t widths[4], unsigned log_lde,
                     kb g, const kb4 *apow, kb4 s1, kb4 s2, kb4 zeta, kb4 zeta_next)
{
    size_t nl = (size_t)1 << log_lde, T = widths[0] + widths[1] + widths[2] + widths[3];
    kb4 *pair = ct_xmalloc(2 * nl * sizeof *pair), *den = ct_xmalloc(2 * nl * sizeof *den);
    kb wN = kb_root_of_unity(log_lde);
    kb x = g;
    for (size_t L = 0; L < nl; L++, x = kb_mul(x, wN)) {
        kb4 a1 = kb4_zero(), a2 = kb4_zero();
        unsigned t = 0;
        for (int m = 0; m < 4; m++) {
            const kb *row = mats[m] + L * widths[m];
            for (size_t i = 0; i < widths[m]; i++, t++)
                a1 = kb4_add(a1, kb4_mul_base(apow[t], row[i]));
        }
        const kb *z = mats[2] + L * widths[2];
        for (unsigned k = 0; k < 4; k++)
            a2 = kb4_add(a2, kb4_mul_base(apow[T + k], z[k]));
        pair[2 * L] = kb4_sub(a1, s1);
        pair[2 * L + 1] = kb4_sub(a2, s2);
        den[2 * L] = kb4_sub(kb4_from_base(x), zeta);
        den[2 * L + 1] = kb4_sub(kb4_from_base(x), zeta_next);
    }
    ref_batch_inv(den, den, 2 * nl);
    for (size_t L = 0; L < nl; L++)
        f[L] = kb4_add(kb4_mul(pair[2 * L], den[2 * L]), kb4_mul(pair[2 * L + 1], den[2 * L + 1]));
    free(pair);
    free(den);
}

/* ---- emulation of open.cu's cooperating kernels --------------------------------- */

/* scan_block_kernel: every block of v (n values) scanned in its own slots, block
 * totals to tot (when not NULL). */
static void emu_block_scan(zkc_kb4 *v, zkc_kb4 *tot, size_t n)
{
    size_t nb = (n + ZKC_SCAN_BLOCK - 1) / ZKC_SCAN_BLOCK;
    static zkc_kb4 buf[2][ZKC_SCAN_BLOCK];
    for (size_t b = 0; b < nb; b++) {
        for (unsigned i = 0; i < ZKC_SCAN_BLOCK; i++) {
            size_t g = b * ZKC_SCAN_BLOCK + i;
            buf[0][i] = g < n ? v[g] : zkc_open_one();
        }
        int cur = 0;
        for (unsigned d = 1; d < ZKC_SCAN_BLOCK; d <<= 1) {
            for (unsigned i = 0; i < ZKC_SCAN_BLOCK; i++)
                buf[cur ^ 1][i] = zkc_scan_step(buf[cur], i, d);
            cur ^= 1;
        }
        for (unsigned i = 0; i < ZKC_SCAN_BLOCK; i++) {
            size_t g = b * ZKC_SCAN_BLOCK + i;
            if (g < n)
                v[g] = buf[cur][i];
        }
        if (tot)
            tot[b] = buf[cur][ZKC_SCAN_BLOCK - 1];
    }
}

/* scan_full: returns the number of levels used. */
static unsigned emu_scan_full(zkc_kb4 *v, size_t n)
{
    size_t nb = (n + ZKC_SCAN_BLOCK - 1) / ZKC_SCAN_BLOCK;
    if (nb <= 1) {
        emu_block_scan(v, NULL, n);
        return 1;
    }
    zkc_kb4 *tot = ct_xmalloc(nb * sizeof *tot);
    emu_block_scan(v, tot, n);
    unsigned levels = 1 + emu_scan_full(tot, nb);
    for (size_t i = 0; i < n; i++)
        v[i] = zkc_scan_fixup(v[i], tot, i);
    free(tot);
    return levels;
}

/* zkc_perm_products_dev, pass by pass. */
static zkc_kb4 emu_perm(uint32_t *perm, const uint32_t *trace, const uint32_t *pre, unsigned log_n,
                        uint32_t shift, zkc_kb4 beta, zkc_kb4 gamma)
{
    size_t n = (size_t)1 << log_n, nb = (n + ZKC_SCAN_BLOCK - 1) / ZKC_SCAN_BLOCK;
    zkc_perm_args pa;
    zkc_perm_args_init(&pa, log_n, shift, beta, gamma);
    zkc_kb4 *ratio = ct_xmalloc(n * sizeof *ratio), *tot = ct_xmalloc(nb * sizeof *tot);
    for (size_t r = 0; r < n; r++)
        ratio[r] = zkc_perm_row(perm + ZKC_OPEN_PERM_COLS * r, trace + ZKC_OPEN_WIRES * r,
                                pre + ZKC_OPEN_PRE * r, &pa, r);
    emu_block_scan(ratio, tot, n);
    if (nb > 1)
        emu_scan_full(tot, nb);
    for (size_t r = 0; r < n; r++) {
        zkc_kb4 z = r ? zkc_scan_fixup(ratio[r - 1], tot, r - 1) : zkc_open_one();
        zkc_perm_finish_row(perm + ZKC_OPEN_PERM_COLS * r, z);
    }
    zkc_kb4 zf = zkc4_mul(nb > 1 ? tot[nb - 2] : zkc_open_one(), ratio[n - 1]);
    free(ratio);
    free(tot);
    return zf;
}

/* zkc_col_sums_dev's two passes. */
static void emu_col_sums(zkc_kb4 *out, const uint32_t *m, size_t n, size_t width,
                         const uint32_t *wt)
{
    if (n == 0) {
        for (size_t col = 0; col < width; col++)
            out[col] = zkc_open_zero();
        return;
    }
    size_t chunks = (n + ZKC_COLSUM_ROWS - 1) / ZKC_COLSUM_ROWS;
    uint32_t *partial = ct_xmalloc(4 * chunks * width * sizeof *partial);
    for (size_t c = 0; c < chunks; c++) {
        size_t r0 = c * ZKC_COLSUM_ROWS;
        size_t r1 = n - r0 < ZKC_COLSUM_ROWS ? n : r0 + ZKC_COLSUM_ROWS;
        for (size_t col = 0; col < width; col++)
            zkc_open_store(partial + 4 * (c * width + col),
                           zkc_col_partial(m, width, wt, col, r0, r1));
    }
    for (size_t col = 0; col < width; col++)
        out[col] = zkc_col_total(partial, chunks, width, col);
    free(partial);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_constants(void)
{
    CHECK_EQ(ZKC_OPEN_WIRES, ZP_WIRES);
    CHECK_EQ(ZKC_OPEN_ROUTED, ZP_ROUTED);
    CHECK_EQ(ZKC_OPEN_PRE, ZP_NUM_PREPROCESSED);
    CHECK_EQ(ZKC_OPEN_SIGMA_COL, ZP_NUM_SELECTORS + ZP_CONSTS);
    CHECK_EQ(ZKC_OPEN_PERM_CHUNK, ZP_PERM_CHUNK);
    CHECK_EQ(ZKC_OPEN_PERM_CHUNKS, ZP_PERM_CHUNKS);
    CHECK_EQ(ZKC_OPEN_PERM_COLS, ZP_NUM_PERM_COLS);
    CHECK_EQ(ZKC_OPEN_OPENINGS, ZP_NUM_OPENINGS);
    CHECK_EQ(ZKC_OPEN_OPENINGS,
             ZP_NUM_PREPROCESSED + ZP_WIRES + ZP_NUM_PERM_COLS + ZP_NUM_QUOTIENT_COLS);
    CHECK_EQ(ZKC_SCAN_BLOCK, 1u << ZKC_SCAN_BLOCK_LOG);
    CHECK_EQ(ZKC_HALF, KB_MONT_CONST((KB_P + 1) / 2));
    CHECK_EQ(kb_mul(ZKC_HALF, kb_from_canonical(2)), KB_ONE);
    for (unsigned a = 1; a <= ZKC_FRI_MAX_ARITY; a++)
        CHECK_EQ(zkc_fri_root_inv(a), kb_inv(kb_root_of_unity(a)));
    CHECK_EQ(zkc_fri_root_inv(0), KB_ONE);
    CHECK(ct_same4(zkc_open_one(), kb4_one()));
    CHECK(ct_same4(zkc_open_zero(), kb4_zero()));
}

/* Rows 0..n of a trace and preprocessed columns. With copies = 0 every value is
 * random (the product is anything); otherwise the sigmas are the identity but for
 * `copies` random transpositions of two routed cells holding the same value, so
 * the copy constraints hold and the product must be 1. */
static void perm_inputs(kb *trace, kb *pre, unsigned log_n, kb g, unsigned copies)
{
    size_t n = (size_t)1 << log_n;
    for (size_t i = 0; i < n * ZP_WIRES; i++)
        trace[i] = ct_rand_kb();
    for (size_t i = 0; i < n * ZP_NUM_PREPROCESSED; i++)
        pre[i] = ct_rand_kb();
    if (!copies)
        return;
    kb w = kb_root_of_unity(log_n), x = KB_ONE;
    for (size_t r = 0; r < n; r++, x = kb_mul(x, w)) {
        kb k = KB_ONE;
        for (int i = 0; i < ZP_ROUTED; i++, k = kb_mul(k, g))
            pre[r * ZP_NUM_PREPROCESSED + ZKC_OPEN_SIGMA_COL + i] = kb_mul(k, x);
    }
    for (unsigned c = 0; c < copies; c++) {
        size_t r1 = t_rand() % n, r2 = t_rand() % n;
        unsigned i1 = (unsigned)(t_rand() % ZP_ROUTED), i2 = (unsigned)(t_rand() % ZP_ROUTED);
        if (r1 == r2 && i1 == i2)
            continue;
        /* swap the two cells' sigmas; a cycle of two needs equal values */
        kb *s1 = &pre[r1 * ZP_NUM_PREPROCESSED + ZKC_OPEN_SIGMA_COL + i1];
        kb *s2 = &pre[r2 * ZP_NUM_PREPROCESSED + ZKC_OPEN_SIGMA_COL + i2];
        kb id1 = kb_mul(kb_pow(g, i1), kb_pow(w, r1)), id2 = kb_mul(kb_pow(g, i2), kb_pow(w, r2));
        if (*s1 != id1 || *s2 != id2)
            continue; /* already in a cycle */
        *s1 = id2;
        *s2 = id1;
        trace[r2 * ZP_WIRES + i2] = trace[r1 * ZP_WIRES + i1];
    }
}

static void test_perm(void)
{
    const unsigned logs[] = {0, 1, 2, 3, 5, 8, 9, 10, 11};
    kb g = kb_from_canonical(KB_GENERATOR);
    for (size_t li = 0; li < sizeof logs / sizeof *logs; li++) {
        for (int honest = 0; honest < 2; honest++) {
            unsigned log_n = logs[li];
            size_t n = (size_t)1 << log_n;
            kb *trace = ct_xmalloc(n * ZP_WIRES * sizeof(kb));
            kb *pre = ct_xmalloc(n * ZP_NUM_PREPROCESSED * sizeof(kb));
            kb *want = ct_xmalloc(n * ZP_NUM_PERM_COLS * sizeof(kb));
            kb *got = ct_xmalloc(n * ZP_NUM_PERM_COLS * sizeof(kb));
            perm_inputs(trace, pre, log_n, g, honest ? (unsigned)(n / 2 + 1) : 0);
            kb4 beta = ct_rand_kb4(), gamma = ct_rand_kb4();
            kb4 zw = ref_perm(want, trace, pre, log_n, g, beta, gamma);
            memset(got, 0xa5, n * ZP_NUM_PERM_COLS * sizeof(kb));
            zkc_kb4 zg = emu_perm(got, trace, pre, log_n, g, ct_to_z(beta), ct_to_z(gamma));
            CHECK_MSG(memcmp(got, want, n * ZP_NUM_PERM_COLS * sizeof(kb)) == 0, "perm 2^%u %s",
                      log_n, honest ? "honest" : "random");
            CHECK_MSG(ct_same4(zg, zw), "perm 2^%u z_final", log_n);
            if (honest)
                CHECK_MSG(kb4_eq(zw, kb4_one()), "perm 2^%u: the honest product is not 1", log_n);
            else
                CHECK(!kb4_eq(zw, kb4_one()));
            free(trace);
            free(pre);
            free(want);
            free(got);
        }
    }
}

/* The scan alone on sizes around the block size and past two levels. */
static void test_scan(void)
{
    const size_t sizes[] = {1,   2,   3,    255,  256,  257,   511,
                            512, 513, 1000, 4096, 4097, 65536, 65536 + 257};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        zkc_kb4 *v = ct_xmalloc(n * sizeof *v);
        kb4 *in = ct_xmalloc(n * sizeof *in);
        for (size_t i = 0; i < n; i++) {
            in[i] = ct_rand_kb4();
            v[i] = ct_to_z(in[i]);
        }
        unsigned levels = emu_scan_full(v, n);
        size_t bad = 0;
        kb4 acc = kb4_one();
        for (size_t i = 0; i < n; i++) {
            acc = kb4_mul(acc, in[i]);
            bad += !ct_same4(v[i], acc);
        }
        CHECK_MSG(bad == 0, "scan of %zu: %zu wrong", n, bad);
        CHECK_EQ(levels, n <= 256 ? 1 : n <= 65536 ? 2 : 3);
        free(v);
        free(in);
    }
}

static void test_openings(void)
{
    for (unsigned log_n = 0; log_n <= 11; log_n++) {
        size_t n = (size_t)1 << log_n;
        kb4 z = ct_rand_kb4();
        kb4 *want = ct_xmalloc(n * sizeof *want);
        zkc_kb4 *got = ct_xmalloc(n * sizeof *got);
        ref_bary_weights(want, log_n, z);
        zkc_kb4 s = zkc_bary_scale(ct_to_z(z), log_n);
        uint32_t w = zkc_root_of_unity(log_n);
        for (size_t r = 0; r < n; r++)
            got[r] = zkc_bary_weight(ct_to_z(z), s, w, r);
        CHECK_MSG(memcmp(got, want, n * sizeof *got) == 0, "bary weights 2^%u", log_n);
        /* the openings of a few matrices with these weights */
        const size_t widths[] = {1, 4, 12, 44, 173};
        for (size_t wi = 0; wi < 5; wi++) {
            size_t width = widths[wi];
            kb *m = ct_rand_vec(n * width);
            kb4 *ow = ct_xmalloc(width * sizeof *ow);
            zkc_kb4 *og = ct_xmalloc(width * sizeof *og);
            ref_bary(ow, m, n, width, want);
            emu_col_sums(og, m, n, width, (const uint32_t *)got);
            CHECK_MSG(memcmp(og, ow, width * sizeof *og) == 0, "bary 2^%u x %zu", log_n, width);
            /* coefficient columns: Horner at z = sum with weights z^r */
            zkc_kb4 *pw = ct_xmalloc(n * sizeof *pw);
            for (size_t r = 0; r < n; r++)
                pw[r] = zkc_power(ct_to_z(z), r);
            emu_col_sums(og, m, n, width, (const uint32_t *)pw);
            size_t bad = 0;
            for (size_t col = 0; col < width; col++)
                bad += !ct_same4(og[col], ref_horner(m, n, width, col, z));
            CHECK_MSG(bad == 0, "horner 2^%u x %zu: %zu columns differ", log_n, width, bad);
            free(pw);
            free(m);
            free(ow);
            free(og);
        }
        free(want);
        free(got);
    }
    /* the column sums' chunking on sizes that are not powers of two */
    const size_t ns[] = {0, 1, 2, 3, 511, 512, 513, 1025, 1500, 3 * ZKC_COLSUM_ROWS + 7};
    for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
        size_t n = ns[ni], width = 1 + (size_t)(t_rand() % 60);
        kb *m = ct_rand_vec(n * width);
        kb4 *wt = ct_xmalloc(n * sizeof *wt), *ow = ct_xmalloc(width * sizeof *ow);
        zkc_kb4 *og = ct_xmalloc(width * sizeof *og);
        for (size_t r = 0; r < n; r++)
            wt[r] = ct_rand_kb4();
        ref_bary(ow, m, n, width, wt);
        emu_col_sums(og, m, n, width, (const uint32_t *)wt);
        CHECK_MSG(memcmp(og, ow, width * sizeof *og) == 0, "col sums %zu x %zu", n, width);
        /* the one-pass host emulation the header documents */
        size_t bad = 0;
        for (size_t col = 0; col < width; col++)
            bad += !ct_same4(zkc_col_partial(m, width, (const uint32_t *)wt, col, 0, n), ow[col]);
        CHECK_MSG(bad == 0, "one-pass col sums %zu x %zu", n, width);
        free(m);
        free(wt);
        free(ow);
        free(og);
    }
}

static void deep_case(unsigned log_lde, const size_t widths[4])
{
    size_t N = (size_t)1 << log_lde, T = widths[0] + widths[1] + widths[2] + widths[3];
    kb *mats[4];
    for (int m = 0; m < 4; m++)
        mats[m] = ct_rand_vec(N * widths[m]);
    kb4 a = ct_rand_kb4();
    kb4 *apow = ct_xmalloc((T + 4) * sizeof *apow);
    apow[0] = kb4_one();
    for (size_t i = 1; i < T + 4; i++)
        apow[i] = kb4_mul(apow[i - 1], a);
    kb4 s1 = ct_rand_kb4(), s2 = ct_rand_kb4(), zeta = ct_rand_kb4();
    kb4 zeta_next = kb4_mul_base(zeta, kb_root_of_unity(log_lde > 2 ? log_lde - 2 : 0));
    kb g = kb_from_canonical(KB_GENERATOR);
    kb4 *want = ct_xmalloc(N * sizeof *want);
    zkc_kb4 *got = ct_xmalloc(N * sizeof *got);
    const kb *const cm[4] = {mats[0], mats[1], mats[2], mats[3]};
    ref_deep(want, cm, widths, log_lde, g, apow, s1, s2, zeta, zeta_next);
    uint32_t w32[4] = {(uint32_t)widths[0], (uint32_t)widths[1], (uint32_t)widths[2],
                       (uint32_t)widths[3]};
    zkc_deep_args d;
    zkc_deep_args_init(&d, cm, w32, log_lde, g, ct_to_z(s1), ct_to_z(s2), ct_to_z(zeta),
                       ct_to_z(zeta_next));
    CHECK_EQ(d.cols, T);
    for (size_t L = 0; L < N; L++)
        got[L] = zkc_deep_row(&d, (const zkc_kb4 *)apow, L);
    CHECK_MSG(memcmp(got, want, N * sizeof *got) == 0, "deep 2^%u, widths %zu %zu %zu %zu", log_lde,
              widths[0], widths[1], widths[2], widths[3]);
    for (int m = 0; m < 4; m++)
        free(mats[m]);
    free(apow);
    free(want);
    free(got);
}

static void test_deep(void)
{
    const size_t prover[4] = {ZP_NUM_PREPROCESSED, ZP_WIRES, ZP_NUM_PERM_COLS,
                              ZP_NUM_QUOTIENT_COLS};
    const size_t small[4] = {3, 5, 4, 2}, no_q[4] = {1, 0, 7, 0};
    for (unsigned log_lde = 0; log_lde <= 9; log_lde++) {
        deep_case(log_lde, prover);
        deep_case(log_lde, small);
        deep_case(log_lde, no_q);
    }
}

static void test_fri(void)
{
    /* one row: every arity, 0 and above 4 included */
    size_t bad = 0;
    for (int it = 0; it < 2000; it++) {
        unsigned a = (unsigned)(it % 7);
        kb4 row[64];
        for (int k = 0; k < 64; k++)
            row[k] = ct_rand_kb4();
        kb x0i = ct_rand_kb();
        kb4 beta = ct_rand_kb4();
        zkc_kb4 got = zkc_fri_fold_row((const uint32_t *)row, a, x0i, ct_to_z(beta));
        kb4 want = fri_fold_row(row, a, x0i, beta);
        bad += !ct_same4(got, want);
    }
    CHECK_MSG(bad == 0, "fri_fold_row: %zu mismatches", bad);
    /* whole layers as fri_prove.c permutes and folds them */
    const size_t rowss[] = {1, 2, 3, 7, 64, 257};
    for (size_t ri = 0; ri < sizeof rowss / sizeof *rowss; ri++)
        for (unsigned a = 0; a <= 5; a++) {
            size_t rows = rowss[ri], kall = (size_t)1 << a, m = rows * kall;
            kb4 *src = ct_xmalloc(m * sizeof *src), *want = ct_xmalloc(m * sizeof *want);
            zkc_kb4 *got = ct_xmalloc(m * sizeof *got);
            for (size_t i = 0; i < m; i++)
                src[i] = ct_rand_kb4();
            for (size_t r = 0; r < rows; r++) /* permute_rows */
                for (size_t k = 0; k < kall; k++)
                    want[r * kall + k] = src[r + k * rows];
            for (size_t i = 0; i < m; i++)
                got[i] = ct_to_z(src[zkc_fri_permute_src(i, rows, a)]);
            CHECK_MSG(memcmp(got, want, m * sizeof *got) == 0, "fri permute %zu x 2^%u", rows, a);
            if (a > ZKC_FRI_MAX_ARITY) {
                free(src);
                free(want);
                free(got);
                continue;
            }
            /* fold_rows: x0^-1 advances by winv per row */
            kb sinv = kb_inv(kb_from_canonical(FRI_DOMAIN_SHIFT));
            unsigned log_m = 0;
            while (((size_t)1 << log_m) < m)
                log_m++;
            kb winv = kb_inv(kb_root_of_unity(log_m));
            kb4 beta = ct_rand_kb4();
            kb4 *fw = ct_xmalloc(rows * sizeof *fw);
            zkc_kb4 *fg = ct_xmalloc(rows * sizeof *fg);
            kb xinv = sinv;
            for (size_t r = 0; r < rows; r++) {
                fw[r] = fri_fold_row(want + r * kall, a, xinv, beta);
                xinv = kb_mul(xinv, winv);
            }
            for (size_t r = 0; r < rows; r++)
                fg[r] = zkc_fri_fold_row((const uint32_t *)(got + r * kall), a,
                                         zkc_fri_x0_inv(sinv, winv, r), ct_to_z(beta));
            CHECK_MSG(memcmp(fg, fw, rows * sizeof *fg) == 0, "fri fold %zu x 2^%u", rows, a);
            free(fw);
            free(fg);
            free(src);
            free(want);
            free(got);
        }
}

int main(void)
{
    t_seed();
    test_constants();
    test_scan();
    test_perm();
    printf("scan and permutation done (%d checks, %d failed)\n", t_checks, t_failures);
    test_openings();
    test_deep();
    test_fri();
    return t_report("test_cuda_open");
}
