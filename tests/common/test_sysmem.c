/* common/sysmem.c's reading of the memory a process may take: /proc/meminfo and
 * the cgroup limits found through /proc/self/cgroup, on imitations of /proc and
 * /sys/fs/cgroup built in a temporary directory (cgroup v1 and v2, limits on a
 * parent group, "max", v1's "no limit" number, page cache, controller lists,
 * paths with spaces, paths outside the namespace). */
#include "common/sysmem.c"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../test.h"

#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)

static char root[256];

/* Writes text to root/rel, creating the directories on the way. */
static void put(const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0700);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void rm_root(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

static void new_root(void)
{
    snprintf(root, sizeof root, "/tmp/zk_sysmem_XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    /* 8 GiB available, 1 GiB of free swap */
    put("proc/meminfo", "MemTotal:       16777216 kB\nMemFree: 1 kB\nMemAvailable:    8388608 kB\n"
                        "SwapTotal: 1048576 kB\nSwapFree:        1048576 kB\n");
}

static void test_parsers(void)
{
    char p[64];
    const char *v1 = "12:pids:/a\n4:cpu,memory:/docker/x y\n0::/user.slice/s.scope\n";
    CHECK(own_cgroup(v1, "memory", p, sizeof p) && strcmp(p, "/docker/x y") == 0);
    CHECK(own_cgroup(v1, "", p, sizeof p) && strcmp(p, "/user.slice/s.scope") == 0);
    CHECK(own_cgroup(v1, "cpu", p, sizeof p) && strcmp(p, "/docker/x y") == 0);
    CHECK(!own_cgroup(v1, "mem", p, sizeof p)); /* a prefix is not the controller */
    CHECK(!own_cgroup("4:memory:/../../x\n", "memory", p, sizeof p)); /* outside */
    CHECK(!own_cgroup("4:memory:\n", "memory", p, sizeof p));
    CHECK(!own_cgroup("4:memory:/a/b/c/d\n", "memory", p, 8)); /* too long */
    CHECK(!own_cgroup("garbage\n:\n", "", p, sizeof p));
    CHECK(own_cgroup("1:name=systemd:/\n0::/", "", p, sizeof p) && strcmp(p, "/") == 0);
    uint64_t v = 7;
    const char *st = "anon 5\ninactive_file 4096\ntotal_inactive_file 9\nbad x\nneg -1\n";
    CHECK(stat_value(st, "inactive_file", &v) && v == 4096);
    CHECK(stat_value(st, "total_inactive_file", &v) && v == 9);
    v = 7;
    CHECK(!stat_value(st, "inactive", &v) && v == 7);
    CHECK(!stat_value(st, "bad", &v) && !stat_value(st, "neg", &v) && v == 7);
    CHECK(!stat_value(st, "absent", &v) && v == 7);
}

static void test_no_cgroup(void)
{
    new_root();
    CHECK_EQ(mem_available_in(root), 9 * GIB); /* MemAvailable + SwapFree */
    put("proc/self/cgroup", "0::/\n");
    put("sys/fs/cgroup/memory.max", "max\n"); /* the root of a namespace: no limit */
    put("sys/fs/cgroup/memory.current", "123\n");
    CHECK_EQ(mem_available_in(root), 9 * GIB);
    rm_root();
    new_root();
    put("proc/meminfo", "MemTotal: 1 kB\n"); /* a kernel before MemAvailable */
    CHECK_EQ(mem_available_in(root), 0);
    rm_root();
}

static void test_v2(void)
{
    new_root();
    put("proc/self/cgroup", "0::/kubepods/pod 1/ctr\n");
    put("sys/fs/cgroup/kubepods/memory.max", "max\n");
    put("sys/fs/cgroup/kubepods/memory.current", "100\n");
    /* the pod's limit (4 GiB) binds, though the container's own group has none */
    put("sys/fs/cgroup/kubepods/pod 1/memory.max", "4294967296\n");
    put("sys/fs/cgroup/kubepods/pod 1/memory.current", "1073741824\n");
    put("sys/fs/cgroup/kubepods/pod 1/ctr/memory.max", "max\n");
    put("sys/fs/cgroup/kubepods/pod 1/ctr/memory.current", "1073741824\n");
    CHECK_EQ(mem_available_in(root), 3 * GIB);
    /* 2 GiB of the pod's usage is inactive page cache: reclaimable, not taken */
    put("sys/fs/cgroup/kubepods/pod 1/memory.current", "3221225472\n");
    put("sys/fs/cgroup/kubepods/pod 1/memory.stat", "anon 1073741824\nfile 2147483648\n"
                                                    "inactive_file 2147483648\n");
    CHECK_EQ(mem_available_in(root), 3 * GIB);
    /* the container's own, lower limit */
    put("sys/fs/cgroup/kubepods/pod 1/ctr/memory.max", "1610612736\n");
    CHECK_EQ(mem_available_in(root), 512 * MIB);
    /* at or above its limit: 1 (known to be nothing), not 0 (unknown) */
    put("sys/fs/cgroup/kubepods/pod 1/ctr/memory.max", "1000\n");
    CHECK_EQ(mem_available_in(root), 1);
    rm_root();
    /* a container with its own namespace sees its limit at the mount's root */
    new_root();
    put("proc/self/cgroup", "0::/\n");
    put("sys/fs/cgroup/memory.max", "2147483648\n");
    put("sys/fs/cgroup/memory.current", "1073741824\n");
    CHECK_EQ(mem_available_in(root), GIB);
    rm_root();
}

static void test_v1(void)
{
    new_root();
    put("proc/self/cgroup", "5:devices:/\n4:memory:/process_api/abc\n0::/\n");
    put("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put("sys/fs/cgroup/memory/memory.usage_in_bytes", "663166976\n");
    put("sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712\n");
    put("sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes", "164544512\n");
    CHECK_EQ(mem_available_in(root), 9 * GIB); /* "no limit" everywhere */
    /* the parent's limit, v1's hierarchical page cache */
    put("sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "2147483648\n");
    put("sys/fs/cgroup/memory/process_api/memory.usage_in_bytes", "1610612736\n");
    put("sys/fs/cgroup/memory/process_api/memory.stat",
        "cache 0\ninactive_file 0\ntotal_inactive_file 1073741824\n");
    CHECK_EQ(mem_available_in(root), 1536 * MIB);
    /* malformed files are no limit, not zero room */
    put("sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "-1\n");
    CHECK_EQ(mem_available_in(root), 9 * GIB);
    rm_root();
}

int main(void)
{
    t_seed();
    test_parsers();
    test_no_cgroup();
    test_v2();
    test_v1();
    size_t real = zk_mem_available();
    printf("this machine: %.2f GiB available\n", (double)real / (double)GIB);
    CHECK(real > 16 * MIB);
    return t_report("test_sysmem");
}
