#include "common/sysmem.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a small text file (at most cap - 1 bytes) into buf, NUL-terminated.
 * Returns: 1, or 0 when it cannot be read. */
static int read_small(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return 0;
    buf[n] = '\0';
    return 1;
}

/* Parses one unsigned decimal number, surrounding white space allowed.
 * Returns: 1 and *v, or 0 ("max", empty, signs, trailing text, overflow). */
static int parse_u64(const char *s, uint64_t *v)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return 0;
    *v = x;
    return 1;
}

int zk_meminfo_value(const char *text, const char *key, size_t *bytes)
{
    size_t klen = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        if (strncmp(l, key, klen) != 0 || l[klen] != ':')
            continue;
        const char *s = l + klen + 1;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        errno = 0;
        char *end;
        unsigned long long kib = strtoull(s, &end, 10);
        if (errno || kib > SIZE_MAX / 1024)
            return 0;
        while (*end == ' ' || *end == '\t')
            end++;
        if (strncmp(end, "kB", 2) != 0)
            return 0;
        *bytes = (size_t)kib * 1024;
        return 1;
    }
    return 0;
}

/* The room under a cgroup limit: limit - usage read from two files, or SIZE_MAX
 * when there is no limit or the files cannot be read. */
static size_t cgroup_room(const char *limit_path, const char *usage_path)
{
    char buf[64];
    uint64_t lim, use;
    if (!read_small(limit_path, buf, sizeof buf) || !parse_u64(buf, &lim))
        return SIZE_MAX; /* absent, or "max" */
    if (!read_small(usage_path, buf, sizeof buf) || !parse_u64(buf, &use))
        return SIZE_MAX;
    if (lim >= (uint64_t)1 << 60) /* v1 writes "no limit" as a huge number */
        return SIZE_MAX;
    return use >= lim ? 0 : (size_t)(lim - use);
}

/* The cgroup path of this process for controller ctl ("" for the unified v2
 * hierarchy, "memory" for v1) from /proc/self/cgroup, into path (at most cap).
 * Returns: 1, or 0 when there is none. */
static int own_cgroup(const char *ctl, char *path, size_t cap)
{
    char text[4096];
    if (!read_small("/proc/self/cgroup", text, sizeof text))
        return 0;
    size_t clen = strlen(ctl);
    for (char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        char *c1 = strchr(l, ':'), *nl = strchr(l, '\n');
        if (!c1 || (nl && c1 > nl))
            continue;
        char *c2 = strchr(c1 + 1, ':');
        if (!c2 || (nl && c2 > nl))
            continue;
        size_t n = (size_t)(c2 - c1 - 1);
        int match = clen == 0 ? n == 0 && strncmp(l, "0:", 2) == 0
                              : n == clen && strncmp(c1 + 1, ctl, clen) == 0;
        if (!match)
            continue;
        size_t plen = nl ? (size_t)(nl - c2 - 1) : strlen(c2 + 1);
        if (plen == 0 || plen >= cap || strstr(c2 + 1, "..") == c2 + 1)
            return 0;
        memcpy(path, c2 + 1, plen);
        path[plen] = '\0';
        return 1;
    }
    return 0;
}

/* The least room under the limits of one controller: the hierarchy's root as
 * mounted (what a container with its own cgroup namespace sees) and this
 * process's own group below it. */
static size_t controller_room(const char *root, const char *ctl, const char *limit,
                              const char *usage)
{
    char lp[512], up[512], own[256];
    snprintf(lp, sizeof lp, "%s/%s", root, limit);
    snprintf(up, sizeof up, "%s/%s", root, usage);
    size_t room = cgroup_room(lp, up);
    if (own_cgroup(ctl, own, sizeof own) && strcmp(own, "/") != 0) {
        snprintf(lp, sizeof lp, "%s%s/%s", root, own, limit);
        snprintf(up, sizeof up, "%s%s/%s", root, own, usage);
        size_t r = cgroup_room(lp, up);
        if (r < room)
            room = r;
    }
    return room;
}

size_t zk_mem_available(void)
{
    char text[8192];
    size_t avail, swap = 0;
    if (!read_small("/proc/meminfo", text, sizeof text) ||
        !zk_meminfo_value(text, "MemAvailable", &avail))
        return 0;
    if (zk_meminfo_value(text, "SwapFree", &swap) && avail <= SIZE_MAX - swap)
        avail += swap;
    size_t v2 = controller_room("/sys/fs/cgroup", "", "memory.max", "memory.current");
    size_t v2u = controller_room("/sys/fs/cgroup/unified", "", "memory.max", "memory.current");
    size_t v1 = controller_room("/sys/fs/cgroup/memory", "memory", "memory.limit_in_bytes",
                                "memory.usage_in_bytes");
    size_t room = v2 < v2u ? v2 : v2u;
    if (v1 < room)
        room = v1;
    if (room < avail)
        avail = room;
    return avail ? avail : 1; /* known to be (about) nothing: not "unknown" */
}
