/* Unit tests for prover/mtree (building, opening) and verifier/merkle (checking):
 * caps against a naive reference built node by node with p2_hash/p2_compress,
 * every opening verifies, and every mutation of an opening (each element of each
 * row, sibling and cap digest, the indices, every length) is rejected. */
#include "prover/mtree.h"

#include "common/error.h"
#include "common/par.h"
#include "tests/test.h"
#include "verifier/kb_simd.h"
#include "verifier/merkle.h"

static kb t_elem(void)
{
    return kb_from_canonical((uint32_t)(t_rand() % KB_P));
}

typedef struct shape_case {
    unsigned cap_log;
    size_t nmats;
    unsigned logh[4];
    size_t width[4];
} shape_case;

typedef struct fixture {
    mt_matrix mats[4];
    kb *data[4];
    mt_tree *tree;
} fixture;

static int fixture_new(fixture *f, const shape_case *sc)
{
    memset(f, 0, sizeof *f);
    for (size_t k = 0; k < sc->nmats; k++) {
        size_t n = ((size_t)1 << sc->logh[k]) * sc->width[k];
        f->data[k] = malloc(n * sizeof(kb));
        if (!f->data[k])
            return ZK_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            f->data[k][i] = t_elem();
        f->mats[k] = (mt_matrix){f->data[k], (size_t)1 << sc->logh[k], sc->width[k]};
    }
    return mt_build(&f->tree, f->mats, sc->nmats, sc->cap_log);
}

static void fixture_free(fixture *f)
{
    mt_free(f->tree);
    for (int k = 0; k < 4; k++)
        free(f->data[k]);
}

/* The reference: every node by the definition in docs/PROTOCOL.md. */
static void ref_leaf(const fixture *f, size_t nmats, unsigned l, size_t row, p2_digest *out,
                     int *any)
{
    kb buf[4 * 64];
    size_t len = 0;
    *any = 0;
    for (size_t k = 0; k < nmats; k++) {
        if (f->mats[k].height != (size_t)1 << l)
            continue;
        *any = 1;
        memcpy(buf + len, f->mats[k].data + row * f->mats[k].width, f->mats[k].width * sizeof(kb));
        len += f->mats[k].width;
    }
    if (*any)
        p2_hash(out, P2_DOM_MERKLE_LEAF, buf, len);
}

static p2_digest ref_node(const fixture *f, size_t nmats, unsigned d, unsigned l, size_t i)
{
    p2_digest node, inj;
    int any;
    if (l == d) {
        ref_leaf(f, nmats, l, i, &node, &any);
        return node;
    }
    p2_digest a = ref_node(f, nmats, d, l + 1, 2 * i), b = ref_node(f, nmats, d, l + 1, 2 * i + 1);
    p2_compress(&node, &a, &b);
    ref_leaf(f, nmats, l, i, &inj, &any);
    if (any)
        p2_compress(&node, &node, &inj);
    return node;
}

static const shape_case k_cases[] = {
    {0, 1, {0}, {1}},
    {0, 1, {1}, {3}},
    {0, 1, {5}, {8}},
    {2, 1, {6}, {16}},
    {3, 1, {7}, {9}},
    {0, 2, {6, 6}, {4, 5}},
    {0, 3, {6, 4, 2}, {8, 3, 7}},
    {1, 4, {5, 3, 5, 3}, {2, 9, 1, 4}},
    {2, 2, {7, 2}, {17, 2}},
    {5, 2, {5, 6}, {3, 1}},
    /* a wide row that starts inside a rate block, after a narrower matrix of the same
     * height: runs cut by the block (5), whole blocks from column 5 on, a last run of 1 */
    {1, 3, {6, 6, 4}, {3, 22, 11}},
};
#define N_CASES (sizeof k_cases / sizeof k_cases[0])

static void make_rows(const mk_shape *s, const kb *flat, mk_row *rows)
{
    for (size_t k = 0; k < s->nmats; k++) {
        rows[k].v = flat;
        rows[k].len = s->mats[k].width;
        flat += s->mats[k].width;
    }
}

