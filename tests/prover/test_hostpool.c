/* prover/hostpool.h: reuse, best fit, the cap, small blocks, alignment, NULL
 * pools, and many threads taking and giving at once. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../test.h"
#include "common/error.h"
#include "prover/hostpool.h"

#define MIB ((size_t)1 << 20)

static void test_reuse(void)
{
    zp_hostpool *p = NULL;
    CHECK_OK(zp_hostpool_new(&p, 64 * MIB));
    uint8_t *a = zp_hostpool_take(p, 4 * MIB);
    CHECK(a && ((uintptr_t)a & 63) == 0);
    memset(a, 0xab, 4 * MIB); /* the whole block is ours */
    CHECK_EQ(zp_hostpool_busy(p), 4 * MIB);
    CHECK_EQ(zp_hostpool_idle(p), 0);
    zp_hostpool_give(p, a);
    CHECK_EQ(zp_hostpool_busy(p), 0);
    CHECK_EQ(zp_hostpool_idle(p), 4 * MIB);
    /* the same size, and anything from half of it up, gets the block back */
    uint8_t *b = zp_hostpool_take(p, 4 * MIB);
    CHECK(b == a);
    CHECK(b[4 * MIB - 1] == 0xab); /* contents kept: callers wipe secrets */
    zp_hostpool_give(p, b);
    b = zp_hostpool_take(p, 2 * MIB);
    CHECK(b == a);
    CHECK_EQ(zp_hostpool_busy(p), 4 * MIB); /* the block's size, not the request's */
    zp_hostpool_give(p, b);
    /* less than half, or more than the block: a new one */
    b = zp_hostpool_take(p, 2 * MIB - 1);
    CHECK(b && b != a);
    uint8_t *c = zp_hostpool_take(p, 4 * MIB + 1);
    CHECK(c && c != a);
    CHECK_EQ(zp_hostpool_idle(p), 4 * MIB);
    zp_hostpool_give(p, b);
    zp_hostpool_give(p, c);
    CHECK_EQ(zp_hostpool_idle(p), 4 * MIB + 2 * MIB - 1 + 4 * MIB + 1);
    /* best fit: the smallest block that serves */
    uint8_t *d = zp_hostpool_take(p, 3 * MIB);
    CHECK(d == a);
    zp_hostpool_give(p, d);
    zp_hostpool_free(p);
}

static void test_trim(void)
{
    zp_hostpool *p = NULL;
    CHECK_OK(zp_hostpool_new(&p, 64 * MIB));
    void *a = zp_hostpool_take(p, 2 * MIB), *b = zp_hostpool_take(p, 3 * MIB);
    zp_hostpool_give(p, a);
    CHECK_EQ(zp_hostpool_trim(p), 2 * MIB); /* the idle block; b stays taken */
    CHECK_EQ(zp_hostpool_idle(p), 0);
    CHECK_EQ(zp_hostpool_busy(p), 3 * MIB);
    CHECK_EQ(zp_hostpool_trim(p), 0);
    zp_hostpool_give(p, b);
    CHECK_EQ(zp_hostpool_idle(p), 3 * MIB);
    CHECK_EQ(zp_hostpool_trim(NULL), 0);
    zp_hostpool_free(p);
}

