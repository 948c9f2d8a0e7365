/* `zkgate bench field`: KoalaBear vector multiply and add throughput against the
 * arithmetic bound of this core's vector unit, and a large multiply against the
 * memory bound.
 *
 * Bounds (docs/PERFORMANCE.md, "Field"): a Montgomery product needs three
 * 32x32->64 products (a*b, q = lo(t)*mu, q*p), so one core multiplies at most
 * (measured vpmuludq products/s) / 3 elements per second. A modular add is three
 * lane operations (add, subtract p, unsigned min), so at most (measured vpaddd
 * lanes/s) / 3. A multiply over arrays far larger than the caches moves 12 bytes
 * per element (two loads, one store), so at most bandwidth / 12. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "bench/bench_vecunit.h"
#include "common/error.h"
#include "prover/kb4_x16.h"
#include "verifier/kb.h"
#include "verifier/kb4.h"
#include "verifier/kb_simd.h"

/* An L1-sized run takes well under a microsecond, so each timed run repeats the
 * kernel `reps` times to keep the clock's own cost out of the figure. */
typedef struct vec_arg {
    kb *a, *b, *out;
    size_t n;
    int reps;
} vec_arg;

static void run_mul(void *p)
{
    vec_arg *v = p;
    for (int r = 0; r < v->reps; r++)
        kb_vec_mul(v->out, v->a, v->b, v->n);
}

static void run_add(void *p)
{
    vec_arg *v = p;
    for (int r = 0; r < v->reps; r++)
        kb_vec_add(v->out, v->a, v->b, v->n);
}

/* kb_vec_dot4 in the DEEP composition's shape: 273 terms (one LDE row) times
 * four coefficient planes, repeated with the row moving through a 4096-row
 * block as in the prover (4.4 MB: L3). One term is one 32x32->64 product (the
 * sums are reduced once per output), so the bound is the vpmuludq product rate
 * itself. */
typedef struct dot_arg {
    kb *x, *c; /* rows x 273 values; four planes of 273 */
    size_t rows;
    kb sink[4];
} dot_arg;

enum { DOT_N = 273 };

static void run_dot4(void *p)
{
    dot_arg *d = p;
    kb o[4], s = 0;
    for (size_t r = 0; r < d->rows; r++) {
        kb_vec_dot4(o, d->x + r * DOT_N, d->c, d->c + DOT_N, d->c + 2 * DOT_N, d->c + 3 * DOT_N,
                    DOT_N);
        s ^= o[0] ^ o[1] ^ o[2] ^ o[3];
    }
    d->sink[0] ^= s;
}

static int bench_dot4(const bench_ctx *ctx, double min_s, double mul_rate, const char *what)
{
    dot_arg d = {.rows = 4096};
    d.x = malloc(d.rows * DOT_N * sizeof(kb));
    d.c = malloc(4 * DOT_N * sizeof(kb));
    if (!d.x || !d.c) {
        free(d.x);
        free(d.c);
        return zk_err_set(ZK_ERR_NOMEM, "bench field: dot4");
    }
    uint32_t v = 777;
    for (size_t i = 0; i < d.rows * DOT_N; i++) {
        v = v * 1103515245u + 12345u;
        d.x[i] = kb_from_u32(v);
    }
    for (size_t i = 0; i < 4 * DOT_N; i++) {
        v = v * 1103515245u + 12345u;
        d.c[i] = kb_from_u32(v);
    }
    double terms = 4.0 * DOT_N * (double)d.rows;
    double t = bench_time(run_dot4, &d, 10, min_s);
    bench_emit(ctx, &(bench_result){"field", "vec_dot4_273", "273 x 4 x 4096", (uint64_t)terms, 1,
                                    t, terms / t, "terms/s", mul_rate, what});
    free(d.x);
    free(d.c);
    return ZK_OK;
}

/* Extension products (kb4_mul, lazily reduced) in L1: out[i] = a[i] b[i] over 1024
 * elements, repeated, scalar (kb4_vec_mul) and 16 lanes at a time (x16_mul, the
 * prover's permutation argument). The bound counts 32x32->64 products: 16 for the
 * terms and 2 for each of the four Montgomery steps, so an extension product costs
 * 24 of them in either form (x16_mul's 48 vpmuludq make 16 products). */
enum { EXT_N = 1024 };

typedef struct ext_arg {
    kb4 *a, *b, *out; /* EXT_N each; the lane case reads them as planes */
    int reps;
} ext_arg;

static void run_ext_mul(void *p)
{
    ext_arg *e = p;
    for (int r = 0; r < e->reps; r++)
        kb4_vec_mul(e->out, e->a, e->b, EXT_N);
}

#if defined(__x86_64__)
KB_TARGET_AVX512 static void run_ext_mul16(void *p)
{
    ext_arg *e = p;
    /* a, b, out as blocks of four planes of 16 lanes (64 kb each) */
    const kb(*a)[X16_LANES] = (const kb(*)[X16_LANES])(const void *)e->a;
    const kb(*b)[X16_LANES] = (const kb(*)[X16_LANES])(const void *)e->b;
    kb(*out)[X16_LANES] = (kb(*)[X16_LANES])(void *)e->out;
    for (int r = 0; r < e->reps; r++)
        for (size_t i = 0; i < 4 * EXT_N / X16_LANES; i += 4) {
            x16 v = x16_mul(x16_load(a + i), x16_load(b + i));
            for (int k = 0; k < 4; k++)
                _mm512_storeu_si512((void *)out[i + k], v.c[k]);
        }
}
#endif

