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

/* The bytes of a "key value" line of a cgroup's memory.stat (values in bytes).
 * Returns: 1 and *v, or 0 when the key is absent or malformed. */
static int stat_value(const char *text, const char *key, uint64_t *v)
{
    size_t klen = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        if (strncmp(l, key, klen) != 0 || l[klen] != ' ')
            continue;
        const char *s = l + klen + 1;
        if (!isdigit((unsigned char)*s))
            return 0;
        errno = 0;
        char *end;
        unsigned long long x = strtoull(s, &end, 10);
        if (errno || (*end != '\n' && *end != '\0'))
            return 0;
        *v = x;
        return 1;
    }
    return 0;
}

/* The room under the limit of one cgroup directory: limit - usage, where usage
 * leaves out the inactive page cache (memory.stat's inactive_file; v1's
 * hierarchical total_inactive_file), which the kernel reclaims before it kills
 * anything: a build or a database that filled the cache does not count as taken
 * (the "working set" of container runtimes). SIZE_MAX when there is no limit or
 * the files cannot be read. */
static size_t cgroup_room(const char *dir, int v1)
{
    char path[768], buf[64];
    uint64_t lim, use, inact = 0;
    snprintf(path, sizeof path, "%s/%s", dir, v1 ? "memory.limit_in_bytes" : "memory.max");
    if (!read_small(path, buf, sizeof buf) || !parse_u64(buf, &lim))
        return SIZE_MAX;          /* absent, or "max" */
    if (lim >= (uint64_t)1 << 60) /* v1 writes "no limit" as a huge number */
        return SIZE_MAX;
    snprintf(path, sizeof path, "%s/%s", dir, v1 ? "memory.usage_in_bytes" : "memory.current");
    if (!read_small(path, buf, sizeof buf) || !parse_u64(buf, &use))
        return SIZE_MAX;
    char stat[8192];
    snprintf(path, sizeof path, "%s/memory.stat", dir);
    if (read_small(path, stat, sizeof stat) &&
        stat_value(stat, v1 ? "total_inactive_file" : "inactive_file", &inact))
        use = inact >= use ? 0 : use - inact;
    return use >= lim ? 0 : (size_t)(lim - use);
}

/* The cgroup path of this process for controller ctl ("" for the unified v2
 * hierarchy, "memory" for v1, also within a list such as "cpu,memory") from the
 * text of /proc/self/cgroup, into path (at most cap).
 * Returns: 1, or 0 when there is none (or it lies outside this namespace). */
static int own_cgroup(const char *text, const char *ctl, char *path, size_t cap)
{
    size_t clen = strlen(ctl);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        const char *c1 = strchr(l, ':'), *nl = strchr(l, '\n');
        if (!c1 || (nl && c1 > nl))
            continue;
        const char *c2 = strchr(c1 + 1, ':');
        if (!c2 || (nl && c2 > nl))
            continue;
        int match = 0;
        if (clen == 0) {
            match = c2 == c1 + 1 && strncmp(l, "0:", 2) == 0;
        } else {
            for (const char *s = c1 + 1; s < c2 && !match;) {
                const char *e = memchr(s, ',', (size_t)(c2 - s));
                if (!e)
                    e = c2;
                match = (size_t)(e - s) == clen && strncmp(s, ctl, clen) == 0;
                s = e + 1;
            }
        }
        if (!match)
            continue;
        size_t plen = nl ? (size_t)(nl - c2 - 1) : strlen(c2 + 1);
        if (plen == 0 || plen >= cap || c2[1] != '/' || strncmp(c2 + 1, "/..", 3) == 0)
            return 0;
        memcpy(path, c2 + 1, plen);
        path[plen] = '\0';
        return 1;
    }
    return 0;
}

/* The least room under the limits of one hierarchy mounted at mnt: its root as
 * mounted (what a container with its own cgroup namespace sees) and every group
 * from there down to this process's own (own, from /proc/self/cgroup, NULL when
 * unknown): a limit set on a parent (a systemd slice, a Kubernetes pod) binds the
 * process as much as one on its own group. */
static size_t hierarchy_room(const char *mnt, const char *own, int v1)
{
    size_t room = cgroup_room(mnt, v1);
    if (!own)
        return room;
    char dir[768];
    size_t mlen = strlen(mnt);
    if (mlen + strlen(own) >= sizeof dir)
        return room;
    memcpy(dir, mnt, mlen);
    for (const char *s = own; *s;) {
        const char *e = strchr(s + 1, '/');
        size_t len = e ? (size_t)(e - own) : strlen(own);
        memcpy(dir + mlen, own, len);
        dir[mlen + len] = '\0';
        if (len > 1) { /* "/" is the root, read above */
            size_t r = cgroup_room(dir, v1);
            if (r < room)
                room = r;
        }
        if (!e)
            break;
        s = e;
    }
    return room;
}

/* zk_mem_available with every file read under root ("" for the machine's own;
 * the tests give a directory that imitates /proc and /sys/fs/cgroup). */
static size_t mem_available_in(const char *root)
{
    char text[8192], path[512];
    size_t avail, swap = 0;
    snprintf(path, sizeof path, "%s/proc/meminfo", root);
    if (!read_small(path, text, sizeof text) || !zk_meminfo_value(text, "MemAvailable", &avail))
        return 0;
    if (zk_meminfo_value(text, "SwapFree", &swap) && avail <= SIZE_MAX - swap)
        avail += swap;
    char cg[4096], own2[512], own1[512];
    snprintf(path, sizeof path, "%s/proc/self/cgroup", root);
    int have = read_small(path, cg, sizeof cg);
    const char *o2 = have && own_cgroup(cg, "", own2, sizeof own2) ? own2 : NULL;
    const char *o1 = have && own_cgroup(cg, "memory", own1, sizeof own1) ? own1 : NULL;
    char mnt[512];
    snprintf(mnt, sizeof mnt, "%s/sys/fs/cgroup", root);
    size_t room = hierarchy_room(mnt, o2, 0);
    snprintf(mnt, sizeof mnt, "%s/sys/fs/cgroup/unified", root);
    size_t r = hierarchy_room(mnt, o2, 0);
    room = r < room ? r : room;
    snprintf(mnt, sizeof mnt, "%s/sys/fs/cgroup/memory", root);
    r = hierarchy_room(mnt, o1, 1);
    room = r < room ? r : room;
    if (room < avail)
        avail = room;
    return avail ? avail : 1; /* known to be (about) nothing: not "unknown" */
}

size_t zk_mem_available(void)
{
    return mem_available_in("");
}