static void test_cap_matches_reference(void)
{
    for (size_t c = 0; c < N_CASES; c++) {
        fixture f;
        CHECK_OK(fixture_new(&f, &k_cases[c]));
        if (!f.tree) {
            fixture_free(&f);
            continue;
        }
        size_t cap_len;
        const p2_digest *cap = mt_cap(f.tree, &cap_len);
        unsigned d = mt_log_height(f.tree);
        CHECK_EQ(cap_len, (size_t)1 << k_cases[c].cap_log);
        int bad = 0;
        for (size_t i = 0; i < cap_len; i++) {
            p2_digest want = ref_node(&f, k_cases[c].nmats, d, k_cases[c].cap_log, i);
            bad += memcmp(&want, &cap[i], sizeof want) != 0;
        }
        CHECK_MSG(bad == 0, "case %zu: %d cap digests differ from the reference", c, bad);
        fixture_free(&f);
    }
}

/* Every index opens and verifies; then each element of the opening is changed in
 * turn and each change is rejected. */
static void test_single_openings(void)
{
    for (size_t c = 0; c < N_CASES; c++) {
        fixture f;
        CHECK_OK(fixture_new(&f, &k_cases[c]));
        if (!f.tree) {
            fixture_free(&f);
            continue;
        }
        const mk_shape *s = mt_shape(f.tree);
        size_t cap_len, rl = mt_row_len(f.tree), pl = mt_path_len(f.tree);
        const p2_digest *cap0 = mt_cap(f.tree, &cap_len);
        p2_digest cap[64], path[40];
        memcpy(cap, cap0, cap_len * sizeof *cap);
        kb flat[4 * 64];
        mk_row rows[5];
        size_t leaves = (size_t)1 << mt_log_height(f.tree);
        int ok = 0, rejected = 0, mutations = 0;
        for (size_t i = 0; i < leaves; i++) {
            CHECK_OK(mt_open(f.tree, i, flat, rl, path, pl));
            make_rows(s, flat, rows);
            int rc = mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl);
            ok += rc == ZK_OK;
            if (i % 7 != 0 && leaves > 16)
                continue; /* mutate a spread of indices, all of them on small trees */
            for (size_t e = 0; e < rl; e++) {
                kb old = flat[e];
                flat[e] = kb_add(old, KB_ONE);
                mutations++;
                rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
                flat[e] = KB_P; /* unreduced */
                mutations++;
                rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
                flat[e] = old;
            }
            for (size_t j = 0; j < pl; j++)
                for (int e = 0; e < P2_DIGEST_LEN; e++) {
                    kb old = path[j].v[e];
                    path[j].v[e] = kb_add(old, KB_ONE);
                    mutations++;
                    rejected +=
                        mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
                    path[j].v[e] = old;
                }
            for (size_t j = 0; j < cap_len; j++) {
                size_t under = i >> (mt_log_height(f.tree) - s->cap_log);
                for (int e = 0; e < P2_DIGEST_LEN; e++) {
                    kb old = cap[j].v[e];
                    cap[j].v[e] = kb_add(old, KB_ONE);
                    int rc2 = mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl);
                    /* only the cap digest above the index matters */
                    if (j == under) {
                        mutations++;
                        rejected += rc2 == ZK_ERR_PROOF;
                    } else {
                        CHECK_OK(rc2);
                    }
                    cap[j].v[e] = old;
                }
            }
            for (size_t other = 0; other < leaves + 2; other++) {
                if (other == i)
                    continue;
                int rc2 = mk_verify(s, cap, cap_len, other, rows, s->nmats, path, pl);
                /* a different index may only verify if it opens identical data:
                 * never here, the random rows differ */
                mutations++;
                rejected += rc2 == ZK_ERR_PROOF;
            }
            /* shapes: path length, number of rows, each row width, cap size */
            mutations += 6;
            rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl + 1) == ZK_ERR_PROOF;
            rejected += pl == 0 ||
                        mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl - 1) == ZK_ERR_PROOF;
            rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats - 1, path, pl) == ZK_ERR_PROOF;
            rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats + 1, path, pl) == ZK_ERR_PROOF;
            rejected += mk_verify(s, cap, cap_len * 2, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
            rejected += mk_verify(s, cap, cap_len - 1, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
            for (size_t k = 0; k < s->nmats; k++) {
                mutations += 2;
                rows[k].len++;
                rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
                rows[k].len -= 2;
                rejected += mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl) == ZK_ERR_PROOF;
                rows[k].len++;
            }
            CHECK_OK(mk_verify(s, cap, cap_len, i, rows, s->nmats, path, pl));
        }
        CHECK_MSG(ok == (int)leaves, "case %zu: %d of %zu openings verify", c, ok, leaves);
        CHECK_MSG(rejected == mutations, "case %zu: %d of %d mutations rejected", c, rejected,
                  mutations);
        fixture_free(&f);
    }
}

