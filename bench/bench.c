#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/par.h"
#include "verifier/p2.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_time(void (*fn)(void *arg), void *arg, int min_runs, double min_seconds)
{
    double best = 1e300, start = bench_now();
    for (int i = 0; i < min_runs || bench_now() - start < min_seconds; i++) {
        double t0 = bench_now();
        fn(arg);
        double t = bench_now() - t0;
        if (t < best)
            best = t;
        if (i > 1000000)
            break;
    }
    return best;
}

void bench_emit(const bench_ctx *ctx, const bench_result *r)
{
    bench_emit_extra(ctx, r, NULL);
}

void bench_emit_extra(const bench_ctx *ctx, const bench_result *r, const char *extra)
{
    double ratio = (r->bound > 0 && r->throughput > 0) ? r->bound / r->throughput : 0;
    if (ctx->json) {
        printf("{\"group\":\"%s\",\"case\":\"%s\",\"size\":\"%s\",\"items\":%llu,"
               "\"threads\":%d,\"backend\":\"%s\",\"seconds\":%.6g,\"throughput\":%.6g,"
               "\"unit\":\"%s\",\"bound\":%.6g,\"bound_what\":\"%s\",\"ratio\":%.4g%s%s}\n",
               r->group, r->name, r->size, (unsigned long long)r->items, r->threads,
               ctx->backend ? ctx->backend : "cpu", r->seconds, r->throughput, r->unit, r->bound,
               r->bound_what ? r->bound_what : "", ratio, extra ? "," : "", extra ? extra : "");
    } else {
        printf("%-10s %-26s %-14s thr=%-3d %10.3f ms  %11.4g %-7s bound %11.4g (%s)  ratio %.2f\n",
               r->group, r->name, r->size, r->threads, r->seconds * 1e3, r->throughput, r->unit,
               r->bound, r->bound_what ? r->bound_what : "-", ratio);
        if (extra)
            printf("%-10s   %s\n", "", extra);
    }
    fflush(stdout);
}

/* The stream: b[i] = a[i] + 1 over 64-bit words, 2 x 256 MiB, so every byte
 * crosses memory once each way. */
typedef struct stream_arg {
    uint64_t *a, *b;
    size_t n;
} stream_arg;

static void stream_chunk(void *ctx, size_t begin, size_t end)
{
    stream_arg *s = ctx;
    for (size_t i = begin; i < end; i++)
        s->b[i] = s->a[i] + 1;
}

static void stream_run(void *arg)
{
    stream_arg *s = arg;
    zk_par_for(s->n, 1 << 16, stream_chunk, s);
}

double bench_mem_bandwidth(int threads)
{
    static double cached[257];
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    if (cached[threads] > 0)
        return cached[threads];
    size_t n = (size_t)32 << 20; /* 32 Mi words = 256 MiB per array */
    stream_arg s = {malloc(n * 8), malloc(n * 8), n};
    if (!s.a || !s.b) {
        free(s.a);
        free(s.b);
        return 0;
    }
    memset(s.a, 1, n * 8);
    memset(s.b, 0, n * 8);
    int saved = zk_par_threads();
    zk_par_set_threads(threads);
    double t = bench_time(stream_run, &s, 3, 0.5);
    zk_par_set_threads(saved);
    free(s.a);
    free(s.b);
    cached[threads] = (double)(n * 16) / t;
    return cached[threads];
}

const char *bench_cpu_name(void)
{
    static char name[256];
    if (name[0])
        return name;
    snprintf(name, sizeof name, "unknown cpu");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return name;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c += 2;
                c[strcspn(c, "\n")] = 0;
                snprintf(name, sizeof name, "%s", c);
            }
            break;
        }
    }
    fclose(f);
    return name;
}

#define PERM_BATCH 1024u

typedef struct perm_arg {
    kb *states;
    size_t batches;
} perm_arg;

static void perm_chunk(void *ctx, size_t b, size_t e)
{
    perm_arg *a = ctx;
    for (size_t i = b; i < e; i++)
        p2_permute_many(a->states + i * PERM_BATCH * P2_WIDTH, PERM_BATCH);
}

static void perm_run(void *p)
{
    perm_arg *a = p;
    zk_par_for(a->batches, 1, perm_chunk, a);
}

double bench_p2_rate(int threads)
{
    if (threads < 1)
        threads = 1;
    size_t batches = (size_t)threads * 8;
    perm_arg a = {calloc(batches * PERM_BATCH * P2_WIDTH, sizeof(kb)), batches};
    if (!a.states)
        return 0;
    int saved = zk_par_threads();
    zk_par_set_threads(threads);
    double t = bench_time(perm_run, &a, 5, 0.2);
    zk_par_set_threads(saved);
    free(a.states);
    return (double)(batches * PERM_BATCH) / t;
}
