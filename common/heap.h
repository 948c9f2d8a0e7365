/* The process's memory policy for proving.
 *
 * A proof allocates and frees buffers of hundreds of megabytes phase after phase
 * (LDEs, trees, FRI layers). glibc serves each block of more than 32 MiB with its
 * own mmap and unmaps it on free, so every phase, and every proof after it, gets
 * fresh pages that the kernel faults in and zeroes one by one: about a fifth of a
 * 2^16-row hash-chain proof's CPU time on 2 cores (docs/PERFORMANCE.md, "Proving").
 */
#ifndef ZKGATE_COMMON_HEAP_H
#define ZKGATE_COMMON_HEAP_H

/* Keeps large freed blocks in the process's heap for the next allocation instead of
 * returning them to the kernel (glibc: every block from the heap, its top never
 * trimmed below 2 GiB; elsewhere nothing changes). The resident size then stays near
 * the largest proof's peak. For processes that prove; call before any thread starts.
 * Returns: 1 when the policy was applied, 0 when the C library has no such knob. */
int zk_heap_keep(void);

/* Gives the heap's free memory back to the kernel now (glibc malloc_trim), for a
 * measurement of one case's own peak memory. */
void zk_heap_trim(void);

#endif
