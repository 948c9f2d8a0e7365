/* KoalaBear field and its quartic extension: algebraic laws on random values (seed
 * printed), every small inverse, edge values, strict decoding, roots of unity,
 * batch inversion, and the vector back ends against the scalar code. */
#include <stdlib.h>

#include "common/error.h"
#include "tests/test.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h"

#if defined(__x86_64__)
#include "prover/kb4_x16.h"
#endif

/* Reference arithmetic on canonical values with 64-bit integers, independent of
 * the Montgomery code. */
static uint32_t ref_mul(uint32_t a, uint32_t b)
{
    return (uint32_t)((uint64_t)a * b % KB_P);
}
static uint32_t ref_add(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a + b) % KB_P);
}
static uint32_t ref_sub(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a + KB_P - b) % KB_P);
}

static uint32_t rand_canon(void)
{
    /* Edges often, uniform otherwise. */
    static const uint32_t edges[] = {
        0, 1, 2, KB_P - 1, KB_P - 2, 1u << 24, (1u << 24) + 1, KB_P / 2, KB_P / 2 + 1};
    uint64_t r = t_rand();
    if ((r & 7) == 0)
        return edges[(r >> 8) % (sizeof edges / sizeof edges[0])];
    return (uint32_t)((r >> 16) % KB_P);
}

static kb rand_kb(void)
{
    return kb_from_canonical(rand_canon());
}

static void test_constants(void)
{
    CHECK_EQ(kb_to_canonical(KB_ONE), 1);
    CHECK_EQ(kb_from_canonical(1), KB_ONE);
    CHECK_EQ(kb_to_canonical(KB_ZERO), 0);
    CHECK_EQ((uint32_t)(KB_P * KB_MONT_MU), 1u);
    CHECK_EQ((uint32_t)(KB_P * KB_MONT_NINV), 0xffffffffu);
    CHECK_EQ(KB_MONT_R2, (uint32_t)((((unsigned __int128)1) << 64) % KB_P));
    CHECK_EQ(KB_MONT_CONST(5), kb_from_canonical(5));
    /* The generator: 3^((p-1)/q) != 1 for both prime factors q of p - 1 = 2^24 * 127. */
    kb g = kb_from_canonical(KB_GENERATOR);
    CHECK(kb_pow(g, (KB_P - 1) / 2) != KB_ONE);
    CHECK(kb_pow(g, (KB_P - 1) / 127) != KB_ONE);
    CHECK_EQ(kb_pow(g, KB_P - 1), KB_ONE);
    CHECK_EQ(kb_to_canonical(kb_pow(g, 127)), KB_TWO_ADIC_ROOT);
}

static void test_laws(void)
{
    for (int it = 0; it < 200000; it++) {
        uint32_t x = rand_canon(), y = rand_canon(), z = rand_canon();
        kb a = kb_from_canonical(x), b = kb_from_canonical(y), c = kb_from_canonical(z);
        CHECK(a < KB_P);
        CHECK_EQ(kb_to_canonical(a), x);
        CHECK_EQ(kb_to_canonical(kb_mul(a, b)), ref_mul(x, y));
        CHECK_EQ(kb_to_canonical(kb_add(a, b)), ref_add(x, y));
        CHECK_EQ(kb_to_canonical(kb_sub(a, b)), ref_sub(x, y));
        CHECK_EQ(kb_to_canonical(kb_neg(a)), ref_sub(0, x));
        CHECK_EQ(kb_to_canonical(kb_sqr(a)), ref_mul(x, x));
        CHECK_EQ(kb_mul(a, b), kb_mul(b, a));
        CHECK_EQ(kb_mul(kb_mul(a, b), c), kb_mul(a, kb_mul(b, c)));
        CHECK_EQ(kb_mul(a, kb_add(b, c)), kb_add(kb_mul(a, b), kb_mul(a, c)));
        CHECK_EQ(kb_add(kb_sub(a, b), b), a);
        if (x) {
            CHECK_EQ(kb_mul(a, kb_inv(a)), KB_ONE);
        }
        if (t_failures > 20)
            return;
    }
    uint64_t big = t_rand();
    CHECK_EQ(kb_to_canonical(kb_from_u64(big)), (uint32_t)(big % KB_P));
    CHECK_EQ(kb_to_canonical(kb_from_u32(0xffffffffu)), 0xffffffffu % KB_P);
}

