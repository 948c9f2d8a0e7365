#include "common/par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_THREADS 256

static pthread_mutex_t g_submit = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_done = PTHREAD_COND_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int g_started;       /* workers running (not counting callers) */
static int g_wanted;        /* threads to use, caller included; 0 = all cores */
static unsigned long g_gen; /* bumps for each job, wakes the workers */

/* The current job. */
static zk_par_fn g_fn;
static void *g_ctx;
static size_t g_n, g_chunk, g_nchunks;
static atomic_size_t g_next;
static int g_active; /* workers still inside the current job */
static int g_use;    /* workers taking part in the current job */

static _Thread_local int t_inside;

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    return (int)n;
}

static void run_chunks(void)
{
    for (;;) {
        size_t c = atomic_fetch_add(&g_next, 1);
        if (c >= g_nchunks)
            break;
        size_t b = c * g_chunk;
        size_t e = b + g_chunk < g_n ? b + g_chunk : g_n;
        g_fn(g_ctx, b, e);
    }
}

static void *worker(void *arg)
{
    int id = (int)(size_t)arg;
    unsigned long seen = 0;
    t_inside = 1;
    pthread_mutex_lock(&g_lock);
    for (;;) {
        while (g_gen == seen)
            pthread_cond_wait(&g_work, &g_lock);
        seen = g_gen;
        if (id >= g_use)
            continue;
        pthread_mutex_unlock(&g_lock);
        run_chunks();
        pthread_mutex_lock(&g_lock);
        if (--g_active == 0)
            pthread_cond_signal(&g_done);
    }
    return NULL;
}

static void start_pool(void)
{
    int n = online_cores() - 1;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &a, worker, (void *)(size_t)i) == 0)
            g_started++;
        pthread_attr_destroy(&a);
    }
}

int zk_par_threads(void)
{
    int all = online_cores();
    int w = g_wanted;
    return (w <= 0 || w > all) ? all : w;
}

void zk_par_set_threads(int n)
{
    g_wanted = n < 0 ? 0 : n;
}

void zk_par_for(size_t n, size_t min_chunk, zk_par_fn fn, void *ctx)
{
    if (n == 0)
        return;
    if (min_chunk == 0)
        min_chunk = 1;
    int threads = zk_par_threads();
    if (t_inside || threads <= 1 || n <= min_chunk) {
        fn(ctx, 0, n);
        return;
    }
    pthread_once(&g_once, start_pool);
    pthread_mutex_lock(&g_submit);
    int workers = threads - 1 < g_started ? threads - 1 : g_started;
    /* a few chunks per thread balance uneven work without much overhead */
    size_t chunk = n / ((size_t)(workers + 1) * 4);
    if (chunk < min_chunk)
        chunk = min_chunk;
    pthread_mutex_lock(&g_lock);
    g_fn = fn;
    g_ctx = ctx;
    g_n = n;
    g_chunk = chunk;
    g_nchunks = (n + chunk - 1) / chunk;
    atomic_store(&g_next, 0);
    g_use = workers;
    g_active = workers;
    g_gen++;
    pthread_cond_broadcast(&g_work);
    pthread_mutex_unlock(&g_lock);

    t_inside = 1;
    run_chunks();
    t_inside = 0;

    pthread_mutex_lock(&g_lock);
    while (g_active > 0)
        pthread_cond_wait(&g_done, &g_lock);
    pthread_mutex_unlock(&g_lock);
    pthread_mutex_unlock(&g_submit);
}
