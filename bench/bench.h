/* Benchmarks: each group (field, ntt, poseidon2, merkle, ...) runs its cases and
 * reports one result per case through bench_emit, as a text table or as JSON lines.
 *
 * Every result carries the bound it is compared with (an arithmetic bound of the
 * vector units, or the measured memory bandwidth) and the ratio bound/achieved, so
 * a figure is never a bare number. Timed code never asserts on time.
 */
#ifndef ZKGATE_BENCH_BENCH_H
#define ZKGATE_BENCH_BENCH_H

#include <stdint.h>

typedef struct bench_ctx {
    int json;            /* print JSON lines instead of a table */
    int quick;           /* smaller sizes and fewer repetitions (tests, CI) */
    int threads;         /* threads for the "all cores" cases */
    const char *backend; /* "cpu" or "cuda" */
} bench_ctx;

typedef struct bench_result {
    const char *group;      /* "ntt" */
    const char *name;       /* "forward_1col" */
    const char *size;       /* human size, e.g. "2^20 x 64" */
    uint64_t items;         /* work items done per run (elements, permutations) */
    int threads;            /* threads used */
    double seconds;         /* best time of one run */
    double throughput;      /* achieved, in unit */
    const char *unit;       /* "perm/s", "elem/s", "B/s" */
    double bound;           /* the bound in the same unit; 0 if none applies */
    const char *bound_what; /* what the bound is */
} bench_result;

/* Prints one result (ratio = bound / throughput, so 1.0 is at the bound). */
void bench_emit(const bench_ctx *ctx, const bench_result *r);

/* Like bench_emit, with more JSON members for this case (extra: "\"k\":v,..."),
 * printed on a second line in text mode. */
void bench_emit_extra(const bench_ctx *ctx, const bench_result *r, const char *extra);

/* Monotonic seconds. */
double bench_now(void);

/* Times fn(arg) : runs it until at least min_seconds have passed (at least
 * min_runs times) and returns the best single run in seconds. */
double bench_time(void (*fn)(void *arg), void *arg, int min_runs, double min_seconds);

/* Measured memory bandwidth of this machine in bytes per second for a read+write
 * stream over a buffer much larger than the caches, with `threads` threads. The
 * result is cached per thread count. */
double bench_mem_bandwidth(int threads);

/* Poseidon2 permutations per second with p2_permute_many on batches of 1024
 * states spread over `threads` threads: the bound of everything that hashes. */
double bench_p2_rate(int threads);

/* A short description of the CPU ("model name" and vector features). */
const char *bench_cpu_name(void);

/* The groups. Each returns a zk_err code. */
int bench_field(const bench_ctx *ctx);
int bench_ntt(const bench_ctx *ctx);
int bench_poseidon2(const bench_ctx *ctx);
int bench_merkle(const bench_ctx *ctx);
int bench_smt(const bench_ctx *ctx);
int bench_chain(const bench_ctx *ctx);
int bench_prove(const bench_ctx *ctx);
int bench_recursion(const bench_ctx *ctx);

/* The CUDA backend's groups (bench_cuda.c), for --backend cuda: the same cases as
 * the CPU groups plus larger ones, against device bounds. Without the backend or
 * a device they return ZK_ERR_NO_DEVICE with the reason. */
int bench_ntt_cuda(const bench_ctx *ctx);
int bench_poseidon2_cuda(const bench_ctx *ctx);
int bench_merkle_cuda(const bench_ctx *ctx);
int bench_prove_cuda(const bench_ctx *ctx);

#endif
