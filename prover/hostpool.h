/* Large host buffers kept between proofs.
 *
 * A proof of 2^17 rows fills about 1.5 GiB of fresh memory, and the kernel must
 * fault in and zero every page of it: on the machines measured that is 10-25% of
 * the proof (docs/PERFORMANCE.md, "Proving"). A process that proves again and
 * again (aggregation rounds, a chain's batches, benchmarks) keeps its buffers here
 * instead, through the backend it proves with (zp_backend_pool): the next proof
 * takes them back already mapped.
 *
 * Blocks of ZP_HOSTPOOL_MIN bytes or more are pooled; smaller ones are plain
 * malloc/free. A block is reused for a request of at most its size and at least
 * half of it (best fit). Idle blocks are kept up to the pool's cap; a block given
 * back beyond it is freed. All calls are thread-safe. Buffers come back with their
 * old contents: callers that hold secrets wipe them before giving them back.
 */
#ifndef ZKGATE_PROVER_HOSTPOOL_H
#define ZKGATE_PROVER_HOSTPOOL_H

#include <stddef.h>

#define ZP_HOSTPOOL_MIN ((size_t)1 << 20)

typedef struct zp_hostpool zp_hostpool;

/* Creates a pool that keeps at most cap bytes of idle blocks.
 * Returns ZK_OK or ZK_ERR_NOMEM. Out: *out (zp_hostpool_free). */
int zp_hostpool_new(zp_hostpool **out, size_t cap) __attribute__((warn_unused_result));

/* Frees the idle blocks and the pool. Blocks still taken must have been given
 * back (those that were not are freed too, and are invalid after). NULL is fine. */
void zp_hostpool_free(zp_hostpool *p);

/* Returns: a 64-byte aligned buffer of at least bytes (its contents undefined), or
 * NULL when memory is exhausted (bytes 0 gives a valid, small buffer). p NULL:
 * plain allocation. */
void *zp_hostpool_take(zp_hostpool *p, size_t bytes);

/* Gives back a buffer from zp_hostpool_take on the same pool (or NULL p). NULL
 * buf is fine. */
void zp_hostpool_give(zp_hostpool *p, void *buf);

/* Frees the idle blocks (taken ones stay taken). Returns: the bytes freed (0 for
 * NULL). */
size_t zp_hostpool_trim(zp_hostpool *p);

/* Returns: the bytes of idle blocks the pool holds now (0 for NULL). */
size_t zp_hostpool_idle(zp_hostpool *p);

/* Returns: the bytes of blocks taken and not yet given back (0 for NULL). */
size_t zp_hostpool_busy(zp_hostpool *p);

#endif
