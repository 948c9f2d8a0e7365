/* Unit tests for prover/ntt: every transform against a naive O(n^2) evaluation or
 * against each other (orders, layouts, back ends, thread counts), on random data
 * from a printed seed. */
#include "prover/ntt.h"

#include "common/error.h"
#include "common/par.h"
#include "tests/test.h"

static kb t_pow(kb a, uint64_t e)
{
    kb r = KB_ONE;
    for (; e; e >>= 1, a = kb_mul(a, a))
        if (e & 1)
            r = kb_mul(r, a);
    return r;
}

static kb t_root(unsigned log_n)
{
    return t_pow(kb_from_canonical(KB_TWO_ADIC_ROOT), (uint64_t)1 << (24 - log_n));
}

static kb t_elem(void)
{
    return kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

static size_t t_bitrev(size_t i, unsigned bits)
{
    size_t r = 0;
    for (unsigned b = 0; b < bits; b++)
        r |= ((i >> b) & 1) << (bits - 1 - b);
    return r;
}

/* Horner evaluation of coefficients c[0..n) at x. */
static kb t_eval(const kb *c, size_t n, size_t stride, kb x)
{
    kb acc = KB_ZERO;
    for (size_t j = n; j-- > 0;)
        acc = kb_add(kb_mul(acc, x), c[j * stride]);
    return acc;
}

static kb *t_alloc(size_t n)
{
    kb *p = malloc(n * sizeof(kb) + 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

static void t_fill(kb *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = t_elem();
}

/* Element (row i, column c) of a batch. */
static size_t at(ntt_layout l, size_t n, size_t cols, size_t i, size_t c)
{
    return l == NTT_ROW_MAJOR ? i * cols + c : c * n + i;
}

static ntt_plan *g_plan;

/* Forward natural->natural against the definition, every layout, several widths. */
static void test_naive_dft(void)
{
    for (unsigned L = 0; L <= 9; L++) {
        size_t n = (size_t)1 << L;
        kb w = t_root(L);
        for (int lay = 0; lay < 2; lay++) {
            size_t cols = 1 + t_rand() % 5;
            kb *x = t_alloc(n * cols), *y = t_alloc(n * cols);
            t_fill(x, n * cols);
            memcpy(y, x, n * cols * sizeof(kb));
            CHECK_OK(ntt_forward(g_plan, y, L, cols, (ntt_layout)lay, NTT_NATURAL, NTT_NATURAL));
            int bad = 0;
            for (size_t c = 0; c < cols; c++)
                for (size_t i = 0; i < n; i++) {
                    kb xi = t_pow(w, i), acc = KB_ZERO, p = KB_ONE;
                    for (size_t j = 0; j < n; j++) {
                        acc = kb_add(acc, kb_mul(x[at((ntt_layout)lay, n, cols, j, c)], p));
                        p = kb_mul(p, xi);
                    }
                    bad += acc != y[at((ntt_layout)lay, n, cols, i, c)];
                }
            CHECK_MSG(bad == 0, "log_n=%u layout=%d cols=%zu: %d values differ", L, lay, cols, bad);
            free(x);
            free(y);
        }
    }
}

/* The four order combinations agree with natural->natural up to the permutation,
 * and inverse undoes forward for every combination, size and layout. */
static void test_orders_roundtrip(void)
{
    const unsigned logs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 16, 17};
    for (size_t li = 0; li < sizeof logs / sizeof logs[0]; li++) {
        unsigned L = logs[li];
        size_t n = (size_t)1 << L;
        for (int lay = 0; lay < 2; lay++) {
            size_t cols = L > 14 ? 1 + t_rand() % 3 : 1 + t_rand() % 9;
            size_t total = n * cols;
            kb *x = t_alloc(total), *nn = t_alloc(total), *y = t_alloc(total);
            t_fill(x, total);
            memcpy(nn, x, total * sizeof(kb));
            CHECK_OK(ntt_forward(g_plan, nn, L, cols, (ntt_layout)lay, NTT_NATURAL, NTT_NATURAL));
            for (int in = 0; in < 2; in++)
                for (int out = 0; out < 2; out++) {
                    memcpy(y, x, total * sizeof(kb));
                    if (in == NTT_BITREV)
                        CHECK_OK(ntt_bitrev_permute(y, L, cols, (ntt_layout)lay));
                    CHECK_OK(ntt_forward(g_plan, y, L, cols, (ntt_layout)lay, (ntt_order)in,
                                         (ntt_order)out));
                    int bad = 0;
                    for (size_t c = 0; c < cols; c++)
                        for (size_t i = 0; i < n; i++) {
                            size_t src = out == NTT_BITREV ? t_bitrev(i, L) : i;
                            bad += y[at((ntt_layout)lay, n, cols, i, c)] !=
                                   nn[at((ntt_layout)lay, n, cols, src, c)];
                        }
                    CHECK_MSG(bad == 0, "forward log_n=%u layout=%d in=%d out=%d: %d differ", L,
                              lay, in, out, bad);
                    /* inverse from the order we have back to the order we started in */
                    CHECK_OK(ntt_inverse(g_plan, y, L, cols, (ntt_layout)lay, (ntt_order)out,
                                         (ntt_order)in));
                    if (in == NTT_BITREV)
                        CHECK_OK(ntt_bitrev_permute(y, L, cols, (ntt_layout)lay));
                    CHECK_MSG(memcmp(x, y, total * sizeof(kb)) == 0,
                              "roundtrip log_n=%u layout=%d in=%d out=%d", L, lay, in, out);
                }
            free(x);
            free(nn);
            free(y);
        }
    }
}

/* Row-major and column-major give the same columns, at sizes that take the tiled
 * path, with widths that are and are not multiples of the vector width. */
static void test_layouts_agree(void)
{
    const size_t widths[] = {1, 2, 3, 8, 9, 16, 17, 40, 64, 173};
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        size_t cols = widths[wi];
        /* 173 at 2^14 rows: the transform split twice, with partial tiles */
        unsigned L = cols == 173 ? 14 : 10 + (unsigned)(t_rand() % 5);
        size_t n = (size_t)1 << L, total = n * cols;
        kb *cm = t_alloc(total), *rm = t_alloc(total);
        t_fill(cm, total);
        for (size_t c = 0; c < cols; c++)
            for (size_t i = 0; i < n; i++)
                rm[i * cols + c] = cm[c * n + i];
        CHECK_OK(ntt_forward(g_plan, cm, L, cols, NTT_COL_MAJOR, NTT_NATURAL, NTT_BITREV));
        CHECK_OK(ntt_forward(g_plan, rm, L, cols, NTT_ROW_MAJOR, NTT_NATURAL, NTT_BITREV));
        int bad = 0;
        for (size_t c = 0; c < cols; c++)
            for (size_t i = 0; i < n; i++)
                bad += rm[i * cols + c] != cm[c * n + i];
        CHECK_MSG(bad == 0, "cols=%zu log_n=%u: %d differ", cols, L, bad);
        free(cm);
        free(rm);
    }
}

/* Coset forward against evaluating at shift * w^i; coset inverse undoes it. */
static void test_coset(void)
{
    kb g = kb_from_canonical(KB_GENERATOR);
    const unsigned logs[] = {0, 1, 3, 5, 8, 13, 15};
    for (size_t li = 0; li < sizeof logs / sizeof logs[0]; li++) {
        unsigned L = logs[li];
        size_t n = (size_t)1 << L;
        for (int lay = 0; lay < 2; lay++) {
            size_t cols = 1 + t_rand() % 4, total = n * cols;
            kb shift = (t_rand() & 1) ? g : t_elem();
            if (shift == KB_ZERO)
                shift = KB_ONE;
            kb *x = t_alloc(total), *y = t_alloc(total);
            t_fill(x, total);
            memcpy(y, x, total * sizeof(kb));
            int out = (int)(t_rand() & 1);
            CHECK_OK(ntt_coset_forward(g_plan, y, L, cols, (ntt_layout)lay, shift, (ntt_order)out));
            int bad = 0;
            kb w = t_root(L);
            size_t stride = lay == NTT_ROW_MAJOR ? cols : 1;
            for (int q = 0; q < 24; q++) {
                size_t i = t_rand() % n, c = t_rand() % cols;
                size_t pos = out == NTT_BITREV ? t_bitrev(i, L) : i;
                kb pt = kb_mul(shift, t_pow(w, i));
                kb want = t_eval(x + at((ntt_layout)lay, n, cols, 0, c), n, stride, pt);
                bad += want != y[at((ntt_layout)lay, n, cols, pos, c)];
            }
            CHECK_MSG(bad == 0, "coset log_n=%u layout=%d out=%d: %d differ", L, lay, out, bad);
            CHECK_OK(ntt_coset_inverse(g_plan, y, L, cols, (ntt_layout)lay, shift, (ntt_order)out));
            CHECK_MSG(memcmp(x, y, total * sizeof(kb)) == 0, "coset roundtrip log_n=%u", L);
            free(x);
            free(y);
        }
    }
}

/* LDE: interpolate random coefficients' evaluations, compare with Horner at
 * random points of the coset, and with the coset NTT of the zero-padded
 * coefficients at every point; the LDE from the coefficients themselves gives the
 * same values. */
static void test_lde(void)
{
    kb g = kb_from_canonical(KB_GENERATOR);
    const unsigned logs[] = {0, 1, 2, 4, 7, 10, 12, 14};
    for (size_t li = 0; li < sizeof logs / sizeof logs[0]; li++) {
        for (unsigned lb = 0; lb <= 3; lb++) {
            unsigned L = logs[li];
            size_t n = (size_t)1 << L, N = n << lb;
            for (int lay = 0; lay < 2; lay++) {
                /* the quotient chunks' 12 row-major columns on the larger sizes */
                size_t cols = lay == NTT_ROW_MAJOR && L >= 10 ? 12 : 1 + t_rand() % 5;
                kb *coef = t_alloc(n * cols), *ev = t_alloc(n * cols);
                kb *out = t_alloc(N * cols), *ref = t_alloc(N * cols);
                t_fill(coef, n * cols);
                memcpy(ev, coef, n * cols * sizeof(kb));
                CHECK_OK(
                    ntt_forward(g_plan, ev, L, cols, (ntt_layout)lay, NTT_NATURAL, NTT_NATURAL));
                CHECK_OK(ntt_lde(g_plan, out, ev, L, lb, cols, (ntt_layout)lay, g));
                int bad = 0;
                kb w = t_root(L + lb);
                size_t stride = lay == NTT_ROW_MAJOR ? cols : 1;
                for (int q = 0; q < 16; q++) {
                    size_t i = t_rand() % N, c = t_rand() % cols;
                    kb want = t_eval(coef + at((ntt_layout)lay, n, cols, 0, c), n, stride,
                                     kb_mul(g, t_pow(w, i)));
                    bad += want != out[at((ntt_layout)lay, N, cols, i, c)];
                }
                CHECK_MSG(bad == 0, "lde log_n=%u blowup=2^%u layout=%d: %d of 16 differ", L, lb,
                          lay, bad);
                for (size_t c = 0; c < cols; c++)
                    for (size_t i = 0; i < N; i++)
                        ref[at((ntt_layout)lay, N, cols, i, c)] =
                            i < n ? coef[at((ntt_layout)lay, n, cols, i, c)] : KB_ZERO;
                CHECK_OK(
                    ntt_coset_forward(g_plan, ref, L + lb, cols, (ntt_layout)lay, g, NTT_NATURAL));
                CHECK_MSG(memcmp(ref, out, N * cols * sizeof(kb)) == 0,
                          "lde vs coset NTT log_n=%u blowup=2^%u layout=%d", L, lb, lay);
                memset(ref, 0xff, N * cols * sizeof(kb));
                CHECK_OK(ntt_lde_coeffs(g_plan, ref, coef, L, lb, cols, (ntt_layout)lay, g));
                CHECK_MSG(memcmp(ref, out, N * cols * sizeof(kb)) == 0,
                          "lde from coefficients log_n=%u blowup=2^%u layout=%d", L, lb, lay);
                free(coef);
                free(ev);
                free(out);
                free(ref);
            }
        }
    }
}

/* Every back end and thread count gives the same bits, on sizes that take the
 * small-layer, leaf and tiled paths, and on row widths that are not multiples of
 * the vector width (173: the prover's wire columns; at 2^14 rows its transform
 * is split twice, with tiles of 64 and a partial last tile in each block). */
static void test_backends_threads(void)
{
    const struct {
        unsigned L;
        size_t cols;
        int lay;
    } cases[] = {{5, 1, 0},   {12, 1, 0},  {15, 1, 0},   {17, 3, 0},   {13, 8, 1},
                 {12, 5, 1},  {11, 64, 1}, {14, 16, 1},  {9, 3, 0},    {12, 9, 1},
                 {12, 17, 1}, {10, 40, 1}, {11, 173, 1}, {14, 173, 1}, {12, 12, 1},
                 {11, 15, 1}, {12, 4, 1},  {11, 2, 1},   {12, 3, 1},   {11, 7, 1}};
    int levels = ntt_simd_force(-1);
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        unsigned L = cases[ci].L;
        size_t n = (size_t)1 << L, cols = cases[ci].cols, total = n * cols;
        ntt_layout lay = (ntt_layout)cases[ci].lay;
        kb *x = t_alloc(total), *ref = t_alloc(total), *y = t_alloc(total);
        kb *lref = t_alloc(total * 4), *ly = t_alloc(total * 4);
        t_fill(x, total);
        for (int op = 0; op < 4; op++) {
            for (int lvl = 0; lvl <= levels; lvl++)
                for (int thr = 1; thr <= 2; thr++) {
                    CHECK_EQ(ntt_simd_force(lvl), lvl);
                    zk_par_set_threads(thr == 1 ? 1 : 0);
                    kb *dst = (lvl == 0 && thr == 1) ? ref : y;
                    kb *ldst = (lvl == 0 && thr == 1) ? lref : ly;
                    memcpy(dst, x, total * sizeof(kb));
                    if (op == 0)
                        CHECK_OK(ntt_forward(g_plan, dst, L, cols, lay, NTT_NATURAL, NTT_BITREV));
                    else if (op == 1)
                        CHECK_OK(ntt_inverse(g_plan, dst, L, cols, lay, NTT_BITREV, NTT_NATURAL));
                    else if (op == 2)
                        CHECK_OK(ntt_lde(g_plan, ldst, x, L, 2, cols, lay,
                                         kb_from_canonical(KB_GENERATOR)));
                    else
                        CHECK_OK(ntt_lde_coeffs(g_plan, ldst, x, L, 2, cols, lay,
                                                kb_from_canonical(KB_GENERATOR)));
                    if (dst != ref) {
                        CHECK_MSG(memcmp(dst, ref, total * sizeof(kb)) == 0,
                                  "op %d log_n=%u cols=%zu layout=%d level=%d threads=%d", op, L,
                                  cols, (int)lay, lvl, thr);
                        if (op >= 2)
                            CHECK_MSG(memcmp(ly, lref, total * 4 * sizeof(kb)) == 0,
                                      "lde log_n=%u cols=%zu level=%d threads=%d", L, cols, lvl,
                                      thr);
                    }
                }
        }
        free(x);
        free(ref);
        free(y);
        free(lref);
        free(ly);
    }
    ntt_simd_force(-1);
    zk_par_set_threads(0);
    printf("backends compared: scalar..%s\n", ntt_backend_name());
}