static void test_inverses(void)
{
    for (uint32_t x = 1; x <= 65536; x++) {
        kb a = kb_from_canonical(x);
        if (kb_mul(a, kb_inv(a)) != KB_ONE) {
            CHECK_MSG(0, "inverse of %u", x);
            return;
        }
    }
    CHECK_EQ(kb_inv(KB_ZERO), KB_ZERO);
    CHECK_EQ(kb_inv(KB_ONE), KB_ONE);
    kb m1 = kb_from_canonical(KB_P - 1);
    CHECK_EQ(kb_inv(m1), m1);
    CHECK_EQ(kb_to_canonical(kb_inv(kb_from_canonical(2))), (KB_P + 1) / 2);
    CHECK_EQ(kb_pow(m1, 2), KB_ONE);
    CHECK_EQ(kb_pow(rand_kb(), 0), KB_ONE);
    CHECK_EQ(kb_to_canonical(kb_add(m1, KB_ONE)), 0);
    CHECK_EQ(kb_to_canonical(kb_mul(m1, m1)), 1);
}

static void test_decode(void)
{
    kb out = 12345;
    CHECK_EQ(kb_decode(&out, 0), 0);
    CHECK_EQ(out, KB_ZERO);
    CHECK_EQ(kb_decode(&out, KB_P - 1), 0);
    CHECK_EQ(kb_to_canonical(out), KB_P - 1);
    out = 7;
    CHECK_EQ(kb_decode(&out, KB_P), -1);
    CHECK_EQ(kb_decode(&out, KB_P + 1), -1);
    CHECK_EQ(kb_decode(&out, 0xffffffffu), -1);
    CHECK_EQ(kb_decode(&out, 0x80000000u), -1);
    CHECK_EQ(out, 7);
    for (int i = 0; i < 1000; i++) {
        uint32_t v = KB_P + (uint32_t)(t_rand() % (0xffffffffu - KB_P + 1));
        CHECK_EQ(kb_decode(&out, v), -1);
    }

    uint32_t w[4] = {1, 2, 3, KB_P - 1};
    kb4 e;
    CHECK_OK(kb4_decode(&e, w));
    uint32_t back[4];
    kb4_encode(back, e);
    CHECK_MEM(back, w, sizeof w);
    for (int i = 0; i < 4; i++) {
        uint32_t bad[4] = {1, 2, 3, 4};
        bad[i] = KB_P + (uint32_t)i;
        kb4 keep = kb4_one(), got = keep;
        CHECK_ERR(kb4_decode(&got, bad), ZK_ERR_RANGE);
        CHECK(kb4_eq(got, keep));
    }
}

static void test_roots(void)
{
    for (unsigned k = 0; k <= KB_TWO_ADICITY; k++) {
        kb w = kb_root_of_unity(k);
        /* Order exactly 2^k: w^(2^k) = 1 and, for k > 0, w^(2^(k-1)) = -1. */
        CHECK_MSG(kb_pow(w, 1ull << k) == KB_ONE, "k=%u", k);
        if (k > 0)
            CHECK_MSG(kb_pow(w, 1ull << (k - 1)) == kb_neg(KB_ONE), "k=%u", k);
        else
            CHECK(w == KB_ONE);
        if (k > 0)
            CHECK_EQ(kb_sqr(w), kb_root_of_unity(k - 1));
    }
    CHECK_EQ(kb_root_of_unity(25), KB_ZERO);
}

