#include "prover/hostpool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/error.h"

typedef struct block {
    void *ptr;
    size_t size;
} block;

typedef struct blocks {
    block *v;
    size_t n, cap;
} blocks;

struct zp_hostpool {
    pthread_mutex_t mu;
    size_t cap;    /* most idle bytes kept */
    size_t idle_b; /* bytes in idle */
    size_t busy_b; /* bytes in busy */
    blocks idle;   /* given back, ready for reuse */
    blocks busy;   /* taken (pooled sizes only) */
};

static void *alloc64(size_t bytes)
{
    size_t sz = bytes < 64 ? 64 : bytes;
    if (sz > SIZE_MAX - 63)
        return NULL;
    return aligned_alloc(64, (sz + 63) & ~(size_t)63);
}

static int blocks_push(blocks *b, void *ptr, size_t size)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 16;
        block *nv = realloc(b->v, nc * sizeof *nv);
        if (!nv)
            return 0;
        b->v = nv;
        b->cap = nc;
    }
    b->v[b->n++] = (block){ptr, size};
    return 1;
}

static void blocks_remove(blocks *b, size_t i)
{
    b->v[i] = b->v[--b->n];
}

int zp_hostpool_new(zp_hostpool **out, size_t cap)
{
    if (!out)
        return zk_err_set(ZK_ERR_INVALID_ARG, "zp_hostpool_new: NULL out");
    zp_hostpool *p = calloc(1, sizeof *p);
    if (!p || pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        *out = NULL;
        return zk_err_set(ZK_ERR_NOMEM, "zp_hostpool_new");
    }
    p->cap = cap;
    *out = p;
    return ZK_OK;
}

void zp_hostpool_free(zp_hostpool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->idle.n; i++)
        free(p->idle.v[i].ptr);
    for (size_t i = 0; i < p->busy.n; i++)
        free(p->busy.v[i].ptr);
    free(p->idle.v);
    free(p->busy.v);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void *zp_hostpool_take(zp_hostpool *p, size_t bytes)
{
    if (!p || bytes < ZP_HOSTPOOL_MIN)
        return alloc64(bytes);
    pthread_mutex_lock(&p->mu);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < p->idle.n; i++) {
        size_t s = p->idle.v[i].size;
        if (s >= bytes && s / 2 <= bytes && (best == SIZE_MAX || s < p->idle.v[best].size))
            best = i;
    }
    void *ptr = NULL;
    size_t size = bytes;
    if (best != SIZE_MAX) {
        ptr = p->idle.v[best].ptr;
        size = p->idle.v[best].size;
        blocks_remove(&p->idle, best);
        p->idle_b -= size;
    } else {
        ptr = alloc64(bytes);
    }
    if (ptr && !blocks_push(&p->busy, ptr, size)) {
        free(ptr); /* cannot track it: refuse rather than leak it from the pool */
        ptr = NULL;
    }
    if (ptr)
        p->busy_b += size;
    pthread_mutex_unlock(&p->mu);
    return ptr;
}

void zp_hostpool_give(zp_hostpool *p, void *buf)
{
    if (!buf)
        return;
    if (!p) {
        free(buf);
        return;
    }
    pthread_mutex_lock(&p->mu);
    size_t i = 0;
    while (i < p->busy.n && p->busy.v[i].ptr != buf)
        i++;
    if (i == p->busy.n) { /* a small block: never pooled */
        pthread_mutex_unlock(&p->mu);
        free(buf);
        return;
    }
    size_t size = p->busy.v[i].size;
    blocks_remove(&p->busy, i);
    p->busy_b -= size;
    /* idle_b <= cap always, so cap - idle_b does not wrap (idle_b + size could,
     * with a cap near SIZE_MAX) */
    if (size <= p->cap - p->idle_b && blocks_push(&p->idle, buf, size)) {
        p->idle_b += size;
        buf = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    free(buf);
}

size_t zp_hostpool_trim(zp_hostpool *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->idle.n; i++)
        free(p->idle.v[i].ptr);
    p->idle.n = 0;
    size_t freed = p->idle_b;
    p->idle_b = 0;
    pthread_mutex_unlock(&p->mu);
    return freed;
}

size_t zp_hostpool_idle(zp_hostpool *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    size_t v = p->idle_b;
    pthread_mutex_unlock(&p->mu);
    return v;
}

size_t zp_hostpool_busy(zp_hostpool *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    size_t v = p->busy_b;
    pthread_mutex_unlock(&p->mu);
    return v;
}