/* Random sorted index sets (duplicated rows of shorter matrices included) open,
 * verify, and reject every mutation. */
static void test_batch_openings(void)
{
    for (size_t c = 0; c < N_CASES; c++) {
        fixture f;
        CHECK_OK(fixture_new(&f, &k_cases[c]));
        if (!f.tree) {
            fixture_free(&f);
            continue;
        }
        const mk_shape *s = mt_shape(f.tree);
        size_t cap_len, rl = mt_row_len(f.tree), leaves = (size_t)1 << mt_log_height(f.tree);
        const p2_digest *cap = mt_cap(f.tree, &cap_len);
        for (int round = 0; round < 6; round++) {
            size_t idx[64], n = 0;
            size_t want = round == 0 ? leaves : 1 + t_rand() % (leaves < 12 ? leaves : 12);
            for (size_t i = 0; i < leaves && n < 64; i++)
                if (round == 0 ? 1 : t_rand() % leaves < want)
                    idx[n++] = i;
            if (n == 0)
                idx[n++] = t_rand() % leaves;
            kb *flat = malloc(n * rl * sizeof(kb));
            mk_row *rows = malloc(n * s->nmats * sizeof(mk_row));
            p2_digest sib[64 * 40];
            size_t nsib = 0, cnt = 0;
            if (!flat || !rows) {
                free(flat);
                free(rows);
                CHECK(0);
                continue;
            }
            CHECK_OK(mt_open_batch(f.tree, idx, n, flat, n * rl, sib, 64 * 40, &nsib));
            CHECK_OK(mk_batch_sibling_count(s, idx, n, &cnt));
            CHECK_EQ(cnt, nsib);
            for (size_t q = 0; q < n; q++)
                make_rows(s, flat + q * rl, rows + q * s->nmats);
            size_t nr = n * s->nmats;
            CHECK_OK(mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib));
            int mutations = 0, rejected = 0;
            for (size_t e = 0; e < n * rl; e++) {
                kb old = flat[e];
                flat[e] = kb_add(old, KB_ONE);
                mutations++;
                rejected +=
                    mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib) == ZK_ERR_PROOF;
                flat[e] = old;
            }
            for (size_t j = 0; j < nsib; j++)
                for (int e = 0; e < P2_DIGEST_LEN; e++) {
                    kb old = sib[j].v[e];
                    sib[j].v[e] = kb_add(old, KB_ONE);
                    mutations++;
                    rejected += mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib) ==
                                ZK_ERR_PROOF;
                    sib[j].v[e] = old;
                }
            for (size_t q = 0; q < n; q++) {
                size_t old = idx[q];
                for (int delta = -2; delta <= 2; delta++) {
                    if (delta == 0)
                        continue;
                    idx[q] = old + (size_t)(ptrdiff_t)delta;
                    mutations++;
                    rejected += mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib) ==
                                ZK_ERR_PROOF;
                }
                idx[q] = old;
            }
            p2_digest capm[64];
            memcpy(capm, cap, cap_len * sizeof *capm);
            for (size_t j = 0; j < cap_len; j++) {
                /* only digests above an opened index are checked */
                int used = 0;
                for (size_t q = 0; q < n; q++)
                    used |= (idx[q] >> (mt_log_height(f.tree) - s->cap_log)) == j;
                for (int e = 0; e < P2_DIGEST_LEN; e++) {
                    kb old = capm[j].v[e];
                    capm[j].v[e] = kb_add(old, KB_ONE);
                    int rc = mk_verify_batch(s, capm, cap_len, idx, n, rows, nr, sib, nsib);
                    if (used) {
                        mutations++;
                        rejected += rc == ZK_ERR_PROOF;
                    } else {
                        CHECK_OK(rc);
                    }
                    capm[j].v[e] = old;
                }
            }
            mutations += 5;
            rejected +=
                mk_verify_batch(s, cap, cap_len, idx, n, rows, nr - 1, sib, nsib) == ZK_ERR_PROOF;
            rejected +=
                mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib + 1) == ZK_ERR_PROOF;
            rejected += nsib == 0 || mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib,
                                                     nsib - 1) == ZK_ERR_PROOF;
            rejected += n == 1 || mk_verify_batch(s, cap, cap_len, idx, n - 1, rows, nr, sib,
                                                  nsib) == ZK_ERR_PROOF;
            rejected +=
                mk_verify_batch(s, cap, cap_len * 2, idx, n, rows, nr, sib, nsib) == ZK_ERR_PROOF;
            for (size_t r = 0; r < nr; r++) {
                mutations++;
                rows[r].len++;
                rejected +=
                    mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib) == ZK_ERR_PROOF;
                rows[r].len--;
            }
            CHECK_OK(mk_verify_batch(s, cap, cap_len, idx, n, rows, nr, sib, nsib));
            CHECK_MSG(rejected == mutations, "case %zu round %d (%zu indices): %d of %d rejected",
                      c, round, n, rejected, mutations);
            /* each index of the batch also verifies alone */
            for (size_t q = 0; q < n; q++) {
                p2_digest path[40];
                size_t pl = mt_path_len(f.tree);
                CHECK_OK(mt_open(f.tree, idx[q], flat, rl, path, pl));
                make_rows(s, flat, rows);
                CHECK_OK(mk_verify(s, cap, cap_len, idx[q], rows, s->nmats, path, pl));
            }
            free(flat);
            free(rows);
        }
        fixture_free(&f);
    }
}