static int bench_ext(const bench_ctx *ctx, double min_s, double mul_rate)
{
    ext_arg e = {.reps = 64};
    e.a = malloc(EXT_N * sizeof *e.a);
    e.b = malloc(EXT_N * sizeof *e.b);
    e.out = malloc(EXT_N * sizeof *e.out);
    if (!e.a || !e.b || !e.out) {
        free(e.a);
        free(e.b);
        free(e.out);
        return zk_err_set(ZK_ERR_NOMEM, "bench field: ext");
    }
    uint32_t v = 4242;
    for (size_t i = 0; i < EXT_N; i++)
        for (int k = 0; k < 4; k++) {
            v = v * 1103515245u + 12345u;
            e.a[i].c[k] = kb_from_u32(v);
            v = v * 1103515245u + 12345u;
            e.b[i].c[k] = kb_from_u32(v);
        }
    static char what[96];
    snprintf(what, sizeof what, "%s vpmuludq %.3g prod/s / 24 per extension product",
             bench_vec_unit(), mul_rate);
    double items = (double)EXT_N * e.reps;
    double t = bench_time(run_ext_mul, &e, 10, min_s);
    bench_emit(ctx, &(bench_result){"field", "ext_mul_l1", "1024 x 64", (uint64_t)items, 1, t,
                                    items / t, "prod/s", mul_rate / 24, what});
#if defined(__x86_64__)
    if (kb_simd_level() >= 2) {
        t = bench_time(run_ext_mul16, &e, 10, min_s);
        bench_emit(ctx, &(bench_result){"field", "ext_mul16_l1", "1024 x 64", (uint64_t)items, 1, t,
                                        items / t, "prod/s", mul_rate / 24, what});
    }
#endif
    free(e.a);
    free(e.b);
    free(e.out);
    return ZK_OK;
}

static int alloc_vec(vec_arg *v, size_t n)
{
    v->n = n;
    v->reps = 1;
    v->a = malloc(n * sizeof(kb));
    v->b = malloc(n * sizeof(kb));
    v->out = malloc(n * sizeof(kb));
    if (!v->a || !v->b || !v->out) {
        free(v->a);
        free(v->b);
        free(v->out);
        return zk_err_set(ZK_ERR_NOMEM, "bench field: %zu elements", n);
    }
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        v->a[i] = kb_from_u32(x);
        v->b[i] = kb_from_u32(x ^ 0x5a5a5a5au);
    }
    return ZK_OK;
}

static void free_vec(vec_arg *v)
{
    free(v->a);
    free(v->b);
    free(v->out);
}

int bench_field(const bench_ctx *ctx)
{
    double min_s = ctx->quick ? 0.02 : 0.3;
    double mul_rate = bench_vec_mul_rate(), add_rate = bench_vec_add_rate();
    static char what_mul[96], what_add[96];
    snprintf(what_mul, sizeof what_mul, "%s vpmuludq %.3g prod/s / 3 per element", bench_vec_unit(),
             mul_rate);
    snprintf(what_add, sizeof what_add, "%s vpaddd %.3g lanes/s / 3 ops per element",
             bench_vec_unit(), add_rate);

    /* In L1: three arrays of 4096 elements are 48 KiB. */
    vec_arg v;
    int rc = alloc_vec(&v, 4096);
    if (rc)
        return rc;
    v.reps = 256;
    double items = (double)v.n * v.reps;
    double t = bench_time(run_mul, &v, 10, min_s);
    bench_emit(ctx, &(bench_result){"field", "vec_mul_l1", "4096 x 256", (uint64_t)items, 1, t,
                                    items / t, "elem/s", mul_rate / 3, what_mul});
    t = bench_time(run_add, &v, 10, min_s);
    bench_emit(ctx, &(bench_result){"field", "vec_add_l1", "4096 x 256", (uint64_t)items, 1, t,
                                    items / t, "elem/s", add_rate / 3, what_add});
    free_vec(&v);

    static char what_dot[96];
    snprintf(what_dot, sizeof what_dot, "%s vpmuludq %.3g prod/s, one per term", bench_vec_unit(),
             mul_rate);
    rc = bench_dot4(ctx, min_s, mul_rate, what_dot);
    if (!rc)
        rc = bench_ext(ctx, min_s, mul_rate);
    if (rc)
        return rc;

    if (ctx->quick)
        return ZK_OK;
    rc = alloc_vec(&v, (size_t)1 << 24);
    if (rc)
        return rc;
    double bw = bench_mem_bandwidth(1);
    t = bench_time(run_mul, &v, 3, min_s);
    bench_emit(ctx, &(bench_result){"field", "vec_mul_mem", "2^24", v.n, 1, t, (double)v.n / t,
                                    "elem/s", bw / 12, "1-thread memory bandwidth / 12 B"});
    free_vec(&v);
    return ZK_OK;
}