static void test_cap_and_small(void)
{
    zp_hostpool *p = NULL;
    CHECK_OK(zp_hostpool_new(&p, 5 * MIB));
    void *a = zp_hostpool_take(p, 3 * MIB), *b = zp_hostpool_take(p, 3 * MIB);
    CHECK(a && b && a != b);
    zp_hostpool_give(p, a);
    zp_hostpool_give(p, b); /* beyond the cap: freed */
    CHECK_EQ(zp_hostpool_idle(p), 3 * MIB);
    void *big = zp_hostpool_take(p, 6 * MIB); /* larger than the cap: never kept */
    CHECK(big != NULL);
    zp_hostpool_give(p, big);
    CHECK_EQ(zp_hostpool_idle(p), 3 * MIB);
    /* small blocks are plain allocations, never counted */
    void *s = zp_hostpool_take(p, ZP_HOSTPOOL_MIN - 1);
    CHECK(s && ((uintptr_t)s & 63) == 0);
    CHECK_EQ(zp_hostpool_busy(p), 0);
    zp_hostpool_give(p, s);
    CHECK_EQ(zp_hostpool_idle(p), 3 * MIB);
    void *z = zp_hostpool_take(p, 0);
    CHECK(z != NULL);
    zp_hostpool_give(p, z);
    zp_hostpool_give(p, NULL);
    CHECK(zp_hostpool_take(p, SIZE_MAX) == NULL);
    CHECK(zp_hostpool_take(p, SIZE_MAX - 10) == NULL);
    CHECK_EQ(zp_hostpool_busy(p), 0);
    /* a block still taken when the pool is freed is freed with it (ASan checks) */
    (void)zp_hostpool_take(p, 2 * MIB);
    zp_hostpool_free(p);

    /* no pool: plain allocation */
    void *n = zp_hostpool_take(NULL, 2 * MIB);
    CHECK(n && ((uintptr_t)n & 63) == 0);
    zp_hostpool_give(NULL, n);
    CHECK_EQ(zp_hostpool_idle(NULL), 0);
    CHECK_EQ(zp_hostpool_busy(NULL), 0);
    zp_hostpool_free(NULL);
    CHECK_ERR(zp_hostpool_new(NULL, 0), ZK_ERR_INVALID_ARG);
}

typedef struct worker {
    zp_hostpool *p;
    int id, bad;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 400; i++) {
        size_t sz = MIB * (size_t)(1 + (i + w->id) % 3);
        uint32_t *b = zp_hostpool_take(w->p, sz);
        if (!b) {
            w->bad++;
            continue;
        }
        uint32_t tag = (uint32_t)(w->id * 100000 + i);
        for (size_t k = 0; k < sz / 4; k += 4096)
            b[k] = tag;
        for (size_t k = 0; k < sz / 4; k += 4096)
            w->bad += b[k] != tag; /* nobody else holds the block */
        zp_hostpool_give(w->p, b);
    }
    return NULL;
}

static void test_threads(void)
{
    zp_hostpool *p = NULL;
    CHECK_OK(zp_hostpool_new(&p, 16 * MIB));
    pthread_t th[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){p, i, 0};
        CHECK(pthread_create(&th[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(w[i].bad, 0);
    }
    CHECK_EQ(zp_hostpool_busy(p), 0);
    CHECK(zp_hostpool_idle(p) <= 16 * MIB);
    zp_hostpool_free(p);
}

/* A cap near SIZE_MAX (no limit known): idle_b + size must not wrap, so a block
 * is kept, never freed for a sum that wrapped past the cap (nor kept beyond it). */
static void test_huge_cap(void)
{
    zp_hostpool *p = NULL;
    CHECK_OK(zp_hostpool_new(&p, SIZE_MAX - MIB));
    void *a = zp_hostpool_take(p, 2 * MIB), *b = zp_hostpool_take(p, 2 * MIB);
    CHECK(a && b);
    zp_hostpool_give(p, a);
    zp_hostpool_give(p, b);
    CHECK_EQ(zp_hostpool_idle(p), 4 * MIB);
    CHECK_EQ(zp_hostpool_busy(p), 0);
    zp_hostpool_free(p);
    /* exactly at the cap: kept; one byte beyond: freed */
    CHECK_OK(zp_hostpool_new(&p, 3 * MIB));
    a = zp_hostpool_take(p, 2 * MIB);
    b = zp_hostpool_take(p, MIB);
    void *c = zp_hostpool_take(p, MIB);
    zp_hostpool_give(p, a);
    zp_hostpool_give(p, b);
    CHECK_EQ(zp_hostpool_idle(p), 3 * MIB);
    zp_hostpool_give(p, c);
    CHECK_EQ(zp_hostpool_idle(p), 3 * MIB);
    zp_hostpool_free(p);
}

int main(void)
{
    t_seed();
    test_reuse();
    test_trim();
    test_cap_and_small();
    test_threads();
    test_huge_cap();
    return t_report("test_hostpool");
}
