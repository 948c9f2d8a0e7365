/* The process's memory policy for proving (common/heap.h). */
#include "common/heap.h"

#include <limits.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int zk_heap_keep(void)
{
#if defined(__GLIBC__)
    /* No block from mmap: a freed block stays in the heap's free lists (a thread
     * other than the main one still gets mmap past its arena's 64 MiB). The top of
     * the heap is given back only above INT_MAX bytes. */
    return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
#else
    return 0;
#endif
}

void zk_heap_trim(void)
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