static void test_batch_inv(void)
{
    size_t sizes[] = {0, 1, 2, 7, 64, 1000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        kb *in = malloc((n + 1) * sizeof(kb)), *out = malloc((n + 1) * sizeof(kb)),
           *scr = malloc((n + 1) * sizeof(kb));
        for (size_t i = 0; i < n; i++)
            in[i] = (t_rand() % 5 == 0) ? KB_ZERO : rand_kb();
        kb_batch_inv(out, in, n, scr);
        for (size_t i = 0; i < n; i++)
            CHECK_EQ(out[i], kb_inv(in[i]));
        /* In place. */
        kb_batch_inv(in, in, n, scr);
        for (size_t i = 0; i < n; i++)
            CHECK_EQ(in[i], out[i]);
        free(in);
        free(out);
        free(scr);
    }
}

static void test_vec_backends(void)
{
    int hw = kb_simd_force(-1);
    printf("vector back ends on this CPU: scalar%s%s\n", hw >= 1 ? ", avx2" : "",
           hw >= 2 ? ", avx512" : "");
    enum { N = 1037 };
    static kb a[N], b[N], want[5][N], got[N];
    for (int i = 0; i < N; i++) {
        a[i] = rand_kb();
        b[i] = rand_kb();
    }
    kb c = rand_kb();
    kb_scalar_vec_add(want[0], a, b, N);
    kb_scalar_vec_sub(want[1], a, b, N);
    kb_scalar_vec_mul(want[2], a, b, N);
    kb_scalar_vec_scale(want[3], a, c, N);
    memcpy(want[4], b, sizeof b);
    kb_scalar_vec_axpy(want[4], a, c, N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(kb_to_canonical(want[2][i]),
                 ref_mul(kb_to_canonical(a[i]), kb_to_canonical(b[i])));
    for (int level = 0; level <= hw; level++) {
        CHECK_EQ(kb_simd_force(level), level);
        size_t lens[] = {0, 1, 7, 8, 15, 16, 17, 33, N};
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            kb_vec_add(got, a, b, n);
            CHECK_MSG(memcmp(got, want[0], n * sizeof(kb)) == 0, "add level %d n %zu", level, n);
            kb_vec_sub(got, a, b, n);
            CHECK_MSG(memcmp(got, want[1], n * sizeof(kb)) == 0, "sub level %d n %zu", level, n);
            kb_vec_mul(got, a, b, n);
            CHECK_MSG(memcmp(got, want[2], n * sizeof(kb)) == 0, "mul level %d n %zu", level, n);
            kb_vec_scale(got, a, c, n);
            CHECK_MSG(memcmp(got, want[3], n * sizeof(kb)) == 0, "scale level %d n %zu", level, n);
            memcpy(got, b, sizeof b);
            kb_vec_axpy(got, a, c, n);
            CHECK_MSG(memcmp(got, want[4], n * sizeof(kb)) == 0, "axpy level %d n %zu", level, n);
        }
        /* Aliased output. */
        memcpy(got, a, sizeof a);
        kb_vec_mul(got, got, b, N);
        CHECK(memcmp(got, want[2], sizeof got) == 0);
        printf("  level %d (%s) agrees with scalar\n", level,
               level == 2   ? "avx512"
               : level == 1 ? "avx2"
                            : "scalar");
    }
    /* Edge lanes: p - 1 times p - 1 and zeros through every back end. */
    for (int i = 0; i < N; i++) {
        a[i] = kb_from_canonical(i % 3 == 0 ? KB_P - 1 : i % 3 == 1 ? 0 : 1);
        b[i] = kb_from_canonical(i % 2 ? KB_P - 1 : 1);
    }
    kb_scalar_vec_mul(want[2], a, b, N);
    kb_scalar_vec_add(want[0], a, b, N);
    for (int level = 0; level <= hw; level++) {
        kb_simd_force(level);
        kb_vec_mul(got, a, b, N);
        CHECK(memcmp(got, want[2], sizeof got) == 0);
        kb_vec_add(got, a, b, N);
        CHECK(memcmp(got, want[0], sizeof got) == 0);
    }
    kb_simd_force(-1);
}

/* kb_vec_dot4 as the plain loop of kb_mul terms and kb_add (what the prover did
 * before), and canonically with 64-bit reference arithmetic. */
