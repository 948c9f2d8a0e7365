/* zk_heap_keep (common/heap.h): after it, a large block comes from the heap instead
 * of its own mapping, and freeing it leaves the heap's size (and its faulted-in
 * pages) in place for the next one; checked through glibc's own accounting. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../test.h"
#include "common/heap.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define BIG ((size_t)64 << 20)

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
static long minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

/* Allocates BIG bytes, writes every page, frees them. Returns: the page faults the
 * writes took. *mapped: the bytes glibc held in mappings while the block lived. */
static long cycle(size_t *mapped)
{
    unsigned char *p = malloc(BIG);
    CHECK(p != NULL);
    if (!p)
        return -1;
    *mapped = mallinfo2().hblkhd;
    long f0 = minor_faults();
    for (size_t i = 0; i < BIG; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    long f = minor_faults() - f0;
    volatile unsigned char sink = p[BIG / 2];
    (void)sink;
    free(p);
    return f;
}
#endif

int main(void)
{
    t_seed();
#if !defined(__GLIBC__) || defined(__SANITIZE_ADDRESS__)
    printf("test_heap: not glibc's allocator here, nothing to check\n");
    return TEST_SKIP;
#else
    size_t mapped;
    long f_default = cycle(&mapped);
    CHECK_MSG(mapped >= BIG, "by default a %zu-byte block is its own mapping (%zu mapped)", BIG,
              mapped);
    CHECK(zk_heap_keep() == 1);
    long f_first = cycle(&mapped);
    CHECK_MSG(mapped < BIG, "after zk_heap_keep the block comes from the heap (%zu mapped)",
              mapped);
    size_t heap_after_free = mallinfo2().arena;
    CHECK_MSG(heap_after_free >= BIG, "freeing it keeps the heap (%zu bytes left)",
              heap_after_free);
    long f_again = cycle(&mapped);
    CHECK_MSG(f_again < (long)(BIG / 4096) / 8,
              "the second block reuses the first one's pages (%ld faults)", f_again);
    printf("page faults writing %zu MiB: default %ld, first from the heap %ld, again %ld\n",
           BIG >> 20, f_default, f_first, f_again);
    return t_report("test_heap");
#endif
}