/* Same cap whatever the thread count and Poseidon2 back end, on a tree large
 * enough to be split across threads. */
static void test_threads_backends(void)
{
    shape_case sc = {2, 3, {12, 12, 9}, {8, 3, 21}};
    fixture f;
    CHECK_OK(fixture_new(&f, &sc));
    if (!f.tree) {
        fixture_free(&f);
        return;
    }
    size_t cap_len;
    const p2_digest *cap = mt_cap(f.tree, &cap_len);
    int best = kb_simd_force(2);
    for (int lvl = 0; lvl <= best; lvl++)
        for (int thr = 1; thr <= 2; thr++) {
            kb_simd_force(lvl);
            zk_par_set_threads(thr == 1 ? 1 : 0);
            mt_tree *t2 = NULL;
            CHECK_OK(mt_build(&t2, f.mats, sc.nmats, sc.cap_log));
            if (t2)
                CHECK_MSG(memcmp(mt_cap(t2, NULL), cap, cap_len * sizeof *cap) == 0,
                          "level %d threads %d: cap differs", lvl, thr);
            mt_free(t2);
        }
    kb_simd_force(best);
    zk_par_set_threads(0);
    fixture_free(&f);
}

static void test_errors(void)
{
    kb data[64] = {0};
    mt_tree *t = NULL;
    mt_matrix m = {data, 8, 8};
    CHECK_ERR(mt_build(&t, &m, 1, 4), ZK_ERR_INVALID_ARG); /* cap above the height */
    m.height = 6;
    CHECK_ERR(mt_build(&t, &m, 1, 0), ZK_ERR_INVALID_ARG);
    m.height = 8;
    m.width = 0;
    CHECK_ERR(mt_build(&t, &m, 1, 0), ZK_ERR_INVALID_ARG);
    m.width = 8;
    m.data = NULL;
    CHECK_ERR(mt_build(&t, &m, 1, 0), ZK_ERR_INVALID_ARG);
    m.data = data;
    CHECK_ERR(mt_build(&t, &m, 0, 0), ZK_ERR_INVALID_ARG);
    CHECK(t == NULL);
    CHECK_OK(mt_build(&t, &m, 1, 1));
    if (!t)
        return;
    kb rows[8];
    p2_digest path[2], sib[16];
    size_t nsib;
    CHECK_ERR(mt_open(t, 8, rows, 8, path, 2), ZK_ERR_RANGE);
    CHECK_ERR(mt_open(t, 1, rows, 7, path, 2), ZK_ERR_INVALID_ARG);
    CHECK_ERR(mt_open(t, 1, rows, 8, path, 3), ZK_ERR_INVALID_ARG);
    size_t idx[2] = {3, 3};
    CHECK_ERR(mt_open_batch(t, idx, 2, rows, 16, sib, 16, &nsib), ZK_ERR_PROOF);
    idx[0] = 1;
    CHECK_ERR(mt_open_batch(t, idx, 2, rows, 8, sib, 16, &nsib), ZK_ERR_INVALID_ARG);
    kb rows2[16];
    CHECK_ERR(mt_open_batch(t, idx, 2, rows2, 16, sib, 0, &nsib), ZK_ERR_TOO_LARGE);
    /* verifier-side shape errors are the caller's: INVALID_ARG, not PROOF */
    mk_dims dims = {3, 8};
    mk_shape bad = {&dims, 1, 4};
    mk_row r = {rows, 8};
    size_t cap_len;
    const p2_digest *cap = mt_cap(t, &cap_len);
    CHECK_ERR(mk_verify(&bad, cap, cap_len, 0, &r, 1, path, 2), ZK_ERR_INVALID_ARG);
    bad.cap_log = 1;
    bad.nmats = 0;
    CHECK_ERR(mk_verify(&bad, cap, cap_len, 0, &r, 1, path, 2), ZK_ERR_INVALID_ARG);
    CHECK_ERR(mk_verify(NULL, cap, cap_len, 0, &r, 1, path, 2), ZK_ERR_INVALID_ARG);
    CHECK_ERR(mk_verify(mt_shape(t), cap, cap_len, 0, NULL, 1, path, 2), ZK_ERR_PROOF);
    mt_free(t);
    mt_free(NULL);
}