static void dot4_ref(kb out[4], const kb *x, kb *const c[4], size_t n)
{
    for (int k = 0; k < 4; k++) {
        kb acc = KB_ZERO;
        uint32_t racc = 0;
        for (size_t i = 0; i < n; i++) {
            acc = kb_add(acc, kb_mul(x[i], c[k][i]));
            racc = ref_add(racc, ref_mul(kb_to_canonical(x[i]), kb_to_canonical(c[k][i])));
        }
        CHECK_EQ(kb_to_canonical(acc), racc);
        out[k] = acc;
    }
}

/* Every back end against dot4_ref: lengths 0..70 (every tail of both vector
 * widths), odd offsets (unaligned loads), a long run; random values, then only
 * p - 1 (the largest products, so the 64-bit partial sums are at their
 * limit), 0 and 1. */
static void test_vec_dot4(void)
{
    int hw = kb_simd_force(-1);
    enum { N = 4099 };
    static kb x[N], pl[4][N];
    kb *c[4] = {pl[0], pl[1], pl[2], pl[3]};
    static const uint32_t fill[] = {0, KB_P - 1, 0, 1}; /* 0: random */
    for (size_t f = 0; f < sizeof fill / sizeof fill[0]; f++) {
        for (int i = 0; i < N; i++) {
            x[i] = f ? kb_from_canonical(fill[f]) : rand_kb();
            for (int k = 0; k < 4; k++)
                pl[k][i] = f == 3 && k == 2 ? rand_kb()
                           : f              ? kb_from_canonical(KB_P - 1)
                                            : rand_kb();
        }
        size_t lens[80], nl = 0;
        for (size_t n = 0; n <= 70; n++)
            lens[nl++] = n;
        lens[nl++] = 273;
        lens[nl++] = 1000;
        lens[nl++] = N - 3;
        for (size_t li = 0; li < nl; li++) {
            for (size_t off = 0; off < 4; off += 3) {
                size_t n = lens[li];
                if (n + off > N)
                    continue;
                kb want[4], got[4];
                kb *co[4] = {c[0] + off, c[1] + off, c[2] + off, c[3] + off};
                dot4_ref(want, x + off, co, n);
                kb_scalar_vec_dot4(got, x + off, co[0], co[1], co[2], co[3], n);
                CHECK_MSG(memcmp(got, want, sizeof got) == 0, "scalar fill %zu n %zu", f, n);
                for (int level = 0; level <= hw; level++) {
                    CHECK_EQ(kb_simd_force(level), level);
                    memset(got, 0xa5, sizeof got);
                    kb_vec_dot4(got, x + off, co[0], co[1], co[2], co[3], n);
                    CHECK_MSG(memcmp(got, want, sizeof got) == 0, "level %d fill %zu n %zu off %zu",
                              level, f, n, off);
                }
                kb_simd_force(-1);
            }
        }
    }
    printf("  vec_dot4: back ends 0..%d agree with the kb_mul loop\n", hw);
}

/* Past KB_DOT_CHUNK terms the back ends add chunks; with every value p - 1 each
 * chunk's partial sums are as large as they get. One array serves as x and all
 * four planes: the sum is n (p - 1)^2 in every output. */
static void test_vec_dot4_long(void)
{
    size_t n = KB_DOT_CHUNK + 37;
    kb *v = malloc(n * sizeof *v);
    CHECK(v != NULL);
    if (!v)
        return;
    kb m1 = kb_from_canonical(KB_P - 1);
    for (size_t i = 0; i < n; i++)
        v[i] = m1;
    kb want = kb_mul(kb_from_u64(n), kb_mul(m1, m1)), got[4];
    kb_scalar_vec_dot4(got, v, v, v, v, v, n);
    for (int k = 0; k < 4; k++)
        CHECK_EQ(got[k], want);
    int hw = kb_simd_force(-1);
    for (int level = 0; level <= hw; level++) {
        kb_simd_force(level);
        kb_vec_dot4(got, v, v, v, v, v, n);
        for (int k = 0; k < 4; k++)
            CHECK_MSG(got[k] == want, "level %d k %d", level, k);
    }
    kb_simd_force(-1);
    free(v);
}