/* A large single column (the multithreaded tiled path with two levels of
 * blocking) round-trips and agrees with the definition at random points. */
static void test_large(void)
{
    unsigned L = 22;
    size_t n = (size_t)1 << L;
    kb *x = t_alloc(n), *y = t_alloc(n);
    t_fill(x, n);
    memcpy(y, x, n * sizeof(kb));
    CHECK_OK(ntt_forward(g_plan, y, L, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_BITREV));
    kb w = t_root(L);
    int bad = 0;
    for (int q = 0; q < 4; q++) {
        size_t i = t_rand() % n;
        bad += t_eval(x, n, 1, t_pow(w, i)) != y[t_bitrev(i, L)];
    }
    CHECK_MSG(bad == 0, "2^22 forward: %d of 4 points differ", bad);
    CHECK_OK(ntt_inverse(g_plan, y, L, 1, NTT_COL_MAJOR, NTT_BITREV, NTT_NATURAL));
    CHECK(memcmp(x, y, n * sizeof(kb)) == 0);
    free(x);
    free(y);
}

static void test_errors(void)
{
    kb x[16] = {0};
    ntt_plan *p = NULL;
    CHECK_ERR(ntt_plan_new(&p, 25), ZK_ERR_RANGE);
    CHECK(p == NULL);
    CHECK_ERR(ntt_forward(g_plan, x, 23, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL), ZK_ERR_RANGE);
    CHECK_ERR(ntt_forward(g_plan, NULL, 2, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_forward(NULL, x, 2, 1, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_inverse(g_plan, x, 2, 0, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_forward(g_plan, x, 2, 1, (ntt_layout)7, NTT_NATURAL, NTT_NATURAL),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_forward(g_plan, x, 2, 1, NTT_COL_MAJOR, (ntt_order)3, NTT_NATURAL),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_forward(g_plan, x, 2, SIZE_MAX / 2, NTT_COL_MAJOR, NTT_NATURAL, NTT_NATURAL),
              ZK_ERR_RANGE);
    CHECK_ERR(ntt_coset_forward(g_plan, x, 2, 1, NTT_COL_MAJOR, KB_ZERO, NTT_NATURAL),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_lde(g_plan, x + 2, x, 2, 1, 1, NTT_COL_MAJOR, KB_ONE), ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_lde(g_plan, x, x, 20, 3, 1, NTT_COL_MAJOR, KB_ONE), ZK_ERR_RANGE);
    CHECK_ERR(ntt_lde(g_plan, NULL, x, 2, 1, 1, NTT_COL_MAJOR, KB_ONE), ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_lde_coeffs(g_plan, x + 2, x, 2, 1, 1, NTT_COL_MAJOR, KB_ONE), ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_lde_coeffs(g_plan, x, x, 20, 3, 1, NTT_COL_MAJOR, KB_ONE), ZK_ERR_RANGE);
    CHECK_ERR(ntt_lde_coeffs(g_plan, NULL, x, 2, 1, 1, NTT_COL_MAJOR, KB_ONE), ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_lde_coeffs(g_plan, x + 8, x, 2, 1, 1, NTT_COL_MAJOR, KB_ZERO),
              ZK_ERR_INVALID_ARG);
    CHECK_ERR(ntt_bitrev_permute(x, 25, 1, NTT_COL_MAJOR), ZK_ERR_RANGE);
    ntt_plan_free(NULL);
}

int main(void)
{
    t_seed();
    if (ntt_plan_new(&g_plan, 22) != ZK_OK) {
        fprintf(stderr, "ntt_plan_new: %s\n", zk_err_detail());
        return 1;
    }
    CHECK_EQ(ntt_plan_max_log(g_plan), 22);
    test_naive_dft();
    test_orders_roundtrip();
    test_layouts_agree();
    test_coset();
    test_lde();
    test_backends_threads();
    test_large();
    test_errors();
    ntt_plan_free(g_plan);
    return t_report("test_ntt");
}