/* mt_adopt: a tree made from another's digests, with the rows of some matrices
 * (and, in the second form, every digest below the cap) read through callbacks,
 * opens exactly as the built tree does. */
typedef struct reader_ctx {
    const fixture *f;
    size_t calls, node_calls, nodes_read;
    int fail; /* answer ZK_ERR_DEVICE from now on */
} reader_ctx;

static int read_nodes(void *vctx, const size_t *pos, size_t n, p2_digest *out)
{
    reader_ctx *r = vctx;
    size_t len = 0;
    const p2_digest *all = mt_nodes(r->f->tree, &len);
    r->node_calls++;
    if (r->fail)
        return zk_err_set(ZK_ERR_DEVICE, "test reader: device gone");
    for (size_t i = 0; i < n; i++) {
        if (pos[i] >= len)
            return zk_err_set(ZK_ERR_INTERNAL, "test reader: position %zu of %zu", pos[i], len);
        out[i] = all[pos[i]];
    }
    r->nodes_read += n;
    return ZK_OK;
}

static int read_rows(void *vctx, size_t mat, size_t row, kb *out, size_t width)
{
    reader_ctx *r = vctx;
    r->calls++;
    if (r->fail)
        return zk_err_set(ZK_ERR_DEVICE, "test reader: device gone");
    memcpy(out, r->f->data[mat] + row * width, width * sizeof(kb));
    return ZK_OK;
}

