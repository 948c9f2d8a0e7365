/* How much memory this process may still take before the kernel has to kill
 * something: the guard the CPU prover checks a proof's estimate against, so that
 * a proof too large for the machine fails with a figure instead of the OOM killer.
 */
#ifndef ZKGATE_COMMON_SYSMEM_H
#define ZKGATE_COMMON_SYSMEM_H

#include <stddef.h>

/* Returns: the bytes available to this process now: the kernel's MemAvailable
 * (/proc/meminfo) plus free swap, lowered to the room left under the cgroup's
 * memory limit when there is one (cgroup v2 memory.max - memory.current, or v1
 * memory.limit_in_bytes - memory.usage_in_bytes). 0 when none of these can be read
 * (not Linux, /proc not mounted): callers then skip their check. */
size_t zk_mem_available(void);

/* Parses the value of a /proc/meminfo line such as "MemAvailable:  123456 kB"
 * (the key given without its colon) from text.
 * Returns: 1 and *bytes, or 0 when the key is absent or its value is malformed. */
int zk_meminfo_value(const char *text, const char *key, size_t *bytes);

#endif
