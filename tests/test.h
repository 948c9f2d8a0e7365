/* A small test harness: checks that report file:line and keep going, a seeded
 * random generator whose seed is printed (ZK_TEST_SEED=... reproduces a run), and
 * helpers to find the shared test vectors.
 *
 * Exit codes follow ctest: 0 passed, 1 failed, 77 skipped (SKIP_RETURN_CODE).
 */
#ifndef ZKGATE_TESTS_TEST_H
#define ZKGATE_TESTS_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEST_SKIP 77

/* The counters and the generator's state. A test in one file keeps them static.
 * A test built from several files (its own and a fixture, e.g.
 * tests/chains/chain_fixture.c) shares one set, so that a CHECK in any of them
 * counts in the test's report and every file draws from the one seeded generator:
 * the file with main() defines T_SHARED_MAIN before including this header and
 * holds them, each other file defines T_SHARED and uses them. (A fixture's header
 * should refuse to compile without one of the two: a file with neither counts
 * apart, and its failures would not fail the test.) */
#if defined(T_SHARED_MAIN) || defined(T_SHARED)
extern int t_failures;
extern int t_checks;
extern uint64_t t_rng_state;
#endif
#if defined(T_SHARED_MAIN)
int t_failures;
int t_checks;
uint64_t t_rng_state;
#elif !defined(T_SHARED)
static int t_failures;
static int t_checks;
static uint64_t t_rng_state;
#endif

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        t_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            t_failures++;                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        t_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            t_failures++;                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        t_checks++;                                                                                \
        if (_a != _b) {                                                                            \
            t_failures++;                                                                          \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n", __FILE__,         \
                    __LINE__, #a, #b, _a, _b);                                                     \
        }                                                                                          \
    } while (0)

/* expr returns an int error code; the check wants zero and prints the detail. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        int _rc = (expr);                                                                          \
        t_checks++;                                                                                \
        if (_rc != 0) {                                                                            \
            t_failures++;                                                                          \
            fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #expr, _rc,         \
                    zk_err_detail());                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(expr, code)                                                                      \
    do {                                                                                           \
        int _rc = (expr);                                                                          \
        t_checks++;                                                                                \
        if (_rc != (code)) {                                                                       \
            t_failures++;                                                                          \
            fprintf(stderr, "%s:%d: %s returned %d, wanted %d (%s)\n", __FILE__, __LINE__, #expr,  \
                    _rc, (int)(code), #code);                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* splitmix64: tests only, never for secrets. */
static inline uint64_t t_rand(void)
{
    uint64_t z = (t_rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void t_rand_bytes(void *p, size_t n)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)t_rand();
}

/* A deterministic byte source with the signature of an injectable randomness
 * callback (ctx points to a uint64_t state): for zero-knowledge proofs in tests. */
static inline int t_rand_source(void *ctx, uint8_t *buf, size_t n)
{
    uint64_t *s = ctx;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(*s >> 56);
    }
    return 0;
}

/* Seeds from ZK_TEST_SEED or the clock and prints the seed. */
static inline void t_seed(void)
{
    const char *s = getenv("ZK_TEST_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
    t_rng_state = seed;
    printf("seed: ZK_TEST_SEED=%" PRIu64 "\n", seed);
}

/* The folder of ../shared/vectors (ZKGATE_VECTORS overrides the built-in path). */
static inline const char *t_vectors_dir(void)
{
    const char *d = getenv("ZKGATE_VECTORS");
#ifdef ZKGATE_VECTORS_DIR
    if (!d)
        d = ZKGATE_VECTORS_DIR;
#endif
    return d ? d : "../shared/vectors";
}

static inline int t_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

#endif
