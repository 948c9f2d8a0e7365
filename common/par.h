/* Data-parallel loops on a persistent pool of threads.
 *
 * zk_par_for splits [0, n) into chunks and runs fn on them from the calling thread
 * and the pool's workers, returning when all are done. The pool is started once
 * (on first use) with one thread per online core, so hot loops never create
 * threads or allocate. A zk_par_for called from inside another runs serially;
 * calls from different threads take turns.
 */
#ifndef ZKGATE_COMMON_PAR_H
#define ZKGATE_COMMON_PAR_H

#include <stddef.h>

typedef void (*zk_par_fn)(void *ctx, size_t begin, size_t end);

/* Runs fn(ctx, b, e) over disjoint [b, e) covering [0, n), each at least min_chunk
 * long (except the last). min_chunk 0 means 1. */
void zk_par_for(size_t n, size_t min_chunk, zk_par_fn fn, void *ctx);

/* Returns: the number of threads zk_par_for uses (the caller included). */
int zk_par_threads(void);

/* Sets the number of threads for later calls (1 = serial); 0 means one per online
 * core. Call before the first zk_par_for or between calls, from one thread. */
void zk_par_set_threads(int n);

#endif