/* ---- extension ---- */

static kb4 rand_kb4(void)
{
    kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = rand_kb();
    return r;
}

/* Schoolbook product into 7 coefficients with 128-bit integers on canonical
 * values, then X^4 = 3: a reference that shares no code with kb4_mul. */
static kb4 ref_mul4(kb4 a, kb4 b)
{
    unsigned __int128 t[7] = {0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            t[i + j] += (unsigned __int128)kb_to_canonical(a.c[i]) * kb_to_canonical(b.c[j]);
    kb4 r;
    for (int k = 0; k < 4; k++) {
        unsigned __int128 v = t[k] + (k + 4 < 7 ? 3 * t[k + 4] : 0);
        r.c[k] = kb_from_canonical((uint32_t)(v % KB_P));
    }
    return r;
}

/* Coefficient-wise references for the inline add, sub and mul_base. */
static kb4 ref_add4(kb4 a, kb4 b)
{
    kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = kb_from_canonical(ref_add(kb_to_canonical(a.c[i]), kb_to_canonical(b.c[i])));
    return r;
}
static kb4 ref_sub4(kb4 a, kb4 b)
{
    kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = kb_from_canonical(ref_sub(kb_to_canonical(a.c[i]), kb_to_canonical(b.c[i])));
    return r;
}
static kb4 ref_mul_base4(kb4 a, kb s)
{
    kb4 r;
    for (int i = 0; i < 4; i++)
        r.c[i] = kb_from_canonical(ref_mul(kb_to_canonical(a.c[i]), kb_to_canonical(s)));
    return r;
}

/* The lazy extension products against the references on every element whose
 * coefficients are edge values: 0, 1 and p - 1 as field values, and the largest
 * and smallest nonzero Montgomery representations (the sums of products are
 * largest when every stored coefficient is p - 1). 6^4 elements, all pairs. */
static void test_ext_edges(void)
{
    const kb edge[6] = {KB_ZERO,        KB_ONE, kb_from_canonical(KB_P - 1),
                        (kb)(KB_P - 1), (kb)1,  (kb)(KB_P - 2)};
    enum { NE = 6 * 6 * 6 * 6 };
    static kb4 v[NE];
    for (int i = 0; i < NE; i++)
        for (int k = 0, d = i; k < 4; k++, d /= 6)
            v[i].c[k] = edge[d % 6];
    for (int i = 0; i < NE; i++) {
        CHECK(kb4_eq(kb4_sqr(v[i]), ref_mul4(v[i], v[i])));
        for (int e = 0; e < 6; e++)
            CHECK(kb4_eq(kb4_mul_base(v[i], edge[e]), ref_mul_base4(v[i], edge[e])));
        for (int j = 0; j < NE; j++) {
            CHECK(kb4_eq(kb4_mul(v[i], v[j]), ref_mul4(v[i], v[j])));
            if ((i + j) % 7 == 0) {
                CHECK(kb4_eq(kb4_add(v[i], v[j]), ref_add4(v[i], v[j])));
                CHECK(kb4_eq(kb4_sub(v[i], v[j]), ref_sub4(v[i], v[j])));
            }
        }
        if (t_failures > 20)
            return;
    }
    /* kb4_reduce_sum on its whole domain t < 2 p 2^32: t / 2^32 mod p. */
    const uint64_t p32 = (uint64_t)KB_P << 32, m = (uint64_t)(KB_P - 1);
    const uint64_t ts[] = {
        0,         1,     p32 - 1,   p32,       p32 + 1,    2 * p32 - 1,         UINT64_MAX,
        4 * m * m, m * m, 3 * m * m, m * m + 1, p32 - KB_P, (uint64_t)KB_P << 33};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        CHECK_EQ(kb4_reduce_sum(ts[i]), kb_mont_reduce(ts[i] % KB_P));
    for (int it = 0; it < 100000; it++) {
        uint64_t t = t_rand() % (2 * p32);
        CHECK_EQ(kb4_reduce_sum(t), kb_mont_reduce(t % KB_P));
    }
}

#if defined(__x86_64__)
/* The prover's 16-lane extension arithmetic (prover/kb4_x16.h, header-only) against
 * kb4_* lane by lane: every pair of edge elements (lanes rotated so each element of
 * one block meets each of the other), then random values. */
KB_TARGET_AVX512 static x16 x16_pack(const kb4 *v, const int *idx)
{
    kb pl[4][X16_LANES];
    for (int l = 0; l < X16_LANES; l++)
        for (int k = 0; k < 4; k++)
            pl[k][l] = v[idx[l]].c[k];
    return x16_load(pl);
}

KB_TARGET_AVX512 static int x16_check(x16 got, const kb4 *want)
{
    kb pl[4][X16_LANES];
    for (int k = 0; k < 4; k++)
        _mm512_storeu_si512((void *)pl[k], got.c[k]);
    int ok = 1;
    for (int l = 0; l < X16_LANES; l++)
        for (int k = 0; k < 4; k++)
            ok &= pl[k][l] == want[l].c[k];
    return ok;
}

KB_TARGET_AVX512 static void test_x16_lanes(void)
{
    if (kb_simd_force(-1) < 2) {
        printf("x16 lanes: no AVX-512, skipped\n");
        return;
    }
    const kb edge[6] = {KB_ZERO,        KB_ONE, kb_from_canonical(KB_P - 1),
                        (kb)(KB_P - 1), (kb)1,  (kb)(KB_P - 2)};
    enum { NE = 6 * 6 * 6 * 6, NR = 4096 };
    static kb4 v[NE + NR];
    for (int i = 0; i < NE; i++)
        for (int k = 0, d = i; k < 4; k++, d /= 6)
            v[i].c[k] = edge[d % 6];
    for (int i = 0; i < NR; i++)
        v[NE + i] = rand_kb4();
    for (int bi = 0; bi < NE + NR; bi += X16_LANES) {
        for (int bj = 0; bj < NE + NR; bj += X16_LANES * (bi < NE ? 1 : 37)) {
            for (int r = 0; r < X16_LANES; r++) {
                int ia[X16_LANES], ib[X16_LANES];
                kb4 mul[X16_LANES], add[X16_LANES], sub[X16_LANES], mb[X16_LANES];
                for (int l = 0; l < X16_LANES; l++) {
                    ia[l] = bi + l;
                    ib[l] = bj + (l + r) % X16_LANES;
                    mul[l] = kb4_mul(v[ia[l]], v[ib[l]]);
                    add[l] = kb4_add(v[ia[l]], v[ib[l]]);
                    sub[l] = kb4_sub(v[ia[l]], v[ib[l]]);
                    mb[l] = kb4_mul_base(v[ia[l]], v[ib[l]].c[0]);
                }
                x16 a = x16_pack(v, ia), b = x16_pack(v, ib);
                CHECK(x16_check(x16_mul(a, b), mul));
                CHECK(x16_check(x16_add(a, b), add));
                CHECK(x16_check(x16_sub(a, b), sub));
                CHECK(x16_check(x16_mul_base(a, b.c[0]), mb));
            }
            if (t_failures > 20)
                return;
        }
    }
}
#endif

static void test_ext(void)
{
    for (int it = 0; it < 20000; it++) {
        kb4 a = rand_kb4(), b = rand_kb4(), c = rand_kb4();
        CHECK(kb4_eq(kb4_mul(a, b), ref_mul4(a, b)));
        CHECK(kb4_eq(kb4_sqr(a), ref_mul4(a, a)));
        CHECK(kb4_eq(kb4_add(a, b), ref_add4(a, b)));
        CHECK(kb4_eq(kb4_sub(a, b), ref_sub4(a, b)));
        CHECK(kb4_eq(kb4_mul(kb4_mul(a, b), c), kb4_mul(a, kb4_mul(b, c))));
        CHECK(kb4_eq(kb4_mul(a, kb4_add(b, c)), kb4_add(kb4_mul(a, b), kb4_mul(a, c))));
        CHECK(kb4_eq(kb4_add(kb4_sub(a, b), b), a));
        CHECK(kb4_is_zero(kb4_add(a, kb4_neg(a))));
        if (!kb4_is_zero(a))
            CHECK(kb4_eq(kb4_mul(a, kb4_inv(a)), kb4_one()));
        kb s = rand_kb();
        CHECK(kb4_eq(kb4_mul_base(a, s), kb4_mul(a, kb4_from_base(s))));
        CHECK(kb4_eq(kb4_mul_base(a, s), ref_mul_base4(a, s)));
        if (it < 200) {
            /* Frobenius: a^p, order 4, and a homomorphism. */
            CHECK(kb4_eq(kb4_frobenius(a, 1), kb4_pow(a, KB_P)));
            kb4 f = a;
            for (int k = 0; k < 4; k++)
                f = kb4_frobenius(f, 1);
            CHECK(kb4_eq(f, a));
            CHECK(kb4_eq(kb4_frobenius(a, 2), kb4_frobenius(kb4_frobenius(a, 1), 1)));
            CHECK(kb4_eq(kb4_frobenius(kb4_mul(a, b), 3),
                         kb4_mul(kb4_frobenius(a, 3), kb4_frobenius(b, 3))));
            /* The norm a * a^p * a^p^2 * a^p^3 lies in the base field. */
            kb4 nrm = kb4_mul(kb4_mul(a, kb4_frobenius(a, 1)),
                              kb4_mul(kb4_frobenius(a, 2), kb4_frobenius(a, 3)));
            kb base;
            CHECK(kb4_to_base(&base, nrm));
        }
        if (t_failures > 20)
            return;
    }
    kb4 x = {{KB_ZERO, KB_ONE, KB_ZERO, KB_ZERO}};
    /* X^4 = 3, and X is not fixed by Frobenius^1 or ^2 (so X^4 - 3 is irreducible:
     * X generates a field of degree exactly 4). */
    CHECK(kb4_eq(kb4_pow(x, 4), kb4_from_base(kb_from_canonical(3))));
    CHECK(!kb4_eq(kb4_frobenius(x, 1), x));
    CHECK(!kb4_eq(kb4_frobenius(x, 2), x));
    CHECK(kb4_is_zero(kb4_inv(kb4_zero())));
    CHECK(kb4_eq(kb4_inv(kb4_one()), kb4_one()));
    kb4 xi = kb4_inv(x);
    CHECK(kb4_eq(kb4_mul(x, xi), kb4_one()));
    /* Fermat in the extension: a^(p^4 - 1) = 1, checked as a^(p^4) = a. */
    kb4 a = rand_kb4(), y = a;
    for (int k = 0; k < 4; k++)
        y = kb4_pow(y, KB_P);
    CHECK(kb4_eq(y, a));
    kb b;
    CHECK(!kb4_to_base(&b, x));
    CHECK(kb4_to_base(&b, kb4_from_base(kb_from_canonical(9))) && kb_to_canonical(b) == 9);

    kb4 va[37], vb[37], vo[37];
    for (int i = 0; i < 37; i++) {
        va[i] = rand_kb4();
        vb[i] = rand_kb4();
    }
    kb4_vec_mul(vo, va, vb, 37);
    for (int i = 0; i < 37; i++)
        CHECK(kb4_eq(vo[i], ref_mul4(va[i], vb[i])));
    kb4_vec_add(vo, va, vb, 37);
    for (int i = 0; i < 37; i++)
        CHECK(kb4_eq(vo[i], kb4_add(va[i], vb[i])));
}

int main(void)
{
    t_seed();
    test_constants();
    test_laws();
    test_inverses();
    test_decode();
    test_roots();
    test_batch_inv();
    test_vec_backends();
    test_vec_dot4();
    test_vec_dot4_long();
    test_ext();
    test_ext_edges();
#if defined(__x86_64__)
    test_x16_lanes();
#endif
    return t_report("test_kb");
}
