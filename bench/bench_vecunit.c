/* Peak-rate probes for the vector units. Each probe runs 12 independent chains of
 * one instruction: more chains than latency x throughput on current x86 cores, so
 * the loop is limited by how many of them issue per cycle, which is the bound. */
#include "bench/bench_vecunit.h"

#include <stdint.h>

#include "bench/bench.h"

#define CHAINS 12
#define ITERS  200000

#if defined(__x86_64__)
#include <immintrin.h>

static int unit(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return 2;
    if (__builtin_cpu_supports("avx2"))
        return 1;
    return 0;
}

/* The empty asm keeps each chain in a register and live, so the compiler neither
 * folds nor drops the multiplies. */
#define KEEP(x) __asm__ volatile("" : "+v"(x))

/* Twelve named chains (an array would be spilled to memory by the compiler). */
#define CHAIN_STEP(OP)                                                                             \
    do {                                                                                           \
        v0 = OP(v0, c), v1 = OP(v1, c), v2 = OP(v2, c), v3 = OP(v3, c);                            \
        v4 = OP(v4, c), v5 = OP(v5, c), v6 = OP(v6, c), v7 = OP(v7, c);                            \
        v8 = OP(v8, c), v9 = OP(v9, c), v10 = OP(v10, c), v11 = OP(v11, c);                        \
        KEEP(v0);                                                                                  \
        KEEP(v1);                                                                                  \
        KEEP(v2);                                                                                  \
        KEEP(v3);                                                                                  \
        KEEP(v4);                                                                                  \
        KEEP(v5);                                                                                  \
        KEEP(v6);                                                                                  \
        KEEP(v7);                                                                                  \
        KEEP(v8);                                                                                  \
        KEEP(v9);                                                                                  \
        KEEP(v10);                                                                                 \
        KEEP(v11);                                                                                 \
    } while (0)
#define CHAIN_INIT(T, SET)                                                                         \
    T v0 = SET(1), v1 = SET(2), v2 = SET(3), v3 = SET(4), v4 = SET(5), v5 = SET(6), v6 = SET(7),   \
      v7 = SET(8), v8 = SET(9), v9 = SET(10), v10 = SET(11), v11 = SET(12)

__attribute__((target("avx512f"))) static double probe512(int mul)
{
    __m512i c = _mm512_set1_epi32(0x12345);
    CHAIN_INIT(__m512i, _mm512_set1_epi32);
    double t0 = bench_now();
    if (mul)
        for (int i = 0; i < ITERS; i++)
            CHAIN_STEP(_mm512_mul_epu32);
    else
        for (int i = 0; i < ITERS; i++)
            CHAIN_STEP(_mm512_add_epi32);
    double t = bench_now() - t0;
    /* vpmuludq gives 8 products per zmm; vpaddd 16 lane additions. */
    return (double)ITERS * CHAINS * (mul ? 8 : 16) / t;
}

__attribute__((target("avx2"))) static double probe256(int mul)
{
    __m256i c = _mm256_set1_epi32(0x12345);
    CHAIN_INIT(__m256i, _mm256_set1_epi32);
    double t0 = bench_now();
    if (mul)
        for (int i = 0; i < ITERS; i++)
            CHAIN_STEP(_mm256_mul_epu32);
    else
        for (int i = 0; i < ITERS; i++)
            CHAIN_STEP(_mm256_add_epi32);
    double t = bench_now() - t0;
    return (double)ITERS * CHAINS * (mul ? 4 : 8) / t;
}
#else
static int unit(void)
{
    return 0;
}
#endif

static double probe_scalar(int mul)
{
    uint64_t v[CHAINS], c = 0x12345;
    for (int k = 0; k < CHAINS; k++)
        v[k] = (uint64_t)k + 1;
    double t0 = bench_now();
    for (int i = 0; i < ITERS; i++) {
        for (int k = 0; k < CHAINS; k++) {
            v[k] = mul ? (uint64_t)(uint32_t)v[k] * c : v[k] + c;
            __asm__ volatile("" : "+r"(v[k]));
        }
    }
    double t = bench_now() - t0;
    return (double)ITERS * CHAINS / t;
}

static double best_of(int mul)
{
    double best = 0;
    for (int r = 0; r < 5; r++) {
        double x;
#if defined(__x86_64__)
        int u = unit();
        x = u == 2 ? probe512(mul) : u == 1 ? probe256(mul) : probe_scalar(mul);
#else
        x = probe_scalar(mul);
#endif
        if (x > best)
            best = x;
    }
    return best;
}

double bench_vec_mul_rate(void)
{
    static double cached;
    if (cached <= 0)
        cached = best_of(1);
    return cached;
}

double bench_vec_add_rate(void)
{
    static double cached;
    if (cached <= 0)
        cached = best_of(0);
    return cached;
}

const char *bench_vec_unit(void)
{
    int u = unit();
    return u == 2 ? "avx512" : u == 1 ? "avx2" : "scalar";
}