static void test_adopt(void)
{
    for (size_t ci = 0; ci < 2 * N_CASES; ci++) {
        int remote_nodes = ci >= N_CASES; /* the second pass keeps only the cap */
        const shape_case *sc = &k_cases[ci % N_CASES];
        fixture f;
        CHECK_OK(fixture_new(&f, sc));
        size_t len = 0;
        const p2_digest *nodes = mt_nodes(f.tree, &len);
        CHECK_EQ(len, ((size_t)2 << mt_log_height(f.tree)) - ((size_t)1 << sc->cap_log));
        mt_matrix mm[4];
        memcpy(mm, f.mats, sizeof mm);
        for (size_t k = 0; k < sc->nmats; k += 2) /* every other matrix behind the reader */
            mm[k].data = NULL;
        reader_ctx rc = {.f = &f};
        mt_remote rem = {.rows = read_rows, .rows_ctx = &rc};
        size_t ncap = (size_t)1 << sc->cap_log, given = len;
        if (remote_nodes) {
            rem.nodes = read_nodes;
            rem.nodes_ctx = &rc;
            given = ncap;
        }
        p2_digest *copy = malloc(given * sizeof *copy);
        CHECK(copy != NULL);
        memcpy(copy, nodes + (len - given), given * sizeof *copy); /* the cap is last */
        mt_tree *t = NULL;
        CHECK_OK(mt_adopt(&t, mm, sc->nmats, sc->cap_log, copy, given, &rem));
        size_t held = 1;
        CHECK((mt_nodes(t, &held) == NULL) == remote_nodes);
        CHECK_EQ(held, remote_nodes ? 0 : len);
        size_t cl1, cl2;
        const p2_digest *cap1 = mt_cap(t, &cl1), *cap2 = mt_cap(f.tree, &cl2);
        CHECK_EQ(cl1, cl2);
        CHECK_MEM(cap1, cap2, cl2 * sizeof(p2_digest));
        size_t h = (size_t)1 << mt_log_height(t), rl = mt_row_len(t), pl = mt_path_len(t);
        size_t idx[3] = {0, h / 2, h - 1}, u = h >= 4 ? 3 : (h == 1 ? 1 : 2);
        if (h == 2)
            idx[1] = 1;
        kb rows1[3 * 64], rows2[3 * 64];
        p2_digest s1[3 * 16], s2[3 * 16];
        size_t n1 = 0, n2 = 0;
        CHECK(rl <= 64 && pl <= 16);
        CHECK_OK(mt_open_batch(t, idx, u, rows1, u * rl, s1, 48, &n1));
        CHECK_OK(mt_open_batch(f.tree, idx, u, rows2, u * rl, s2, 48, &n2));
        CHECK_EQ(n1, n2);
        CHECK_MEM(rows1, rows2, u * rl * sizeof(kb));
        CHECK_MEM(s1, s2, n1 * sizeof(p2_digest));
        CHECK(rc.calls > 0);
        CHECK(!remote_nodes || rc.nodes_read == n1); /* one batch: only the siblings */
        CHECK_OK(mt_open(t, h - 1, rows1, rl, s1, pl));
        CHECK_OK(mt_open(f.tree, h - 1, rows2, rl, s2, pl));
        CHECK_MEM(rows1, rows2, rl * sizeof(kb));
        CHECK_MEM(s1, s2, pl * sizeof(p2_digest));
        /* a reader's failure is the opening's, with its detail */
        rc.fail = 1;
        CHECK_ERR(mt_open(t, 0, rows1, rl, s1, pl), ZK_ERR_DEVICE);
        CHECK(strstr(zk_err_detail(), "device gone") != NULL);
        CHECK_ERR(mt_open_batch(t, idx, u, rows1, u * rl, s1, 48, &n1), ZK_ERR_DEVICE);
        mt_free(t);

        /* wrong digest count, NULL data without a reader, NULL nodes: refused (and the
         * digests given are freed, which the sanitizer build checks) */
        copy = malloc(len * sizeof *copy);
        CHECK(copy != NULL);
        CHECK_ERR(mt_adopt(&t, mm, sc->nmats, sc->cap_log, copy, given - 1, &rem),
                  ZK_ERR_INVALID_ARG);
        CHECK(t == NULL);
        copy = malloc(len * sizeof *copy);
        CHECK(copy != NULL);
        CHECK_ERR(mt_adopt(&t, mm, sc->nmats, sc->cap_log, copy, given, NULL), ZK_ERR_INVALID_ARG);
        CHECK_ERR(mt_adopt(&t, mm, sc->nmats, sc->cap_log, NULL, given, &rem), ZK_ERR_INVALID_ARG);
        copy = malloc(len * sizeof *copy);
        CHECK(copy != NULL);
        CHECK_ERR(mt_adopt(&t, mm, sc->nmats, 30, copy, given, &rem), ZK_ERR_INVALID_ARG);
        fixture_free(&f);
    }
}

int main(void)
{
    t_seed();
    test_adopt();
    test_cap_matches_reference();
    test_single_openings();
    test_batch_openings();
    test_threads_backends();
    test_errors();
    return t_report("test_merkle");
}
